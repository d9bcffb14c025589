"""Hidden states kept by a one-window text for its shifts, computed when first asked.

A text that runs in one window keeps its hidden states instead of computing its shifts inside
``analyze``: most results never read them (the widget and the page do not). The results alive
keep at most ``KEEP_HIDDEN_BYTES`` in all; beyond it, the oldest compute their shifts and let
their hidden states go.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from .hidden import SHIFT_METRICS, Normalization, hidden_stats

KEEP_HIDDEN_BYTES = 256 * 2**20
"""The most bytes of hidden states (float32) the results alive keep in all."""


class _Budget:
    """The kept hidden states of the results alive, oldest first, within ``KEEP_HIDDEN_BYTES``."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # a result collected inside add() calls drop()
        self._refs: OrderedDict[int, tuple[weakref.ref, int]] = OrderedDict()
        self.nbytes = 0

    def add(self, source: KeptHidden, nbytes: int) -> None:
        key = id(source)
        with self._lock:
            self._refs[key] = (weakref.ref(source, lambda _, key=key: self.drop(key)), nbytes)
            self.nbytes += nbytes
            victims = []
            while self.nbytes > KEEP_HIDDEN_BYTES and len(self._refs) > 1:
                _, (ref, size) = self._refs.popitem(last=False)
                self.nbytes -= size
                victims.append(ref())
        for victim in victims:
            if victim is not None:
                victim.settle()

    def drop(self, key: int) -> None:
        with self._lock:
            item = self._refs.pop(key, None)
            if item is not None:
                self.nbytes -= item[1]


KEPT = _Budget()


def fits(n_rows: int, n_tokens: int, hidden_size: int) -> bool:
    """Whether hidden states of this size may be kept at all."""
    return n_rows * n_tokens * hidden_size * 4 <= KEEP_HIDDEN_BYTES


class KeptHidden:
    """The shifts of a one-window text from its kept hidden states, computed when
    :attr:`AFNResult.shifts` is first read; then the hidden states are let go.
    ``hs``: ``L+1`` tensors ``[1, T, d]``."""

    def __init__(self, hs: Sequence[Any], norm: Normalization) -> None:
        self._hs, self._norm = hs, norm
        self._shifts: dict[str, np.ndarray] | None = None
        self._lock = threading.Lock()
        KEPT.add(self, sum(x[0].numel() * x.element_size() for x in hs))

    def shifts(self) -> dict[str, np.ndarray]:
        """The three shifts of every token, ``[n_layers + 1, n_tokens]`` each."""
        with self._lock:
            if self._shifts is None:
                import torch

                with torch.inference_mode():
                    stats = hidden_stats(self._hs, self._norm, shifts=SHIFT_METRICS)
                self._shifts = {m: stats[m][:, 0] for m in SHIFT_METRICS}
                self._hs = self._norm = None
                KEPT.drop(id(self))
        return self._shifts

    def settle(self) -> None:
        """Compute the shifts, and let the hidden states go."""
        self.shifts()
