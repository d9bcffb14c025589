"""Thresholds, HIGH/LOW buckets, ranks and percentiles: numpy in, numpy out.

Definitions (the widget's JavaScript computes exactly the same):

* ``threshold = numpy.quantile(values[eligible], quantile)`` with numpy's default
  ``"linear"`` method; ``nan`` when nothing is eligible.
* ``HIGH`` iff the unit is eligible and ``value >= threshold``; other eligible units are ``LOW``;
  ineligible units (special tokens, unless included) are ``SPECIAL``.
* ranks are ordinal among eligible units, 1 = strongest, ties broken by position (the earlier
  unit ranks first); ineligible units get rank 0.
* ``percentile = 100 * (n_eligible - rank) / max(n_eligible - 1, 1)``: the strongest is 100,
  the weakest 0; ineligible units get ``nan``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HIGH, LOW, SPECIAL = "HIGH", "LOW", "SPECIAL"


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


def split(values: np.ndarray, eligible: np.ndarray, quantile: float) -> Split:
    """Bucket ``values`` at the ``quantile`` of the eligible ones (see module docstring)."""
    values = np.asarray(values, dtype=np.float64)
    eligible = np.asarray(eligible, dtype=bool)
    n = values.shape[0]
    buckets = np.full(n, SPECIAL, dtype=object)
    ranks = np.zeros(n, dtype=np.int64)
    percentiles = np.full(n, np.nan)
    idx = np.flatnonzero(eligible)
    if idx.size == 0:
        return Split(float("nan"), buckets, ranks, percentiles)
    sub = values[idx]
    threshold = float(np.quantile(sub, quantile))
    buckets[idx] = np.where(sub >= threshold, HIGH, LOW)
    order = idx[np.argsort(-sub, kind="stable")]
    ranks[order] = np.arange(1, idx.size + 1)
    percentiles[idx] = 100.0 * (idx.size - ranks[idx]) / max(idx.size - 1, 1)
    return Split(threshold, buckets, ranks, percentiles)
