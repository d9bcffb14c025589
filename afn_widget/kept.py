"""Hidden states kept by a one-window text, and what is computed from them when first asked.

A text that runs in one window keeps its hidden states instead of computing its shifts inside
``analyze``: most results never read them (the widget and the page do not). Where no token can
carry a massive activation (the usual case for an encoder), its top dimensions and largest
entries wait the same way: the widget's tooltip asks for one token's at a time, the page for
all of them. The results alive keep at most ``KEEP_HIDDEN_BYTES`` in all; beyond it, the
oldest compute whatever they still owe and let their hidden states go.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from .hidden import SHIFT_METRICS, Normalization, at_each, hidden_stats
from .result import TopDims

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


class KeptHidden(TopDims):
    """What a one-window text computes from its kept hidden states when first asked, then the
    hidden states go. ``hs``: ``L+1`` tensors ``[1, T, d]``.

    Always its shifts (:attr:`AFNResult.shifts`). With ``top_k``, also what ``analyze`` left
    out because no token can carry a massive activation there (raw vectors whose norms are all
    at most ``massive_abs``): the top dimensions, one token's for the widget's tooltip and all
    of them for :attr:`AFNResult.top_dims` and the page, and each token's largest entry
    (:attr:`AFNResult.massive_dims`: the first top dimension, and its signed value)."""

    def __init__(self, hs: Sequence[Any], norm: Normalization, top_k: int = 0) -> None:
        super().__init__(None, None)
        self.k = top_k
        self._hs, self._norm = hs, norm
        self._shifts: dict[str, np.ndarray] | None = None
        self._largest: dict[str, np.ndarray] | None = None
        self._owed = {"shifts", "top", "largest"} if top_k else {"shifts"}
        self._lock = threading.RLock()
        KEPT.add(self, sum(x[0].numel() * x.element_size() for x in hs))

    def _stats(self, hs: Sequence[Any], **what: Any) -> dict[str, np.ndarray]:
        import torch

        with torch.inference_mode():
            return hidden_stats(hs, self._norm, **what)

    def _paid(self, what: str) -> None:
        self._owed.discard(what)
        if not self._owed:
            self._hs = self._norm = None
            KEPT.drop(id(self))

    def shifts(self) -> dict[str, np.ndarray]:
        """The three shifts of every token, ``[n_layers + 1, n_tokens]`` each."""
        with self._lock:
            if self._shifts is None:
                stats = self._stats(self._hs, shifts=SHIFT_METRICS)
                self._shifts = {m: stats[m][:, 0] for m in SHIFT_METRICS}
                self._paid("shifts")
        return self._shifts

    def full(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._dims is None:
                stats = self._stats(self._hs, top_k=self.k)
                self._dims, self._share = stats["top_dims"][:, 0], stats["top_share"][:, 0]
                self._paid("top")
        return self._dims, self._share

    def token(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._dims is None:
                stats = self._stats([x[:, i : i + 1] for x in self._hs], top_k=self.k)
                return stats["top_dims"][:, 0, 0], stats["top_share"][:, 0, 0]
        return self._dims[:, i], self._share[:, i]

    def largest(self) -> dict[str, np.ndarray]:
        """``massive_dim`` and ``massive_value``, ``[n_layers + 1, n_tokens]``."""
        with self._lock:
            if self._largest is None:
                dim = self.full()[0][..., 0]
                value = at_each(self._hs, dim[:, None])[:, 0]
                self._largest = {"massive_dim": dim, "massive_value": value}
                self._paid("largest")
        return self._largest

    def __reduce__(self) -> tuple[type, tuple[np.ndarray, np.ndarray]]:
        """Pickled and copied as the computed arrays (the hidden states stay here)."""
        return TopDims, self.full()

    def settle(self) -> None:
        """Compute everything still owed, and let the hidden states go."""
        self.shifts()
        if "largest" in self._owed:
            self.largest()
