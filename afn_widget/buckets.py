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
* an eligible unit whose value is nan (the score is undefined there: attention and the shifts
  at layer 0, the embeddings) is ``UNDEFINED``: unranked (rank 0, percentile ``nan``) and out
  of the quantile, neither HIGH, LOW nor SPECIAL. At a layer where every eligible unit is, the
  threshold is ``nan`` and :func:`undefined_note` says why in words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import registry as R

# The buckets, declared in the registry in the order of their codes in the browser's numbers.
LOW, HIGH, SPECIAL, MASSIVE, UNDEFINED = R.BUCKET_CODES
HIGH_RULES = ("quantile", "top_k")

# Why a score has no value at layer 0 (the embeddings), by score, as each score declares it
# (the browser reads the same declarations).
LAYER0_REASONS = R.LAYER0_REASONS


@dataclass(frozen=True)
class Split:
    """The buckets of one set of values at one quantile."""

    threshold: float
    buckets: np.ndarray  # object array of "HIGH" / "LOW" / "SPECIAL" / "MASSIVE" / "UNDEFINED"
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
    (massive activations) are set apart: bucket ``MASSIVE``, unranked, out of the quantile.
    Eligible units whose value is nan are ``UNDEFINED``, unranked, out of the quantile (before
    ``apart``: an undefined value is not massive)."""
    values = np.asarray(values, dtype=np.float64)
    eligible = np.asarray(eligible, dtype=bool)
    n = values.shape[0]
    undefined = eligible & np.isnan(values)
    if undefined.any():
        s = split(values, eligible & ~undefined, quantile, high, apart)
        s.buckets[undefined] = UNDEFINED
        return s
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


def undefined_at(values: np.ndarray, eligible: np.ndarray) -> bool:
    """Whether a score is undefined at a layer: there are eligible units and every one of their
    ``values`` is nan."""
    sub = np.asarray(values, dtype=np.float64)[np.asarray(eligible, dtype=bool)]
    return bool(sub.size) and bool(np.isnan(sub).all())


def defined_layers(rows: np.ndarray, eligible: np.ndarray) -> list[int]:
    """The layers (rows of ``[n_layers + 1, n]``) where some eligible unit has a value."""
    rows = np.asarray(rows, dtype=np.float64)[:, np.asarray(eligible, dtype=bool)]
    return np.flatnonzero(~np.isnan(rows).all(axis=1)).tolist() if rows.shape[1] else []


def undefined_note(
    score: str, layer: int, defined: Sequence[int], n_layers: int, name: str | None = None
) -> str:
    """What is said where ``score`` is undefined at ``layer`` (:func:`undefined_at`), e.g.
    "attention is undefined at layer 0 (the embeddings have no attention); pick layer ≥ 1":
    ``name`` (how the score is shown, default ``score``), the reason (:data:`LAYER0_REASONS`
    at layer 0, else that nothing has a value there), then the layers of ``0..n_layers`` to pick
    from (``defined``, ascending, as :func:`defined_layers` gives them). ``undefinedNote`` in
    ``js/numbers.js`` says the same (a test pairs them)."""
    why = (LAYER0_REASONS.get(score) if layer == 0 else None) or "no value there"
    pick = _pick(list(defined), n_layers)
    return f"{name or score} is undefined at layer {layer} ({why}); {pick}"


def _pick(defined: list[int], n_layers: int) -> str:
    """Which layers to pick: a range when they run without a gap, else the list."""
    if not defined:
        return "it has no value at any layer"
    a, b = defined[0], defined[-1]
    if b - a + 1 != len(defined):
        shown = ", ".join(str(x) for x in defined[:8])
        return f"pick one of layers {shown}{', …' if len(defined) > 8 else ''}"
    if a == b:
        return f"pick layer {a}"
    if b == n_layers:
        return f"pick layer ≥ {a}"
    return f"pick layer ≤ {b}" if a == 0 else f"pick a layer from {a} to {b}"
