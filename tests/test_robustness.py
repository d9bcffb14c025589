"""The widget under bad input, odd texts, long documents and rapid changes.

Every bad input gives a typed error whose message names the fix, shown inside the widget, and
the same view then takes the next valid input. See docs/robustness.md for the table of cases.
"""

from __future__ import annotations

import copy
import threading
import time
import tracemalloc

import numpy as np
import pytest
import transformers

from afn_widget import AFNView, analyze
from afn_widget.errors import (
    AFNInputError,
    AFNTypeError,
    ModelUnavailableError,
    NonFiniteActivationError,
    TokenizerError,
)

GOOD = "The committee approved the new budget."


def _recovers(view, text="A different, valid sentence."):
    """After an error the same view accepts the next valid input."""
    view.text = text
    view.wait(120)
    assert view.status == "ready" and view.error == ""
    assert view.result.text == text


@pytest.mark.parametrize(
    "bad, error, fix",
    [
        (None, AFNTypeError, "pass the text to analyse as a string"),
        (b"bytes", AFNTypeError, "decode it first"),
        (3.5, AFNTypeError, "convert it with str"),
        (["a", "list"], AFNTypeError, "text must be a string"),
    ],
)
def test_bad_text_types(minilm, bad, error, fix):
    view = AFNView(GOOD, model=minilm).wait(120)
    with pytest.raises(error, match=fix):
        view.text = bad
    assert view.status == "error" and fix in view.error
    _recovers(view, "Another valid sentence.")


@pytest.mark.parametrize(
    "name, value, fix",
    [
        ("quantile", 1e9, "strictly between 0 and 1"),
        ("quantile", 0.0, "strictly between 0 and 1"),
        ("quantile", float("nan"), "strictly between 0 and 1"),
        ("layer", 7, "hidden_states 0..6"),
        ("layer", -8, "hidden_states 0..6"),
        ("granularity", "sentence", "'token' or 'word'"),
    ],
)
def test_bad_controls_from_python_and_from_the_browser(minilm, name, value, fix):
    view = AFNView(GOOD, model=minilm).wait(120)
    before = getattr(view, name)
    with pytest.raises(AFNInputError, match=fix):
        setattr(view, name, value)
    assert getattr(view, name) == before
    assert view.status == "error" and fix in view.error
    view.layer = 1  # a valid control clears the error
    assert view.status == "ready" and view.error == ""
    view.send_state = lambda key=None: None
    view.set_state({name: value})  # the same value in a crafted message from the frontend
    assert getattr(view, name) == (1 if name == "layer" else before)
    assert view.status == "error" and fix in view.error
    _recovers(view)


def test_unknown_model_name_shows_in_widget_and_next_model_text_works(minilm):
    view = AFNView(GOOD, model="no-such-org/no-such-model-xyz").wait(120)
    assert view.status == "error"
    assert view.error.startswith("ModelUnavailableError") and "Check the name or path" in view.error
    with pytest.raises(ModelUnavailableError):
        view.result  # noqa: B018 - the error is raised to Python users too
    fixed = AFNView(GOOD, model=minilm).wait(120)
    assert fixed.status == "ready"


def test_model_without_fast_tokenizer(tiny_bert, minilm_path):
    slow_cls = getattr(transformers, "BertTokenizerLegacy", None) or transformers.BertTokenizer
    slow = slow_cls(vocab_file=str(minilm_path / "vocab.txt"))
    if slow.is_fast:
        pytest.skip("this transformers has no slow BERT tokenizer")
    view = AFNView(GOOD, model=(tiny_bert.model, slow)).wait(120)
    assert view.status == "error" and view.error.startswith("TokenizerError")
    assert "use_fast=True" in view.error
    with pytest.raises(TokenizerError):
        view.result  # noqa: B018


def test_nan_in_hidden_states_then_recovery(tiny_bert):
    import torch

    broken = copy.deepcopy(tiny_bert.model)
    with torch.no_grad():
        broken.embeddings.word_embeddings.weight.fill_(float("inf"))
    view = AFNView(GOOD, model=(broken, tiny_bert.tokenizer)).wait(120)
    assert view.status == "error" and view.error.startswith("NonFiniteActivationError")
    assert "model.float()" in view.error
    with pytest.raises(NonFiniteActivationError):
        view.result  # noqa: B018
    with torch.no_grad():  # the user fixes the model; the same view works again
        broken.embeddings.word_embeddings.weight.copy_(
            tiny_bert.model.embeddings.word_embeddings.weight
        )
    _recovers(view)


