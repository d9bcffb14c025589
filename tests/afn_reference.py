"""Independent reference computations for the engine tests, and the texts they share.

Nothing here imports afn_widget's numeric code: forward passes are run directly with
transformers, windows and buckets are rebuilt from the documented rules with plain loops.
"""

from __future__ import annotations

import math
import random

import numpy as np

TEXT = (
    "The committee postponed its decision, although the evidence was overwhelming. "
    "Unbelievably, nobody asked why 3 of the 12 samples went missing on Tuesday!"
)
SHORT = "Unbelievably, nobody asked why 3 samples went missing! Naïve café 😀."
ARCHS = ["bert", "distilbert", "electra", "roberta", "gpt2"]  # the tiny_models fixture's
TOL = dict(rtol=1e-5, atol=1e-5)


def model_named(request, name: str):
    """The ``minilm`` fixture for ``"minilm"``, else that model of the ``tiny_models`` fixture."""
    if name == "minilm":
        return request.getfixturevalue("minilm")
    return request.getfixturevalue("tiny_models")[name]


def long_text(n_words: int, seed: int = 0) -> str:
    """``n_words`` words drawn from a small vocabulary (several windows of a tiny model)."""
    rng = random.Random(seed)
    vocab = (
        "the a of and to in river mountain quickly extraordinary tokenization was were "
        "committee evidence 1984 cats dog's unbelievably , . ; ! ? running ran transformer"
    ).split()
    return " ".join(rng.choice(vocab) for _ in range(n_words))


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


def stripped(text: str, offsets):
    """Each span without the whitespace at its ends (a reader's span); a span of whitespace
    only becomes empty, at its end."""
    out = []
    for s, e in offsets:
        piece = text[s:e]
        if not piece.strip():
            out.append((e, e))
        else:
            out.append((s + len(piece) - len(piece.lstrip()), e - len(piece) + len(piece.rstrip())))
    return out


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


DECODERS = {
    "GPT2Model", "LlamaModel", "Qwen2Model", "Qwen3Model", "Gemma2Model", "Gemma3TextModel",
    "Phi3Model", "GPTNeoXModel", "OPTModel", "MistralModel",
}  # fmt: skip


def _blocks(model):
    """The model's transformer blocks, by the attribute each architecture uses."""
    for path in ("h", "layers", "decoder.layers", "encoder.layer", "transformer.layer"):
        mod = model
        for part in path.split("."):
            mod = getattr(mod, part, None)
        if mod is not None:
            return mod
    raise AssertionError(f"no blocks found in {type(model).__name__}")


def hidden_states(model, input_ids: list[int], final_layer: str = "residual") -> np.ndarray:
    """``[n_layers + 1, T, d]`` float32 hidden states of one sequence (model in eval mode).

    For a decoder, Hugging Face's last entry is after the final norm; ``final_layer="residual"``
    puts the last block's own output there instead (read by a hook on that block)."""
    import torch

    assert not model.training, "reference forward pass needs eval mode"
    x = torch.tensor([input_ids], dtype=torch.long)
    last = []
    hook = None
    if final_layer == "residual" and type(model).__name__ in DECODERS:
        block = _blocks(model)[-1]
        hook = block.register_forward_hook(
            lambda _m, _a, out: last.append(out[0] if isinstance(out, tuple) else out)
        )
    try:
        with torch.no_grad():
            out = model(input_ids=x, attention_mask=torch.ones_like(x), output_hidden_states=True)
    finally:
        if hook is not None:
            hook.remove()
    rows = list(out.hidden_states)
    if last:
        rows[-1] = last[-1]
    return np.stack([h[0].float().numpy() for h in rows])


def layer_norms(model, input_ids: list[int], final_layer: str = "residual") -> np.ndarray:
    """``hidden_states[l].norm(dim=-1)`` for every layer (the last-layer rule as above)."""
    h = hidden_states(model, input_ids, final_layer).astype(np.float64)
    return np.linalg.norm(h, axis=-1).astype(np.float32)


def window_plan(
    n: int, length: int, stride: int, causal: bool = False
) -> tuple[list[int], list[int]]:
    """Window starts and the owning window of each token, from the documented rule.

    Windows of ``length`` tokens, consecutive starts ``length - stride`` apart, the last one
    aligned to the end of the text. A token belongs to the window where its distance to the
    nearest window edge *that cuts the text* is largest (an edge at the start or end of the text
    cuts nothing), the earliest window on ties. ``causal`` (a decoder): only the left edge
    counts, a token's context being what precedes it.
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
            d_right = (e - 1 - i) if e < n and not causal else math.inf
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
