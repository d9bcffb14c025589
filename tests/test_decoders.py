"""Small decoder language models read correctly: tiny random Llama, Qwen2/3, Gemma 2/3, Phi-3,
GPT-2, GPT-NeoX and OPT models (norm weights randomised), with tokenizers of their families
built here: SentencePiece-style BPE with ``▁`` and a BOS, tiktoken-style byte-level BPE, GPT-2's
byte-level BPE. Checked against independent forward passes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from afn_widget import analyze
from afn_widget.models import load_model
from tests.afn_reference import DECODERS, hidden_states, layer_norms, window_plan

CORPUS = [
    "The cat sat on the mat, and the dog slept by the door.",
    "President Bush on Tuesday nominated two individuals to replace retiring jurists.",
    "She sells sea shells by the sea shore; the shells she sells are surely sea shells.",
    "Numbers like 1, 2, 3 and 2024 appear in text, as do words such as naïve and café.",
    "I can't believe it's already Friday! Don't you think so? O'Brien said: yes.",
]
TEXT = "The cat sat on the mat. I can't believe it's Friday, O'Brien!"
TOL = dict(rtol=1e-5, atol=1e-5)
# the cl100k pre-tokenizer pattern of tiktoken-style tokenizers (Qwen2 uses the same shape)
TIKTOKEN_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def _sentencepiece():
    """Llama / Gemma style: Metaspace (▁) BPE, a BOS added before every text."""
    from tokenizers import SentencePieceBPETokenizer, processors
    from transformers import PreTrainedTokenizerFast

    sp = SentencePieceBPETokenizer()
    sp.train_from_iterator(CORPUS * 20, vocab_size=300, special_tokens=["<unk>", "<s>", "</s>"])
    core = sp._tokenizer
    core.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", core.token_to_id("<s>"))]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        pad_token="<unk>",
    )  # fmt: skip


def _tiktoken_style():
    """Qwen style: a regex split, then byte-level BPE; nothing added around the text."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(TIKTOKEN_SPLIT), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(CORPUS * 20, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>"
    )


def _bos_bpe(gpt2):
    """OPT style: GPT-2's byte-level BPE with ``</s>`` put before every text."""
    import copy

    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    core = copy.deepcopy(gpt2._tokenizer)
    core.post_processor = processors.TemplateProcessing(
        single="</s> $A", special_tokens=[("</s>", core.token_to_id("</s>"))]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="</s>", eos_token="</s>", pad_token="<pad>"
    )


@pytest.fixture(scope="module")
def tokenizers(bpe_tokenizers):
    return {
        "sentencepiece": _sentencepiece(),
        "tiktoken": _tiktoken_style(),
        "gpt2": bpe_tokenizers["gpt2"],
        "opt": _bos_bpe(bpe_tokenizers["gpt2"]),
    }


ARCHS = {  # architecture: the tokenizer family its checkpoints use
    "llama": "sentencepiece",
    "gemma2": "sentencepiece",
    "gemma3": "sentencepiece",
    "phi3": "sentencepiece",
    "qwen2": "tiktoken",
    "qwen3": "tiktoken",
    "gpt2": "gpt2",
    "neox": "gpt2",
    "opt": "opt",
}


