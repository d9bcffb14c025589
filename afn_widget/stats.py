"""Statistics for the corpus report: pure numpy, no torch.

* :func:`high_rows` — HIGH/LOW for many score rows at once, by the definition of
  :func:`afn_widget.buckets.split` (``HIGH`` iff ``value >= numpy.quantile(row, q)``, numpy's
  default linear method); a row holding a nan has no HIGH units (the score is undefined there,
  e.g. attention at layer 0).
* :func:`grouped_wins` — the Mann–Whitney count behind AUROC, per group (sentence): over every
  (positive, negative) pair of the group, 1 when the positive scores higher, ½ on a tie.
* :func:`bootstrap_weights` / :func:`ratio_replicates` — the bootstrap over *units of
  resampling* (sentences): every statistic of the report is a ratio of sums of per-sentence
  counts, so a resample is a vector of multinomial counts ``w`` and its statistic is
  ``(w @ num) / (w @ den)``. All resamples are one matrix product.
"""

from __future__ import annotations

import warnings

import numpy as np


def high_rows(values: np.ndarray, quantile: float) -> np.ndarray:
    """``bool [K, n]``: ``values[k, i] >= numpy.quantile(values[k], quantile)``.

    Equals ``buckets.split(values[k], all_eligible, quantile).high`` row by row (tested); rows
    with a nan are all ``False``.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError("values must be 2-D: one row per score")
    if values.shape[1] == 0:
        return np.zeros(values.shape, dtype=bool)
    valid = np.isfinite(values).all(axis=1)
    out = np.zeros(values.shape, dtype=bool)
    if valid.any():
        v = values[valid]
        thr = np.quantile(v, quantile, axis=1)
        out[valid] = v >= thr[:, None]
    return out


def grouped_wins(values: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """``[S, R]``: ``Σ_{i∈pos, j∈neg} [v_i > v_j] + ½ [v_i = v_j]`` of every row
    ``v = values[s, r]``, for ``S`` groups (sentences) of ``n`` units at once; the group's AUROC
    is that count over ``n_pos · n_neg``.

    ``values``: ``[S, R, n]``; ``pos``, ``neg``: ``bool [S, n]``, which units of each group are
    positive / negative. All pairs are compared at once (``S·R·n²`` comparisons), so this is
    for short groups such as sentences. Rows with a nan give nan.
    """
    values = np.asarray(values, dtype=np.float64)
    pairs = (pos[:, :, None] & neg[:, None, :])[:, None].astype(np.float64)  # [S, 1, n, n]
    a, b = values[..., :, None], values[..., None, :]
    wins = ((a > b) + 0.5 * (a == b)) * pairs
    out = wins.sum(axis=(2, 3))
    out[~np.isfinite(values).all(axis=2)] = np.nan
    return out


def bootstrap_weights(n_units: int, n_boot: int, seed: int = 0) -> np.ndarray:
    """``float64 [n_boot, n_units]``: how often each unit is drawn in each resample
    (``n_units`` draws with replacement)."""
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
