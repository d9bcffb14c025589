"""A view whose first state lost its bytes draws once the kernel sends them again.

A host that drops the binary buffers of the message creating a model (Colab's widget manager)
leaves every bytes trait without a value. The view then asks once, ``{"kind":
"resend_data"}``, waits without an error, and draws from the update Python answers with (here
the test plays the kernel: it reads the request with ``host.saved()`` and sends the bytes with
``host.python_set``). A page with no kernel (the standalone export) asks nothing and says what
is wrong. (The whole path, with Colab's own manager and a real kernel: hosts/test_colab.py.)
"""

from __future__ import annotations

from typing import Any

import pytest

from afn_widget.export import standalone_html
from tests.browser.conftest import wire
from tests.browser.test_frontend import assert_matches_numpy, shown_units

pytestmark = pytest.mark.browser

REQUEST = {"kind": "resend_data"}


def lost(state: dict[str, Any]) -> dict[str, Any]:
    """What such a host leaves of a state: every bytes value taken out (as Jupyter takes them
    out of the JSON to send them as buffers), in a dict of traits too; and the bytes."""
    kept, dropped = {}, {}
    for name, value in wire(state).items():
        if isinstance(value, (bytes, bytearray)):
            dropped[name] = value
        elif isinstance(value, dict) and name.startswith("pane_"):
            kept[name], _ = lost(value)
        else:
            kept[name] = value
    return kept, dropped


def requests(host) -> list[dict[str, Any]]:
    return [e["$msg"] for e in host.saved() if "$msg" in e]


class Pane:
    """``host`` seen through one pane of view ``vid`` (for assert_matches_numpy)."""

    def __init__(self, host, n: int) -> None:
        self.page, self.n = host.page, n

    def root(self, vid: int = 0) -> str:
        return f".host-view:nth-child({vid + 1}) .afn-pane:nth-child({self.n}) .afn-root"


def error_shown(page, root: str = ".afn-root") -> str:
    return page.evaluate(
        "(r) => [...document.querySelectorAll(r + ' .afn-error')]"
        ".filter((e) => !e.hidden).map((e) => e.textContent).join(' ')",
        root,
    )


@pytest.mark.parametrize("compare_score", ["", "tas"])
def test_a_view_asks_once_and_draws_from_the_answer(host, synth, ref, compare_score):
    state = synth(n_layers=4, layer=2, granularity="word", compare_score=compare_score)
    first, data = lost(state)
    vid = host.mount(first)
    # asked once (for both panes when there are two), and no error while the answer comes
    assert requests(host) == [REQUEST]
    assert shown_units(host, vid) == []
    assert error_shown(host.page) == ""
    host.python_set(vid, **data)  # the answer: an update whose buffers the host passes on
    panes = [Pane(host, n) for n in range(1, 3 if compare_score else 2)]
    for pane in panes:
        assert_matches_numpy(pane, state, ref, vid)
    # later changes ask nothing
    host.python_set(vid, layer=1)
    state["layer"] = 1
    for pane in panes:
        assert_matches_numpy(pane, state, ref, vid)
    assert requests(host) == [REQUEST]
    assert host.log.errors == []


def test_a_view_with_its_bytes_asks_nothing(host, synth, ref):
    state = synth()
    host.mount(state)
    assert_matches_numpy(host, state, ref)
    empty = synth(text="", status="computing", tokens=[], offsets=[], roles=[], word_of=[],
                  words=[], n_tokens=0, norms=b"")  # fmt: skip
    host.mount(lost(empty)[0])  # still computing, nothing to draw: nothing lost either
    assert requests(host) == []


def test_a_comparison_asks_once_and_draws_both_panes(host, tiny_bert):
    from afn_widget.compare import STATE, AFNCompare

    pair = AFNCompare("The cat sat on the mat.", "The dog sat on the mat.", model=tiny_bert)
    first, _ = lost({name: getattr(pair, name) for name in STATE})
    vid = host.mount(first)
    assert requests(host) == [REQUEST]
    assert host.page.locator(".afn-tok").count() == 0
    assert error_shown(host.page) == ""
    host.python_set(vid, pane_a=pair.pane_a, pane_b=pair.pane_b)
    for key, result in zip("ab", pair._results, strict=True):
        root = f".afn-pane-{key}"
        words = [w for w, r in zip(result.words.text, result.words.roles, strict=True)
                 if r != "special"]  # fmt: skip
        shown = host.page.locator(f"{root} .afn-text .afn-tok:not(.afn-special)")
        assert [e.text_content() for e in shown.all()] == words
    assert sorted(e.text_content() for e in host.page.locator(".afn-tok.afn-diff").all()) == [
        "cat",
        "dog",
    ]
    assert requests(host) == [REQUEST]
    assert host.log.errors == []


def test_a_page_without_a_kernel_asks_nothing_and_says_why(open_html, synth):
    first, _ = lost(synth())
    page = open_html(standalone_html(first))
    page.wait_for_selector(".afn-error:not([hidden])")
    assert "offsets" in error_shown(page)
    assert page.afn_log.errors == []
