"""``attn_norm`` (the sum over heads of per-head norms) and ``attn_norm_layer`` (the norm of the
sum over heads, Kobayashi et al.'s layer-level measure) against a direct computation on a tiny
BERT: every head's ``α^h_ij f^h(x_j)`` built as a vector, query by query, in float64."""

from __future__ import annotations

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget.corpus import analyze_corpus
from afn_widget.registry import ATTN_NORM, ATTN_NORM_LAYER, CORPUS_SCORES, SCORES

TEXT = "The scientists celebrated their remarkable discovery, and a cat sat on the mat."


def _direct(lm, text: str) -> dict[str, np.ndarray]:
    """``[L, T]`` per measure: ``Σ_i Σ_h ‖α^h_ij f^h(x_j)‖`` and ``Σ_i ‖Σ_h α^h_ij f^h(x_j)‖``,
    ``f^h(x_j) = (x_j W_V + b_V)_h W_O^h`` (no output bias), from the model's own weights."""
    import torch

    model, tok = lm.model, lm.tokenizer
    heads = model.config.num_attention_heads
    ids = torch.tensor([tok(text)["input_ids"]])
    atts = [layer.attention for layer in model.encoder.layer]
    inputs: dict[int, torch.Tensor] = {}
    hooks = [
        a.self.value.register_forward_pre_hook(lambda m, x, i=i: inputs.__setitem__(i, x[0]))
        for i, a in enumerate(atts)
    ]
    old = model.config._attn_implementation
    model.set_attn_implementation("eager")
    try:
        with torch.no_grad():
            out = model(input_ids=ids, output_attentions=True)
    finally:
        model.set_attn_implementation(old)
        for h in hooks:
            h.remove()
    per_head, layer_level = [], []
    for li, a in enumerate(atts):
        alpha = out.attentions[li][0].double().numpy()  # [H, T(query), T(key)]
        x = inputs[li][0].double().numpy()  # [T, d]
        wv = a.self.value.weight.detach().double().numpy()
        bv = a.self.value.bias.detach().double().numpy()
        wo = a.output.dense.weight.detach().double().numpy()  # [d_out, H·dh]
        v = x @ wv.T + bv  # [T, H·dh]
        dh = v.shape[1] // heads
        n = x.shape[0]
        f = np.stack(
            [v[:, h * dh : (h + 1) * dh] @ wo[:, h * dh : (h + 1) * dh].T for h in range(heads)]
        )  # [H, T, d_out]
        ph, ll = np.zeros(n), np.zeros(n)
        for j in range(n):
            for i in range(n):
                vecs = [alpha[h, i, j] * f[h, j] for h in range(heads)]
                ph[j] += sum(np.linalg.norm(u) for u in vecs)
                ll[j] += np.linalg.norm(np.sum(vecs, axis=0))
        per_head.append(ph)
        layer_level.append(ll)
    return {ATTN_NORM.name: np.stack(per_head), ATTN_NORM_LAYER.name: np.stack(layer_level)}


def test_both_measures_equal_their_direct_computation(tiny_bert):
    r = analyze(TEXT, tiny_bert, scores=("tas", ATTN_NORM.name, ATTN_NORM_LAYER.name))
    want = _direct(tiny_bert, TEXT)
    for name, ref in want.items():
        got = r.score(name)
        assert got.shape == (tiny_bert.n_layers + 1, len(r)) and np.isnan(got[0]).all()
        np.testing.assert_allclose(got[1:], ref, rtol=1e-5, atol=1e-5, err_msg=name)
    # the triangle inequality, strictly somewhere: the two are different measures
    ph, ll = want[ATTN_NORM.name], want[ATTN_NORM_LAYER.name]
    assert (ll <= ph + 1e-9).all() and (ll < ph - 1e-3).any()


def test_it_is_a_score_of_the_view_and_of_the_corpus_report(tiny_bert):
    assert ATTN_NORM_LAYER.name in SCORES and ATTN_NORM_LAYER.name in CORPUS_SCORES
    texts = ["The cat sat on the mat.", "A dog slept by the door of the house."]
    rep = analyze_corpus(
        texts, model=tiny_bert, controls=(), scores=("tas", ATTN_NORM.name, ATTN_NORM_LAYER.name),
        n_boot=10, progress=False,
    )  # fmt: skip
    got = rep.scores("trained", ATTN_NORM_LAYER.name)
    assert np.isfinite(got[1:]).all() and np.isnan(got[0]).all()
    # the same pass as analyze: a one-piece word's score is its token's
    r = analyze(texts[0], tiny_bert, scores=("tas", ATTN_NORM_LAYER.name))
    tokens = r.score(ATTN_NORM_LAYER.name)
    words = rep.words[rep.words["sentence"] == 0]
    assert (words["n_pieces"] == 1).all() and len(r.tokens) == len(words) + 2  # [CLS] ... [SEP]
    for k, i in enumerate(words.index):
        np.testing.assert_allclose(got[1:, i], tokens[1:, k + 1], rtol=1e-5, atol=1e-6)
    row = rep.row("trained", ATTN_NORM_LAYER.name, 1)
    assert (
        np.isfinite(row["auroc"]) and "norm of the sum over heads" in rep.meta[ATTN_NORM_LAYER.name]
    )
    assert "sum over heads of per-head norms" in rep.meta[ATTN_NORM.name]


