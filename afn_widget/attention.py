"""Attention scores from the same forward pass as the hidden states, for any architecture.

Per layer ``l ≥ 1`` (the self-attention of the block whose output is ``hidden_states[l]``) and
key token ``j``, with ``α^h_ij`` the attention weights of head ``h`` (``output_attentions=True``,
eager attention) and ``i`` running over the real query tokens (specials included, padding
never):

* ``attention``: attention received, ``mean_h Σ_i α^h_ij``;
* ``attn_norm``: ``Σ_i Σ_h ‖α^h_ij f^h(x_j)‖ = Σ_h Σ_i α^h_ij ‖f^h(x_j)‖``, the *sum over
  heads of the per-head norms* (Kobayashi et al. 2020's head-level measure, summed), with
  ``f^h(x_j) = v^h_j W_O^h``, head ``h``'s value vector (bias included) mapped through that
  head's slice of the attention output projection (whose bias, shared by the heads, is left
  out). Grouped-query models share each value head among its group of query heads;
* ``attn_norm_layer``: ``Σ_i ‖Σ_h α^h_ij f^h(x_j)‖``, the *norm of the sum over heads*:
  Kobayashi et al.'s own layer-level measure ``‖Σ_h α^h_ij f^h(x_j)‖`` of what token ``j``
  adds to query ``i``'s attention output, summed over the queries like ``attn_norm``. By the
  triangle inequality it is at most ``attn_norm``; heads whose contributions point apart
  cancel in it.

Layer 0 (the embeddings) has no attention: its row is nan. ``attention`` needs nothing but
the attention weights, so it works for any model that returns them; ``attn_norm`` and
``attn_norm_layer`` need each
block's value and output projections, found by :func:`attention_blocks` for BERT, RoBERTa,
ELECTRA, DistilBERT, GPT-2, GPT-NeoX / Pythia, OPT, and the Llama family (Llama, SmolLM, Qwen2,
Qwen3, Gemma 2 / 3, Phi-3 with its fused projection); :func:`attn_norm_unavailable` says why
when it cannot be computed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import registry as R
from .anatomy import Anatomy, config_int
from .registry import ATTENTION, ATTN_NORM, ATTN_NORM_LAYER, VALUE_HOOKS, needing

ATTENTION_SCORES = R.ATTENTION_SCORES  # declared in the registry, like every score


@dataclass(frozen=True)
class Block:
    """What ``attn_norm`` needs of one self-attention block."""

    value: Any  # the module whose output holds the value vectors
    take: str  # how to cut them out of it: "all", "third" (GPT-2), "neox", "phi3"
    out_weight: Any  # the output projection as ``[d_model, heads · head_dim]`` (nn.Linear's)
    heads: int  # query heads
    kv_heads: int  # value heads (fewer with grouped-query attention)
    head_dim: int


def _config(model: Any, *names: str) -> int | None:
    return config_int(model, *names)


def _linear_weight(mod: Any) -> Any:
    """``[out, in]`` whatever the layer type (GPT-2's Conv1D stores ``[in, out]``)."""
    w = mod.weight.detach().float()
    return w.t() if type(mod).__name__ == "Conv1D" else w


def _block(model: Any, att: Any) -> Block | None:
    heads = _config(model, "num_attention_heads", "n_head", "n_heads")
    kv = _config(model, "num_key_value_heads") or heads
    d = _config(model, "hidden_size", "n_embd", "dim", "d_model")
    self_ = getattr(att, "self", None)
    if (
        self_ is not None
        and hasattr(self_, "value")
        and hasattr(getattr(att, "output", None), "dense")
    ):
        h = self_.num_attention_heads  # BERT, RoBERTa, ELECTRA
        return Block(
            self_.value,
            "all",
            _linear_weight(att.output.dense),
            h,
            h,
            self_.value.out_features // h,
        )
    if hasattr(att, "v_lin") and hasattr(att, "out_lin"):  # DistilBERT
        h = att.n_heads
        return Block(
            att.v_lin, "all", _linear_weight(att.out_lin), h, h, att.v_lin.out_features // h
        )
    out = next(
        (getattr(att, a) for a in ("o_proj", "out_proj", "c_proj", "dense") if hasattr(att, a)),
        None,
    )
    if out is None or not heads:
        return None
    head_dim = getattr(att, "head_dim", None) or _config(model, "head_dim") or d // heads
    if hasattr(att, "v_proj"):  # Llama family, OPT
        return Block(att.v_proj, "all", _linear_weight(out), heads, kv, head_dim)
    if hasattr(att, "c_attn"):  # GPT-2: q | k | v
        return Block(att.c_attn, "third", _linear_weight(out), heads, heads, head_dim)
    if hasattr(att, "query_key_value"):  # GPT-NeoX: per head q | k | v
        return Block(att.query_key_value, "neox", _linear_weight(out), heads, heads, head_dim)
    if hasattr(att, "qkv_proj"):  # Phi-3: all q | all k | all v
        return Block(att.qkv_proj, "phi3", _linear_weight(out), heads, kv, head_dim)
    return None


def attention_blocks(body: Anatomy) -> list[Block] | None:
    """Each layer's :class:`Block`, or None when some block's layout is not one we know."""
    if not body.attention:
        return None
    blocks = [_block(body.base, att) for att in body.attention]
    return None if any(b is None for b in blocks) else blocks


def attn_norm_unavailable(body: Anatomy) -> str | None:
    """Why ``attn_norm`` cannot be computed for the model (None when it can)."""
    if attention_blocks(body) is None:
        return (
            f"attn_norm needs each attention block's value and output projections, and "
            f"{body.name}'s blocks are not laid out like any of BERT, DistilBERT, "
            "GPT-2, GPT-NeoX, OPT or the Llama family"
        )
    return None


@contextlib.contextmanager
def eager(model: Any) -> Iterator[None]:
    """Eager attention for the duration (attention weights are only computed there)."""
    cfg = model.config
    old = getattr(cfg, "_attn_implementation", None)
    if old == "eager":
        yield
        return
    model.set_attn_implementation("eager")
    try:
        yield
    finally:
        if old is not None:
            model.set_attn_implementation(old)


class AttentionScores:
    """``attention``, ``attn_norm`` and ``attn_norm_layer`` of the forward passes of one call.
    Made once per call (each block's ``W_O^hᵀ W_O^h``); around each forward pass, under the
    model's lock (:mod:`afn_widget.anatomy`), :meth:`hooked` sets eager attention and the hooks
    that keep the value vectors, and yields where they are kept. Run the model with
    ``output_attentions=True``, then :meth:`rows`. Nothing of a call stays on the model."""

    def __init__(self, body: Anatomy, want: tuple[str, ...]) -> None:
        import torch

        self.body = body
        self.want = tuple(w for w in ATTENTION_SCORES if w in want)
        self.blocks = attention_blocks(body) if needing(VALUE_HOOKS, self.want) else None
        self._grams = []
        for blk in self.blocks or []:
            w = blk.out_weight  # [d_out, H * dh]
            wh = w.reshape(w.shape[0], blk.heads, blk.head_dim).permute(1, 0, 2)
            self._grams.append(torch.einsum("hok,hol->hkl", wh, wh))  # W_h^T W_h, [H, dh, dh]

    @property
    def needed(self) -> bool:
        """Whether the pass must return attention weights."""
        return bool(self.want)

    @contextlib.contextmanager
    def hooked(self) -> Iterator[dict[int, Any]]:
        """Eager attention and the value hooks for the forward passes inside; yields each
        layer's value output as the hooks keep it."""
        values: dict[int, Any] = {}
        hooks = []

        def keep(i: int) -> Any:
            def hook(_mod: Any, _inp: Any, out: Any) -> None:
                values[i] = out.detach()

            return hook

        with eager(self.body.base) if self.want else contextlib.nullcontext():
            try:
                for i, blk in enumerate(self.blocks or []):
                    hooks.append(blk.value.register_forward_hook(keep(i)))
                yield values
            finally:
                for h in hooks:
                    h.remove()

    def _values_of(self, i: int, out: Any) -> Any:
        """Layer ``i``'s value vectors ``[B, T, kv_heads, head_dim]`` from its hooked output."""
        blk = self.blocks[i]
        out = out.float()
        b, t, width = out.shape
        kv, dh = blk.kv_heads, blk.head_dim
        if blk.take == "third":
            out = out[..., 2 * width // 3 :]
        elif blk.take == "neox":
            out = out.reshape(b, t, kv, 3 * dh)[..., 2 * dh :]
        elif blk.take == "phi3":
            out = out[..., width - kv * dh :]
        return out.reshape(b, t, kv, dh)

    def rows(self, values: dict[int, Any], attentions: Any, qmask: Any) -> dict[str, np.ndarray]:
        """``[L, B, T]`` per score asked for, from the pass's attention weights (``[B, H, T, T]``
        per layer) and the ``values`` :meth:`hooked` kept; ``qmask`` ``[B, T]``: the real
        tokens."""
        import torch

        q = qmask.float()[:, None, :, None]
        received = [(a.float() * q).sum(2) for a in attentions]  # [B, H, T] per layer
        out = {}
        if ATTENTION.name in self.want:
            out[ATTENTION.name] = torch.stack([r.mean(1) for r in received]).cpu().numpy()
        if ATTN_NORM.name in self.want and self.blocks is not None:
            norms = []
            for i, col in enumerate(received):
                blk = self.blocks[i]
                v = self._values_of(i, values[i])
                v = v.repeat_interleave(blk.heads // blk.kv_heads, dim=2)  # [B, T, H, dh]
                sq = torch.einsum("bthk,hkl,bthl->bht", v, self._grams[i], v)
                norms.append((col * sq.clamp_min(0).sqrt()).sum(1))
            out[ATTN_NORM.name] = torch.stack(norms).cpu().numpy()
        if ATTN_NORM_LAYER.name in self.want and self.blocks is not None:
            rows = [self._layer_norms(i, a.float(), values[i], qmask) for i, a in
                    enumerate(attentions)]  # fmt: skip
            out[ATTN_NORM_LAYER.name] = torch.stack(rows).cpu().numpy()
        return out

    def _layer_norms(self, i: int, att: Any, value_out: Any, qmask: Any) -> Any:
        """``[B, T]``: ``Σ_i ‖Σ_h α^h_ij f^h(x_j)‖`` over the real queries ``i`` of layer ``i``
        (``att``: its weights ``[B, H, T, T]``), from the Gram matrix of the heads' ``f^h(x_j)``
        per token: ``‖Σ_h a_h f_h‖² = Σ_{h,g} a_h a_g ⟨f_h, f_g⟩``."""
        import torch

        blk = self.blocks[i]
        v = self._values_of(i, value_out)
        v = v.repeat_interleave(blk.heads // blk.kv_heads, dim=2)  # [B, T, H, dh]
        b, t, h, dh = v.shape
        w = blk.out_weight.to(v.device)  # [d_out, H · dh]
        w_heads = w.reshape(w.shape[0], h, dh).permute(1, 2, 0)  # W_O^h, [H, dh, d_out]
        f = torch.matmul(v.permute(2, 0, 1, 3).reshape(h, b * t, dh), w_heads)  # f^h(x)
        f = f.reshape(h, b, t, -1).permute(1, 2, 0, 3)  # [B, T, H, d_out]
        gram = torch.matmul(f, f.transpose(-1, -2))  # ⟨f_h, f_g⟩ per token, [B, T(j), H, H]
        a = att.permute(0, 3, 2, 1)  # α^h_ij as [B, T(j), T(i), H]
        sq = (torch.matmul(a, gram) * a).sum(-1)  # ‖Σ_h α^h_ij f^h(x_j)‖², [B, T(j), T(i)]
        return (sq.clamp_min(0).sqrt() * qmask.float()[:, None, :]).sum(2)
