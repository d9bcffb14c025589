"""A view that watches a decoder write (afn_widget.watch): ``AFNView(prompt, model=...,
generate=N)``, ``view.generate(N)``, ``view.stop()`` and the Stop button's ``writing`` trait,
chats, and what the browser and the standalone page get. Tiny random Llama and Qwen2 models with
their LM heads and offline tokenizers; every result is checked against ``generate`` itself."""

from __future__ import annotations

import base64
import json
import re
import threading

import numpy as np
import pytest

from afn_widget import AFNView, generate
from afn_widget.errors import AFNInputError, AFNTypeError, NoLMHeadError
from afn_widget.payload import written_columns
from afn_widget.registry import ENTROPY, LOGPROB
from tests.test_anatomy import _head
from tests.test_decoders import _sentencepiece, _tiktoken_style
from tests.test_generate import CHATML

PROMPT = "The cat sat on the mat, and the dog"
N = 8


@pytest.fixture(scope="module")
def writer():
    """A tiny Llama with its LM head, as a ``(model, tokenizer)`` pair, that never writes its
    end-of-sequence token (every writing runs to its end unless stopped)."""
    tok = _sentencepiece()
    model = _head("llama", tok)
    model.generation_config.eos_token_id = []
    return model, tok


@pytest.fixture(scope="module")
def chat_writer():
    tok = _tiktoken_style()
    tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tok.chat_template = CHATML
    model = _head("qwen2", tok)
    model.generation_config.eos_token_id = []
    return model, tok


def _same(got, want) -> None:
    """Two results of the same writing: the same tokens, flags, norms and LM head's scores."""
    assert got.tokens == want.tokens and got.ids == want.ids and got.text == want.text
    assert got.generated.tolist() == want.generated.tolist()
    assert got.finish_reason == want.finish_reason
    np.testing.assert_array_equal(got.layer_norms, want.layer_norms)
    for name in (LOGPROB.name, ENTROPY.name):
        np.testing.assert_array_equal(got.score(name), want.score(name))


class Gate:
    """A forward pre-hook that holds the model's ``at``-th pass (1 = the prompt's) until
    :meth:`open`; ``reached`` is set once it is held."""

    def __init__(self, model, at: int) -> None:
        self.at, self.passes = at, 0
        self.reached, self.opened = threading.Event(), threading.Event()
        self.handle = model.register_forward_pre_hook(self)

    def __call__(self, *_):
        self.passes += 1
        if self.passes == self.at:
            self.reached.set()
            assert self.opened.wait(60)

    def open(self) -> None:
        self.opened.set()
        self.handle.remove()


def test_a_view_asked_to_write_ends_with_the_result_of_generate(writer):
    view = AFNView(PROMPT, model=writer, generate=N, granularity="token").wait(120)
    want = generate(PROMPT, writer, max_new_tokens=N)
    assert view.status == "ready" and view.error == "" and not view.writing
    _same(view.result, want)
    assert int(view.result.generated.sum()) == N and view.finish_reason == "length"
    # what the browser holds: the text written, its flags, the LM head's scores to choose from
    assert view.text == want.text and view.tokens == want.tokens
    assert np.frombuffer(view.generated, "<u1").tolist() == want.generated.astype(int).tolist()
    assert view.score_names == ["tas", LOGPROB.name, ENTROPY.name]
    view.score = LOGPROB.name  # re-coloured by the log-probability, at any layer
    np.testing.assert_array_equal(
        view.result.score(LOGPROB.name)[view.layer], want.score("logprob")[0]
    )


def test_view_generate_writes_after_the_views_text_and_can_go_on(writer):
    view = AFNView(PROMPT, model=writer).wait(120)
    assert view.generated == b"" and view.finish_reason == ""
    assert view.generate(4) is view
    view.wait(120)
    first = generate(PROMPT, writer, max_new_tokens=4)
    _same(view.result, first)
    view.generate(3, do_sample=True, seed=7, temperature=0.8).wait(120)  # after what was written
    more = generate(first.text, writer, max_new_tokens=3, do_sample=True, seed=7, temperature=0.8)
    _same(view.result, more)
    assert view.text.startswith(first.text)


