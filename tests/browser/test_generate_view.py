"""Watching a decoder write, in the browser: a real ``AFNView`` writing with a tiny Llama, its
messages to the browser taken from its comm and given to ``tests/browser/host.html`` as a
kernel gives them (the driver below), and what the browser sends back given to the view as
ipywidgets would. Tokens arrive one by one; the Stop button stops the model; each token drawn
after the others (the text box's append path, ``js/append.js``) is drawn as a fresh view of the
same data draws it, and the finished view as ``AFNView.from_result`` of its result."""

from __future__ import annotations

import queue
import time
from typing import Any

import numpy as np
import pytest
from ipywidgets.widgets.widget import _put_buffers

from afn_widget import AFNView, generate
from afn_widget.registry import ENTROPY, LOGPROB
from tests.test_generate_view import PROMPT, chat_writer, writer  # noqa: F401

pytestmark = pytest.mark.browser

# Every span of a view's text, by view id: its text, its classes (those a pointer adds left out)
# and its colour as drawn.
SPANS_JS = """(id) => [...window.__afn.el(id).querySelectorAll('.afn-text .afn-tok')].map((e) => ({
  text: e.textContent,
  cls: [...e.classList].filter((c) => !['afn-pinned', 'afn-flash', 'afn-linked'].includes(c))
    .sort().join(' '),
  bg: getComputedStyle(e).backgroundColor,
  shown: e.getClientRects().length > 0,
}))"""

# Mark the first span of view `id`'s text, to tell whether it is the same element later.
MARK_JS = """(id) => {
  const first = window.__afn.el(id).querySelector('.afn-text .afn-tok');
  if (first) first.__afnMark = true;
}"""

