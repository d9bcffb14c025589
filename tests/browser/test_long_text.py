"""Long texts: the blocks in view are built and coloured at once, the others in background tasks.

While that work is pending the text box carries ``aria-busy="true"``. These tests look at the
page inside the very task that mounted or changed the view (so nothing in the background has
run yet), then wait for ``aria-busy`` to go (no sleeps) and compare everything with numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.browser.conftest import to_js
from tests.browser.pagejs import BUCKET_JS, REBUILD_JS
from tests.browser.test_frontend import assert_matches_numpy, rgb

pytestmark = pytest.mark.browser

SENTENCE = "The remarkably quick brown fox jumps over the lazy dog; then it rests.\u00a0"
# ~4,300 word spans / ~5,000 tokens: well above the size drawn in one go (1,500 elements)
TEXT = "".join(SENTENCE if i % 40 else SENTENCE + "\n" for i in range(330))

# Spans intersecting the text box's visible area, with their colours, and the box's state.
IN_VIEW_JS = (
    """(root) => {
  const box = document.querySelector(root + ' .afn-text');
  const r = box.getBoundingClientRect();
  const spans = [...box.querySelectorAll('.afn-tok')];
  const seen = spans.filter((e) => {
    const q = e.getClientRects()[0];
    return q && q.bottom > r.top && q.top < r.bottom;
  }).map((e) => ({ i: +e.dataset.i, bg: getComputedStyle(e).backgroundColor,
                   bucket: """
    + BUCKET_JS
    + """(e) }));
  // text still plain (a text node longer than any gap of TEXT) drawn in the visible area
  const range = document.createRange();
  const plain = [...box.childNodes].filter((n) => n.nodeType === 3 && n.length > 8).some((n) => {
    range.selectNodeContents(n);
    return [...range.getClientRects()].some((q) => q.bottom > r.top && q.top < r.bottom);
  });
  return { busy: box.getAttribute('aria-busy'), spans: spans.length, seen, plain };
}"""
)


def settle(host, vid=0):
    host.page.wait_for_selector(f"{host.root(vid)} .afn-text:not([aria-busy])", state="attached")


def check_in_view(state, ref, seen, layer):
    """The spans in view show the colours and buckets numpy gives at ``layer``."""
    v, el, _, high, _ = ref.split(state, layer=layer)
    colours = ref.viridis_rgb(v, el)
    assert len(seen) > 20
    for u in seen:
        assert rgb(u["bg"]) == colours[u["i"]], u
        assert u["bucket"] == ("HIGH" if high[u["i"]] else "LOW"), u


def test_long_text_in_view_first_then_everything(host, synth, ref):
    state = synth(text=TEXT, granularity="word")
    n_words = len(state["words"]) - 2
    first = host.page.evaluate(
        """([s, root, inView, rebuild]) => {
          window.__afn.mount(s);
          const canvas = document.querySelector(root + ' .afn-flow-canvas');
          return { ...eval(inView)(root), text: eval(rebuild)(root), flowRows: canvas.height };
        }""",
        [to_js(state), host.root(), IN_VIEW_JS, REBUILD_JS],
    )
    assert first["busy"] == "true"
    # the heatmap (every layer of every word) waits for the first background task
    assert first["flowRows"] != state["n_layers"] + 1
    assert 0 < first["spans"] < n_words
    assert first["plain"] is False
    check_in_view(state, ref, first["seen"], state["layer"])
    # the text from its start, plain-text blocks holding the very same text (pills, hidden
    # specials, apart): the blocks in view and a few below; the rest waits for the background
    assert TEXT.startswith(first["text"]) and 0 < len(first["text"]) < len(TEXT)
    # the first background task adds the rest as plain text, before the spans are all built
    host.page.wait_for_function(
        "([root, rebuild, text]) => eval(rebuild)(root) === text",
        arg=[host.root(), REBUILD_JS, TEXT],
        timeout=10_000,
    )
    settle(host)
    flow = host.page.evaluate(
        "(root) => { const c = document.querySelector(root + ' .afn-flow-canvas');"
        " return [c.width, c.height]; }",
        host.root(),
    )
    assert flow == [min(n_words, 1600), state["n_layers"] + 1]
    assert host.page.locator(f"{host.root()} .afn-text .afn-tok").count() == n_words + 2
    assert host.page.evaluate(REBUILD_JS, host.root()) == TEXT
    assert_matches_numpy(host, state, ref)
    assert host.log.errors == []


def test_layer_change_colours_the_view_at_once_and_the_rest_later(host, synth, ref):
    state = synth(text=TEXT, granularity="token", layer=1)
    vid = host.mount(state)
    settle(host)
    host.page.evaluate(
        "(root) => { const b = document.querySelector(root + ' .afn-text');"
        " b.scrollTop = b.scrollHeight / 2; }",
        host.root(),
    )
    host.page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")
    for layer in (3, 0):
        now = host.page.evaluate(
            """([id, L, root, inView]) => {
              window.__afn.pythonSet(id, { layer: L });
              return eval(inView)(root);
            }""",
            [vid, layer, host.root(), IN_VIEW_JS],
        )
        check_in_view(state, ref, now["seen"], layer)
        assert now["plain"] is False
        assert min(u["i"] for u in now["seen"]) > 1000  # the middle of the text, not its start
        settle(host)
        state["layer"] = layer
        assert_matches_numpy(host, state, ref)
    assert host.log.errors == []


def test_slider_keyboard_tooltip_and_ranking_while_busy(host, synth, ref):
    state = synth(text=TEXT, granularity="word", layer=2)
    out = host.page.evaluate(
        """([s, root]) => {
          const { id } = window.__afn.mount(s);
          const el = document.querySelector(root);
          const box = el.querySelector('.afn-text');
          const slider = el.querySelector('.afn-layer');
          for (const L of [3, 4, 1]) {
            slider.value = String(L);
            slider.dispatchEvent(new Event('input', { bubbles: true }));
          }
          const first = box.querySelector('.afn-tok');
          first.focus();
          first.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
          const end = document.activeElement;
          const tip = el.querySelector('.afn-tooltip');
          const endTip = !tip.hidden && tip.querySelector('.afn-tt-text').textContent;
          // Home, then 300 steps right: across several blocks still plain text
          const key = (k) => document.activeElement.dispatchEvent(
            new KeyboardEvent('keydown', { key: k, bubbles: true }));
          key('Home');
          const home = +document.activeElement.dataset.i;
          for (let j = 0; j < 300; j++) key('ArrowRight');
          const walked = +document.activeElement.dataset.i;
          el.querySelector('.afn-rank-btn').click();
          const ranked = document.activeElement;
          const rankBtn = +el.querySelector('.afn-rank-btn').dataset.i;
          return { busy: box.getAttribute('aria-busy'), end: +end.dataset.i,
                   endText: end.textContent, home, walked, endTip, ranked: +ranked.dataset.i,
                   rankBtn, rankedBg: getComputedStyle(ranked).backgroundColor };
        }""",
        [to_js(state), host.root()],
    )
    assert out["busy"] == "true"
    words = state["words"]
    last = max(i for i, w in enumerate(words) if w["role"] != "special")
    assert out["end"] == last and out["endText"] == words[last]["text"]
    assert out["endTip"] == words[last]["text"]
    assert (out["home"], out["walked"]) == (1, 301)
    # the strongest word at layer 1, focused and coloured though its block was plain text
    v, el, _, _, ranks = ref.split(state, layer=1)
    assert out["ranked"] == out["rankBtn"] == int(np.flatnonzero(ranks == 1)[0])
    assert rgb(out["rankedBg"]) == ref.viridis_rgb(v, el)[out["ranked"]]
    settle(host)
    state["layer"] = 1
    assert_matches_numpy(host, state, ref)
    assert host.saved()[-1] == {"layer": 1}
    assert host.log.errors == []


def test_granularity_switch_and_unmount_while_busy(host, synth, ref):
    state = synth(text=TEXT, granularity="token")
    vid = host.mount(state)
    host.python_set(vid, granularity="word")
    state["granularity"] = "word"
    settle(host)
    assert_matches_numpy(host, state, ref)
    # a view destroyed with work pending leaves no task behind that throws
    vid2 = host.mount(state)
    host.page.evaluate("(id) => window.__afn.unmount(id)", vid2)
    host.page.evaluate("() => new Promise((r) => setTimeout(r, 300))")
    assert host.log.errors == []


def test_a_new_granularity_keeps_a_long_texts_scroll_position(host, synth, ref):
    """Laid out again at the old scroll position, the new units in view are there and coloured
    in the same task, though the blocks far below are not placed yet."""
    state = synth(text=TEXT, granularity="word", layer=2)
    vid = host.mount(state)
    settle(host)
    top = host.page.evaluate(
        "(root) => { const b = document.querySelector(root + ' .afn-text');"
        " b.scrollTop = Math.round(b.scrollHeight * 0.6); return b.scrollTop; }",
        host.root(),
    )
    host.page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")
    now = host.page.evaluate(
        """([id, root, inView, rebuild]) => {
          window.__afn.pythonSet(id, { granularity: 'token' });
          const box = document.querySelector(root + ' .afn-text');
          return { top: box.scrollTop, text: eval(rebuild)(root), ...eval(inView)(root) };
        }""",
        [vid, host.root(), IN_VIEW_JS, REBUILD_JS],
    )
    assert abs(now["top"] - top) <= 40  # a line at most: token spans wrap a little otherwise
    assert now["busy"] == "true" and len(now["text"]) < len(TEXT)
    assert now["plain"] is False
    state["granularity"] = "token"
    check_in_view(state, ref, now["seen"], 2)
    assert min(u["i"] for u in now["seen"]) > 1000  # the middle of the text, not its start
    settle(host)
    assert_matches_numpy(host, state, ref)
    assert host.log.errors == []
