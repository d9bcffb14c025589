"""Is the highlighted layer special? Its statistic against each neighbour and against the best
other layer, as paired differences over the same resamples.

For a (condition, score) and a statistic ``s`` (``auroc``, ``auroc_matched`` ...), at the
highlighted layer ``l``:

* ``s(l) − s(l − 1)`` and ``s(l) − s(l + 1)`` (where those layers have the statistic);
* ``s(l) − max_{k ≠ l} s(k)``: against the best other layer, the maximum taken *within each
  resample*, so that the CI holds the uncertainty of which layer is best (``best_layer`` names
  the one that is best on all sentences).

Each difference has a 95% percentile CI; ``verdict`` says ``higher`` / ``lower`` when the CI
excludes 0, ``no clear difference`` otherwise. The layer is a *peak* when it is higher than both
neighbours, *the best layer* when it is higher than the best other one.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import stats as S

CONTRAST_STATS = ("auroc", "auroc_matched", "lr_gain")


def layer_contrasts(
    table: Any,
    replicates: dict[str, np.ndarray],
    row_keys: list,
    condition: str,
    score: str,
    layer: int,
    stats: tuple[str, ...] = CONTRAST_STATS,
) -> Any:
    """A DataFrame: ``stat``, ``layer``, ``against`` (``below``, ``above``, ``best other``),
    ``other_layer``, ``diff``, ``lo``, ``hi``, ``verdict``."""
    import pandas as pd

    rows = []
    for stat in stats:
        at = {
            k[2]: i
            for i, k in enumerate(row_keys)
            if k[0] == condition and k[1] == score and np.isfinite(table[stat].iloc[i])
        }
        if layer not in at:
            continue
        rep, point = replicates[stat], table[stat].to_numpy()
        for against, other in (("below", layer - 1), ("above", layer + 1)):
            if other in at:
                d = rep[:, at[layer]] - rep[:, at[other]]
                diff = point[at[layer]] - point[at[other]]
                rows.append(_row(stat, layer, against, other, diff, d))
        others = [k for k in at if k != layer]
        if others:
            cols = [at[k] for k in others]
            best = others[int(np.argmax(point[cols]))]
            with warnings.catch_warnings():  # a resample where no other layer is defined: nan
                warnings.simplefilter("ignore", RuntimeWarning)
                d = rep[:, at[layer]] - np.nanmax(rep[:, cols], axis=1)
            diff = point[at[layer]] - point[at[best]]
            rows.append(_row(stat, layer, "best other", best, diff, d))
    cols = ["stat", "layer", "against", "other_layer", "diff", "lo", "hi", "verdict"]
    return pd.DataFrame(rows, columns=cols)


def _row(stat: str, layer: int, against: str, other: int, diff: float, d: np.ndarray) -> tuple:
    lo, hi = (float(x[0]) for x in S.percentile_ci(d[:, None]))
    verdict = "higher" if lo > 0 else "lower" if hi < 0 else "no clear difference"
    return (stat, layer, against, other, float(diff), lo, hi, verdict)


def answer(contrasts: Any, stat: str) -> str:
    """One sentence: is the layer a peak, the best layer, neither?"""
    sub = contrasts[contrasts["stat"] == stat]
    if sub.empty:
        return f"{stat}: not defined at this layer"
    v = dict(zip(sub["against"], sub["verdict"], strict=True))
    neighbours = [v[k] for k in ("below", "above") if k in v]
    if v.get("best other") == "higher":
        what = "the best layer"
    elif neighbours and all(x == "higher" for x in neighbours):
        what = "a peak (above both neighbours) but not the best layer"
    elif v.get("best other") == "lower":
        what = "not special: another layer is higher"
    else:
        what = "not distinguishable from the best other layer"
    return f"{stat}: {what}"
