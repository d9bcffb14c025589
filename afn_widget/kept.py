"""Hidden states kept by a one-window text, and what is computed from them when first asked.

A text that runs in one window keeps its hidden states instead of computing its top dimensions
and shifts inside ``analyze``: the widget's tooltip asks for one token's top dimensions at a
time, and most results never read the shifts. The results alive keep at most
``KEEP_HIDDEN_BYTES`` in all; beyond it, the oldest compute whatever they still owe and let
their hidden states go.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from .hidden import SHIFT_METRICS, Normalization, hidden_stats, top_share
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
    """Top dimensions and shifts of a one-window text from its kept hidden states: one token's
    top dimensions when asked (the tooltip), all of them when :attr:`AFNResult.top_dims` is
    read, the shifts when :attr:`AFNResult.shifts` is. Once both are computed the hidden
    states are let go. ``hs``: ``L+1`` tensors ``[1, T, d]``; ``norms``: ``[L+1, T]``."""

    def __init__(self, hs: Sequence[Any], norm: Normalization, k: int, norms: np.ndarray) -> None:
        super().__init__(None, None)
        self.k = k
        self._hs, self._norm, self._norms = hs, norm, norms
        self._shifts: dict[str, np.ndarray] | None = None
        self._lock = threading.Lock()
        KEPT.add(self, sum(x[0].numel() * x.element_size() for x in hs))

    def _rows(self, token: int | slice) -> tuple[np.ndarray, np.ndarray]:
        """Top dimensions of ``token`` (an index or all of them) at every layer, each layer's
        ``topk`` written straight into the outputs (no stacked copy of the hidden states)."""
        import torch

        hs = self._hs
        shape = (len(hs), *hs[0][0, token].shape[:-1], self.k)
        dev = hs[0].device
        top = torch.empty(shape, device=dev)
        dims = torch.empty(shape, dtype=torch.int64, device=dev)
        with torch.inference_mode():
            for layer, x in enumerate(hs):
                row = self._norm.apply(x[0, token], layer)
                torch.topk(row.abs(), self.k, dim=-1, out=(top[layer], dims[layer]))
            share = top_share(top, torch.from_numpy(self._norms[:, token]).to(dev))
        return dims.to(torch.int32).cpu().numpy(), share.cpu().numpy()

    def __reduce__(self) -> tuple[type, tuple[np.ndarray, np.ndarray]]:
        """Pickled and copied as the computed arrays (the hidden states stay here)."""
        return TopDims, self.full()

    def full(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._dims is None:
                self._dims, self._share = self._rows(slice(None))
                self._let_go()
        return self._dims, self._share

    def token(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._dims is None:
                return self._rows(i)
        return self._dims[:, i], self._share[:, i]

    def shifts(self) -> dict[str, np.ndarray]:
        """The three shifts of every token, ``[n_layers + 1, n_tokens]`` each."""
        with self._lock:
            if self._shifts is None:
                import torch

                with torch.inference_mode():
                    stats = hidden_stats(self._hs, self._norm, shifts=SHIFT_METRICS)
                self._shifts = {m: stats[m][:, 0] for m in SHIFT_METRICS}
                self._let_go()
        return self._shifts

    def settle(self) -> None:
        """Compute everything still owed, and let the hidden states go."""
        self.full()
        self.shifts()

    def _let_go(self) -> None:
        if self._dims is not None and self._shifts is not None:
            self._hs = self._norm = None
            KEPT.drop(id(self))