def test_stop_ends_the_writing_after_the_token_being_written(writer):
    model = writer[0]
    gate = Gate(model, at=4)  # the prompt's pass, then the passes reading tokens 1, 2, 3
    try:
        view = AFNView(PROMPT, model=writer, generate=20)
        assert gate.reached.wait(60)
        assert view.status == "writing"
        view.stop()
    finally:
        gate.open()
    view.wait(120)
    r = view.result
    assert view.status == "ready" and r.finish_reason == view.finish_reason == "stopped"
    assert int(r.generated.sum()) == 3 and not view.writing
    _same(r, generate(PROMPT, writer, max_new_tokens=20,
                      partial=lambda p: bool(p.generated.sum() < 3)))  # fmt: skip


def test_the_stop_button_sets_writing_to_false_which_stops(writer):
    """The browser's Stop button: ``writing`` set to False by a message from the browser."""
    gate = Gate(writer[0], at=3)
    try:
        view = AFNView(PROMPT, model=writer, generate=20)
        assert gate.reached.wait(60)
        view.set_state({"writing": False})  # as ipywidgets applies the browser's message
    finally:
        gate.open()
    view.wait(120)
    assert view.finish_reason == "stopped" and int(view.result.generated.sum()) == 2
    view.generate(2).wait(120)  # the next writing is not stopped by the last one's Stop
    assert view.finish_reason == "length" and int(view.result.generated.sum()) == 2


def test_a_new_text_ends_the_writing_and_is_analysed(writer):
    gate = Gate(writer[0], at=3)
    try:
        view = AFNView(PROMPT, model=writer, generate=20)
        assert gate.reached.wait(60)
        view.text = "A dog slept."
    finally:
        gate.open()
    view.wait(120)
    assert view.status == "ready" and view.text == "A dog slept." and not view.writing
    assert view.generated == b"" and view.result.generated is None
    assert view.score_names == ["tas"]


def test_another_model_ends_the_writing_and_analyses_the_text(writer):
    gate = Gate(writer[0], at=3)
    try:
        view = AFNView(PROMPT, model=writer, generate=20)
        assert gate.reached.wait(60)
        view.model = writer  # the same pair again: the text is analysed with it
        assert view.status == "computing" and not view.writing
    finally:
        gate.open()
    view.wait(120)
    assert view.status == "ready" and not view.writing and view.result.generated is None


def test_bad_arguments_are_refused_before_anything_runs(writer, tiny_bert):
    written = generate(PROMPT, writer, max_new_tokens=2)

    def fail(*_):
        raise AssertionError("a model ran")

    hooks = [
        writer[0].register_forward_pre_hook(fail),
        tiny_bert.model.register_forward_pre_hook(fail),
    ]
    try:
        with pytest.raises(NoLMHeadError, match="not a decoder"):
            AFNView(PROMPT, model=tiny_bert, generate=N)
        with pytest.raises(NoLMHeadError, match="no LM head"):
            AFNView(PROMPT, model=(writer[0].model, writer[1]), generate=N)
        with pytest.raises(NoLMHeadError, match="no default"):
            AFNView(PROMPT, generate=N)
        for n in (-1, 0, 2.5, True):
            with pytest.raises(AFNInputError, match="generate must be a positive integer"):
                AFNView(PROMPT, model=writer, generate=n)
        with pytest.raises(AFNTypeError, match="give generate=N too"):
            AFNView(PROMPT, model=writer, do_sample=True)
        with pytest.raises(AFNTypeError, match="one of the two"):
            AFNView(PROMPT, model=writer, generate=N, messages=[{"role": "user", "content": "Hi"}])
        with pytest.raises(AFNTypeError, match="one of the two"):
            AFNView(model=writer, generate=N)
        with pytest.raises(AFNInputError, match="top_p"):
            AFNView(PROMPT, model=writer, generate=N, top_p=2)
        with pytest.raises(AFNInputError, match="attention"):
            AFNView(PROMPT, model=writer, generate=N, scores=("tas", "attention"))
        view = AFNView.from_result(written, model=tiny_bert)
        shown = view.result
        with pytest.raises(NoLMHeadError, match="not a decoder"):
            view.generate(4)  # the view's model is an encoder
        with pytest.raises(AFNTypeError, match="unknown option"):
            view.generate(4, temprature=0.5)
        with pytest.raises(AFNInputError, match="positive integer"):
            view.generate(-3)
    finally:
        for h in hooks:
            h.remove()
    # the view is as it was, and usable
    assert view.status == "ready" and view.error == "" and not view.writing
    _same(view.result, shown)
    view.model = writer
    view.generate(2).wait(120)
    assert view.finish_reason == "length" and int(view.result.generated.sum()) == 2