# Record, every animation frame, how many spans of view `id` are marked as written, and whether
# its Stop button is shown.
FRAMES_JS = """(id) => {
  const el = window.__afn.el(id);
  window.__frames = [];
  const tick = (t) => {
    const stop = el.querySelector('.afn-stop');
    window.__frames.push([t, el.querySelectorAll('.afn-text .afn-gen').length,
                          !!stop && !stop.hidden && stop.getClientRects().length > 0]);
    if (!window.__framesDone) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def _update(msg: dict[str, Any], buffers: Any) -> dict[str, Any] | None:
    """A message of the view's comm as the browser reads it: an update's state, the binary
    buffers put back where their paths say (as bytes); None for any other message."""
    if msg.get("method") != "update":
        return None
    state = dict(msg["state"])
    _put_buffers(state, msg.get("buffer_paths", []), list(buffers or []))
    return {k: bytes(v) if isinstance(v, (memoryview, bytearray)) else v for k, v in state.items()}


def _initial(view: AFNView) -> dict[str, Any]:
    return dict(view.state_dict())


def _same_spans(host, a: int, b: int) -> list[dict[str, Any]]:
    got, want = (host.page.evaluate(SPANS_JS, i) for i in (a, b))
    assert got == want
    return got


def test_tokens_arrive_one_by_one_and_the_stop_button_stops(host, writer):  # noqa: F811
    model = writer[0]
    view = AFNView(PROMPT, model=writer, granularity="token").wait(120)
    sent: queue.Queue = queue.Queue()
    view._send = lambda msg, buffers=None: sent.put((msg, buffers))
    vid = host.mount(_initial(view))
    host.page.evaluate(FRAMES_JS, vid)
    slow = model.register_forward_pre_hook(lambda *_: time.sleep(0.06))  # a token a few frames
    n_saved, stopped_at = len(host.saved()), None
    try:
        view.generate(40)
        while not (view._worker.idle and sent.empty()):
            try:
                state = _update(*sent.get(timeout=0.2))
            except queue.Empty:
                continue
            if state:
                host.python_set(vid, **state)
            shown = host.page.locator(f"{host.root(vid)} .afn-text .afn-gen").count()
            if stopped_at is None and shown >= 6:
                host.page.click(f"{host.root(vid)} .afn-stop")
                stopped_at = shown
                for change in host.saved()[n_saved:]:  # what the browser sent: writing = false
                    view.set_state(change)
    finally:
        slow.remove()
    frames = host.page.evaluate("() => { window.__framesDone = true; return window.__frames; }")
    r = view.result
    assert host.saved()[n_saved:] == [{"writing": False}]
    assert r.finish_reason == "stopped" and stopped_at <= int(r.generated.sum()) < 40
    # one by one: the count of written spans grew over many frames, a token (or a few) at a time
    counts = [c for _, c, _ in frames]
    first = next(k for k, c in enumerate(counts) if c > 0)
    last = counts.index(max(counts))
    assert last - first > 1
    assert len(set(counts[first : last + 1])) >= 5
    assert all(b >= a for a, b in zip(counts, counts[1:], strict=False))
    # the Stop button was shown while the model wrote, and is gone once it has stopped
    assert any(stop for _, _, stop in frames[first:last])
    assert not host.page.locator(f"{host.root(vid)} .afn-stop").is_visible()
    # the finished view is the view of its result
    fresh = host.mount(_initial(AFNView.from_result(r, granularity="token")))
    spans = _same_spans(host, vid, fresh)
    assert sum("afn-gen" in s["cls"].split() for s in spans) == counts[last] > 0
    legend = host.page.locator(f"{host.root(vid)} [data-field=written]").text_content()
    assert legend == f"written by the model: {int(r.generated.sum())} tokens; stopped"
    assert host.log.errors == []


@pytest.mark.parametrize("granularity", ["token", "word"])
def test_each_token_is_drawn_as_a_fresh_view_draws_the_same_data(host, writer, granularity):  # noqa: F811
    """The append path: after every update the view's spans, classes and colours are those of
    a view mounted anew with the same state."""
    view = AFNView(PROMPT, model=writer, granularity=granularity).wait(120)
    sent: list[tuple[dict[str, Any], Any]] = []
    view._send = lambda msg, buffers=None: sent.append((msg, buffers))
    state = _initial(view)
    view.generate(14).wait(120)
    vid = host.mount(state)
    host.page.evaluate(
        "(id) => { const b = window.__afn.el(id).querySelector('.afn-text');"
        " b.style.maxHeight = '6em'; }",  # a box that scrolls: the view follows the writing
        vid,
    )
    compared = kept = 0
    for msg, buffers in sent:
        changes = _update(msg, buffers)
        if not changes:
            continue
        writing = state.get("writing") and changes.get("writing", True)
        host.page.evaluate(MARK_JS, vid)
        host.python_set(vid, **changes)
        state.update(changes)
        if "tokens" in changes:
            fresh = host.mount(state)
            _same_spans(host, vid, fresh)
            compared += 1
            # while the model writes, the spans of the text drawn before stay (not drawn anew)
            kept += host.page.evaluate("(id) => window.__afn.el(id).querySelector("
                                       "'.afn-text .afn-tok').__afnMark === true", vid)  # fmt: skip
            assert not writing or kept == compared
    assert compared >= 14 and kept == compared - 1  # the last, written no more, drawn whole
    box = host.page.evaluate(
        "(id) => { const b = window.__afn.el(id).querySelector('.afn-text');"
        " return [b.scrollTop + b.clientHeight, b.scrollHeight]; }",
        vid,
    )
    assert box[1] - box[0] < 4  # followed: the newest token in view
    assert host.log.errors == []


def test_the_tooltip_of_a_written_token_and_the_layer_free_scores(host, writer):  # noqa: F811
    r = generate(PROMPT, writer, max_new_tokens=6)
    vid = host.mount(_initial(AFNView.from_result(r, granularity="token")))
    root = host.root(vid)
    spans = host.page.locator(f"{root} .afn-text .afn-tok.afn-gen")
    last = spans.nth(spans.count() - 1)
    i = int(last.get_attribute("data-i"))
    last.hover()
    tip = host.page.locator(f"{root} .afn-tooltip")
    k = int(r.generated[: i + 1].sum())
    assert tip.locator("[data-field=written]").text_content() == f"written by the model, step {k}"
    for name in (LOGPROB.name, ENTROPY.name):
        value = float(r.score(name)[r.layer, i])
        assert tip.locator(f"[data-field={name}]").text_content() == f"{value:.3f}"
    prompt_span = host.page.locator(f"{root} .afn-text .afn-tok:not(.afn-gen):not(.afn-special)")
    prompt_span.nth(1).hover()
    assert tip.locator("[data-field=written]").count() == 0
    # logprob: one value per token, so the layer slider leaves its colours as they are
    host.python_set(vid, score=LOGPROB.name)
    note = host.page.locator(f"{root} [data-field=layer-note]")
    assert "the same at every layer" in note.text_content() and note.is_visible()
    before = host.page.evaluate(SPANS_JS, vid)
    host.python_set(vid, layer=0)
    assert host.page.evaluate(SPANS_JS, vid) == before
    host.python_set(vid, score="tas")
    assert not note.is_visible()
    assert host.log.errors == []


def test_a_chat_shows_its_roles_with_their_counts_and_means(host, chat_writer):  # noqa: F811
    messages = [
        {"role": "system", "content": "Be a cat."},
        {"role": "user", "content": "Who are you?"},
    ]
    r = generate(model=chat_writer, messages=messages, max_new_tokens=5)
    vid = host.mount(_initial(AFNView.from_result(r, granularity="token", show_special=True)))
    root = host.root(vid)
    items = host.page.locator(f"{root} .afn-chat-role")
    roles = np.array(r.chat_roles)
    want = list(dict.fromkeys(r.chat_roles))
    assert [items.nth(j).get_attribute("data-role") for j in range(items.count())] == want
    for j, role in enumerate(want):
        mine = roles == role
        text = items.nth(j).text_content()
        assert f" {int(mine.sum())} tok " in text
        mean = float(np.mean(r.layer_norms[r.layer, mine].astype(np.float64)))
        assert items.nth(j).locator("[data-field=mean]").text_content() == f"{mean:.3f}"
    # a user's token names its role in the tooltip
    user = [i for i, role in enumerate(r.chat_roles) if role == "user" and r.offsets[i]]
    host.page.locator(f'{root} .afn-text .afn-tok[data-i="{user[0]}"]').hover()
    assert host.page.locator(f"{root} .afn-tooltip [data-field=chat-role]").text_content() == "user"
    assert host.log.errors == []


def test_the_standalone_page_of_a_chat_shows_what_was_written(open_html, chat_writer):  # noqa: F811
    messages = [{"role": "user", "content": "Write a haiku."}]
    view = AFNView(messages=messages, model=chat_writer, generate=6, granularity="token")
    view.wait(120)
    r = view.result
    page = open_html(view.to_html())
    page.wait_for_selector(".afn-text .afn-tok", state="attached")
    # each span: the tokens it shows, and whether it is marked as written
    spans = page.evaluate(
        """() => [...document.querySelectorAll('.afn-text .afn-tok')].map((e) => [
          (e.dataset.units || e.dataset.i).split(',').map(Number),
          e.classList.contains('afn-gen')])"""
    )
    assert sum(marked for _, marked in spans) > 0
    for tokens, marked in spans:  # marked: it shows a token the model wrote
        assert marked == bool(r.generated[tokens].any()), tokens
    items = page.locator(".afn-chat-role")
    got = [items.nth(j).get_attribute("data-role") for j in range(items.count())]
    assert got == list(dict.fromkeys(r.chat_roles))
    assert page.locator(".afn-stop").is_hidden()
    assert page.afn_log.errors == []
