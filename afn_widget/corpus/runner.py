"""The forward pass of a batch: hidden-state scores, and attention scores where asked for.

Attention weights exist only in eager attention, so the model runs eagerly only when
``attention`` or ``attn_norm`` is asked for; ``attn_norm`` needs forward hooks on each
BERT-family layer (the value vectors and the attention weights of the same pass). With
``scores=("tas",)`` the model keeps its own attention kernel and no hook is registered.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from ..attention import eager
from ..hidden import SHIFT_METRICS, batch_outliers, hidden_stats
from .names import SCORES


def _bert_attention(model: Any) -> list[Any] | None:
    """The ``BertAttention``-like modules of each layer, or None for other architectures."""
    layers = getattr(getattr(model, "encoder", None), "layer", None)
    if layers is None:
        return None
    mods = []
    for layer in layers:
        att = getattr(layer, "attention", None)
        self_att = getattr(att, "self", None)
        value = getattr(self_att, "value", None)
        dense = getattr(getattr(att, "output", None), "dense", None)
        heads = getattr(self_att, "num_attention_heads", None)
        if value is None or dense is None or not isinstance(heads, int):
            return None
        mods.append(att)
    return mods


def _received(weights: Any, qmask: Any) -> Any:
    """``[B, H, T]``: attention each key token receives, summed over the real query tokens."""
    return (weights.float() * qmask[:, None, :, None]).sum(2)


class _AttentionHooks:
    """Forward hooks on every BERT-family layer: per layer, the attention received (mean over
    heads) and Kobayashi's ``Σ_h Σ_i α^h_ij ‖f^h(x_j)‖``."""

    def __init__(self, modules: list[Any]) -> None:
        import torch

        self.qmask: Any = None  # [B, T] float: which query tokens are real, set per batch
        self._values: dict[int, Any] = {}
        self._received: dict[int, Any] = {}
        self._norm: dict[int, Any] = {}
        self._gram: list[Any] = []
        self._hooks: list[Any] = []
        for i, att in enumerate(modules):
            h = att.self.num_attention_heads
            w = att.output.dense.weight.detach().float()  # [d_out, d_in]
            dh = w.shape[1] // h
            wh = w.reshape(w.shape[0], h, dh).permute(1, 0, 2)  # [H, d_out, dh]
            self._gram.append(torch.einsum("hok,hol->hkl", wh, wh))  # W_h^T W_h
            self._hooks.append(att.self.value.register_forward_hook(self._on_value(i)))
            self._hooks.append(att.self.register_forward_hook(self._on_self(i, h, dh)))

    def remove(self) -> None:
        for h in self._hooks:
            h.remove()
        self._hooks.clear()

    def clear(self) -> None:
        self._received.clear()
        self._norm.clear()

    def rows(self, n_layers: int) -> dict[str, np.ndarray]:
        """``attention`` and ``attn_norm`` of the last pass, ``[L, B, T]``."""
        import torch

        received = [self._received[i] for i in range(n_layers)]
        norm = [self._norm[i] for i in range(n_layers)]
        return {
            "attention": torch.stack(received).cpu().numpy(),
            "attn_norm": torch.stack(norm).cpu().numpy(),
        }

    def _on_value(self, i: int) -> Any:
        def hook(_mod: Any, _inp: Any, out: Any) -> None:
            self._values[i] = out.detach()

        return hook

    def _on_self(self, i: int, heads: int, dh: int) -> Any:
        import torch

        def hook(_mod: Any, _inp: Any, out: Any) -> None:
            weights = out[1] if isinstance(out, tuple) and len(out) > 1 else None
            if weights is None:
                raise RuntimeError("attention weights are missing: eager attention is required")
            col = _received(weights, self.qmask)  # [B, H, T]
            self._received[i] = col.mean(1)
            v = self._values.pop(i).float()
            b, t, _ = v.shape
            v = v.reshape(b, t, heads, dh)
            sq = torch.einsum("bthk,hkl,bthl->bht", v, self._gram[i], v)
            fnorm = sq.clamp_min(0).sqrt()  # ‖f^h(x_j)‖, [B, H, T]
            self._norm[i] = (col * fnorm).sum(1)

        return hook


class Runner:
    """One model and the per-token scores of its batches; a context manager (eager attention
    and the hooks are in place only inside it)."""

    def __init__(
        self, model: Any, n_layers: int, outlier_k: float, want: tuple[str, ...] = SCORES
    ) -> None:
        self.model = model
        self.n_layers = n_layers
        self.outlier_k = outlier_k
        self.want = want
        self._bert = _bert_attention(model)
        self.attention = "attention" in want or "attn_norm" in want
        self.hooked = self._bert is not None and "attn_norm" in want
        self.dev = next(model.parameters()).device
        self._hooks: _AttentionHooks | None = None
        self._eager: Any = None

    def __enter__(self) -> Runner:
        self._eager = eager(self.model) if self.attention else contextlib.nullcontext()
        self._eager.__enter__()
        if self.hooked:
            self._hooks = _AttentionHooks(self._bert)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._hooks is not None:
            self._hooks.remove()
            self._hooks = None
        self._eager.__exit__(*exc)

    def run(self, ids: list[list[int]], pad_id: int) -> list[np.ndarray]:
        """Per sequence: float32 ``[len(SCORES), n_layers + 1, n_tokens]`` (specials included),
        nan for the scores not asked for."""
        import torch

        input_ids, mask = self._padded(ids, pad_id)
        qmask = mask.float()
        if self._hooks is not None:
            self._hooks.qmask = qmask
            self._hooks.clear()
        with torch.inference_mode():
            out = self.model(
                input_ids=input_ids,
                attention_mask=mask,
                output_hidden_states=True,
                output_attentions=self.attention and not self.hooked,
                return_dict=True,
            )
        rows = _token_stats(out.hidden_states, mask, self.outlier_k, self.want)
        if self._hooks is not None:
            rows.update(self._hooks.rows(self.n_layers))
        elif self.attention:
            received = [_received(a, qmask).mean(1) for a in out.attentions]
            rows["attention"] = torch.stack(received).cpu().numpy()
        return self._per_sequence(rows, [len(x) for x in ids])

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

    def _per_sequence(self, rows: dict[str, np.ndarray], lengths: list[int]) -> list[np.ndarray]:
        L = self.n_layers
        results = []
        for b, n in enumerate(lengths):
            m = np.full((len(SCORES), L + 1, n), np.nan, dtype=np.float32)
            for name, v in rows.items():
                if name in self.want:  # attention rows have no layer 0
                    m[SCORES.index(name), L + 1 - v.shape[0] :] = v[:, b, :n]
            results.append(m)
        return results


def _token_stats(
    hs: tuple, mask: Any, outlier_k: float, want: tuple[str, ...] = SCORES
) -> dict[str, np.ndarray]:
    """``[L+1, B, T]`` arrays: the norms (as ``tas``), and those of the shifts and
    ``drop_outlier_dims`` norms (as ``tas_drop_outliers``) that ``want`` names
    (:func:`afn_widget.hidden.hidden_stats`, as the engine on each sentence alone; a sentence's
    outlier dimensions from its real tokens, :func:`afn_widget.hidden.batch_outliers`)."""
    shifts = [m for m in SHIFT_METRICS if m in want]
    stats = hidden_stats(hs, shifts=shifts, mask=mask)
    out = {"tas": stats.pop("norms"), **stats}
    if "tas_drop_outliers" in want:
        drop = batch_outliers(hs, mask, outlier_k)
        out["tas_drop_outliers"] = hidden_stats(hs, drop, mask=mask)["norms"]
    return out
