"""What sets a decoder apart when its hidden states are read.

* **Causal context** (:attr:`~afn_widget.anatomy.Anatomy.causal`): a decoder's token sees only
  what precedes it, so a long text's token takes its values from the window where it has the
  most *preceding* context (the earliest window that holds it), not the most on both sides.
* **The last layer** (:attr:`~afn_widget.anatomy.Anatomy.final_norm`): Hugging Face decoders
  apply a final norm to the last hidden state only (``hidden_states[-1] = norm(residual)``),
  while every other entry is the raw residual stream. ``final_layer="residual"`` reads the last
  layer before that norm (a forward pre-hook on it), so every row is the same kind of vector;
  ``"normed"`` keeps what Hugging Face returns. Encoders have no such norm: their last row is
  the last block's output, like the others.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .anatomy import Anatomy

FINAL_LAYERS = ("auto", "residual", "normed")


def resolve_final_layer(body: Anatomy, asked: str) -> str:
    """What the result's last row holds: ``"residual"`` (before the final norm), ``"normed"``
    (after it, as Hugging Face returns) or ``"block output"`` (a model with no final norm)."""
    if body.final_norm is None:
        return "block output"
    return "normed" if asked == "normed" else "residual"


@contextmanager
def last_residual(body: Anatomy, wanted: bool = True) -> Iterator[list[Any]]:
    """Inside, each forward pass appends the input of the model's final norm (the last layer's
    residual stream) to the list yielded; nothing is hooked when not ``wanted`` or when the
    model has no final norm. Hold the model's lock around it (:mod:`afn_widget.anatomy`)."""
    seen: list[Any] = []
    norm = body.final_norm if wanted else None
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
