"""Statistics of hidden states: the one place that reads the model's vectors.

The engine (one text, in windows) and the corpus runner (padded batches of sentences) both call
:func:`hidden_stats`; torch goes in, numpy comes out. Definitions, per layer ``l`` and token:

* ``norms``: ``‖x_l‖₂`` of the hidden state after the normalization (:class:`Normalization`);
* shifts against layer ``l − 1`` (row 0 is nan): ``delta_norm = ‖x_l‖ − ‖x_{l−1}‖``,
  ``displacement = ‖x_l − x_{l−1}‖`` and ``cos_change = 1 − cos(x_l, x_{l−1})``, the cosine
  from the three norms by the law of cosines in float64, clipped to ``[0, 2]``;
* ``top_dims`` / ``top_share``: the ``top_k`` dimensions with the largest ``|x_l|`` (tied values
  to the lower dimension) and their shares ``(x_d / ‖x_l‖)²`` of the squared norm.

Massive activations (Sun et al. 2024; :func:`massive_flags`): a token whose largest ``|x_d|`` at
a layer (before any normalization) is more than ``MASSIVE_ABS`` and more than ``MASSIVE_RATIO``
times the median ``|x|`` of that layer over the tokens of the same forward pass (the batch of
windows; for a text of one window, the whole text).

Outlier dimensions (:func:`outlier_keep`): at a layer, a dimension whose mean ``|activation|``
over the tokens is more than ``OUTLIER_K`` times the median over all dimensions
(``numpy.median``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import NonFiniteActivationError

SHIFT_METRICS = ("delta_norm", "displacement", "cos_change")
NORMALIZATIONS = ("raw", "drop_outlier_dims", "standardize", "layer_zscore", "layer_rank")
LAYER_SCALES = ("layer_zscore", "layer_rank")  # act on the norms, not on the vectors
OUTLIER_K = 5.0
"""A dimension is an outlier at a layer when its mean |activation| over the tokens is more than
``OUTLIER_K`` times the median over all dimensions (``normalize="drop_outlier_dims"``)."""

MASSIVE_ABS = 100.0
MASSIVE_RATIO = 1000.0

NONFINITE = (
    "the model's hidden states contain NaN or infinity (often a float16/bfloat16 overflow); "
    "run the model in float32: model.float(), or load it with torch_dtype=torch.float32."
)


def outlier_keep(mean_abs: np.ndarray, k: float) -> np.ndarray:
    """bool ``[..., d]``: the dimensions to keep, those whose mean ``|activation|`` (last axis:
    dimensions) is at most ``k`` × their median (numpy's: the mean of the middle two)."""
    med = np.median(mean_abs, axis=-1, keepdims=True)
    return ~(mean_abs > k * med)


@dataclass(frozen=True)
class Normalization:
    """What ``normalize`` does to a layer's vectors before their norms are taken.

    ``keep``: bool torch tensor, per layer the dimensions kept (``"drop_outlier_dims"``), shaped
    ``[L+1, d]`` for one text or ``[L+1, B, 1, d]`` for a batch of texts with their own;
    ``mean`` / ``std``: float32 ``[L+1, d]`` (``"standardize"``, std clamped at 1e-6)."""

    kind: str = "raw"
    keep: Any = None
    mean: Any = None
    std: Any = None

    def apply(self, x: Any, layer: int) -> Any:
        """``x`` (layer ``layer``'s vectors, ``[..., d]``) in float32, normalized."""
        x = x.float()
        if self.kind == "drop_outlier_dims":
            return x * self.keep[layer].to(device=x.device, dtype=x.dtype)
        if self.kind == "standardize":
            return (x - self.mean[layer].to(x.device)) / self.std[layer].to(x.device)
        return x

    def outliers(self) -> list[list[int]]:
        """Per layer, the dimensions left out (for one text's ``keep``)."""
        if self.keep is None:
            return []
        return [np.flatnonzero(~row).tolist() for row in self.keep.cpu().numpy()]


RAW = Normalization()


def given_outliers(dims: list[int], n_rows: int, d: int) -> Normalization:
    """Leave out the same dimensions ``dims`` at every layer."""
    import torch

    from .errors import AFNInputError

    bad = [x for x in dims if not 0 <= x < d]
    if bad:
        raise AFNInputError(
            f"outlier_dims {bad} are out of range: this model's hidden states have {d} "
            f"dimensions (0..{d - 1})."
        )
    keep = torch.ones(n_rows, d, dtype=torch.bool)
    keep[:, dims] = False
    return Normalization("drop_outlier_dims", keep=keep)


class Moments:
    """Per-layer, per-dimension sums over tokens (float64), each token added once: what
    ``"drop_outlier_dims"`` and ``"standardize"`` need of a whole text."""

    def __init__(self) -> None:
        self.n = 0
        self.abs = self.sum = self.sq = None

    def add(self, x: Any) -> None:
        """``x``: ``[L+1, N, d]``, the vectors of ``N`` more tokens at every layer."""
        x = x.double()
        if self.sum is None:
            self.abs, self.sum, self.sq = x.abs().sum(1), x.sum(1), x.square().sum(1)
        else:
            self.abs += x.abs().sum(1)
            self.sum += x.sum(1)
            self.sq += x.square().sum(1)
        self.n += x.shape[1]

    def normalization(self, kind: str, outlier_k: float) -> Normalization:
        import torch

        if kind == "drop_outlier_dims":
            mean_abs = (self.abs / self.n).cpu().numpy()
            return Normalization(kind, keep=torch.from_numpy(outlier_keep(mean_abs, outlier_k)))
        mean = self.sum / self.n
        std = (self.sq / self.n - mean.square()).clamp_min(0).sqrt().clamp_min(1e-6)
        return Normalization(kind, mean=mean.float(), std=std.float())


def batch_outliers(hs: Sequence[Any], mask: Any, outlier_k: float) -> Normalization:
    """Each sequence of a padded batch with its own outlier dimensions (:func:`outlier_keep`
    over its real tokens, specials included, padding not): ``keep`` ``[L+1, B, 1, d]``."""
    import torch

    m = mask.to(hs[0].device).float()[:, :, None]  # [B, T, 1]
    count = m.sum(1).double()  # [B, 1]
    mean_abs = torch.stack(
        [(x.float().abs() * m).sum(1, dtype=torch.float64) / count for x in hs]
    ).cpu()  # [L+1, B, d]
    keep = torch.from_numpy(outlier_keep(mean_abs.numpy(), outlier_k))
    return Normalization("drop_outlier_dims", keep=keep[:, :, None, :])


def top_share(top: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """``(top / ‖x‖)²``: the share of ``‖x‖²`` of each of the top dimensions."""
    return np.square(top / np.maximum(norms, np.float32(1e-6))[..., None])


STACK_BYTES = 16 * 2**20
"""The most bytes of ``|x|`` :func:`hidden_stats` holds at once: the layers go through it in
groups of this size (all of them at once for a short text on a small model)."""


def top_abs(a: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest entries of each row of ``a`` (a tensor ``[..., d]``, values ``>= 0``)
    and their dimensions, ``[..., k]`` float32 and int32 arrays, in decreasing order, tied
    values to the lower dimension. ``a`` is overwritten (each pick set to ``-1``). On the CPU
    by numpy's ``argmax`` (the first of those tied, as ``torch.max`` gives it on other
    devices: the same numbers either way), several times faster there than ``torch.topk``,
    which also leaves the order of tied values unspecified."""
    shape = (*a.shape[:-1], k)
    rows = a.reshape(-1, a.shape[-1])
    top, where = (_top_numpy if a.device.type == "cpu" else _top_torch)(rows, k)
    return top.reshape(shape), where.reshape(shape)


def _top_numpy(rows: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    rows = rows.numpy()
    r = np.arange(len(rows))
    top = np.empty((len(rows), k), np.float32)
    where = np.empty((len(rows), k), np.int32)
    for j in range(k):
        i = rows.argmax(1)
        where[:, j], top[:, j] = i, rows[r, i]
        if j < k - 1:
            rows[r, i] = -1.0
    return top, where


def _top_torch(rows: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    import torch

    values, dims = [], []
    for j in range(k):
        v, i = rows.max(dim=-1)
        values.append(v)
        dims.append(i)
        if j < k - 1:
            rows.scatter_(-1, i.unsqueeze(-1), -1.0)
    top = torch.stack(values, -1).cpu().numpy()
    return top, torch.stack(dims, -1).to(torch.int32).cpu().numpy()


def hidden_stats(
    hs: Sequence[Any],
    norm: Normalization = RAW,
    *,
    shifts: Sequence[str] = (),
    top_k: int = 0,
    mask: Any = None,
    massive: tuple[float, float] | None = None,
) -> dict[str, np.ndarray]:
    """Per-layer numbers of a batch: ``norms`` and the named ``shifts`` ``[L+1, B, T]``, and
    with ``top_k`` the ``top_dims`` (int32) and ``top_share`` ``[L+1, B, T, k]`` (see the
    module docstring). ``hs``: the model's hidden states, ``L+1`` tensors ``[B, T, d]``. With
    ``massive = (abs, ratio)`` also ``massive`` (bool), ``massive_dim`` (int32) and
    ``massive_value`` (the signed value there) ``[L+1, B, T]`` (:func:`massive_flags`).

    When largest entries are asked for, each layer's ``|x|`` (after the normalization) is
    written into one buffer for a group of layers (:data:`STACK_BYTES`); the norms and the
    largest entries (the top dimensions, and without a normalization each token's largest
    ``|x_d|``) are then one call over the group rather than one per layer. Otherwise each
    layer's norms come straight from its vectors. ``‖x − prev‖`` goes layer by layer. The
    rest is numpy on the small ``[L+1, B, T]`` arrays. A NaN or infinity anywhere in a vector
    makes its norm non-finite, so checking the norms (of the real tokens, where ``mask``
    ``[B, T]`` says which) checks every activation."""
    import torch

    n_rows = len(hs)
    b, t, d = hs[0].shape
    k = min(top_k, d)
    dev = hs[0].device
    need_disp = "displacement" in shifts or "cos_change" in shifts
    peak_from_top = massive is not None and norm.kind == "raw"  # the largest |x| is the top one
    n_top = max(k, 1) if peak_from_top else k
    group = max(1, min(n_rows, STACK_BYTES // max(1, b * t * d * 4))) if n_top else n_rows
    buf = torch.empty(group, b, t, d, device=dev) if n_top else None
    norms = torch.empty(n_rows, b, t, device=dev)
    disp = torch.zeros(n_rows, b, t, device=dev) if need_disp else None
    tops = []  # per group of layers, (values, dims) of the n_top largest |x|
    peaks = []  # per layer, each token's largest |x_d|: its d and signed x_d (with massive)
    prev = None
    for start in range(0, n_rows, group):
        stop = min(start + group, n_rows)
        a = None if buf is None else buf[: stop - start]
        for layer in range(start, stop):
            x = hs[layer]
            if massive and not peak_from_top:
                peaks.append(largest(x))
            x = norm.apply(x, layer)
            if a is None:  # the norms only: no |x| to keep
                torch.linalg.vector_norm(x, dim=-1, out=norms[layer])
            else:
                torch.abs(x, out=a[layer - start])
            if need_disp and prev is not None:
                torch.linalg.vector_norm(x - prev, dim=-1, out=disp[layer])
            prev = x
        if a is not None:
            torch.linalg.vector_norm(a, dim=-1, out=norms[start:stop])
            tops.append(top_abs(a, n_top))
    del buf, a, prev
    norms = norms.cpu().numpy()
    if not np.isfinite(norms if mask is None else norms[:, mask.cpu().numpy().astype(bool)]).all():
        raise NonFiniteActivationError(NONFINITE)
    out = {"norms": norms}
    if shifts:
        nan_row = np.full_like(norms[:1], np.nan)
        disp = None if disp is None else disp.cpu().numpy()
    if "delta_norm" in shifts:
        out["delta_norm"] = np.diff(norms, axis=0, prepend=nan_row)
    if "displacement" in shifts:
        out["displacement"] = np.concatenate([nan_row, disp[1:]])
    if "cos_change" in shifts:
        out["cos_change"] = np.concatenate([nan_row, _cos_change(norms, disp)])
    if n_top:
        top, dims = (np.concatenate(v) for v in zip(*tops, strict=True))
    if k:
        out["top_dims"] = dims[..., :k]
        out["top_share"] = top_share(top[..., :k], norms)
    if massive:
        if peak_from_top:
            dim, size = dims[..., 0], top[..., 0]
            value = at_each(hs, dim)
        else:
            dim, value = (np.stack(v) for v in zip(*peaks, strict=True))
            size = np.abs(value)
        out["massive"] = massive_flags(hs, size, *massive)
        out["massive_dim"] = dim.astype(np.int32, copy=False)
        out["massive_value"] = value
    return out


def _at(x: Any, dim: np.ndarray) -> np.ndarray:
    """``x[..., dim]`` per vector (``x``: a tensor ``[..., d]``, ``dim``: ``[...]``), float32."""
    return at_each([x], dim[None])[0]


def at_each(hs: Sequence[Any], dim: np.ndarray) -> np.ndarray:
    """``hs[l][..., dim[l]]`` per layer and vector, float32 ``dim.shape``."""
    import torch

    x = hs[0]
    if x.device.type == "cpu" and x.dtype == torch.float32:
        d = x.shape[-1]
        flat = dim.reshape(len(hs), -1) + np.arange(0, x.numel(), d)  # into each layer's data
        return np.stack(
            [h.detach().numpy().ravel().take(i) for h, i in zip(hs, flat, strict=True)]
        ).reshape(dim.shape)
    idx = torch.from_numpy(dim.astype(np.int64)).to(x.device).unsqueeze(-1)
    values = [h.float().gather(-1, i).squeeze(-1) for h, i in zip(hs, idx, strict=True)]
    return torch.stack(values).cpu().numpy()


def largest(x: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each vector's largest ``|x_d|`` (``x``: ``[..., d]``): its ``d`` (the first of those
    that tie, :func:`top_abs` with ``k = 1``) and the signed ``x_d`` (float32), as arrays."""
    _, dim = top_abs(x.float().abs(), 1)
    dim = dim[..., 0]
    return dim, _at(x, dim)


def massive_flags(hs: Sequence[Any], peak: np.ndarray, abs_min: float, ratio: float) -> np.ndarray:
    """bool ``[L+1, B, T]``: which tokens carry a massive activation at each layer (module
    docstring), from the largest ``|x_d|`` of each token (``peak``, ``[L+1, B, T]``). The
    layer's median ``|x|`` is only computed where some token passes the absolute threshold."""
    flagged = peak > abs_min
    for layer in np.flatnonzero(flagged.reshape(len(flagged), -1).any(1)).tolist():
        med = float(hs[layer].float().abs().median())
        flagged[layer] &= peak[layer] > ratio * med
    return flagged


def _cos_change(norms: np.ndarray, disp: np.ndarray) -> np.ndarray:
    """``1 − cos`` between each layer and the one before, from the sides of the triangle
    ``(x, prev, x − prev)`` in float64: its error is a few float32 roundings of the norms,
    wherever the angle, and no pass over the vectors computes ``x · prev``."""
    a, c = norms.astype(np.float64), disp[1:].astype(np.float64)
    cos = (np.square(a[1:]) + np.square(a[:-1]) - np.square(c)) / np.maximum(
        2 * a[1:] * a[:-1], 1e-16
    )
    return np.clip(1.0 - cos, 0.0, 2.0).astype(np.float32)


def layer_scale(norms: np.ndarray, special: np.ndarray, kind: str) -> np.ndarray:
    """The norms ``[L+1, n]`` on a scale within each layer, so that layers compare honestly
    (decoders' norms grow with depth): ``"layer_zscore"``, ``(x − mean) / std`` over the
    layer's non-special tokens (population std, 0 where it is 0); ``"layer_rank"``, each
    token's rank among them as a fraction in ``[0, 1]`` (``(rank − 1) / (n − 1)``, the weakest
    0, equal values the same). Special tokens are scaled with the same numbers; a row with no
    non-special token is left as it is."""
    out = norms.astype(np.float64, copy=True)
    ref = ~np.asarray(special, dtype=bool)
    if not ref.any():
        return norms
    for row in out:
        base = row[ref]
        if kind == "layer_zscore":
            std = base.std()
            row[:] = (row - base.mean()) / std if std > 0 else 0.0
        else:
            order = np.argsort(base, kind="stable")
            sorted_base = base[order]
            # each value's rank among the non-special ones (a special one takes its place)
            ranks = np.searchsorted(sorted_base, row, side="left")
            row[:] = ranks / max(base.size - 1, 1)
    return out.astype(np.float32)