@pytest.mark.parametrize(
    "text, n_words",
    [
        ("   \n\t  ", 0),  # only whitespace: an empty view, not an error
        ("", 0),
        ("?!...;", None),  # only punctuation
        ("\U0001f600\U0001f680\U0001f44d\U0001f3fd", None),  # only emoji
        ("cat", 1),  # one token
    ],
)
def test_odd_texts(minilm, text, n_words):
    view = AFNView(text, model=minilm).wait(120)
    if text == "":  # nothing to analyse yet: an empty view, ready for a text
        assert view.status == "empty" and view.n_tokens == 0
        _recovers(view)
        return
    assert view.status == "ready" and view.error == ""
    r = view.result
    assert r.text == text
    words = [w for w, role in zip(r.words.text, r.words.roles, strict=True) if role != "special"]
    if n_words is not None:
        assert len(words) == n_words
    if words:
        assert int((r.words.buckets == "HIGH").sum()) >= 1  # the strongest is always HIGH
    _recovers(view)


@pytest.mark.slow
def test_long_document_progress_streaming_cancel_and_memory(tiny_bert):
    rng = np.random.default_rng(0)
    vocab = "the model reads every token of this long text and keeps only numbers".split()
    text = " ".join(rng.choice(vocab, 20_000)) + "."
    assert len(text) > 100_000
    # Partial results every 20 ms (the default is 0.5 s): the stream is seen however fast
    # the machine gets through the text.
    view = AFNView(model=tiny_bert, granularity="token", partial_every=0.02)
    biggest = []  # tokens per forward pass: one batch of windows at most, whatever the text
    hook = tiny_bert.model.register_forward_pre_hook(
        lambda mod, args, kwargs: biggest.append(kwargs["input_ids"].numel()), with_kwargs=True
    )
    seen = []
    view.observe(lambda c: seen.append(c["new"]), names="progress")
    streamed = []
    view.observe(lambda c: streamed.append(c["new"]), names="n_tokens")
    tracemalloc.start()
    try:
        view.text = text
        view.wait(600)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        hook.remove()
    r = view.result
    assert r.text == text and r.n_windows > 100
    assert len([p for p in seen if 0 < p < 1]) >= 10  # progress was visible along the way
    assert seen[-1] == 1.0
    assert len(streamed) >= 3 and streamed == sorted(streamed)  # results grew window by window
    assert streamed[-1] == len(r.tokens)
    # Memory: hidden states live one batch of windows at a time (4 windows of 64 tokens) ...
    assert max(biggest) <= 4 * tiny_bert.max_length
    # ... and what is kept per token is the result's numbers: (n_layers + 1) float32 norms,
    # three shifts, and top_k dims + shares, plus Python's token strings and offsets.
    per_token = (r.n_layers + 1) * 4 * (4 + 2 * r.top_dims.shape[-1])
    kept = r.layer_norms.nbytes + sum(v.nbytes for v in r.shifts.values())
    assert kept + r.top_dims.nbytes + r.top_share.nbytes == per_token * len(r.tokens)
    assert peak < 2_000 * len(r.tokens) + 32 * 2**20, peak  # Python heap: linear, small

    # Cancelling: a new text stops the old computation at its next window.
    calls = []
    view.observe(lambda c: calls.append(c["new"]), names="progress")
    view.text = text + " again"
    time.sleep(0.05)
    view.text = GOOD
    view.wait(600)
    assert view.result.text == GOOD
    assert not any(p == 1.0 for p in calls[:-1]), "the long analysis ran to the end"


def test_hundred_changes_in_a_second_end_on_the_last_without_thread_leak(minilm):
    view = AFNView(GOOD, model=minilm).wait(120)
    threads = threading.active_count()
    start = time.perf_counter()
    for i in range(100):
        view.text = f"Sentence number {i} is about a cat."
    assert time.perf_counter() - start < 1.0  # setting text never blocks the kernel
    view.wait(120)
    assert view.text == view.result.text == "Sentence number 99 is about a cat."
    assert view.status == "ready"
    time.sleep(0.2)
    assert threading.active_count() <= threads


def test_view_result_is_the_engine_result(minilm):
    view = AFNView(GOOD, model=minilm).wait(120)
    np.testing.assert_array_equal(view.result.layer_norms, analyze(GOOD, minilm).layer_norms)
