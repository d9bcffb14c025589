"""Attention scores from the engine's pass (afn_widget.attention) against an independent
computation: the model's own attention weights, and value vectors recomputed from each value
projection's input with its weights, mapped per head through the output projection."""

from __future__ import annotations

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget.errors import AFNInputError
from afn_widget.models import load_model

TEXT = "The cat sat on the mat, and the dog slept by the door."


def _decoder(kind: str, tokenizer, randomize):
    import torch
    import transformers as T

    small = dict(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=64,
    )  # fmt: skip
    built = {
        "gpt2": lambda: T.GPT2Model(
            T.GPT2Config(vocab_size=len(tokenizer), n_embd=32, n_layer=2, n_head=4, n_positions=64)
        ),
        "llama": lambda: T.LlamaModel(T.LlamaConfig(num_key_value_heads=2, **small)),
        "qwen2": lambda: T.Qwen2Model(T.Qwen2Config(num_key_value_heads=2, **small)),
        "gemma2": lambda: T.Gemma2Model(T.Gemma2Config(num_key_value_heads=2, head_dim=8, **small)),
        "phi3": lambda: T.Phi3Model(T.Phi3Config(num_key_value_heads=2, pad_token_id=0, **small)),
        "neox": lambda: T.GPTNeoXModel(T.GPTNeoXConfig(**small)),
        "opt": lambda: T.OPTModel(
            T.OPTConfig(
                vocab_size=len(tokenizer),
                hidden_size=32,
                num_hidden_layers=2,
                num_attention_heads=4,
                ffn_dim=64,
                word_embed_proj_dim=32,
                max_position_embeddings=64,
            )
        ),  # fmt: skip
    }
    torch.manual_seed(3)
    model = built[kind]()
    _randomize_norms(model)
    return load_model((model.eval(), tokenizer), "cpu")


def _randomize_norms(model) -> None:
    """LayerNorm and RMSNorm weights away from 1 (untrained norms make every norm √d)."""
    import torch

    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for mod in model.modules():
            w = getattr(mod, "weight", None)
            if "Norm" in type(mod).__name__ and w is not None and w.dim() == 1:
                w.copy_(1.0 + 0.5 * torch.randn(w.shape, generator=gen))


def _value_parts(att):
    """(value module, how to cut the values, output projection weight [d_out, H·dh])."""
    if hasattr(att, "self"):
        return att.self.value, "all", att.output.dense.weight
    if hasattr(att, "v_lin"):
        return att.v_lin, "all", att.out_lin.weight
    if hasattr(att, "v_proj"):
        out = att.o_proj if hasattr(att, "o_proj") else att.out_proj
        return att.v_proj, "all", out.weight
    if hasattr(att, "c_attn"):
        return att.c_attn, "third", att.c_proj.weight.t()  # Conv1D stores [in, out]
    if hasattr(att, "query_key_value"):
        return att.query_key_value, "neox", att.dense.weight
    return att.qkv_proj, "phi3", att.o_proj.weight


