"""Per-sentence counts, and the statistics as ratios of their sums with bootstrap replicates.

Every statistic of the report is ``Σ_s num_s / Σ_s den_s`` over sentences ``s`` of two counts
(:data:`RATIOS`), so a bootstrap resample of sentences needs only the counts. Counts come in two
groups by what they count: :data:`WORD_COUNTS` over a sentence's scored words, :data:`UNIT_COUNTS`
over its units (its words and its special tokens). A score row that is undefined for one of
those (nan, e.g. attention at layer 0) counts nothing in that group.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from .. import stats as S

WORD_COUNTS = (
    "wins",  # content-over-function wins, ties ½ (the AUROC's numerator)
    "pairs",  # (content, function) pairs
    "n_high",
    "n_high_content",
    "n_high_punct",
    "n_words",
    "n_content",
    "n_punct",
)
UNIT_COUNTS = ("n_high_units", "n_high_special", "n_units", "n_special")
COUNTS = WORD_COUNTS + UNIT_COUNTS
RATIOS = {  # statistic: (numerator, denominator)
    "auroc": ("wins", "pairs"),
    "content_share": ("n_high_content", "n_high"),
    "base_rate": ("n_content", "n_words"),
    "punct_share": ("n_high_punct", "n_high"),
    "punct_base": ("n_punct", "n_words"),
    "special_share": ("n_high_special", "n_high_units"),
    "special_base": ("n_special", "n_units"),
}

Counts = dict[str, np.ndarray]  # count name -> float64 [n_sentences, n_rows]


class SentenceRows(NamedTuple):
    """One sentence's score rows (or ``S`` sentences' of equal length, stacked in front)."""

    values: np.ndarray  # [rows, n]: the scores of its ``n`` scored words
    specials: np.ndarray  # [rows, n_special]: its special tokens' scores
    content: np.ndarray  # bool [n]
    function: np.ndarray  # bool [n]
    punct: np.ndarray  # bool [n]


def count_sentences(rows: list[SentenceRows], n_rows: int, quantile: float) -> Counts:
    """Every count of every sentence and row; sentences of equal length counted together."""
    out = {name: np.zeros((len(rows), n_rows)) for name in COUNTS}
    for group in equal_length_groups([r.values.shape[1] for r in rows], n_rows):
        members = [rows[i] for i in group]
        stacked = SentenceRows(*map(np.stack, zip(*members, strict=True)))
        for name, v in sentence_counts(stacked, quantile).items():
            out[name][group] = v
    return out


def sentence_counts(rows: SentenceRows, quantile: float) -> Counts:
    """``[S, rows]`` per count for ``S`` stacked sentences of ``n`` scored words each; HIGH is
    :func:`afn_widget.stats.high_rows` (``buckets.split``'s rule) per sentence and row."""
    n_s, n_rows, n = rows.values.shape
    if n == 0:
        return {name: np.zeros((n_s, n_rows)) for name in COUNTS}
    return {**_word_counts(rows, quantile), **_unit_counts(rows, quantile)}


def _word_counts(rows: SentenceRows, quantile: float) -> Counts:
    values, content, function, punct = rows.values, rows.content, rows.function, rows.punct
    n_s, n_rows, n = values.shape
    high = S.high_rows(values.reshape(n_s * n_rows, n), quantile).reshape(n_s, n_rows, n)
    counts = {
        "wins": np.nan_to_num(S.grouped_wins(values, content, function)),
        "pairs": (content.sum(1) * function.sum(1))[:, None],
        "n_high": high.sum(2),
        "n_high_content": (high & content[:, None]).sum(2),
        "n_high_punct": (high & punct[:, None]).sum(2),
        "n_words": n,
        "n_content": content.sum(1)[:, None],
        "n_punct": punct.sum(1)[:, None],
    }
    return _where_defined(counts, WORD_COUNTS, np.isfinite(values).all(axis=2))


def _unit_counts(rows: SentenceRows, quantile: float) -> Counts:
    n_s, n_rows, n = rows.values.shape
    units = np.concatenate([rows.values, rows.specials], axis=2)
    m = units.shape[2]
    high = S.high_rows(units.reshape(n_s * n_rows, m), quantile).reshape(n_s, n_rows, m)
    counts = {
        "n_high_units": high.sum(2),
        "n_high_special": high[..., n:].sum(2),
        "n_units": m,
        "n_special": m - n,
    }
    return _where_defined(counts, UNIT_COUNTS, np.isfinite(units).all(axis=2))


def _where_defined(counts: dict[str, Any], names: tuple[str, ...], defined: np.ndarray) -> Counts:
    """The counts ``names`` as float64 ``[S, rows]``, 0 where the row is not ``defined``."""
    out = {}
    for name in names:
        a = np.zeros(defined.shape)
        a[...] = counts[name]
        a[~defined] = 0
        out[name] = a
    return out


def equal_length_groups(
    lengths: list[int], rows: int, budget: int = 1 << 22
) -> Iterator[list[int]]:
    """Indices of items of equal length, in groups of at most ``budget`` pairwise comparisons
    (``rows · n²`` each), so that a group's counts are computed at once."""
    same: dict[int, list[int]] = {}
    for i, n in enumerate(lengths):
        same.setdefault(n, []).append(i)
    for n, idx in same.items():
        step = max(1, budget // max(1, rows * n * n))
        for k in range(0, len(idx), step):
            yield idx[k : k + step]


class Estimates(NamedTuple):
    point: dict[str, np.ndarray]  # statistic -> [rows]
    replicates: dict[str, np.ndarray]  # statistic -> [n_boot, rows]


def estimates(counts: Counts, n_boot: int, seed: int) -> Estimates:
    """Each statistic of :data:`RATIOS` and ``lift = content_share / base_rate``, on all
    sentences and on ``n_boot`` resamples of them (:func:`afn_widget.stats.bootstrap_weights`,
    seed ``seed``)."""
    weights = S.bootstrap_weights(counts["n_words"].shape[0], n_boot, seed)
    point: dict[str, np.ndarray] = {}
    reps: dict[str, np.ndarray] = {}
    for stat, (num, den) in RATIOS.items():
        n_, d_ = counts[num].sum(0), counts[den].sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            point[stat] = np.where(d_ > 0, n_ / np.where(d_ > 0, d_, 1), np.nan)
        reps[stat] = S.ratio_replicates(counts[num], counts[den], weights)
    point["lift"] = point["content_share"] / point["base_rate"]
    reps["lift"] = reps["content_share"] / reps["base_rate"]
    return Estimates(point, reps)
