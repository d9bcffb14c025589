"""What sets a decoder apart when its hidden states are read.

* **Causal context** (:func:`is_causal`): a decoder's token sees only what precedes it, so a
  long text's token takes its values from the window where it has the most *preceding*
  context (the earliest window that holds it), not the most on both sides.
* **The last layer** (:func:`final_norm`): Hugging Face decoders apply a final norm to the last
  hidden state only (``hidden_states[-1] = norm(residual)``), while every other entry is the raw
  residual stream. ``final_layer="residual"`` reads the last layer before that norm (a forward
  pre-hook on it), so every row is the same kind of vector; ``"normed"`` keeps what Hugging Face
  returns. Encoders have no such norm: their last row is the last block's output, like the others.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

FINAL_LAYERS = ("auto", "residual", "normed")


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


def final_norm(model: Any) -> Any:
    """The norm a decoder applies after its last block (``norm``, ``ln_f``,
    ``final_layer_norm``, ``decoder.final_layer_norm``), or None."""
    if not is_causal(model):
        return None
    for path in ("norm", "ln_f", "final_layer_norm", "decoder.final_layer_norm"):
        mod = model
        for part in path.split("."):
            mod = getattr(mod, part, None)
        if mod is not None and "norm" in type(mod).__name__.lower():
            return mod
    return None


def resolve_final_layer(model: Any, asked: str) -> str:
    """What the result's last row holds: ``"residual"`` (before the final norm), ``"normed"``
    (after it, as Hugging Face returns) or ``"block output"`` (a model with no final norm)."""
    if final_norm(model) is None:
        return "block output"
    return "normed" if asked == "normed" else "residual"


@contextmanager
def last_residual(model: Any, wanted: bool = True) -> Iterator[list[Any]]:
    """Inside, each forward pass appends the input of ``model``'s final norm (the last layer's
    residual stream) to the list yielded; nothing is hooked when not ``wanted`` or when the
    model has no final norm (:func:`final_norm`)."""
    seen: list[Any] = []
    norm = final_norm(model) if wanted else None
    hook = None
    if norm is not None:
        hook = norm.register_forward_pre_hook(lambda _mod, args: seen.append(args[0]))
    try:
        yield seen
    finally:
        if hook is not None:
            hook.remove()


def with_residual(hidden_states: Sequence[Any] | None, seen: list[Any]) -> Sequence[Any] | None:
    """The hidden states with their last row replaced by the last residual :func:`last_residual`
    saw (as they are when it saw none)."""
    if hidden_states is None or not seen:
        return hidden_states
    return (*hidden_states[:-1], seen[-1])
