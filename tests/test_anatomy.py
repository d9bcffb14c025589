"""A model given with a head reads exactly as its base (:mod:`afn_widget.anatomy`).

Users load models with heads to generate or classify (``*ForCausalLM``, ``GPT2LMHeadModel``,
``*ForMaskedLM``, ``*ForSequenceClassification``, ``*ForTokenClassification``). For every decoder
family the decoder tests cover, and for encoders with each kind of head, ``analyze`` of the head
object equals ``analyze`` of its base model, and both equal an independent forward pass of the
base."""

from __future__ import annotations

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget.anatomy import anatomy
from afn_widget.models import load_model
from afn_widget.registry import LOGIT_SCORES
from afn_widget.result import SCORES
from tests.afn_reference import layer_norms
from tests.test_decoders import ARCHS, TEXT, _randomize_norms, tokenizers  # noqa: F401

HEADS = {  # architecture: its causal LM class and config class
    "llama": ("LlamaForCausalLM", "LlamaConfig"),
    "gemma2": ("Gemma2ForCausalLM", "Gemma2Config"),
    "gemma3": ("Gemma3ForCausalLM", "Gemma3TextConfig"),
    "phi3": ("Phi3ForCausalLM", "Phi3Config"),
    "qwen2": ("Qwen2ForCausalLM", "Qwen2Config"),
    "qwen3": ("Qwen3ForCausalLM", "Qwen3Config"),
    "gpt2": ("GPT2LMHeadModel", "GPT2Config"),
    "neox": ("GPTNeoXForCausalLM", "GPTNeoXConfig"),
    "opt": ("OPTForCausalLM", "OPTConfig"),
}


def _config(arch: str, v: int):
    import transformers as T

    small = dict(
        vocab_size=v, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=64,
    )  # fmt: skip
    gqa = dict(num_key_value_heads=2, **small)
    cls = getattr(T, HEADS[arch][1])
    if arch == "gpt2":
        return cls(vocab_size=v, n_embd=32, n_layer=2, n_head=4, n_positions=64)
    if arch == "neox":
        return cls(**small)
    if arch == "opt":
        return cls(
            vocab_size=v, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, ffn_dim=64,
            word_embed_proj_dim=32, max_position_embeddings=64,
        )  # fmt: skip
    if arch == "phi3":
        return cls(pad_token_id=0, **gqa)
    if arch in ("gemma2", "gemma3", "qwen3"):
        return cls(head_dim=8, **gqa)
    return cls(**gqa)


def _head(arch: str, tokenizer):
    import torch
    import transformers as T

    torch.manual_seed(11)
    model = getattr(T, HEADS[arch][0])(_config(arch, len(tokenizer)))
    return _randomize_norms(model, seed=5).eval()


def _same(a, b) -> None:
    assert a.final_layer == b.final_layer
    assert a.tokens == b.tokens
    np.testing.assert_array_equal(a.layer_norms, b.layer_norms)
    np.testing.assert_array_equal(a.massive, b.massive)
    for name in a.scores:
        if name in LOGIT_SCORES:  # the LM head's own scores: only a model with its head has them
            continue
        assert (name in a.unavailable) == (name in b.unavailable)
        if name not in a.unavailable:
            np.testing.assert_array_equal(a.score(name), b.score(name), err_msg=name)


@pytest.mark.parametrize("arch", list(HEADS))
def test_a_decoder_with_its_lm_head_reads_as_its_base(tokenizers, arch):  # noqa: F811
    tok = tokenizers[ARCHS[arch]]
    head = _head(arch, tok)
    body = anatomy(head)
    assert body.base is not head and body.base is head.base_model
    assert body.causal and body.final_norm is not None and body.lm_head is not None
    assert len(body.blocks) == 2 == len(body.attention)
    base = body.base
    assert anatomy(base).final_norm is body.final_norm and anatomy(base).lm_head is None
    assert anatomy(base).lock is body.lock  # one lock for a model and its head

    # thresholds low enough for these tiny weights that some tokens are flagged, the last row too
    opts = dict(scores=SCORES, massive_abs=0.01, massive_ratio=4.0)
    with_head = analyze(TEXT, load_model((head, tok), "cpu"), **opts)
    bare = analyze(TEXT, load_model((base, tok), "cpu"), **opts)
    assert with_head.final_layer == "residual"
    _same(with_head, bare)
    assert with_head.massive[-1].any()
    ids = list(tok(TEXT)["input_ids"])
    np.testing.assert_allclose(with_head.layer_norms, layer_norms(base, ids), rtol=1e-5, atol=1e-5)
    normed = analyze(TEXT, load_model((head, tok), "cpu"), final_layer="normed")
    np.testing.assert_allclose(
        normed.layer_norms, layer_norms(base, ids, "normed"), rtol=1e-5, atol=1e-5
    )


ENCODER_HEADS = (
    "BertForMaskedLM",
    "BertForSequenceClassification",
    "BertForTokenClassification",
    "DistilBertForMaskedLM",
    "RobertaForMaskedLM",
)


@pytest.mark.parametrize("cls", ENCODER_HEADS)
def test_an_encoder_with_a_head_reads_as_its_base(tiny_models, cls):
    import transformers as T

    lm = tiny_models[{"Bert": "bert", "Dist": "distilbert", "Robe": "roberta"}[cls[:4]]]
    head = getattr(T, cls)(lm.model.config).eval()
    setattr(head, head.base_model_prefix, lm.model)  # the fixture's base, under a head
    body = anatomy(head)
    assert body.base is lm.model and not body.causal and body.final_norm is None
    assert (body.lm_head is not None) == cls.endswith("MaskedLM")
    with_head = analyze(TEXT, load_model((head, lm.tokenizer), "cpu"), scores=SCORES)
    bare = analyze(TEXT, lm, scores=SCORES)
    assert with_head.final_layer == "block output"
    _same(with_head, bare)


def test_a_base_model_is_its_own_base(tiny_models):
    lm = tiny_models["gpt2"]
    body = anatomy(lm.model)
    assert body.base is lm.model and body.lm_head is None
    assert body.causal and body.final_norm is lm.model.ln_f