@pytest.mark.parametrize("name", [ATTN_NORM.name, ATTN_NORM_LAYER.name])
def test_both_named_in_the_registry(name):
    from afn_widget.registry import SCORE

    text = SCORE[name].definition
    assert ("sum over heads of per-head norms" in text) == (name == ATTN_NORM.name)
    assert ("norm of the sum over heads" in text) == (name == ATTN_NORM_LAYER.name)


def _reference_from_heads(lm, text: str) -> dict[str, np.ndarray]:
    """Both measures from each head's ``f^h(x_j)``, for any architecture ``test_attention``
    knows: value vectors recomputed from each value projection's input and weights."""
    import torch

    from tests.test_attention import _value_parts

    model, tok = lm.model, lm.tokenizer
    cfg = model.config
    heads = cfg.num_attention_heads if hasattr(cfg, "num_attention_heads") else cfg.n_head
    kv = getattr(cfg, "num_key_value_heads", None) or heads
    ids = torch.tensor([tok(text)["input_ids"]])
    layers = [m for m in model.modules() if type(m).__name__.endswith(("Layer", "Block"))]
    layers = [m for m in layers if any(hasattr(m, a) for a in ("attention", "attn", "self_attn"))]
    inputs, parts, hooks = {}, [], []
    for i, layer in enumerate(layers):
        att = next(
            getattr(layer, a) for a in ("attention", "attn", "self_attn") if hasattr(layer, a)
        )
        mod, cut, w_out = _value_parts(att)
        parts.append((mod, cut, w_out.detach().double().numpy()))
        hooks.append(mod.register_forward_pre_hook(lambda m, a, i=i: inputs.__setitem__(i, a[0])))
    old = cfg._attn_implementation
    model.set_attn_implementation("eager")
    try:
        with torch.no_grad():
            out = model(input_ids=ids, output_attentions=True)
    finally:
        model.set_attn_implementation(old)
        for h in hooks:
            h.remove()
    per_head, layer_level = [], []
    for li, (mod, cut, w_out) in enumerate(parts):
        alpha = out.attentions[li][0].double().numpy()
        x = inputs[li][0].double().numpy()
        w = mod.weight.detach().double().numpy()
        w = w if type(mod).__name__ == "Conv1D" else w.T
        full = x @ w + (mod.bias.detach().double().numpy() if mod.bias is not None else 0)
        dh = w_out.shape[1] // heads
        n = x.shape[0]
        if cut == "third":
            v = full[:, 2 * full.shape[1] // 3 :]
        elif cut == "phi3":
            v = full[:, full.shape[1] - kv * dh :]
        else:
            v = full
        v = v.reshape(n, kv, dh)
        f = np.stack([v[:, h // (heads // kv)] @ w_out[:, h * dh : (h + 1) * dh].T
                      for h in range(heads)])  # fmt: skip
        contrib = alpha.transpose(1, 2, 0)[..., None] * f.transpose(1, 0, 2)[None]  # [i, j, H, d]
        per_head.append(np.linalg.norm(contrib, axis=-1).sum(axis=(0, 2)))
        layer_level.append(np.linalg.norm(contrib.sum(2), axis=-1).sum(0))
    return {ATTN_NORM.name: np.stack(per_head), ATTN_NORM_LAYER.name: np.stack(layer_level)}


@pytest.mark.parametrize("kind", ["llama", "gpt2", "phi3"])
def test_decoders_grouped_query_conv1d_and_fused(kind, bpe_tokenizers):
    from tests.test_attention import _decoder

    lm = _decoder(kind, bpe_tokenizers["gpt2"], None)
    r = analyze(TEXT, lm, scores=("tas", ATTN_NORM.name, ATTN_NORM_LAYER.name))
    for name, ref in _reference_from_heads(lm, TEXT).items():
        np.testing.assert_allclose(r.score(name)[1:], ref, rtol=1e-4, atol=1e-5, err_msg=name)
