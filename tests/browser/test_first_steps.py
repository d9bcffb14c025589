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
from tests.browser.conftest import CHROMIUM, FLAGS, Host, to_js

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