def _reference(lm, text: str) -> dict[str, np.ndarray]:
    """attention and attn_norm ``[L, T]`` of the text in one window, computed directly."""
    import torch

    model, tok = lm.model, lm.tokenizer
    cfg = model.config
    heads = cfg.num_attention_heads if hasattr(cfg, "num_attention_heads") else cfg.n_head
    kv = getattr(cfg, "num_key_value_heads", None) or heads
    ids = torch.tensor([tok(text)["input_ids"]])
    layers = [m for m in model.modules() if type(m).__name__.endswith(("Layer", "Block"))]
    layers = [m for m in layers if any(hasattr(m, a) for a in ("attention", "attn", "self_attn"))]
    inputs = {}
    parts = []
    for i, layer in enumerate(layers):
        att = next(
            getattr(layer, a) for a in ("attention", "attn", "self_attn") if hasattr(layer, a)
        )
        mod, cut, w_out = _value_parts(att)
        parts.append((mod, cut, w_out.detach().double()))
        mod.register_forward_pre_hook(lambda m, a, i=i: inputs.__setitem__(i, a[0].detach()))
    old = cfg._attn_implementation
    model.set_attn_implementation("eager")
    try:
        with torch.no_grad():
            out = model(input_ids=ids, output_attentions=True)
    finally:
        model.set_attn_implementation(old)
        for mod, _, _ in parts:
            mod._forward_pre_hooks.clear()
    att_rows, norm_rows = [], []
    for i, a in enumerate(out.attentions):
        alpha = a[0].double()  # [H, T(query), T(key)]
        received = alpha.sum(1)  # [H, T]
        att_rows.append(received.mean(0).numpy())
        mod, cut, w_out = parts[i]
        x = inputs[i][0].double()
        w = mod.weight.detach().double()
        w = w if type(mod).__name__ == "Conv1D" else w.t()  # as x @ w
        full = x @ w + mod.bias.detach().double() if mod.bias is not None else x @ w
        dh = w_out.shape[1] // heads
        if cut == "third":
            v = full[:, 2 * full.shape[1] // 3 :]
        elif cut == "neox":
            v = full.reshape(full.shape[0], heads, 3 * dh)[..., 2 * dh :].reshape(full.shape[0], -1)
        elif cut == "phi3":
            v = full[:, full.shape[1] - kv * dh :]
        else:
            v = full
        v = v.reshape(v.shape[0], kv, dh)
        total = np.zeros(v.shape[0])
        for h in range(heads):
            f = v[:, h // (heads // kv)] @ w_out[:, h * dh : (h + 1) * dh].t()  # [T, d_out]
            total += (received[h] * torch.linalg.vector_norm(f, dim=-1)).numpy()
        norm_rows.append(total)
    return {"attention": np.stack(att_rows), "attn_norm": np.stack(norm_rows)}


def _check(lm, text=TEXT):
    r = analyze(text, lm, scores=("tas", "attention", "attn_norm"))
    want = _reference(lm, text)
    for name in ("attention", "attn_norm"):
        got = r.score(name)
        assert got.dtype == np.float32 and got.shape == (lm.n_layers + 1, len(r))
        assert np.isnan(got[0]).all()  # no attention before the first block
        np.testing.assert_allclose(got[1:], want[name], rtol=1e-4, atol=1e-5, err_msg=name)
    assert not np.allclose(want["attn_norm"][0], want["attn_norm"][0][0])  # not constant
    return r


def test_minilm_attention_and_attn_norm(minilm):
    r = _check(minilm)
    np.testing.assert_array_equal(r.score("tas"), r.layer_norms)


@pytest.mark.parametrize("kind", ["gpt2", "llama", "qwen2", "gemma2", "phi3", "neox", "opt"])
def test_decoder_attention_and_attn_norm(kind, bpe_tokenizers):
    _check(_decoder(kind, bpe_tokenizers["gpt2"], None))


@pytest.mark.parametrize("kind", ["distilbert", "roberta", "electra"])
def test_encoder_attention_and_attn_norm(kind, tiny_models):
    _check(tiny_models[kind])


def test_scores_not_asked_for_say_how_to_ask_and_bad_names_are_refused(tiny_bert):
    r = analyze(TEXT, tiny_bert)
    with pytest.raises(AFNInputError, match=r"scores=\('tas', 'attention'\)"):
        r.score("attention")
    np.testing.assert_array_equal(r.score("cos_change"), r.shifts["cos_change"])
    with pytest.raises(AFNInputError, match="unknown score"):
        r.score("saliency")
    with pytest.raises(AFNInputError, match="non-empty selection"):
        analyze(TEXT, "no-such-model-is-loaded", scores=("tas", "saliency"))
    with pytest.raises(AFNInputError, match="got none"):
        analyze(TEXT, "no-such-model-is-loaded", scores=())


def test_a_model_whose_blocks_are_unknown_says_why_attn_norm_is_missing(tiny_bert):
    import torch

    class Opaque(torch.nn.Module):
        """A model with hidden states and attention weights but no recognisable blocks."""

        def __init__(self, inner):
            super().__init__()
            object.__setattr__(self, "inner", inner)  # not a registered submodule: no blocks
            self.config = inner.config

        def forward(self, **kwargs):
            return self.inner(**kwargs)

        def set_attn_implementation(self, impl):
            self.inner.set_attn_implementation(impl)

    lm = load_model((Opaque(tiny_bert.model), tiny_bert.tokenizer), "cpu")
    r = analyze(TEXT, lm, scores=("tas", "attention", "attn_norm"))
    assert np.isfinite(r.score("attention")[1:]).all()
    assert (
        "attn_norm" in r.unavailable
        and "value and output projections" in r.unavailable["attn_norm"]
    )
    with pytest.raises(AFNInputError, match="not available for this model"):
        r.score("attn_norm")


def test_attention_of_a_long_text_comes_from_the_window_that_owns_each_token(tiny_bert):
    long = " ".join([TEXT] * 12)
    r = analyze(long, tiny_bert, scores=("tas", "attention"), max_length=32, batch_windows=2)
    assert r.n_windows > 2
    a = r.score("attention")
    assert np.isfinite(a[1:]).all() and np.isnan(a[0]).all()
    # attention received sums to the number of real queries over keys: each window's rows
    # sum to its length, so a token's value is below the window length
    assert (a[1:] <= 32).all() and (a[1:] > 0).all()


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
def test_the_corpus_report_reads_attention_with_the_same_code(kind, bpe_tokenizers):
    from afn_widget import analyze_corpus

    lm = _decoder(kind, bpe_tokenizers["gpt2"], None)
    sentence = "The cat sat on the mat, and the dog slept."
    scores = ("tas", "attention", "attn_norm")
    report = analyze_corpus([sentence], lm, scores=scores, controls=(), n_boot=10, progress=False)
    r = analyze(sentence, lm, scores=scores)
    assert "not computed" not in report.meta["attn_norm"]
    pieces = r.words.pieces
    body = [j for j, s in enumerate(r.words.spans) if s is not None]
    for name in ("attention", "attn_norm"):
        want = np.stack([r.score(name)[:, pieces[j]].mean(1) for j in body], 1)
        got = report.scores("trained", name)
        np.testing.assert_allclose(got[1:], want[1:], rtol=1e-4, atol=1e-5, err_msg=name)
