"""Thresholds, HIGH/LOW buckets, ranks and percentiles: numpy in, numpy out.

Definitions (the widget's JavaScript computes exactly the same):

* ``threshold = numpy.quantile(values[eligible], quantile)`` with numpy's default
  ``"linear"`` method; ``nan`` when nothing is eligible.
* ``HIGH`` (``high="quantile"``, the default and the paper's rule) iff the unit is eligible and
  ``value >= threshold``; other eligible units are ``LOW``; ineligible units (special tokens,
  unless included) are ``SPECIAL``. Every unit tied with the threshold is HIGH, so ties
  can put far more than ``1 − quantile`` of a text in HIGH (4 of 6 when four values tie at the
  top); without ties, at ``quantile=0.75``, the count is ``ceil(n / 4)``, as under ``top_k``.
* ``high="top_k"``: exactly ``k = ceil(n · (1 − quantile))`` of the ``n`` eligible units are HIGH
  (:func:`top_k_count`), the ``k`` first by rank (ties broken by position, as the ranks are);
  the threshold is then the ``k``-th largest value, and a unit equal to it may be LOW.
* ranks are ordinal among eligible units, 1 = strongest, ties broken by position (the earlier
  unit ranks first); ineligible units get rank 0.
* ``percentile = 100 * (n_eligible - rank) / max(n_eligible - 1, 1)``: the strongest is 100,
  the weakest 0; ineligible units get ``nan``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HIGH, LOW, SPECIAL, MASSIVE = "HIGH", "LOW", "SPECIAL", "MASSIVE"
HIGH_RULES = ("quantile", "top_k")


@dataclass(frozen=True)
class Split:
    """The buckets of one set of values at one quantile."""

    threshold: float
    buckets: np.ndarray  # object array of "HIGH" / "LOW" / "SPECIAL"
    ranks: np.ndarray  # int64, 1 = strongest, 0 = not ranked
    percentiles: np.ndarray  # float64, nan where not ranked

    @property
    def high(self) -> np.ndarray:
        return self.buckets == HIGH


def top_k_count(n: int, quantile: float) -> int:
    """``ceil(n · (1 − quantile))``: how many of ``n`` units ``high="top_k"`` puts in HIGH. The
    product is rounded to 9 decimals first, so that float noise does not add a unit
    (``10 · (1 − 0.7)`` is ``3.0000000000000004`` in floats)."""
    return int(math.ceil(round(n * (1.0 - quantile), 9))) if n > 0 else 0


def top_k_high(values: np.ndarray, eligible: np.ndarray, quantile: float) -> np.ndarray:
    """``bool [n]``: the :func:`top_k_count` eligible units of largest value, ties broken by
    position (the earlier unit first); ineligible units are never HIGH."""
    values = np.asarray(values, dtype=np.float64)
    idx = np.flatnonzero(np.asarray(eligible, dtype=bool))
    high = np.zeros(values.shape[0], dtype=bool)
    order = idx[np.argsort(-values[idx], kind="stable")]
    high[order[: top_k_count(idx.size, quantile)]] = True
    return high


def split(
    values: np.ndarray,
    eligible: np.ndarray,
    quantile: float,
    high: str = "quantile",
    apart: np.ndarray | None = None,
) -> Split:
    """Bucket ``values`` at the ``quantile`` of the eligible ones, by the rule ``high``
    (``"quantile"`` or ``"top_k"``, see the module docstring). Eligible units marked ``apart``
    (massive activations) are set apart: bucket ``MASSIVE``, unranked, out of the quantile."""
    values = np.asarray(values, dtype=np.float64)
    eligible = np.asarray(eligible, dtype=bool)
    n = values.shape[0]
    if apart is not None and np.any(apart):
        s = split(values, eligible & ~np.asarray(apart, dtype=bool), quantile, high)
        s.buckets[eligible & np.asarray(apart, dtype=bool)] = MASSIVE
        return s
    buckets = np.full(n, SPECIAL, dtype=object)
    ranks = np.zeros(n, dtype=np.int64)
    percentiles = np.full(n, np.nan)
    idx = np.flatnonzero(eligible)
    if idx.size == 0:
        return Split(float("nan"), buckets, ranks, percentiles)
    sub = values[idx]
    order = idx[np.argsort(-sub, kind="stable")]
    ranks[order] = np.arange(1, idx.size + 1)
    if high == "top_k":
        k = top_k_count(idx.size, quantile)
        threshold = float(values[order[k - 1]])
        buckets[idx] = np.where(ranks[idx] <= k, HIGH, LOW)
    else:
        threshold = float(np.quantile(sub, quantile))
        buckets[idx] = np.where(sub >= threshold, HIGH, LOW)
    percentiles[idx] = 100.0 * (idx.size - ranks[idx]) / max(idx.size - 1, 1)
    return Split(threshold, buckets, ranks, percentiles)
