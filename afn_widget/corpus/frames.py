"""The report's two main frames: the statistics table (one row per defined (condition, score,
layer) and the baselines) and the words (one row per word)."""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

import numpy as np

from . import stats as S
from .collect import Collected
from .counts import RATIOS, Counts, equal_length_groups
from .names import BASELINE, FREQUENCY, LEXICAL, STATS, RowKey, Run
from .pool import Estimates, Pool, Resamples
from .rows import BASELINE_RUN, RunRowKey

# no CI: the same words in every row (the base rates), or what a row left out (not an estimate)
NO_CI = ("base_rate", "punct_base", "special_base", "massive_share", "massive_special_share")


class Table(NamedTuple):
    frame: Any  # pandas.DataFrame
    keys: list[RowKey]  # of its rows
    replicates: dict[str, np.ndarray]  # statistic -> float32 [n_boot, rows]


def table_keys(conditions: tuple[str, ...], want: tuple[str, ...], n_layers: int) -> list[RowKey]:
    """Every condition's scores at every layer, then the baselines (no layer)."""
    keys: list[RowKey] = [
        (c, s, l_) for c in conditions for s in want for l_ in range(n_layers + 1)
    ]
    return keys + [(BASELINE, FREQUENCY, None), (BASELINE, LEXICAL, None)]


def pool_of(keys: list[RowKey], run_keys: list[RunRowKey], seeds: tuple[int, ...]) -> Pool:
    """Each table row's run rows: a control's at every seed, any other row's ``len(seeds)``
    times (which leaves its ratios as they are)."""
    where = {k: i for i, k in enumerate(run_keys)}
    members = []
    for cond, score, layer in keys:
        if cond in ("trained", BASELINE):
            run = Run(cond) if cond == "trained" else BASELINE_RUN
            members.append([where[(run, score, layer)]] * len(seeds))
        else:
            members.append([where[(Run(cond, s), score, layer)] for s in seeds])
    return Pool(np.array(members, dtype=np.int64).reshape(len(keys), len(seeds)))


def table_estimates(
    resamples: Resamples,
    pool: Pool,
    keys: list[RowKey],
    more: dict[str, tuple[str, str]] | None = None,
) -> Estimates:
    """:data:`RATIOS` and ``more`` (the further matchings' AUROCs) of every row, with ``lift =
    content_share / base_rate`` and ``lr_gain = lr_auroc − auroc(controls baseline)``, on all
    sentences and every resample."""
    est = resamples.estimate(RATIOS | (more or {}), pool)
    point, reps = est
    point["lift"] = point["content_share"] / point["base_rate"]
    reps["lift"] = reps["content_share"] / reps["base_rate"]
    lexical = keys.index((BASELINE, LEXICAL, None))
    point["lr_gain"] = point["lr_auroc"] - point["auroc"][lexical]
    reps["lr_gain"] = reps["lr_auroc"] - reps["auroc"][:, lexical : lexical + 1]
    return est


def table_frame(
    keys: list[RowKey], est: Estimates, counts: Counts, pool: Pool, more: tuple[str, ...] = ()
) -> Table:
    """Statistics (:data:`STATS`, then ``more``: the further matchings' AUROCs) with their
    ``_lo``/``_hi`` 95% CIs; rows where neither the AUROC nor the content share is defined (a
    score undefined at that layer) left out. Word and pair counts are those of one run (every
    seed reads the same words)."""
    import pandas as pd

    cols: dict[str, Any] = {
        "condition": [k[0] for k in keys],
        "score": [k[1] for k in keys],
        "layer": pd.array([k[2] for k in keys], dtype="Int64"),
    }
    for stat in STATS + more:
        cols[stat] = est.point[stat]
        if stat not in NO_CI:
            lo, hi = S.percentile_ci(est.replicates[stat])
            cols[f"{stat}_lo"], cols[f"{stat}_hi"] = lo, hi
    one = pool.members[:, 0]
    cols["n_sentences"] = counts["n_words"].shape[0]
    for col, name in (
        ("n_words", "n_words"),
        ("n_pairs", "pairs"),
        ("n_pairs_matched", "pairs_matched"),
        ("n_pairs_binned", "pairs_binned"),
    ):
        cols[col] = counts[name].sum(0)[one].astype(np.int64)  # fmt: skip
    for stat in more:  # auroc_matched_x: n_pairs_matched_x
        name = "pairs" + stat.removeprefix("auroc")
        cols["n_" + name] = counts[name].sum(0)[one].astype(np.int64)
    cols["n_massive"] = counts["massive_words"].sum(0)[one].astype(np.int64)
    cols["n_seeds"] = [pool.n_seeds if k[0] not in ("trained", BASELINE) else 1 for k in keys]
    table = pd.DataFrame(cols)
    defined = table[["auroc", "content_share"]].notna().any(axis=1).to_numpy()
    return Table(
        table[defined].reset_index(drop=True),
        [k for k, d in zip(keys, defined, strict=True) if d],
        {k: v[:, defined].astype(np.float32) for k, v in est.replicates.items()},
    )


def words_frame(
    collected: Collected,
    roles: list[list[str]],
    zipf: np.ndarray,
    tas: np.ndarray,
    layer: int,
    quantile: float,
    high: str,
    massive: np.ndarray | None = None,
    include_massive: bool = False,
) -> Any:
    """One row per word of the kept sentences: its sentence, form, UPOS, role, zipf, number of
    subword pieces, TAS per layer (``tas``: ``[L+1, n_words]``), whether it is HIGH at
    ``layer`` (by the rule ``high``) and whether it carries a massive activation there
    (``massive``: bool ``[L+1, n_words]``; such words are left out of the quantile unless
    ``include_massive``, and are not HIGH)."""
    import pandas as pd

    kept = collected.sentences
    lengths = [len(s.words) for s in kept]
    frame: dict[str, Any] = {
        "sentence": np.repeat(np.array(collected.positions), lengths),
        "sent_id": np.repeat(np.array([s.sent_id for s in kept], dtype=object), lengths),
        "word_index": np.concatenate([np.arange(n) for n in lengths]),
        "word": [w for s in kept for w in s.words],
        "upos": [u for s in kept for u in (s.upos or [None] * len(s.words))],
        "role": [r for rs in roles for r in rs],
        "zipf": zipf,
        "n_pieces": np.concatenate(collected.n_pieces),
    }
    for l_ in range(tas.shape[0]):
        frame[f"tas_{l_}"] = tas[l_].astype(np.float64)
    at = tas[layer]
    if massive is not None:
        frame[f"massive_{layer}"] = massive[layer]
        if not include_massive:
            at = np.where(massive[layer], np.nan, at)
    frame[f"high_{layer}"] = _high(at, lengths, quantile, high)
    return pd.DataFrame(frame)


def _high(tas: np.ndarray, lengths: list[int], quantile: float, rule: str) -> np.ndarray:
    """HIGH per sentence among its scored words (buckets.split's rule; equal lengths together)."""
    high = np.zeros(tas.shape[0], dtype=bool)
    starts = np.concatenate([[0], np.cumsum(lengths)])
    at = [np.flatnonzero(np.isfinite(tas[a:b])) + a for a, b in itertools.pairwise(starts)]
    for group in equal_length_groups([len(x) for x in at], 1):
        idx = np.stack([at[i] for i in group])  # [S, n]
        high[idx] = S.high_rows(tas[idx], quantile, rule)
    return high
