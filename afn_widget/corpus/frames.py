"""The report's two frames: the statistics table (one row per defined (condition, score,
layer)) and the words (one row per word)."""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

import numpy as np

from .. import stats as S
from .collect import Collected
from .counts import Counts, Estimates, equal_length_groups
from .names import STATS, RowKey

NO_CI = ("base_rate", "punct_base", "special_base")  # the same words in every resample's row


class Table(NamedTuple):
    frame: Any  # pandas.DataFrame
    keys: list[RowKey]  # of its rows
    replicates: dict[str, np.ndarray]  # statistic -> float32 [n_boot, rows]


def table_frame(keys: list[RowKey], est: Estimates, counts: Counts) -> Table:
    """Statistics with their ``_lo``/``_hi`` 95% CIs; rows where neither the AUROC nor the
    content share is defined (a score undefined at that layer) left out."""
    import pandas as pd

    cols: dict[str, Any] = {
        "condition": [k[0] for k in keys],
        "score": [k[1] for k in keys],
        "layer": pd.array([k[2] for k in keys], dtype="Int64"),
    }
    for stat in STATS:
        cols[stat] = est.point[stat]
        if stat not in NO_CI:
            lo, hi = S.percentile_ci(est.replicates[stat])
            cols[f"{stat}_lo"], cols[f"{stat}_hi"] = lo, hi
    cols["n_sentences"] = counts["n_words"].shape[0]
    cols["n_words"] = counts["n_words"].sum(0).astype(np.int64)
    cols["n_pairs"] = counts["pairs"].sum(0).astype(np.int64)
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
) -> Any:
    """One row per word of the kept sentences: its sentence, form, UPOS, role, zipf, TAS per
    layer (``tas``: ``[L+1, n_words]``) and whether it is HIGH at ``layer``."""
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
    }
    for l_ in range(tas.shape[0]):
        frame[f"tas_{l_}"] = tas[l_].astype(np.float64)
    frame[f"high_{layer}"] = _high(tas[layer], lengths, quantile)
    return pd.DataFrame(frame)


def _high(tas: np.ndarray, lengths: list[int], quantile: float) -> np.ndarray:
    """HIGH per sentence among its scored words (buckets.split's rule; equal lengths together)."""
    high = np.zeros(tas.shape[0], dtype=bool)
    starts = np.concatenate([[0], np.cumsum(lengths)])
    at = [np.flatnonzero(np.isfinite(tas[a:b])) + a for a, b in itertools.pairwise(starts)]
    for group in equal_length_groups([len(x) for x in at], 1):
        idx = np.stack([at[i] for i in group])  # [S, n]
        high[idx] = S.high_rows(tas[idx], quantile)
    return high