def test_a_model_that_cannot_write_named_by_path_is_said_in_the_view(writer, tiny_bert, tmp_path):
    tiny_bert.model.save_pretrained(tmp_path / "bert")  # an encoder: loaded in the background
    tiny_bert.tokenizer.save_pretrained(tmp_path / "bert")
    view = AFNView(PROMPT, model=str(tmp_path / "bert"), generate=N, device="cpu").wait(120)
    assert view.status == "error" and "NoLMHeadError" in view.error and not view.writing
    view.model = writer  # the next valid model repairs the view (an analysis of the text)
    view.wait(120)
    assert (
        view.status == "ready"
        and view.tokens == generate(PROMPT, writer, max_new_tokens=1).tokens[:-1]
    )


def test_a_chat_view_shows_roles_and_writes_the_reply(chat_writer):
    messages = [
        {"role": "system", "content": "Be a cat."},
        {"role": "user", "content": "Who are you?"},
    ]
    view = AFNView(messages=messages, model=chat_writer, generate=5, compare_score="logprob")
    view.wait(120)
    want = generate(model=chat_writer, messages=messages, max_new_tokens=5)
    _same(view.result, want)
    assert view.compare_score == "logprob"  # TAS beside the log-probability, asked at once
    roles = np.frombuffer(view.chat_roles, "<u2")
    assert [view.chat_role_names[k] for k in roles] == want.chat_roles
    assert view.chat_role_names == ["template", "system", "user", "assistant"]
    view.generate(3).wait(120)  # a reply to the same chat again
    _same(view.result, generate(model=chat_writer, messages=messages, max_new_tokens=3))
    view.text = "Plain text now."  # the chat is forgotten
    view.wait(120)
    assert view.chat_roles == b"" and view.chat_role_names == []
    with pytest.raises(AFNInputError, match="no text to write after"):
        AFNView(model=chat_writer).generate(3)


def test_written_columns_say_which_tokens_were_written_and_their_roles(chat_writer):
    r = generate(model=chat_writer, messages=[{"role": "user", "content": "Hi there"}],
                 max_new_tokens=3)  # fmt: skip
    cols = written_columns(r)
    assert np.frombuffer(cols["generated"], "<u1").astype(bool).tolist() == r.generated.tolist()
    names = cols["chat_role_names"]
    assert [names[k] for k in np.frombuffer(cols["chat_roles"], "<u2")] == r.chat_roles
    assert names == list(dict.fromkeys(r.chat_roles)) and cols["finish_reason"] == "length"
    plain = written_columns(generate(PROMPT, chat_writer, max_new_tokens=1))
    assert plain["chat_roles"] == b"" and plain["chat_role_names"] == []


def test_the_standalone_page_carries_what_was_written(chat_writer):
    messages = [{"role": "user", "content": "Write a haiku."}]
    view = AFNView(messages=messages, model=chat_writer, generate=4).wait(120)
    page = view.to_html()
    raw = re.search(r'<script type="application/json" id="afn-state">(.*?)</script>', page, re.S)
    state = json.loads(raw.group(1))
    r = view.result
    gen = np.frombuffer(base64.b64decode(state["generated"]["$b64"]), "<u1")
    assert gen.astype(bool).tolist() == r.generated.tolist()
    roles = np.frombuffer(base64.b64decode(state["chat_roles"]["$b64"]), "<u2")
    assert [state["chat_role_names"][k] for k in roles] == r.chat_roles
    assert state["finish_reason"] == "length" and state["writing"] is False
    assert state["score_names"] == ["tas", LOGPROB.name, ENTROPY.name]


def test_the_picture_and_figures_of_a_written_text(writer, tmp_path):
    view = AFNView(PROMPT, model=writer, generate=4).wait(120)
    assert view.to_svg().lstrip().startswith(("<?xml", "<svg"))
    assert view.save_png(tmp_path / "w.png").stat().st_size > 0
    df = view.result.to_dataframe("token")
    assert df["generated"].tolist() == view.result.generated.tolist()