def _randomize_norms(model, seed: int = 0):
    """LayerNorm / RMSNorm weights away from their initial values (see conftest)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in model.modules():
            w = getattr(mod, "weight", None)
            if "Norm" in type(mod).__name__ and w is not None and w.dim() == 1:
                w.copy_(1.0 + 0.5 * torch.randn(w.shape, generator=gen))
                if getattr(mod, "bias", None) is not None:
                    mod.bias.copy_(0.5 * torch.randn(w.shape, generator=gen))
    return model


def build(arch: str, tokenizer, max_positions: int = 64):
    import torch
    import transformers as T

    v = len(tokenizer)
    small = dict(
        vocab_size=v, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=max_positions,
    )  # fmt: skip
    gqa = dict(num_key_value_heads=2, **small)
    make = {
        "llama": lambda: T.LlamaModel(T.LlamaConfig(**gqa)),
        "gemma2": lambda: T.Gemma2Model(T.Gemma2Config(head_dim=8, **gqa)),
        "gemma3": lambda: T.Gemma3TextModel(T.Gemma3TextConfig(head_dim=8, **gqa)),
        "phi3": lambda: T.Phi3Model(T.Phi3Config(pad_token_id=0, **gqa)),
        "qwen2": lambda: T.Qwen2Model(T.Qwen2Config(**gqa)),
        "qwen3": lambda: T.Qwen3Model(T.Qwen3Config(head_dim=8, **gqa)),
        "gpt2": lambda: T.GPT2Model(
            T.GPT2Config(vocab_size=v, n_embd=32, n_layer=2, n_head=4, n_positions=max_positions)
        ),
        "neox": lambda: T.GPTNeoXModel(T.GPTNeoXConfig(**small)),
        "opt": lambda: T.OPTModel(
            T.OPTConfig(
                vocab_size=v,
                hidden_size=32,
                num_hidden_layers=2,
                num_attention_heads=4,
                ffn_dim=64,
                word_embed_proj_dim=32,
                max_position_embeddings=max_positions,
            )
        ),  # fmt: skip
    }
    torch.manual_seed(7)
    model = _randomize_norms(make[arch]()).eval()
    return load_model((model, tokenizer), "cpu")


@pytest.fixture(scope="module")
def models(tokenizers):
    return {arch: build(arch, tokenizers[family]) for arch, family in ARCHS.items()}


def _ids(tok, text, specials=True):
    return list(tok(text, add_special_tokens=specials)["input_ids"])


# -- 1, 2, 4: per architecture ------------------------------------------------------------------


@pytest.mark.parametrize("arch", list(ARCHS))
def test_norms_equal_an_independent_pass_with_the_residual_last_layer(models, arch):
    lm = models[arch]
    full = _ids(lm.tokenizer, TEXT)
    assert type(lm.model).__name__ in DECODERS
    r = analyze(TEXT, lm)
    assert r.final_layer == "residual"
    np.testing.assert_allclose(r.layer_norms, layer_norms(lm.model, full), **TOL)
    normed = analyze(TEXT, lm, final_layer="normed")
    assert normed.final_layer == "normed"
    np.testing.assert_allclose(normed.layer_norms, layer_norms(lm.model, full, "normed"), **TOL)
    np.testing.assert_array_equal(normed.layer_norms[:-1], r.layer_norms[:-1])
    assert not np.allclose(normed.layer_norms[-1], r.layer_norms[-1])  # the final norm differs


@pytest.mark.parametrize("arch", list(ARCHS))
def test_what_the_tokenizer_adds_is_special(models, arch):
    lm = models[arch]
    r = analyze(TEXT, lm)
    with_specials, bare = _ids(lm.tokenizer, TEXT), _ids(lm.tokenizer, TEXT, specials=False)
    added = len(with_specials) - len(bare)
    assert int(r.special.sum()) == added
    if ARCHS[arch] in ("sentencepiece", "opt"):  # a BOS before the text, nothing after
        assert added == 1 and r.special[0] and not r.special[1:].any()
    else:
        assert added == 0
    assert r.roles[0] == ("special" if added else r.roles[0])


def test_encoders_keep_their_last_layer(tiny_bert):
    r = analyze(TEXT, tiny_bert)
    assert r.final_layer == "block output"
    assert (analyze(TEXT, tiny_bert, final_layer="normed").layer_norms == r.layer_norms).all()


# -- offsets and words, for each tokenizer family ------------------------------------------------

texts = st.lists(
    st.sampled_from(list("abcdefgh XYZ,.'!?-éü1") + ["  ", "can't", "it's", "🙂"]),
    min_size=1,
    max_size=30,
).map("".join)


@pytest.mark.parametrize("arch", ["llama", "qwen2", "gpt2", "opt"])
@settings(max_examples=25, deadline=None)
@given(text=texts)
def test_offsets_and_words_are_right_for_every_family(models, arch, text):
    lm = models[arch]
    r = analyze(text, lm)
    spans = [s for s in r.offsets if s is not None]
    for s, e in spans:
        assert 0 <= s <= e <= len(text)
    assert [s for s, _ in spans] == sorted(s for s, _ in spans)
    w = r.words
    assert [i for p in w.pieces for i in p] == list(range(len(r)))
    previous_end = 0
    for word, span in zip(w.text, w.spans, strict=True):
        if span is None:
            continue
        assert text[span[0] : span[1]] == word and span[0] >= previous_end
        previous_end = span[1]
    covered = np.zeros(len(text), bool)
    for s, e in spans:
        covered[s:e] = True
    assert all(covered[i] or text[i].isspace() for i in range(len(text))), "text dropped"


# -- 3: massive activations ----------------------------------------------------------------------


def test_a_planted_massive_activation_is_flagged_at_every_layer_and_set_apart(tokenizers):
    import torch

    lm = build("llama", tokenizers["sentencepiece"])
    clean = analyze(TEXT, lm)
    assert not clean.massive.any() and "MASSIVE" not in set(clean.buckets)
    ids = _ids(lm.tokenizer, TEXT)
    at = 4  # a text token
    with torch.no_grad():
        lm.model.embed_tokens.weight[ids[at], 5] = 5e4
    r = analyze(TEXT, lm)
    assert r.massive[:, at].all() and r.massive.sum() == r.massive.shape[0]
    dims, values = r.massive_dims
    assert (dims[:, at] == 5).all() and (np.abs(values[:, at]) > 1e3).all()
    assert r.buckets[at] == "MASSIVE" and r.ranks[at] == 0
    others = ~r.special
    others[at] = False
    assert r.threshold == pytest.approx(np.quantile(r.tas[others], r.quantile), rel=1e-12)
    assert r.words.buckets[r.word_index[at]] == "MASSIVE"
    with_it = analyze(TEXT, lm, include_massive=True)
    assert with_it.buckets[at] in ("HIGH", "LOW") and with_it.ranks[at] > 0
    # the widget gets each flag with its dimension and value; the figure draws it apart
    from afn_widget.figure import units_of
    from afn_widget.payload import payload

    sent = payload(r)["massive"]
    assert [e[:2] for e in sent] == np.argwhere(r.massive).tolist()
    assert all(e[2] == 5 and abs(e[3] - values[e[0], e[1]]) < 1e-3 for e in sent)
    assert payload(with_it)["include_massive"] is True
    for gran in ("token", "word"):
        units = units_of(r, gran, "tas")
        assert (units.buckets == "MASSIVE").sum() == 1
        assert (units_of(with_it, gran, "tas").buckets == "MASSIVE").sum() == 0
    assert "<svg" in r.to_svg()


# -- 6: causal windows ---------------------------------------------------------------------------


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_a_decoders_long_text_takes_each_token_from_its_earliest_window(models, arch):
    lm = models[arch]
    tok = lm.tokenizer
    text = " ".join(CORPUS * 3)
    head = _ids(tok, "a")[: len(_ids(tok, "a")) - len(_ids(tok, "a", False))]
    ids = _ids(tok, text, False)
    length = 32 - len(head)
    r = analyze(text, lm, max_length=32, stride=8, batch_windows=3)
    starts, owner = window_plan(len(ids), length, 8, causal=True)
    assert r.n_windows == len(starts) > 2
    win = [layer_norms(lm.model, head + ids[s : s + length]) for s in starts]
    expected = np.stack(
        [win[owner[i]][:, len(head) + i - starts[owner[i]]] for i in range(len(ids))], axis=1
    )
    np.testing.assert_allclose(r.layer_norms[:, len(head) :], expected, **TOL)
    assert owner == sorted(owner) and owner[:length] == [0] * length


# -- 7: precision and loading --------------------------------------------------------------------


def test_a_bf16_model_runs_as_loaded_and_its_norms_come_out_float32(tokenizers):
    import copy

    import torch

    lm = build("llama", tokenizers["sentencepiece"])
    half = copy.deepcopy(lm.model).to(torch.bfloat16)
    r = analyze(TEXT, (half, lm.tokenizer))
    assert half.dtype == torch.bfloat16 and r.layer_norms.dtype == np.float32
    ref = layer_norms(lm.model, _ids(lm.tokenizer, TEXT))
    np.testing.assert_allclose(r.layer_norms, ref, rtol=1e-2, atol=1e-2)
    h = hidden_states(half, _ids(lm.tokenizer, TEXT))
    assert np.isfinite(h).all()


def test_dtype_and_device_map_when_loading_by_name(tmp_path, tokenizers, fresh_cache):
    import torch

    lm = build("qwen2", tokenizers["tiktoken"])
    lm.model.save_pretrained(tmp_path)
    lm.tokenizer.save_pretrained(tmp_path)
    bf = load_model(str(tmp_path), "cpu", dtype=torch.bfloat16)
    assert next(bf.model.parameters()).dtype == torch.bfloat16
    old = load_model(str(tmp_path), "cpu", torch_dtype="float16")
    assert next(old.model.parameters()).dtype == torch.float16 and old is not bf
    full = load_model(str(tmp_path), "cpu")
    assert next(full.model.parameters()).dtype == torch.float32
    placed = load_model(str(tmp_path), "cpu", device_map="cpu")
    assert next(placed.model.parameters()).device.type == "cpu" and placed is not full
    r = analyze(TEXT, bf)
    np.testing.assert_allclose(r.layer_norms, analyze(TEXT, full).layer_norms, rtol=2e-2, atol=2e-2)


# -- 5: a scale within each layer ----------------------------------------------------------------


def test_layer_scales_compare_layers_honestly(models):
    lm = models["llama"]
    raw = analyze(TEXT, lm)
    z = analyze(TEXT, lm, normalize="layer_zscore")
    rank = analyze(TEXT, lm, normalize="layer_rank")
    body = ~raw.special
    for layer in range(raw.n_layers + 1):
        x = raw.layer_norms[layer, body].astype(np.float64)
        np.testing.assert_allclose(z.layer_norms[layer, body], (x - x.mean()) / x.std(), atol=1e-5)
        order = np.argsort(np.argsort(x, kind="stable"), kind="stable")
        np.testing.assert_allclose(rank.layer_norms[layer, body], order / (x.size - 1), atol=1e-6)
    assert z.normalize == "layer_zscore"
    # the buckets of one layer are the same on every monotonic scale
    assert (z.at(layer=2).buckets == raw.at(layer=2).buckets).all()
