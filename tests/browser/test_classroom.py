"""Classroom mode and what beginners meet first, in the committed bundle in Chromium: the simple
controls (the layer slider, the legend, one sentence, the rest behind "More settings"), Escape
as the way out of the view, the offline notice said once and small, and the header's count of
words without punctuation, checked against an independent count over a real analysis.

Screenshots of classroom mode (light and dark, 1280 and 420 px wide, a real view) go to
``artifacts/`` (or ``$AFN_SHOTS``) for a human to look at.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from afn_widget import AFNView, analyze
from afn_widget.compare import AFNCompare
from tests.browser.test_first_steps import HOST_SHORTCUTS_JS
from tests.browser.test_scores import PANE_A, PANE_B, compare_state, with_scores

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("AFN_SHOTS") or ROOT / "artifacts")
PUNCT_TEXT = (
    "The scientists celebrated their remarkable discovery — a catalyst (cheap!) that splits "
    'water... "Nobody expected it," they said; the results, frankly, surprised everyone?!'
)

# The view's tab stops, in order: the first class of every element Tab can reach in it.
TAB_STOPS_JS = """(root) => [...document.querySelector(root).querySelectorAll(
    'a[href], button, input, select, textarea, [tabindex]')]
  .filter((e) => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length > 0)
  .map((e) => e.className.split(' ')[0])"""
SHOWN_JS = """(sel) => [...document.querySelectorAll(sel)]
  .filter((e) => e.getClientRects().length > 0).length"""
# Where the focus is, seen from a view: "in" (a descendant), "root", or the outside element's
# first class.
FOCUS_JS = """(root) => { const r = document.querySelector(root), a = document.activeElement;
  return a === r ? 'root' : r.contains(a) ? 'in' : (a.className || a.tagName); }"""


def tab_stops(page, root: str) -> list[str]:
    return page.evaluate(TAB_STOPS_JS, root)


def shown(page, selector: str) -> int:
    return page.evaluate(SHOWN_JS, selector)


# ------------------------------------------------------------------------------------------
# simple controls
# ------------------------------------------------------------------------------------------
def test_simple_controls_show_the_slider_legend_and_sentence_the_rest_behind_more(host, synth):
    vid = host.mount(synth(granularity="word", controls="simple"))
    page, root = host.page, host.root(vid)
    assert tab_stops(page, root) == ["afn-layer", "afn-more", "afn-tok"]
    for part in (".afn-legend", ".afn-sum-high", ".afn-plain", ".afn-model"):
        assert shown(page, f"{root} {part}") == 1, part
    for part in (".afn-quantile", ".afn-seg", ".afn-roles", ".afn-lower", ".afn-sum-thr"):
        assert shown(page, f"{root} {part}") == 0, part
    sentence = page.locator(f"{root} .afn-plain")
    assert sentence.text_content() == (
        "Colour: each word's activation strength (TAS) at this layer, dark purple for low and "
        "yellow for high. Outlined: the top quarter (HIGH)."
    )
    # the sentence follows the settings: the share from the quantile, the unit from the view
    for q, share in [(0.9, "the top tenth"), (0.5, "the top half"), (0.7, "the top 30 %")]:
        host.python_set(vid, quantile=q)
        assert sentence.text_content().endswith(f"Outlined: {share} (HIGH).")
    host.python_set(vid, granularity="token")
    assert "each token's activation strength" in sentence.text_content()
    # "More settings": a button that says whether the rest is shown, and which parts it shows
    more = page.locator(f"{root} .afn-more")
    assert more.get_attribute("aria-expanded") == "false"
    controlled = more.get_attribute("aria-controls").split()
    for part in (".afn-controls", ".afn-roles", ".afn-lower"):
        assert page.locator(f"{root} {part}").get_attribute("id") in controlled
    more.click()
    assert more.get_attribute("aria-expanded") == "true" and more.text_content() == "Fewer settings"
    opened = tab_stops(page, root)
    assert shown(page, f"{root} .afn-quantile") == 1 and shown(page, f"{root} .afn-lower") == 1
    # the full controls are those opened, without the button and the sentence
    host.python_set(vid, controls="full")
    assert tab_stops(page, root) == [s for s in opened if s != "afn-more"]
    assert len(opened) > 8
    assert shown(page, f"{root} .afn-plain") == 0 and shown(page, f"{root} .afn-more") == 0
    # a value the browser does not know leaves the controls as they are
    host.python_set(vid, controls="easy")
    assert tab_stops(page, root) == [s for s in opened if s != "afn-more"]
    assert host.log.errors == []


def test_the_renamed_controls_say_what_they_do(host, synth):
    host.mount(synth(granularity="word"))
    root = host.root()
    labels = host.page.locator(f"{root} .afn-ctl-label").all_text_contents()
    for cryptic in ("rank specials", "beside", "word =", "normalize"):
        assert cryptic not in labels
    for plain in ("rank special tokens too", "second score beside", "word score", "rescale"):
        assert plain in labels
    options = host.page.locator(f"{root} select.afn-word-agg option").all_text_contents()
    assert options == ["mean of its tokens", "max of its tokens"]


def test_a_pane_beside_follows_classroom_mode_and_more_shows_both(host, synth):
    state = with_scores(synth(granularity="word", seed=5, controls="simple"), names=("attention",))
    state["compare_score"] = "attention"
    host.mount(state)
    page = host.page
    assert tab_stops(page, PANE_B) == ["afn-tok"]  # its controls follow the first pane's
    sentence = page.locator(f"{PANE_B} .afn-plain").inner_text()
    assert "each word's attention at this layer" in sentence
    assert shown(page, f"{PANE_B} .afn-lower") == 0
    page.locator(f"{PANE_A} .afn-more").click()
    assert shown(page, f"{PANE_B} .afn-lower") == 1 and shown(page, f"{PANE_B} .afn-score") == 1


# ------------------------------------------------------------------------------------------
# Escape
# ------------------------------------------------------------------------------------------
def test_escape_unpins_first_then_takes_the_focus_out_of_the_view(host, synth):
    vid = host.mount(synth())
    page, root = host.page, host.root(vid)
    page.evaluate(HOST_SHORTCUTS_JS)
    tok = page.locator(f"{root} .afn-text .afn-tok[tabindex='0']")
    tok.focus()
    page.keyboard.press("Enter")
    assert page.locator(f"{root} .afn-tooltip.afn-tt-pinned").count() == 1
    page.keyboard.press("Escape")  # unpins: the focus stays on the token
    assert not page.locator(f"{root} .afn-tooltip").is_visible()
    assert page.evaluate(FOCUS_JS, root) == "in"
    assert page.evaluate("window.__hostKeys") == []
    page.keyboard.press("Escape")  # nothing pinned: out of the view, and the page sees it
    assert page.evaluate(FOCUS_JS, root) == "root"
    assert page.evaluate("window.__hostKeys") == ["Escape"]
    # the view's root is out of the tab order, and its keys are the page's
    assert page.evaluate(f"document.querySelector('{root}').tabIndex") == -1
    page.keyboard.press("ArrowDown")
    assert page.evaluate("window.__hostKeys") == ["Escape", "ArrowDown"]
    # from a control, where a cell around the view can hold the focus: to the cell
    page.evaluate("document.querySelectorAll('.host-view')[0].setAttribute('tabindex', '-1')")
    page.locator(f"{root} .afn-layer").focus()
    page.keyboard.press("ArrowRight")  # the slider's own
    page.keyboard.press("Escape")
    assert page.evaluate(FOCUS_JS, root) == "host-view"
    assert host.log.errors == []


# ------------------------------------------------------------------------------------------
# the offline notice
# ------------------------------------------------------------------------------------------
NOTE = "offline: using the bundled all-MiniLM-L6-v2"
NOTE_STYLE_JS = """(sel) => { const e = document.querySelector(sel); const s = getComputedStyle(e);
  const k = getComputedStyle(e.closest('.afn-root').querySelector('.afn-k'));
  const root = getComputedStyle(e.closest('.afn-root'));
  return { border: s.borderTopStyle, size: parseFloat(s.fontSize),
           rootSize: parseFloat(root.fontSize), color: s.color, muted: k.color }; }"""


def test_the_offline_notice_is_small_muted_text_said_once_per_output(host, synth):
    state = with_scores(synth(granularity="word", note=NOTE), names=("attention",))
    state["compare_score"] = "attention"
    host.mount(state)
    page = host.page
    assert page.locator(".host-view:nth-child(1) .afn-note").count() == 2  # one per pane
    assert shown(page, ".host-view:nth-child(1) .afn-note") == 1
    assert page.locator(f"{PANE_A} .afn-note").text_content() == NOTE
    style = page.evaluate(NOTE_STYLE_JS, f"{PANE_A} .afn-note")
    assert style["border"] == "none"  # not a box that looks like an input
    assert style["size"] < style["rootSize"] and style["color"] == style["muted"]


def test_a_comparison_says_a_notice_both_share_once_and_two_notices_both(host, tiny_bert):
    pair = AFNCompare("The cat sat.", "The dog sat.", model=tiny_bert)
    state = compare_state(pair)
    for a, b, want in [(NOTE, NOTE, [NOTE]), (NOTE, "another notice", [NOTE, "another notice"])]:
        st = {**state, "pane_a": {**state["pane_a"], "note": a}}
        st["pane_b"] = {**state["pane_b"], "note": b}
        vid = host.mount(st)
        notes = host.page.locator(f".host-view:nth-child({vid + 1}) .afn-note")
        seen = [n.text_content() for n in notes.all() if n.is_visible()]
        assert seen == want


# ------------------------------------------------------------------------------------------
# the header's count
# ------------------------------------------------------------------------------------------
def is_punctuation(word: str) -> bool:
    """Every character but spaces is Unicode punctuation (category P*), read from unicodedata."""
    chars = [c for c in word if not c.isspace()]
    return bool(chars) and all(unicodedata.category(c).startswith("P") for c in chars)


def test_the_header_counts_words_without_punctuation_on_the_standalone_page(open_html, tiny_bert):
    result = analyze(PUNCT_TEXT, tiny_bert)
    words = result.words
    punct = np.array([is_punctuation(w) for w in words.text])
    assert punct.sum() >= 8  # — ( ! ) ... " , " ; , , ?!
    ranked = np.array([b != "SPECIAL" for b in words.buckets])
    high = np.array([b == "HIGH" for b in words.buckets])
    page = open_html(AFNView.from_result(result, controls="simple").to_html())
    page.wait_for_selector(".afn-text .afn-tok", state="attached")
    assert page.locator(".afn-plain").is_visible()  # classroom mode from the page's state
    assert int(page.locator("[data-field=n-high]").text_content()) == int((high & ~punct).sum())
    total = page.locator("[data-field=n-ranked]").text_content()
    assert total == f" / {int((ranked & ~punct).sum())} words"
    title = page.locator(".afn-sum-high").get_attribute("title")
    assert f"all {int(ranked.sum())} units ranked, {int((ranked & punct).sum())} of them" in title
    # tokens: every ranked token, punctuation too
    page.locator(".afn-more").click()
    page.locator(".afn-seg-btn[data-value=token]").click()
    n_tokens = int((~result.special).sum())
    assert page.locator("[data-field=n-ranked]").text_content() == f" / {n_tokens} tokens"
    assert int(page.locator("[data-field=n-high]").text_content()) == int(
        (result.buckets == "HIGH").sum()
    )


# ------------------------------------------------------------------------------------------
# screenshots
# ------------------------------------------------------------------------------------------
SHOT_TEXT = (
    "The scientists celebrated their remarkable discovery: a catalyst that splits water at room "
    "temperature. Nobody expected it, and the results, frankly, surprised everyone."
)


@pytest.fixture
def offline_view(monkeypatch, fresh_cache, minilm):
    """A real view in classroom mode of the default model, offline: the bundled MiniLM, with
    the notice saying so."""
    import afn_widget.models as M

    monkeypatch.setattr(M, "DEFAULT_MODEL", "afn-widget-tests/missing-default")
    with pytest.warns(M.OfflineFallbackWarning):
        result = analyze(SHOT_TEXT)
    assert result.note
    return AFNView.from_result(result, controls="simple")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 420])
def test_screenshots_of_classroom_mode(afn_browser, offline_view, scheme, width):
    ctx = afn_browser.new_context(
        viewport={"width": width, "height": 800}, color_scheme=scheme, device_scale_factor=1
    )
    try:
        page = ctx.new_page()
        page.set_content(offline_view.to_html(title="classroom mode"))
        page.wait_for_selector(".afn-text .afn-tok", state="attached")
        root = ".afn-root"
        assert tab_stops(page, root) == ["afn-layer", "afn-more", "afn-tok"]
        assert shown(page, ".afn-note") == 1 and shown(page, ".afn-plain") == 1
        # nothing sticks out sideways, however narrow
        over = page.evaluate(
            "() => [...document.querySelectorAll('.afn-root *')].filter(e => "
            "e.getClientRects().length && e.getBoundingClientRect().right > "
            "document.documentElement.clientWidth + 0.5).map(e => e.className)"
        )
        assert over == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        box = page.locator(root).bounding_box()
        page.screenshot(
            path=str(SHOTS / f"classroom-{scheme}-{width}.png"),
            clip={"x": 0, "y": 0, "width": width, "height": box["y"] + box["height"] + 16},
            full_page=True,
        )
        page.locator(".afn-more").click()
        box = page.locator(root).bounding_box()
        page.screenshot(
            path=str(SHOTS / f"classroom-more-{scheme}-{width}.png"),
            clip={"x": 0, "y": 0, "width": width, "height": box["y"] + box["height"] + 16},
            full_page=True,
        )
    finally:
        ctx.close()
