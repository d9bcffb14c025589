"""The numeric primitives of the corpus report: pure numpy, no torch, nothing about words or
roles (what the report counts per sentence is :mod:`.counts`; its estimates and their bootstrap,
:mod:`.pool`).

* :func:`high_rows` — HIGH/LOW for many score rows at once, by the definition of
  :func:`afn_widget.buckets.split` (``high="quantile"``: ``HIGH`` iff ``value >=
  numpy.quantile(row, q)``, numpy's default linear method; ``high="top_k"``: the
  ``buckets.top_k_count`` largest, ties by position); a row holding a nan has no HIGH units (the
  score is undefined there, e.g. attention at layer 0).
* :func:`pair_wins` — the Mann–Whitney count behind AUROC, per group (sentence) and pair set:
  over every pair ``(i, j)`` a mask selects, 1 when unit ``i`` scores higher, ½ on a tie;
  :func:`grouped_wins` is its (positive, negative) case.
* :func:`bootstrap_weights` / :func:`ratio_replicates` — the bootstrap over *units of
  resampling* (sentences): every statistic of the report is a ratio of sums of per-sentence
  counts, so a resample is a vector of multinomial counts ``w`` and its statistic is
  ``(w @ num) / (w @ den)``. All resamples are one matrix product.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np


def high_rows(values: np.ndarray, quantile: float, high: str = "quantile") -> np.ndarray:
    """``bool [K, n]``: under ``high="quantile"``, ``values[k, i] >= numpy.quantile(values[k],
    quantile)``; under ``high="top_k"``, the ``buckets.top_k_count(n, quantile)`` largest values of
    each row, ties broken by position.

    Equals ``buckets.split(values[k], all_eligible, quantile, high).high`` row by row (tested);
    rows with a nan are all ``False``.
    """
    from ..buckets import top_k_count

    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError("values must be 2-D: one row per score")
    if values.shape[1] == 0:
        return np.zeros(values.shape, dtype=bool)
    valid = np.isfinite(values).all(axis=1)
    out = np.zeros(values.shape, dtype=bool)
    if valid.any():
        v = values[valid]
        if high == "top_k":
            order = np.argsort(-v, axis=1, kind="stable")
            top = np.zeros(v.shape, dtype=bool)
            top[:, : top_k_count(v.shape[1], quantile)] = True
            np.put_along_axis(top, order, top.copy(), axis=1)
            out[valid] = top
        else:
            thr = np.quantile(v, quantile, axis=1)
            out[valid] = v >= thr[:, None]
    return out


def pair_wins(values: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """``[S, R, M]``: ``Σ_{(i, j) ∈ mask m} [v_i > v_j] + ½ [v_i = v_j]`` of every row ``v =
    values[s, r]`` and every pair set ``m``, for ``S`` groups (sentences) of ``n`` units at once.

    ``values``: ``[S, R, n]``; ``masks``: ``[S, n, n, M]`` (0/1: pair ``(i, j)`` counts in set
    ``m``, ``i`` the unit expected to score higher). Only the pairs some set holds are compared
    (at most ``S·R·n²`` comparisons) and contracted with the masks in one product, so this is
    for short groups such as sentences. The product runs in float32, exact for these sums of
    halves below ``2**23`` pairs a group. Rows with a nan give nan.
    """
    values = np.asarray(values, dtype=np.float64)
    masks = np.asarray(masks, dtype=bool)
    n_s, n_r, n = values.shape
    n_m = masks.shape[-1]
    used = masks.any(axis=-1).reshape(n_s, n * n)  # [S, n²]: pairs in any set
    width = int(used.sum(axis=1).max()) if n_s and n else 0
    # each group's used pairs first (a stable sort keeps them in order), padded by unused ones
    order = np.argsort(~used, axis=1, kind="stable")[:, :width]  # [S, width]
    keep = np.take_along_axis(used, order, axis=1)
    i, j = order // max(n, 1), order % max(n, 1)
    a = np.take_along_axis(values, i[:, None, :], axis=2)
    b = np.take_along_axis(values, j[:, None, :], axis=2)
    cmp = (a > b).astype(np.float32)
    cmp += np.float32(0.5) * (a == b)
    m = np.take_along_axis(masks.reshape(n_s, n * n, n_m), order[:, :, None], axis=1)
    m = (m & keep[:, :, None]).astype(np.float32)  # [S, width, M]
    out = (cmp @ m).astype(np.float64)
    out[~np.isfinite(values).all(axis=2)] = np.nan
    return out


def grouped_wins(values: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """``[S, R]``: ``Σ_{i∈pos, j∈neg} [v_i > v_j] + ½ [v_i = v_j]`` of every row
    ``v = values[s, r]``, for ``S`` groups (sentences) of ``n`` units at once; the group's AUROC
    is that count over ``n_pos · n_neg``.

    ``values``: ``[S, R, n]``; ``pos``, ``neg``: ``bool [S, n]``, which units of each group are
    positive / negative (:func:`pair_wins` with the one pair set ``pos × neg``). Rows with a nan
    give nan.
    """
    pairs = pos[:, :, None] & neg[:, None, :]
    return pair_wins(values, pairs[..., None])[..., 0]


def bootstrap_weights(n_units: int, n_boot: int, seed: int | Sequence[int] = 0) -> np.ndarray:
    """``float64 [n_boot, n_units]``: how often each unit is drawn in each resample
    (``n_units`` draws with replacement; ``seed`` as for ``numpy.random.default_rng``)."""
    rng = np.random.default_rng(seed)
    if n_units == 0:
        return np.zeros((n_boot, 0))
    return rng.multinomial(n_units, np.full(n_units, 1.0 / n_units), size=n_boot).astype(np.float64)


def ratio_replicates(num: np.ndarray, den: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``[n_boot, ...]``: ``Σ_s w_s num_s / Σ_s w_s den_s`` for every resample ``w``.

    ``num`` and ``den``: ``[n_units, ...]`` per-unit counts. nan where the denominator is 0.
    """
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    shape = num.shape[1:]
    n = weights @ num.reshape(num.shape[0], -1)
    d = weights @ den.reshape(den.shape[0], -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(d > 0, n / np.where(d > 0, d, 1.0), np.nan)
    return out.reshape((weights.shape[0], *shape))


def percentile_ci(replicates: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The percentile interval of bootstrap replicates (axis 0), ignoring nan resamples."""
    a = (1.0 - level) / 2.0
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 'All-NaN slice': undefined stays nan
        lo = np.nanquantile(replicates, a, axis=0)
        hi = np.nanquantile(replicates, 1.0 - a, axis=0)
    return lo, hi
