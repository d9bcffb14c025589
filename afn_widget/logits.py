"""Scores from the LM head: what the model expected of each token.

A decoder run with its language-model head (``*ForCausalLM``) gives, at every position ``t``,
logits ``z_t`` over the vocabulary: the model's distribution of the token after ``t``,
``p_t = softmax(z_t)``. For token ``i`` (id ``x_i``), from the position before it:

* ``logprob = log p_{i−1}(x_i)``, ``torch.log_softmax`` in float32, natural log;
* ``entropy = −Σ_v p_{i−1}(v) log p_{i−1}(v)``, in nats: how spread the distribution it was
  chosen from was.

The first token has no position before it: nan. Both are the model's own distribution (its
logits as it returns them, soft-capping included), before any temperature or top-p of
sampling. They belong to the token, not to a layer: the result holds the same value at every
layer (:attr:`afn_widget.registry.Score.per_layer`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import registry as R
from .anatomy import Anatomy

LOGIT_SCORES = R.LOGIT_SCORES  # declared in the registry, like every score


def logits_unavailable(body: Anatomy) -> str | None:
    """Why the LM head's scores cannot be computed for the model (None when they can)."""
    if not body.causal:
        return (
            f"{body.name} is not a decoder: logprob and entropy need a causal language model's "
            "next-token distribution"
        )
    if body.lm_head is None:
        return (
            f"{body.name} has no LM head: pass the model with it, "
            "(AutoModelForCausalLM.from_pretrained(name), tokenizer), or "
            "load_model(name, head=True)"
        )
    return None


def chosen(logits: Any, ids: Any) -> tuple[Any, Any]:
    """``(logprob, entropy)``, float32 ``[N]`` each, of tokens ``ids`` (``[N]``) drawn from the
    distributions ``logits`` (``[N, V]``) stand for. With ``z`` the logits less their largest,
    ``e = exp(z)`` and ``s = Σ e``: ``logprob = z[id] − log s`` and
    ``entropy = log s − Σ e·z / s``; the same as ``log_softmax`` in a few passes over the
    vocabulary fewer, and no ``[N, V]`` array of log-probabilities kept."""
    import torch

    z = logits.float()
    z = z - z.amax(-1, keepdim=True)
    e = z.exp()
    s = e.sum(-1)
    log_s = s.log()
    logprob = z.gather(-1, ids[:, None].to(z.device))[:, 0] - log_s
    return logprob, log_s - torch.linalg.vecdot(e, z) / s


def token_scores(logits: Any, ids: Any, want: tuple[str, ...]) -> dict[str, np.ndarray]:
    """``[B, T]`` float32 per score of ``want`` (those of :data:`LOGIT_SCORES`), for the tokens
    ``ids`` (``[B, T]``) of a pass that gave ``logits`` (``[B, T, V]``); column 0 is nan. The
    batch goes one sequence at a time."""
    b, t = ids.shape
    rows = {name: np.full((b, t), np.nan, np.float32) for name in want}
    for k in range(b):
        logprob, entropy = chosen(logits[k, :-1], ids[k, 1:])
        values = {R.LOGPROB.name: logprob, R.ENTROPY.name: entropy}
        for name in want:
            rows[name][k, 1:] = values[name].cpu().numpy()
    return rows


def layer_rows(values: dict[str, np.ndarray], n_rows: int) -> dict[str, np.ndarray]:
    """Each ``[..., T]`` array of ``values`` as ``[n_rows, ..., T]``: the same row at every
    layer (a copy, so that the rows can be written one by one)."""
    return {k: np.repeat(v[None], n_rows, axis=0) for k, v in values.items()}
