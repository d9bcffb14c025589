"""The table broken down: by seed, by role mapping, by UPOS tag and by Zipf bin. Each is a
frame of ratio statistics with 95% CIs from the same resamples as the table (:mod:`.pool`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import stats as S
from .counts import DETAIL_RATIOS, MAPPING_RATIOS, ZIPF_BINS
from .mappings import UPOS_TAGS
from .names import CONTROLS, RowKey
from .pool import Pool, Resamples
from .rows import RunRowKey

SEED_STATS = ("auroc", "auroc_matched", "content_share", "lift", "high_share")


def seed_frame(resamples: Resamples, run_keys: list[RunRowKey], ratios: dict) -> Any:
    """One row per control run (condition, seed) and score and layer: its own statistics, with
    CIs from the sentence resamples alone."""
    import pandas as pd

    rows = [i for i, (run, _, _) in enumerate(run_keys) if run.condition in CONTROLS]
    if not rows:
        return pd.DataFrame(columns=["condition", "seed", "score", "layer"])
    want = {s: ratios[s] for s in (*SEED_STATS, "base_rate") if s != "lift"}
    point, reps = resamples.estimate(want, Pool(np.array(rows)[:, None]))
    point["lift"] = point["content_share"] / point["base_rate"]
    reps["lift"] = reps["content_share"] / reps["base_rate"]
    keys = [run_keys[i] for i in rows]
    frame: dict[str, Any] = {
        "condition": [k[0].condition for k in keys],
        "seed": [k[0].seed for k in keys],
        "score": [k[1] for k in keys],
        "layer": pd.array([k[2] for k in keys], dtype="Int64"),
    }
    frame |= with_ci(point, reps, SEED_STATS)
    out = pd.DataFrame(frame)
    return out[out["auroc"].notna() | out["content_share"].notna()].reset_index(drop=True)


def mapping_frame(
    resamples: Resamples, pool: Pool, keys: list[RowKey], defined: list[bool], upos: bool
) -> Any:
    """The main figures (AUROC, matched AUROC, content share, base rate, lift, HIGH share) of
    every table row under each mapping of :mod:`.mappings` (``adv_split`` needs gold UPOS)."""
    import pandas as pd

    parts = []
    for mapping, ratios in MAPPING_RATIOS.items():
        if mapping == "adv_split" and not upos:
            continue
        point, reps = resamples.estimate(ratios, pool)
        point["lift"] = point["content_share"] / point["base_rate"]
        reps["lift"] = reps["content_share"] / reps["base_rate"]
        frame: dict[str, Any] = {
            "mapping": mapping,
            "condition": [k[0] for k in keys],
            "score": [k[1] for k in keys],
            "layer": pd.array([k[2] for k in keys], dtype="Int64"),
        }
        names = ("auroc", "auroc_matched", "content_share", "base_rate", "lift", "high_share")
        frame |= with_ci(point, reps, names, no_ci=("base_rate",))
        parts.append(pd.DataFrame(frame)[np.array(defined)])
    return pd.concat(parts, ignore_index=True)


def detail_frame(
    what: str, resamples: Resamples, pool: Pool, keys: list[RowKey], defined: list[bool]
) -> Any:
    """``what="upos"``: the HIGH rate of the words of each gold UPOS tag, per table row;
    ``what="zipf_bin"``: the AUROC over the pairs of each Zipf bin. One row per table row and
    tag or bin that has words or pairs, with 95% CIs."""
    import pandas as pd

    num, den = DETAIL_RATIOS[what]
    point, reps = resamples.estimate({what: (num, den)}, pool)
    lo, hi = S.percentile_ci(reps[what])
    counted = resamples.counts[den].sum(0)[pool.members[:, 0]]  # [rows, k], one seed
    labels, stat, n_name = (
        (UPOS_TAGS, "high_rate", "n_words") if what == "upos" else (ZIPF_BINS, "auroc", "n_pairs")
    )
    out = []
    for t, key in enumerate(keys):
        if not defined[t]:
            continue
        for k, label in enumerate(labels):
            if counted[t, k] > 0:
                out.append((*key, label, point[what][t, k], lo[t, k], hi[t, k], counted[t, k]))
    cols = ["condition", "score", "layer", what, stat, f"{stat}_lo", f"{stat}_hi", n_name]
    frame = pd.DataFrame(out, columns=cols)
    frame["layer"] = pd.array(frame["layer"], dtype="Int64")
    frame[n_name] = frame[n_name].astype(np.int64)
    return frame


def with_ci(
    point: dict[str, np.ndarray],
    reps: dict[str, np.ndarray],
    names: tuple[str, ...],
    no_ci: tuple[str, ...] = (),
) -> dict[str, np.ndarray]:
    """Each statistic of ``names`` and, but for ``no_ci``, its 95% percentile interval as
    ``<name>_lo`` / ``<name>_hi``."""
    out = {}
    for name in names:
        out[name] = point[name]
        if name not in no_ci:
            out[f"{name}_lo"], out[f"{name}_hi"] = S.percentile_ci(reps[name])
    return out
