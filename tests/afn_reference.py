"""Independent reference computations for the engine tests.

Nothing here imports afn_widget's numeric code: forward passes are run directly with
transformers, windows and buckets are rebuilt from the documented rules with plain loops.
"""

from __future__ import annotations

import math

import numpy as np


def encode(tokenizer, text: str):
    """Content ids and character offsets of ``text`` (no special tokens added; special-token
    strings inside the text, like "[CLS]", are ordinary text)."""
    enc = tokenizer(
        text,
        add_special_tokens=False,
        return_offsets_mapping=True,
        split_special_tokens=True,
        verbose=False,
    )
    return list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]


def special_frame(tokenizer) -> tuple[list[int], list[int]]:
    """Special ids before / after a single text, read from the tokenizer's special-token mask."""
    enc = tokenizer("word", add_special_tokens=True, return_special_tokens_mask=True)
    ids, mask = list(enc["input_ids"]), list(enc["special_tokens_mask"])
    lead = 0
    while lead < len(mask) and mask[lead]:
        lead += 1
    trail = 0
    while trail < len(mask) - lead and mask[len(mask) - 1 - trail]:
        trail += 1
    return ids[:lead], ids[len(ids) - trail :]


def hidden_states(model, input_ids: list[int]) -> np.ndarray:
    """``[n_layers + 1, T, d]`` float32 hidden states of one sequence (model in eval mode)."""
    import torch

    assert not model.training, "reference forward pass needs eval mode"
    x = torch.tensor([input_ids], dtype=torch.long)
    with torch.no_grad():
        out = model(input_ids=x, attention_mask=torch.ones_like(x), output_hidden_states=True)
    return np.stack([h[0].float().numpy() for h in out.hidden_states])


def layer_norms(model, input_ids: list[int]) -> np.ndarray:
    """``hidden_states[l].norm(dim=-1)`` for every layer, computed with torch."""
    import torch

    x = torch.tensor([input_ids], dtype=torch.long)
    with torch.no_grad():
        out = model(input_ids=x, attention_mask=torch.ones_like(x), output_hidden_states=True)
    return np.stack([h[0].float().norm(dim=-1).numpy() for h in out.hidden_states])


def window_plan(n: int, length: int, stride: int) -> tuple[list[int], list[int]]:
    """Window starts and the owning window of each token, from the documented rule.

    Windows of ``length`` tokens, consecutive starts ``length - stride`` apart, the last one
    aligned to the end of the text. A token belongs to the window where its distance to the
    nearest window edge *that cuts the text* is largest (an edge at the start or end of the text
    cuts nothing), the earliest window on ties.
    """
    if n <= length:
        return [0], [0] * n
    step = length - stride
    starts: list[int] = []
    s = 0
    while s + length < n:
        starts.append(s)
        s += step
    starts.append(n - length)
    owner = []
    for i in range(n):
        best_w, best_d = None, -1.0
        for w, s in enumerate(starts):
            e = s + length  # exclusive
            if not s <= i < e:
                continue
            d_left = (i - s) if s > 0 else math.inf
            d_right = (e - 1 - i) if e < n else math.inf
            d = min(d_left, d_right)
            if d > best_d:
                best_w, best_d = w, d
        owner.append(best_w)
    return starts, owner


def buckets(values, eligible, q: float):
    """threshold (np.quantile, linear), HIGH mask, ranks (1 = strongest, ties: earlier first)."""
    values = np.asarray(values, dtype=np.float64)
    eligible = np.asarray(eligible, dtype=bool)
    idx = [i for i in range(len(values)) if eligible[i]]
    if not idx:
        return math.nan, np.zeros(len(values), bool), np.zeros(len(values), np.int64)
    thr = float(np.quantile(values[idx], q))
    high = np.array([bool(eligible[i]) and values[i] >= thr for i in range(len(values))])
    ranks = np.zeros(len(values), np.int64)
    for r, i in enumerate(sorted(idx, key=lambda i: (-values[i], i)), start=1):
        ranks[i] = r
    return thr, high, ranks
