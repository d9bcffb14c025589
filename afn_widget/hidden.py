"""Statistics of hidden states: the one place that reads the model's vectors.

The engine (one text, in windows) and the corpus runner (padded batches of sentences) both call
:func:`hidden_stats`; torch goes in, numpy comes out. Definitions, per layer ``l`` and token:

* ``norms``: ``‖x_l‖₂`` of the hidden state after the normalization (:class:`Normalization`);
* shifts against layer ``l − 1`` (row 0 is nan): ``delta_norm = ‖x_l‖ − ‖x_{l−1}‖``,
  ``displacement = ‖x_l − x_{l−1}‖`` and ``cos_change = 1 − cos(x_l, x_{l−1})``, the cosine
  from the three norms by the law of cosines in float64, clipped to ``[0, 2]``;
* ``top_dims`` / ``top_share``: the ``top_k`` dimensions with the largest ``|x_l|``
  (``torch.topk``, in decreasing order; exactly equal values in the order it gives them) and
  their shares ``(x_d / ‖x_l‖)²`` of the squared norm.

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

from . import registry as R
from .errors import NonFiniteActivationError
from .registry import COS_CHANGE, DELTA_NORM, DISPLACEMENT

SHIFT_METRICS = R.SHIFT_METRICS  # the shifts and the normalizations are declared in the registry
NORMALIZATIONS = R.NORMALIZATIONS
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


def hidden_stats(
    hs: Sequence[Any],
    norm: Normalization = RAW,
    *,
    shifts: Sequence[str] = (),
    top_k: int = 0,
    mask: Any = None,
    massive: tuple[float, float] | None = None,
    each_token: bool = False,
) -> dict[str, np.ndarray]:
    """Per-layer numbers of a batch (see the module docstring), as numpy arrays. ``hs``: the
    model's hidden states, ``L+1`` tensors ``[B, T, d]``.

    * ``norms`` and the named ``shifts``: float32 ``[L+1, B, T]``;
    * with ``top_k``: ``top_dims`` (int32) and ``top_share`` (float32) ``[L+1, B, T, k]``;
    * with ``massive = (abs, ratio)``: ``massive`` (bool, :func:`massive_flags`), and each
      token's largest ``|x_d|`` before any normalization (:func:`largest`): ``massive_dim``
      (int32) and ``massive_value`` (float32, the signed ``x_d``), ``[L+1, B, T]``;
      ``each_token``: each token flagged against its own vector's median, as if it had been the
      only token of its forward pass (the steps of a generation, taken together).

    The layers go one at a time. A NaN or infinity anywhere in a vector makes its norm
    non-finite, so checking the norms (of the real tokens, where ``mask`` ``[B, T]`` says
    which) checks every activation."""
    import torch

    k = min(top_k, hs[0].shape[-1])
    need_disp = DISPLACEMENT.name in shifts or COS_CHANGE.name in shifts
    norms, disp, top, dims, peak_dims, peaks = [], [], [], [], [], []  # a tensor per layer
    prev = None
    for layer, raw in enumerate(hs):
        x = norm.apply(raw, layer)
        norms.append(torch.linalg.vector_norm(x, dim=-1))
        if need_disp and prev is not None:
            disp.append(torch.linalg.vector_norm(x - prev, dim=-1))
        if k:
            values, indices = torch.topk(x.abs(), k, dim=-1)
            top.append(values)
            dims.append(indices)
        if massive:  # the raw vectors' largest |x_d|: their first top dimension when x is raw
            dim = indices[..., 0] if k and norm.kind == "raw" else largest(raw)
            peak_dims.append(dim)
            peaks.append(raw.float().gather(-1, dim.unsqueeze(-1)).squeeze(-1))
        prev = x
    norms = _numpy(norms)
    if not np.isfinite(norms if mask is None else norms[:, mask.cpu().numpy().astype(bool)]).all():
        raise NonFiniteActivationError(NONFINITE)
    out = {"norms": norms}
    nan_row = np.full_like(norms[:1], np.nan)
    disp = np.concatenate([nan_row, _numpy(disp)]) if need_disp else None
    if DELTA_NORM.name in shifts:
        out[DELTA_NORM.name] = np.diff(norms, axis=0, prepend=nan_row)
    if DISPLACEMENT.name in shifts:
        out[DISPLACEMENT.name] = disp
    if COS_CHANGE.name in shifts:
        out[COS_CHANGE.name] = np.concatenate([nan_row, _cos_change(norms, disp)])
    if k:
        out["top_dims"] = _numpy(dims).astype(np.int32)
        out["top_share"] = top_share(_numpy(top), norms)
    if massive:
        value = _numpy(peaks)
        out["massive"] = massive_flags(hs, np.abs(value), *massive, each_token=each_token)
        out["massive_dim"] = _numpy(peak_dims).astype(np.int32)
        out["massive_value"] = value
    return out


def _numpy(rows: Sequence[Any]) -> np.ndarray:
    """One tensor per layer, stacked into one array (one copy off the device)."""
    import torch

    return torch.stack(list(rows)).cpu().numpy()


def top_share(top: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """``(top / ‖x‖)²``: the share of ``‖x‖²`` of each of the top dimensions."""
    return np.square(top / np.maximum(norms, np.float32(1e-6))[..., None])


def largest(x: Any) -> Any:
    """The dimension ``d`` of each vector's largest ``|x_d|`` (``x``: a tensor ``[..., d]``), a
    tensor ``[...]``: its first top dimension (``torch.topk``; of exactly equal values, the one
    it puts first)."""
    import torch

    return torch.topk(x.float().abs(), 1, dim=-1).indices[..., 0]


def massive_flags(
    hs: Sequence[Any], peak: np.ndarray, abs_min: float, ratio: float, each_token: bool = False
) -> np.ndarray:
    """bool ``[L+1, B, T]``: which tokens carry a massive activation at each layer (module
    docstring), from the largest ``|x_d|`` of each token (``peak``, ``[L+1, B, T]``). The
    layer's median ``|x|`` (``torch.median``; with ``each_token``, of each token's own vector)
    is only computed where some token passes the absolute threshold."""
    flagged = peak > abs_min
    for layer in np.flatnonzero(flagged.reshape(len(flagged), -1).any(1)).tolist():
        x = hs[layer].float().abs()
        med = x.median(dim=-1).values.cpu().numpy() if each_token else float(x.median())
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
