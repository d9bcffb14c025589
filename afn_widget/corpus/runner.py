"""The forward pass of a batch: hidden-state scores, and attention scores where asked for.

Attention weights exist only in eager attention, so the model runs eagerly only when
``attention`` or ``attn_norm`` is asked for; both come from :mod:`afn_widget.attention`, the
engine's own reader (``attn_norm`` through forward hooks on each block's value projection, for
every architecture it knows). With ``scores=("tas",)`` the model keeps its own attention kernel
and no hook is registered.

A decoder's last row is read before its final norm, as ``analyze`` reads it by default
(:func:`afn_widget.decoders.last_residual`), so that every row is the same kind of vector.

Massive activations are flagged as the engine flags them (:func:`afn_widget.hidden.massive_flags`,
its rule and thresholds), on each sentence alone: the median ``|x|`` of a layer is that of the
sentence's real tokens (specials included, padding never), as ``analyze`` of the sentence by
itself would take it, so no flag depends on the batch a sentence ran in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..anatomy import anatomy
from ..attention import AttentionScores
from ..decoders import last_residual, with_residual
from ..hidden import (
    MASSIVE_ABS,
    MASSIVE_RATIO,
    SHIFT_METRICS,
    batch_outliers,
    hidden_stats,
    massive_flags,
)
from ..models import forward
from ..registry import TAS, TAS_DROP_OUTLIERS, VALUE_HOOKS, needing
from .names import SCORES

MASSIVE = len(SCORES)
"""The slot of :meth:`Runner.run`'s output after the scores: 1 where a token carries a massive
activation at that layer, else 0 (a word's mean over its pieces is > 0 when any piece is)."""


class Runner:
    """One model and the per-token scores of its batches. Each batch runs under the model's
    lock, with eager attention and the hooks in place only for its own forward pass
    (:mod:`afn_widget.anatomy`), so a report and views of the same model can run at once."""

    def __init__(
        self,
        model: Any,
        n_layers: int,
        outlier_k: float,
        want: tuple[str, ...] = SCORES,
        massive: tuple[float, float] = (MASSIVE_ABS, MASSIVE_RATIO),
    ) -> None:
        self.body = anatomy(model)
        self.n_layers = n_layers
        self.outlier_k = outlier_k
        self.want = want
        self.massive = massive
        self.scores = AttentionScores(self.body, want)
        self.attention = self.scores.needed
        self.hooked = bool(needing(VALUE_HOOKS, want)) and self.scores.blocks is not None
        self.dev = next(model.parameters()).device

    def run(self, ids: list[list[int]], pad_id: int) -> list[np.ndarray]:
        """Per sequence: float32 ``[len(SCORES) + 1, n_layers + 1, n_tokens]`` (specials
        included): the scores, nan for those not asked for, then the massive flags (slot
        :data:`MASSIVE`)."""

        input_ids, mask = self._padded(ids, pad_id)
        body = self.body
        with body.lock, self.scores.hooked() as values, last_residual(body) as residual:
            out = forward(body.base, input_ids, mask, self.attention)
        hs = with_residual(out.hidden_states, residual)
        lengths = [len(x) for x in ids]
        rows = _token_stats(hs, mask, self.outlier_k, self.want)
        if self.attention:
            rows.update(self.scores.rows(values, out.attentions, mask))
        flags = massive_tokens(hs, lengths, *self.massive)
        return self._per_sequence(rows, flags, lengths)

    def _padded(self, ids: list[list[int]], pad_id: int) -> tuple[Any, Any]:
        """``input_ids`` and ``attention_mask`` ``[B, width]`` on the model's device."""
        import torch

        width = max(len(x) for x in ids)
        input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for b, x in enumerate(ids):
            input_ids[b, : len(x)] = torch.tensor(x, dtype=torch.long)
            mask[b, : len(x)] = 1
        return input_ids.to(self.dev), mask.to(self.dev)

    def _per_sequence(
        self, rows: dict[str, np.ndarray], flags: np.ndarray, lengths: list[int]
    ) -> list[np.ndarray]:
        L = self.n_layers
        results = []
        for b, n in enumerate(lengths):
            m = np.full((len(SCORES) + 1, L + 1, n), np.nan, dtype=np.float32)
            for name, v in rows.items():
                if name in self.want:  # attention rows have no layer 0
                    m[SCORES.index(name), L + 1 - v.shape[0] :] = v[:, b, :n]
            m[MASSIVE] = flags[:, b, :n]
            results.append(m)
        return results


def massive_tokens(hs: tuple, lengths: list[int], abs_min: float, ratio: float) -> np.ndarray:
    """bool ``[L+1, B, T]``: the tokens of each sequence of a padded batch (its first
    ``lengths[b]`` positions real) that carry a massive activation at each layer, by
    :func:`afn_widget.hidden.massive_flags` on the sequence alone; padding is never flagged.
    The per-sequence medians are taken only for the sequences with a value above
    ``abs_min``."""
    import torch

    peak = torch.stack([x.float().abs().amax(-1) for x in hs]).cpu().numpy()  # [L+1, B, T]
    out = np.zeros(peak.shape, dtype=bool)
    real = np.arange(peak.shape[2]) < np.asarray(lengths)[:, None]  # [B, T]
    above = ((peak > abs_min) & real).any(2).any(0)  # [B]
    for b in np.flatnonzero(above).tolist():
        n = lengths[b]
        one = [x[b : b + 1, :n] for x in hs]
        out[:, b, :n] = massive_flags(one, peak[:, b : b + 1, :n], abs_min, ratio)[:, 0]
    return out


def _token_stats(
    hs: tuple, mask: Any, outlier_k: float, want: tuple[str, ...] = SCORES
) -> dict[str, np.ndarray]:
    """``[L+1, B, T]`` arrays: the norms (as ``tas``), and those of the shifts and
    ``drop_outlier_dims`` norms (as ``tas_drop_outliers``) that ``want`` names
    (:func:`afn_widget.hidden.hidden_stats`, as the engine on each sentence alone; a sentence's
    outlier dimensions from its real tokens, :func:`afn_widget.hidden.batch_outliers`)."""
    shifts = [m for m in SHIFT_METRICS if m in want]
    stats = hidden_stats(hs, shifts=shifts, mask=mask)
    out = {TAS.name: stats.pop("norms"), **stats}
    if TAS_DROP_OUTLIERS.name in want:
        drop = batch_outliers(hs, mask, outlier_k)
        out[TAS_DROP_OUTLIERS.name] = hidden_stats(hs, drop, mask=mask)["norms"]
    return out
