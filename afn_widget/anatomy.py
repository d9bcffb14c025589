"""A model's anatomy: the one place that knows where its parts are.

A user may pass a base model (``BertModel``, ``LlamaModel``) or one with a head
(``*ForCausalLM``, ``*LMHeadModel``, ``*ForMaskedLM``, ``*ForSequenceClassification``,
``*ForTokenClassification``). :func:`anatomy` finds, from either:

* ``base``: the base model, transformers' own ``model.base_model`` (the attribute named by
  ``base_model_prefix``; the model itself when it is a base). Hidden states are read from it,
  so a model with a head reads exactly as its base: same norms, same last row, same flags, same
  attention scores, and no logits are computed that nobody reads;
* ``blocks``: its transformer blocks, and ``attention``: each block's self-attention module;
* ``final_norm``: the norm a decoder applies after its last block (``norm``, ``ln_f``,
  ``final_layer_norm``, ``decoder.final_layer_norm``), or None (encoders have none);
* ``lm_head``: the head's output embeddings (``get_output_embeddings()``), or None;
* ``causal``: whether it is a decoder;
* ``lock``: the lock every forward pass of this library on the model holds (:func:`model_lock`).

**Concurrency.** The engine and the corpus report put per-call things on a model while it runs:
forward hooks (the last residual, the value vectors of ``attn_norm``) and eager attention. Two
calls on one model at once would see each other's hooks. So every forward pass, with its hooks,
runs under the model's lock, one at a time per model, and the hooks live only inside it. Torch
already spreads one forward pass over the cores, so little is lost, and a long text still lets
other calls in between its batches.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

_LOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()

_FINAL_NORMS = ("norm", "ln_f", "final_layer_norm", "decoder.final_layer_norm")
_ATTENTION = ("attention", "attn", "self_attn")


def is_causal(model: Any) -> bool:
    """A decoder: a causal language model's architecture that is no masked language model's
    (BERT-family models, which can be configured either way, count when ``is_decoder``)."""
    cfg = getattr(model, "config", None)
    if getattr(cfg, "is_decoder", False):
        return True
    try:
        from transformers.models.auto.modeling_auto import (
            MODEL_FOR_CAUSAL_LM_MAPPING_NAMES as CAUSAL,
        )
        from transformers.models.auto.modeling_auto import (
            MODEL_FOR_MASKED_LM_MAPPING_NAMES as MASKED,
        )
    except ImportError:  # pragma: no cover - every supported transformers has them
        return False
    kind = getattr(cfg, "model_type", "")
    return kind in CAUSAL and kind not in MASKED


def config_int(model: Any, *names: str) -> int | None:
    """The first of the config's attributes ``names`` that is a positive integer (models name
    the same quantity differently: ``num_hidden_layers``, ``n_layer``, ...)."""
    cfg = getattr(model, "config", None)
    for name in names:
        value = getattr(cfg, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def hidden_size(model: Any) -> int | None:
    """The width of the model's hidden states, when its config says."""
    return config_int(model, "hidden_size", "n_embd", "dim", "d_model")


def model_lock(model: Any) -> threading.Lock:
    """The lock of ``model``'s base model: a model and its head share one."""
    base = base_model(model)
    with _LOCKS_GUARD:
        lock = _LOCKS.get(base)
        if lock is None:
            lock = _LOCKS[base] = threading.Lock()
        return lock


def base_model(model: Any) -> Any:
    """The base model inside ``model`` (``model`` itself when it has no head)."""
    base = getattr(model, "base_model", None)
    return model if base is None else base


def _attr_path(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part, None)
    return obj


def _blocks(base: Any) -> tuple[Any, ...]:
    """The base model's blocks: its ``ModuleList`` as long as the model is deep whose items
    hold a self-attention module."""
    import torch

    n = config_int(base, "num_hidden_layers", "n_layer", "n_layers", "num_layers")
    for _, mod in base.named_modules():
        if isinstance(mod, torch.nn.ModuleList) and n and len(mod) == n:
            if any(hasattr(mod[0], a) for a in _ATTENTION):
                return tuple(mod)
    return ()


def _final_norm(base: Any, causal: bool) -> Any:
    if not causal:
        return None
    for path in _FINAL_NORMS:
        mod = _attr_path(base, path)
        if mod is not None and "norm" in type(mod).__name__.lower():
            return mod
    return None


def _lm_head(model: Any, base: Any) -> Any:
    if model is base or not hasattr(model, "get_output_embeddings"):
        return None
    return model.get_output_embeddings()


@dataclass(frozen=True, eq=False)
class Anatomy:
    """Where a model's parts are (see the module docstring)."""

    model: Any = field(repr=False)  # the object given
    base: Any = field(repr=False)
    blocks: tuple[Any, ...] = field(repr=False)
    attention: tuple[Any, ...] = field(repr=False)
    final_norm: Any = field(repr=False)
    lm_head: Any = field(repr=False)
    causal: bool
    lock: Any = field(repr=False)

    @property
    def name(self) -> str:
        """The class name of the object given."""
        return type(self.model).__name__


def anatomy(model: Any) -> Anatomy:
    """The :class:`Anatomy` of ``model``, a base model or one with a head."""
    base = base_model(model)
    causal = is_causal(model)
    blocks = _blocks(base)
    attention = tuple(next(getattr(b, a) for a in _ATTENTION if hasattr(b, a)) for b in blocks)
    return Anatomy(
        model=model,
        base=base,
        blocks=blocks,
        attention=attention,
        final_norm=_final_norm(base, causal),
        lm_head=_lm_head(model, base),
        causal=causal,
        lock=model_lock(base),
    )
