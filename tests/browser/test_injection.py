"""Hostile text in the live widget (anywidget host page) and in standalone HTML.

Nothing executes, nothing leaves the page, and every payload shows as the text it is.
"""

from __future__ import annotations

import pytest

from afn_widget import AFNView, analyze
from afn_widget.models import bundled_model_path, load_model
from tests.browser.pagejs import REBUILD_JS
from tests.payloads import PAYLOADS

pytestmark = pytest.mark.browser

FOREIGN_JS = """(root) => [...document.querySelectorAll(root + ' .afn-text *')]
  .filter(e => !(e.tagName === 'SPAN' && e.classList.contains('afn-tok'))).map(e => e.tagName)"""


def test_there_are_enough_payloads():
    assert len(PAYLOADS) >= 50 and len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.fixture(scope="module")
def states():
    mini = load_model(str(bundled_model_path()))
    return [AFNView.from_result(analyze(f"Before {p} after.", mini)).state_dict() for p in PAYLOADS]


def _hover_everything(page, root):
    for span in page.locator(f"{root} .afn-text .afn-tok").all()[:6]:
        if span.is_visible():
            span.hover()


@pytest.mark.slow
def test_payloads_in_the_live_widget(host, states):
    dialogs = []
    host.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for state in states:
        host.mount(state)
    for vid, (payload, state) in enumerate(zip(PAYLOADS, states, strict=True)):
        root = host.root(vid)
        assert host.page.evaluate(REBUILD_JS, root) == state["text"], payload
        assert host.page.evaluate(FOREIGN_JS, root) == [], payload
        _hover_everything(host.page, root)
    assert host.page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert host.log.errors == []
    assert host.log.foreign_requests(host.ALLOWED) == []


@pytest.mark.parametrize("index", range(len(PAYLOADS)), ids=lambda i: f"payload{i}")
def test_payload_in_standalone_html(open_html, states, index):
    state = states[index]
    from afn_widget.export import standalone_html

    page = open_html(standalone_html(state))
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.wait_for_selector(".afn-text .afn-tok", state="attached")
    assert page.evaluate(REBUILD_JS, ".afn-root") == state["text"]
    assert page.evaluate(FOREIGN_JS, ".afn-root") == []
    _hover_everything(page, ".afn-root")
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert page.afn_log.errors == []
    assert page.afn_log.foreign_requests({"http://afn.test/view.html"}) == []


@pytest.mark.slow
def test_payloads_in_the_pane_beside_and_in_a_comparison(host):
    """Every payload in one text, in both panes of a view with a score beside it and in both
    panes of an AFNCompare of that text and a variant of it."""
    from afn_widget.compare import STATE, AFNCompare

    mini = load_model(str(bundled_model_path()))
    text = "\n".join(f"Before {p} after." for p in PAYLOADS)
    other = text.replace("Before", "Ahead", 3)
    view = AFNView.from_result(analyze(text, mini, scores=("tas", "attention")))
    state = {**view.state_dict(), "compare_score": "attention"}
    pair = AFNCompare(text, other, model=mini)
    host.mount(state)
    host.mount({name: getattr(pair, name) for name in STATE})
    dialogs = []
    host.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for vid, texts in ((0, (text, text)), (1, (text, other))):
        for k, want in enumerate(texts):
            root = f".host-view:nth-child({vid + 1}) .afn-pane:nth-child({k + 1}) .afn-root"
            assert host.page.evaluate(REBUILD_JS, root) == want
            assert host.page.evaluate(FOREIGN_JS, root) == []
            _hover_everything(host.page, root)
    assert host.page.locator(".afn-tok.afn-diff").count() >= 2
    assert host.page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert host.log.errors == []
    assert host.log.foreign_requests(host.ALLOWED) == []
