"""What first-time users trip over, in the committed bundle (tests/browser/host.html).

Keys that a notebook's shortcuts would take, the quantile box's limits and its message, the
tooltip under a notebook's stylesheet and while the page scrolls, punctuation chips, the
scores' name, the model's short name, and the heatmap's marker and zoom. The same paths in a
real JupyterLab are in test_jupyterlab.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from afn_widget import AFNView
from afn_widget.validate import check_quantile
from tests.browser.conftest import CHROMIUM, FLAGS, Host

pytestmark = pytest.mark.browser

PUNCT_TEXT = 'W. said: "wow***" -- really?! It can\'t be... (yes), ok; fine: done.'

# Boxes of every shown unit of the text, in text order (line boxes: one per line it spans).
BOXES_JS = """(root) => [...document.querySelectorAll(root + ' .afn-text .afn-tok')]
  .filter((e) => e.getClientRects().length > 0)
  .map((e) => {
    const cs = getComputedStyle(e);
    const r = e.getClientRects()[0];
    const out = cs.outlineStyle === 'none' ? 0
      : parseFloat(cs.outlineWidth) + parseFloat(cs.outlineOffset);
    return { i: +e.dataset.i, text: e.textContent, punct: e.classList.contains('afn-punct'),
             high: e.classList.contains('afn-high'), left: r.left, right: r.right,
             top: r.top, bottom: r.bottom, reach: Math.max(0, out) };
  })"""


def python_message(value) -> str:
    """What Python says for a quantile (validate.check_quantile), '' when it is taken."""
    try:
        check_quantile(value)
    except Exception as err:  # noqa: BLE001 - the message is what is compared
        return str(err)
    return ""


# ------------------------------------------------------------------------------------------
# keys
# ------------------------------------------------------------------------------------------
# A stand-in for Jupyter's shortcuts: a keydown listener on the document that takes the arrow
# and page keys (prevents their default action), as JupyterLab's command-mode bindings do.
HOST_SHORTCUTS_JS = """() => {
  window.__hostKeys = [];
  document.addEventListener('keydown', (e) => {
    window.__hostKeys.push((e.shiftKey ? 'Shift+' : '') + e.key);
    if (/^(Arrow|Page)/.test(e.key)) e.preventDefault();
  });
}"""


def test_keys_inside_the_view_never_reach_the_page_shortcuts(host, synth):
    host.mount(synth(n_layers=8, layer=4))
    page = host.page
    page.evaluate(HOST_SHORTCUTS_JS)
    slider = page.locator(".afn-layer")
    slider.focus()
    for key, want in [
        ("ArrowRight", 5),
        ("ArrowUp", 6),
        ("ArrowLeft", 5),
        ("ArrowDown", 4),
        ("PageUp", 5),
        ("PageDown", 4),
        ("End", 8),
        ("Home", 0),
    ]:
        page.keyboard.press(key)
        assert slider.input_value() == str(want), key
        assert page.locator(".afn-layer-out").text_content() == str(want)
    assert {"layer": 0} in host.saved()
    # the text: arrows move between tokens and show their tooltip
    tok = page.locator(".afn-text .afn-tok[tabindex='0']")
    tok.focus()
    first = page.evaluate("document.activeElement.dataset.i")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.i") != first
    assert page.locator(".afn-tooltip").is_visible()
    assert page.evaluate("window.__hostKeys") == []
    # digits typed in the quantile box are not shortcuts either (Ctrl+A is the page's)
    page.locator(".afn-quantile").focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("0.5")
    assert set(page.evaluate("window.__hostKeys")) <= {"Control", "a"}
    assert {"quantile": 0.5} in host.saved()
    # what the page keeps: Escape when nothing in the view is open, Shift+Enter
    page.evaluate("window.__hostKeys = []")
    tok.focus()  # opens its tooltip
    page.keyboard.press("Escape")  # closes it: the view's
    assert not page.locator(".afn-tooltip").is_visible()
    page.keyboard.press("Escape")  # nothing left to close: the page's
    page.keyboard.press("Shift+Enter")
    assert page.evaluate("window.__hostKeys").count("Escape") == 1
    assert "Shift+Enter" in page.evaluate("window.__hostKeys")
    assert host.log.errors == []


# ------------------------------------------------------------------------------------------
# quantile box
# ------------------------------------------------------------------------------------------
def test_quantile_box_says_why_a_value_is_refused_in_pythons_words(host, synth):
    vid = host.mount(synth())
    page = host.page
    box = page.locator(".afn-quantile")
    msg = page.locator(".afn-quantile-msg")
    # one set of limits: Python takes 0 < q < 1, the arrows step 0.01..0.99
    assert [box.get_attribute(a) for a in ("min", "max", "step")] == ["0.01", "0.99", "0.01"]
    assert not msg.is_visible()
    threshold = page.locator("[data-field=threshold]").text_content()
    for typed, value in [("0", 0), ("1", 1), ("1.5", 1.5), ("-0.3", -0.3), ("abc", "abc")]:
        box.click(click_count=3)
        page.keyboard.type(typed)  # Chromium keeps no letters: "abc" leaves the box empty
        page.keyboard.press("Enter")
        assert msg.is_visible(), typed
        assert msg.text_content() == python_message(value), typed
        assert box.get_attribute("aria-invalid") == "true"
        # the view keeps the last value taken, and stays usable
        assert page.locator("[data-field=threshold]").text_content() == threshold
        assert "(q 0.75)" in page.locator(".afn-summary").text_content()
    assert not any("quantile" in s for s in host.saved())
    page.locator(".afn-seg-btn[data-value=word]").click()  # other controls work meanwhile
    assert msg.is_visible()  # and the refusal stays until a value is taken
    # any value strictly between 0 and 1 is taken, beyond the arrows' range too
    for typed in ("0.999", "0.005", "0.5"):
        box.click(click_count=3)
        page.keyboard.type(typed)
        assert not msg.is_visible(), typed
        assert box.get_attribute("aria-invalid") is None
        assert {"quantile": float(typed)} in host.saved()
        assert python_message(float(typed)) == ""
    page.keyboard.press("Enter")
    assert f"(q {0.5})" in page.locator(".afn-summary").text_content()
    # a refusal, then a value from Python: the box shows it and the message goes
    box.click(click_count=3)
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    assert msg.is_visible()
    host.python_set(vid, quantile=0.6)
    assert box.input_value() == "0.6" and not msg.is_visible()
    assert host.log.errors == []


# ------------------------------------------------------------------------------------------
# tooltip
# ------------------------------------------------------------------------------------------
# Notebook stylesheets style every dl/dt/dd in an output (JupyterLab: dt floats at 20% width),
# and their fonts differ: the tooltip's labels and values must not care.
NOTEBOOK_CSS = """
dl, dt, dd { display: block !important; }
dl { width: 100%; overflow: hidden; }
dt { float: left; width: 20%; font-weight: bold; }
.afn-root { font-family: "DejaVu Serif", serif; font-size: 15px; letter-spacing: 0.04em; }
"""

# Each label of the tooltip's grid and its value, as the boxes of their text (a label wider than
# its column overflows its box: its text is what must stay clear of the value).
PAIRS_JS = """() => {
  const grid = document.querySelector('.afn-tooltip .afn-tt-grid');
  const text = (e) => { const r = document.createRange(); r.selectNodeContents(e);
    const b = r.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const cells = [...grid.children];
  const out = [];
  for (let i = 0; i + 1 < cells.length; i += 2)
    out.push({ key: cells[i].textContent, a: text(cells[i]), b: text(cells[i + 1]) });
  return out;
}"""


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_tooltip_labels_and_values_never_overlap_under_a_notebook_stylesheet(host, synth):
    host.page.add_style_tag(content=NOTEBOOK_CSS)
    host.mount(synth(score_name="attention received"))
    host.page.locator(".afn-text .afn-tok[data-i='3']").hover()
    pairs = host.page.evaluate(PAIRS_JS)
    assert len(pairs) == 5
    for p in pairs:
        assert not overlap(p["a"], p["b"]), p
        assert p["a"][2] <= p["b"][0], p  # the value starts after its label ends
    keys = ["attention received", "rank", "percentile", "role", "layer"]
    assert [p["key"] for p in pairs] == keys
    assert host.log.errors == []


TIP_JS = """() => {
  const t = document.querySelector('.afn-tok.afn-pinned');
  const p = document.querySelector('.afn-tooltip');
  const a = t.getBoundingClientRect(); const b = p.getBoundingClientRect();
  return { tok: [a.top, a.bottom], tip: [b.left, b.top, b.right, b.bottom], hidden: p.hidden,
           pinned: p.classList.contains('afn-tt-pinned'), away: p.classList.contains('afn-tt-away'),
           vh: innerHeight, vw: innerWidth };
}"""


def test_pinned_tooltip_follows_its_token_as_the_page_scrolls(host, synth):
    page = host.page
    page.evaluate(
        "document.body.appendChild(Object.assign(document.createElement('div'),"
        " {style: 'height: 3000px'}))"
    )
    host.mount(synth())
    page.locator(".afn-text .afn-tok[data-i='3']").click()
    for dy in (150, 150, 400, 800):  # the last ones take the token out of sight
        page.mouse.wheel(0, dy)
        page.wait_for_timeout(150)
        g = page.evaluate(TIP_JS)
        assert not g["hidden"] and g["pinned"], g
        assert g["tip"][1] >= 0 and g["tip"][3] <= g["vh"], g  # in sight
        if g["tok"][1] > 0:
            assert abs(g["tip"][1] - (g["tok"][1] + 6)) <= 1, g  # right under its token
            assert not g["away"]
        else:
            assert g["away"], g
    assert "out of sight" in page.locator(".afn-tt-hint").text_content()
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(150)
    g = page.evaluate(TIP_JS)
    assert abs(g["tip"][1] - (g["tok"][1] + 6)) <= 1 and not g["away"], g
    assert "out of sight" not in page.locator(".afn-tt-hint").text_content()
    assert host.log.errors == []


@pytest.fixture
def scrollbar_host(afn_browser):
    """A host page in a Chromium that draws scrollbars (Playwright's headless one hides them)."""
    browser = afn_browser.browser_type.launch(
        executable_path=CHROMIUM, args=FLAGS, ignore_default_args=["--hide-scrollbars"]
    )
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    yield Host(page)
    browser.close()


def test_dragging_a_scrollbar_keeps_the_tooltip_pinned(scrollbar_host, synth):
    host = scrollbar_host
    page = host.page
    # the views in a scroll box, as in a notebook's panel
    host.mount(synth())
    page.evaluate("""() => { const v = document.getElementById('views');
      v.style.cssText = 'height: 500px; overflow-y: auto';
      v.appendChild(Object.assign(document.createElement('div'), {style: 'height: 2000px'})); }""")
    page.locator(".afn-text .afn-tok[data-i='3']").click()
    r = page.evaluate(
        "(() => { const v = document.getElementById('views');"
        " const b = v.getBoundingClientRect();"
        " return [b.right - (v.offsetWidth - v.clientWidth) / 2, b.top]; })()"
    )
    assert (
        page.evaluate(
            "document.getElementById('views').offsetWidth -"
            " document.getElementById('views').clientWidth"
        )
        > 0
    )
    page.mouse.move(r[0], r[1] + 20)
    page.mouse.down()
    page.mouse.move(r[0], r[1] + 120, steps=4)
    page.mouse.up()
    assert page.evaluate("document.getElementById('views').scrollTop") > 0
    assert page.locator(".afn-tooltip.afn-tt-pinned").is_visible()
    page.mouse.click(5, 880)  # a click elsewhere still unpins
    assert not page.locator(".afn-tooltip").is_visible()
    assert host.log.errors == []


# ------------------------------------------------------------------------------------------
# punctuation
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("granularity", ["token", "word"])
def test_punctuation_chips_show_their_colour_and_outlines_never_overlap(host, synth, granularity):
    # quantile 0.01: nearly every unit HIGH, outlined next to its neighbours
    host.mount(synth(text=PUNCT_TEXT, granularity=granularity, quantile=0.01))
    boxes = host.page.evaluate(BOXES_JS, host.root())
    punct = [b for b in boxes if b["punct"]]
    assert {b["text"] for b in punct} >= {".", ":", '"', "*", "-", "?", "!", "(", ")", ",", ";"}
    for b in punct:
        assert b["right"] - b["left"] >= 9, b  # wide enough to see its colour
    assert sum(b["high"] for b in boxes) >= len(boxes) - 1
    checked = 0
    for a, b in zip(boxes, boxes[1:], strict=False):
        if abs(a["top"] - b["top"]) > 2:
            continue  # not on the same line
        if a["punct"] or b["punct"] or b["left"] - a["right"] > 1:  # a chip, or a space between
            assert a["right"] + a["reach"] <= b["left"] - b["reach"] + 0.5, (a, b)
            checked += 1
    assert checked >= len(boxes) // 2
    assert host.log.errors == []


LONG_PUNCT = " ".join(f"Item {i}: yes, no... (maybe)!" for i in range(1200))

# The first span in the text box's view: marked, with its top relative to the box.
PROBE_JS = """(root) => {
  const box = document.querySelector(root + ' .afn-text');
  const b = box.getBoundingClientRect();
  const e = [...box.querySelectorAll('.afn-tok')]
    .find((s) => s.getBoundingClientRect().top >= b.top);
  e.dataset.probe = '1';
  return { top: e.getBoundingClientRect().top - b.top, busy: box.getAttribute('aria-busy') };
}"""
PROBE_AGAIN_JS = """(root) => {
  const box = document.querySelector(root + ' .afn-text');
  const e = box.querySelector('[data-probe]');
  return e.getBoundingClientRect().top - box.getBoundingClientRect().top;
}"""


def test_building_a_long_texts_blocks_moves_nothing_in_view(host, synth):
    """Long texts wait as plain text and are built block by block: punctuation chips (wider than
    their text) are real elements in the blocks above the view, so building those moves nothing
    in sight; the browser's scroll anchoring is switched off to see that."""
    host.page.add_style_tag(content=".afn-text { overflow-anchor: none; }")
    vid = host.mount(synth(text=LONG_PUNCT, granularity="word"))
    page = host.page
    page.wait_for_selector(".afn-text:not([aria-busy])", state="attached")
    page.evaluate(
        "(root) => { const b = document.querySelector(root + ' .afn-text');"
        " b.scrollTop = b.scrollHeight / 2; }",
        host.root(),
    )
    page.wait_for_timeout(100)
    host.python_set(vid, granularity="token")  # a new layout, drawn from the middle
    first = page.evaluate(PROBE_JS, host.root())
    assert first["busy"] == "true"
    page.wait_for_selector(".afn-text:not([aria-busy])", state="attached")
    assert abs(page.evaluate(PROBE_AGAIN_JS, host.root()) - first["top"]) <= 0.5
    assert host.log.errors == []


# ------------------------------------------------------------------------------------------
# names: the scores' and the model's
# ------------------------------------------------------------------------------------------
NAMES_JS = """(root) => {
  const q = (s) => document.querySelector(root + ' ' + s);
  return { brand: q('.afn-brand').textContent, brandTitle: q('.afn-brand').title,
           legend: q('.afn-legend-name').textContent,
           ranking: q('.afn-ranking .afn-panel-title').textContent,
           flow: q('.afn-flow .afn-caption').textContent,
           text: q('.afn-text').getAttribute('aria-label') };
}"""


def test_the_scores_name_is_said_wherever_tas_was(host, synth):
    vid = host.mount(synth(score_name="attention received"))
    page = host.page
    names = page.evaluate(NAMES_JS, host.root())
    assert names["brand"] == "attention received"
    assert "TAS" not in names["brandTitle"] and "Activation" not in names["brandTitle"]
    assert names["legend"] == "attention received"
    assert "by attention received" in names["ranking"]
    assert names["flow"].startswith("attention received")
    assert names["text"] == "text coloured by attention received"
    page.locator(".afn-text .afn-tok[data-i='3']").hover()
    tip = page.locator(".afn-tooltip")
    assert tip.locator(".afn-tt-key").first.text_content() == "attention received"
    caption = tip.locator(".afn-tt-caption").first.text_content()
    assert caption.startswith("attention received by layer")
    assert "TAS" not in tip.text_content()
    # from Python: back to TAS, every label with it
    host.python_set(vid, score_name="TAS")
    names = page.evaluate(NAMES_JS, host.root())
    assert names["brand"] == "TAS" and names["legend"] == "TAS"
    assert "Token Activation Strength" in names["brandTitle"]
    assert "by TAS" in names["ranking"] and names["flow"].startswith("TAS")
    assert tip.locator(".afn-tt-key").first.text_content() == "TAS"
    assert host.log.errors == []


def test_the_standalone_page_names_given_scores(open_html):
    text = "Attention flows to the last word."
    words = text[:-1].split() + ["."]
    tokens, offsets, pos = [], [], 0
    for w in words:
        s = text.index(w, pos)
        tokens.append(w.lower())
        offsets.append((s, s + len(w)))
        pos = s + len(w)
    scores = np.linspace(0.1, 0.9, len(tokens))
    view = AFNView.from_scores(tokens, scores, offsets, text, score_name="attention received")
    page = open_html(view.to_html())
    page.wait_for_selector(".afn-text .afn-tok", state="attached")
    assert page.locator(".afn-brand").text_content() == "attention received"
    assert page.locator(".afn-legend-name").text_content() == "attention received"
    page.locator(".afn-text .afn-tok").first.hover()
    assert page.locator(".afn-tooltip .afn-tt-key").first.text_content() == "attention received"
    assert page.afn_log.errors == []


MODEL_PATH = "/home/someone/models/checkpoints/run-42/my-finetuned-bert-base-uncased"


@pytest.mark.parametrize("width", [1100, 420])
def test_the_header_shows_the_models_short_name_on_one_line(host, synth, width):
    host.page.set_viewport_size({"width": width, "height": 900})
    host.mount(synth(model_name=MODEL_PATH, model_label="my-finetuned-bert-base-uncased"))
    model = host.page.locator(".afn-model")
    assert model.text_content() == "my-finetuned-bert-base-uncased"
    assert model.get_attribute("title") == MODEL_PATH
    geo = host.page.evaluate(
        """() => { const m = document.querySelector('.afn-model');
          const r = document.querySelector('.afn-root').getBoundingClientRect();
          const b = m.getBoundingClientRect();
          return { lines: m.getClientRects().length, h: b.height,
                   line: parseFloat(getComputedStyle(m).lineHeight),
                   inside: b.right <= r.right }; }"""
    )
    assert geo["lines"] == 1 and geo["h"] < 1.5 * geo["line"] and geo["inside"], geo
    # without a label (an older kernel), the full name as before
    host.python_set(0, model_label="")
    assert model.text_content() == MODEL_PATH
    assert host.log.errors == []


# ------------------------------------------------------------------------------------------
# heatmap
# ------------------------------------------------------------------------------------------
MARKER_JS = """(root) => {
  const c = document.querySelector(root + ' .afn-flow-canvas').getBoundingClientRect();
  const m = document.querySelector(root + ' .afn-flow-marker');
  const r = m.getBoundingClientRect(); const cs = getComputedStyle(m);
  return { c: [c.left, c.top, c.right, c.bottom], m: [r.left, r.top, r.right, r.bottom],
           outline: cs.outlineStyle === 'none' ? 0
             : parseFloat(cs.outlineWidth) + parseFloat(cs.outlineOffset) };
}"""


@pytest.mark.parametrize("layer", [0, 3, 6])
def test_heatmap_layer_marker_stays_inside_its_canvas(host, synth, layer):
    vid = host.mount(synth(n_layers=6))
    host.python_set(vid, layer=layer)
    g = host.page.evaluate(MARKER_JS, host.root())
    c, m, o = g["c"], g["m"], max(0, g["outline"])
    assert m[0] - o >= c[0] - 0.5 and m[2] + o <= c[2] + 0.5, g
    assert m[1] - o >= c[1] - 0.5 and m[3] + o <= c[3] + 0.5, g
    # and it frames its own row
    row = (c[3] - c[1]) / 7
    assert m[1] <= c[1] + layer * row + 0.5 and m[3] >= c[1] + (layer + 1) * row - 0.5, g


LONG = " ".join(f"word{i % 97} and more" for i in range(1000))  # 3000 words


def test_heatmap_zoom_shows_a_region_of_a_long_text(host, synth):
    state = synth(text=LONG, n_layers=6, granularity="word")
    host.mount(state)
    page = host.page
    page.wait_for_selector(".afn-text:not([aria-busy])", state="attached")
    n = len(state["words"]) - 2
    zoom = page.locator(".afn-flow-zoom-select")
    assert zoom.is_visible()
    canvas_w = "document.querySelector('.afn-flow-canvas').width"
    assert page.evaluate(canvas_w) == 1600  # fit: binned
    zoom.select_option("8")
    scroller = page.locator(".afn-flow-scroll")
    sw = page.evaluate("document.querySelector('.afn-flow-scroll').scrollWidth")
    assert sw == n * 8
    caption = page.locator(".afn-flow .afn-caption")
    cw = page.evaluate("document.querySelector('.afn-flow-scroll').clientWidth")
    assert page.evaluate(canvas_w) in (cw // 8, cw // 8 + 1)  # one column per word in view
    assert f"words 1–{page.evaluate(canvas_w)} of {n}" in caption.text_content()
    page.evaluate("document.querySelector('.afn-flow-scroll').scrollLeft = 8 * 1000")
    page.wait_for_function(
        "document.querySelector('.afn-flow .afn-caption').textContent.includes('1001–')"
    )
    # a click on a column shows that word, a row selects that layer
    box = scroller.bounding_box()
    x = 8 * 5 + 4  # the sixth word in view
    page.mouse.click(
        box["x"] + x,
        box["y"]
        + (4.5 / 7)
        * page.evaluate(
            "document.querySelector('.afn-flow-canvas').getBoundingClientRect().height"
        ),
    )
    assert page.locator(".afn-layer").input_value() == "4"
    flashed = page.locator(".afn-text .afn-flash")
    assert flashed.count() == 1 and flashed.get_attribute("data-i") == str(1 + 1000 + 5)
    # the overview: the whole text, the part in view framed; a click there scrolls to it
    ov = page.locator(".afn-flow-overview")
    assert ov.is_visible()
    ob = ov.bounding_box()
    win = page.locator(".afn-flow-ov-window").bounding_box()
    assert abs(win["x"] - (ob["x"] + ob["width"] * 1000 / n)) <= 2
    page.mouse.click(ob["x"] + ob["width"] * 0.75, ob["y"] + ob["height"] / 2)
    left = page.evaluate("document.querySelector('.afn-flow-scroll').scrollLeft")
    assert abs(left + cw / 2 - 0.75 * n * 8) <= 8
    # back to fit: as before
    zoom.select_option("0")
    assert page.evaluate(canvas_w) == 1600 and not ov.is_visible()
    assert host.log.errors == []


def test_short_texts_offer_no_zoom(host, synth):
    host.mount(synth())
    assert not host.page.locator(".afn-flow-zoom-select").is_visible()
