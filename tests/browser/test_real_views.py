"""Standalone HTML of real analyses (bundled MiniLM) in Chromium, checked against Python."""

from __future__ import annotations

import numpy as np
import pytest

from afn_widget import AFNView, analyze
from afn_widget.models import bundled_model_path, load_model
from tests.browser.pagejs import BUCKET_JS, REBUILD_JS

pytestmark = pytest.mark.browser

TEXT = (
    "The scientists celebrated their remarkable discovery, and then they went home.\n"
    "  Nobody expected it: a 3\u00d7 faster catalyst \U0001f9ea for caf\u00e9 owners!"
)

UNITS_JS = (
    """() => [...document.querySelectorAll('.afn-text .afn-tok')]
  .filter(e => e.getClientRects().length > 0)
  .map(e => ({i: +e.dataset.i, bucket: """
    + BUCKET_JS
    + """(e), text: e.textContent,
              bg: getComputedStyle(e).backgroundColor,
              outlined: getComputedStyle(e).outlineStyle !== 'none'}))"""
)


@pytest.fixture(scope="module")
def mini():
    return load_model(str(bundled_model_path()))


def _units(page):
    return page.evaluate(UNITS_JS)


def _expected_high(result, granularity):
    """HIGH units by an independent numpy computation over the result's layer norms."""
    if granularity == "word":
        values = np.array([result.layer_norms[result.layer, p].mean() for p in result.words.pieces])
        eligible = np.array([r != "special" for r in result.words.roles])
    else:
        values = result.layer_norms[result.layer].astype(np.float64)
        eligible = ~result.special
    thr = np.quantile(values[eligible], result.quantile)
    return values, eligible & (values >= thr), thr


@pytest.mark.parametrize("granularity", ["word", "token"])
def test_standalone_page_of_a_real_analysis(open_html, mini, granularity):
    result = analyze(TEXT, mini)
    view = AFNView.from_result(result, granularity=granularity)
    page = open_html(view.to_html())
    page.wait_for_selector(".afn-text .afn-tok", state="attached")
    units = _units(page)
    values, high, thr = _expected_high(result, granularity)
    assert sum(u["outlined"] for u in units) == int(high.sum())
    assert sorted(u["i"] for u in units if u["outlined"]) == np.flatnonzero(high).tolist()
    assert (
        page.evaluate(REBUILD_JS, ".afn-root") == TEXT
    )  # spans and gaps give back the text exactly
    assert page.locator("[data-field=threshold]").first.text_content() == f"{thr:.3f}"
    # hover shows the Python value
    for u in units[:3] + units[-3:]:
        page.locator(f".afn-text .afn-tok[data-i='{u['i']}']").hover()
        tip = page.locator(".afn-tooltip")
        tip.wait_for(state="visible")
        assert tip.locator("[data-field=tas]").text_content() == f"{values[u['i']]:.3f}"
    assert page.afn_log.errors == []
    assert page.afn_log.foreign_requests({"http://afn.test/view.html"}) == []


def test_layer_slider_matches_python_at_every_layer(open_html, mini):
    result = analyze(TEXT, mini)
    page = open_html(AFNView.from_result(result, granularity="token").to_html())
    page.wait_for_selector(".afn-text .afn-tok", state="attached")
    seen = set()
    for layer in range(result.n_layers + 1):
        page.locator(".afn-layer").fill(str(layer))
        at = result.at(layer=layer)
        units = _units(page)
        want = np.flatnonzero(at.buckets == "HIGH").tolist()
        assert sorted(u["i"] for u in units if u["outlined"]) == want, layer
        seen.add(tuple(u["bg"] for u in units))
    assert len(seen) == result.n_layers + 1  # every layer has its own colours
    assert page.afn_log.errors == []


XSS = [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=1</script>",
    "</script><script>window.__pwned=1</script>",
    "<svg/onload=window.__pwned=1>",
    "javascript:window.__pwned=1",
    '<iframe src="javascript:window.parent.__pwned=1"></iframe>',
]


def test_hostile_text_from_a_real_model_renders_as_text(open_html, mini):
    text = "Look: " + " and ".join(XSS) + " done."
    result = analyze(text, mini)
    page = open_html(AFNView.from_result(result).to_html())
    page.wait_for_selector(".afn-text .afn-tok", state="attached")
    page.locator(".afn-text .afn-tok.afn-high").first.hover()
    assert page.evaluate(REBUILD_JS, ".afn-root") == text
    assert page.evaluate("window.__pwned") is None
    assert (
        page.locator(".afn-text img, .afn-text script, .afn-text svg, .afn-text iframe").count()
        == 0
    )
    assert page.afn_log.foreign_requests({"http://afn.test/view.html"}) == []
