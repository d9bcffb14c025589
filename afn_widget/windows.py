"""Windows over a long text: which tokens each forward pass reads, and which window each token
takes its values from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import AFNInputError


@dataclass(frozen=True)
class Windows:
    """Overlapping windows over a text's tokens."""

    starts: list[int]
    length: int  # content tokens per window
    owner: np.ndarray  # for each content token, the window it takes its values from


def plan_windows(n: int, length: int, overlap: int, causal: bool = False) -> Windows:
    """Overlapping windows over ``n`` tokens; each token belongs to the window where it has the
    most context (the largest distance to a window edge that cuts the text), earliest on ties.
    ``causal`` (a decoder, whose tokens see only what precedes them): the most preceding
    context, so the earliest window that holds the token."""
    if length < 1:
        raise AFNInputError(f"window length must be positive (got {length}); raise max_length.")
    if not 0 <= overlap < length:
        raise AFNInputError(
            f"stride (the overlap between windows) must be in 0..{length - 1}, got {overlap}."
        )
    if n <= length:
        return Windows([0], n, np.zeros(n, dtype=np.int64))
    step = length - overlap
    starts = list(range(0, n - length, step)) + [n - length]
    pos = np.arange(n)
    best = np.full(n, -1, dtype=np.int64)
    owner = np.zeros(n, dtype=np.int64)
    uncut = n + 1  # the context of a token at the text's own edge: not cut by the window
    for w, s in enumerate(starts):
        e = s + length
        idx = pos[s:e]
        left = idx - s if s > 0 else np.full(idx.size, uncut)
        right = e - 1 - idx if e < n and not causal else np.full(idx.size, uncut)
        context = np.minimum(left, right)
        better = context > best[s:e]
        best[s:e][better] = context[better]
        owner[s:e][better] = w
    return Windows(starts, length, owner)
