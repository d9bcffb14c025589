"""The tooltip's top hidden dims asked for from the kernel when the live widget's state has none.

The live widget gets ``top_dims``/``top_share`` empty and asks ``{kind: "top_dims", token,
version}`` through ``model.send`` when a tooltip needs a token's dims; the kernel answers with
a custom message holding that token's dims at every layer. Here the "kernel" is the test: it
reads what the page sent (``host.saved()``) and answers with ``host.reply``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from afn_widget.export import standalone_html
from tests.browser.conftest import wire

pytestmark = pytest.mark.browser

VERSION = 5

# What the tooltip of a view shows, read in one go.
TIP_JS = """(root) => {
  const t = document.querySelector(root + ' .afn-tooltip');
  const q = (s) => { const e = t.querySelector(s); return e ? e.textContent : null; };
  return {
    hidden: t.hidden,
    pinned: t.classList.contains('afn-tt-pinned'),
    caption: q('.afn-tt-dims .afn-tt-caption'),
    rows: [...t.querySelectorAll('.afn-tt-dim')].map((r) => [
      r.querySelector('.afn-tt-dim-id').textContent,
      r.querySelector('.afn-tt-dim-share').textContent,
    ]),
    pending: q('.afn-tt-dims-pending'),
    error: q('.afn-tt-dims-error'),
    elements: t.querySelectorAll('.afn-tt-dims *').length,
    bold: t.querySelectorAll('b').length,
  };
}"""


def numbers(state: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(dims, share) of a state with embedded bytes, shaped (n_layers+1, n_tokens, top_k)."""
    shape = (state["n_layers"] + 1, state["n_tokens"], state["top_k"])
    dims = np.frombuffer(state["top_dims"], dtype="<u2").reshape(shape)
    share = np.frombuffer(state["top_share"], dtype="<u1").reshape(shape)
    return dims, share


def live(state: dict[str, Any], version: int = VERSION) -> dict[str, Any]:
    """The state as the live widget gets it: no dims bytes, a dims version."""
    return {**state, "top_dims": b"", "top_share": b"", "dims_version": version}


def answer(state: dict[str, Any], token: int, version: int = VERSION) -> dict[str, Any]:
    dims, share = numbers(state)
    return {
        "kind": "top_dims",
        "version": version,
        "token": token,
        "dims": dims[:, token].tolist(),
        "share": share[:, token].tolist(),
    }


def rows(state: dict[str, Any], token: int, layer: int) -> list[list[str]]:
    dims, share = numbers(state)
    return [
        [f"d{d}", f"{s}%"] for d, s in zip(dims[layer, token], share[layer, token], strict=True)
    ]


def requests(host) -> list[dict[str, Any]]:
    return [e["$msg"] for e in host.saved() if "$msg" in e]


def tip(host, vid: int = 0) -> dict[str, Any]:
    return host.page.evaluate(TIP_JS, host.root(vid))


def span(host, i: int, vid: int = 0):
    return host.page.locator(f"{host.root(vid)} .afn-text .afn-tok[data-i='{i}']")


def away(host) -> None:
    host.page.mouse.move(2, 2)


def test_hover_asks_once_then_shows_every_layer_of_the_reply(host, synth):
    state = synth(n_layers=4, layer=2, top_k=3)
    vid = host.mount(live(state))
    span(host, 3).hover()
    assert requests(host) == [{"kind": "top_dims", "token": 3, "version": VERSION}]
    t = tip(host)
    assert not t["hidden"]
    assert t["caption"] == "top hidden dims at layer 2"
    assert t["pending"] == "loading…" and t["rows"] == []
    # hovering again while the request is in flight does not ask again
    away(host)
    span(host, 3).hover()
    assert len(requests(host)) == 1
    assert tip(host)["pending"] == "loading…"

    host.reply(vid, answer(state, 3))
    t = tip(host)
    assert t["rows"] == rows(state, 3, 2)
    assert t["pending"] is None and t["error"] is None and not t["pinned"]

    # pinned, then other layers (slider and Python): the row of each, from the same reply
    span(host, 3).click()
    host.page.locator(f"{host.root()} .afn-layer").fill("0")
    t = tip(host)
    assert t["pinned"] and t["caption"] == "top hidden dims at layer 0"
    assert t["rows"] == rows(state, 3, 0)
    host.python_set(vid, layer=4)
    assert tip(host)["rows"] == rows(state, 3, 4)
    # another token asks for its own
    host.page.keyboard.press("Escape")
    span(host, 2).hover()
    assert tip(host)["pending"] == "loading…"
    assert requests(host) == [
        {"kind": "top_dims", "token": 3, "version": VERSION},
        {"kind": "top_dims", "token": 2, "version": VERSION},
    ]
    # back on the first: answered from the cache
    away(host)
    span(host, 3).hover()
    assert tip(host)["rows"] == rows(state, 3, 4)
    assert len(requests(host)) == 2
    # unmounted: the message listener is gone with the others
    host.page.evaluate(f"window.__afn.unmount({vid})")
    assert host.page.evaluate(f"window.__afn.listeners({vid})") == 0
    host.reply(vid, answer(state, 2))
    assert host.log.errors == []


def test_stale_or_malformed_replies_are_ignored(host, synth):
    state = synth(n_layers=3, layer=1, top_k=3)
    vid = host.mount(live(state))
    span(host, 3).hover()
    # a mark on the "loading…" line: gone if the tooltip were filled again
    mark = "(r) => { document.querySelector(r + ' .afn-tt-dims-pending').dataset.mark = 'kept'; }"
    host.page.evaluate(mark, host.root())
    kept = "(r) => document.querySelectorAll(r + ' .afn-tt-dims-pending[data-mark=kept]').length"
    good = answer(state, 3)
    n_layers = state["n_layers"]
    bad = [
        {**good, "version": VERSION - 1},
        {**good, "version": str(VERSION)},
        {k: v for k, v in good.items() if k != "version"},
        {**good, "kind": "something else"},
        {**good, "token": state["n_tokens"]},
        {**good, "token": -1},
        {**good, "token": 3.5},
        {**good, "token": "3"},
        {**good, "dims": good["dims"][:n_layers]},  # a layer missing
        {**good, "share": [*good["share"], [1, 2, 3]]},  # a layer too many
        {**good, "dims": [r[:2] for r in good["dims"]]},  # k - 1 dims
        {**good, "share": [[*r, 1] for r in good["share"]]},  # k + 1 shares
        {**good, "dims": [[1, "2", 3]] + good["dims"][1:]},
        {**good, "share": [[1, None, 3]] + good["share"][1:]},
        {**good, "share": [[1, float("nan"), 3]] + good["share"][1:]},
        {**good, "dims": "1,2,3"},
        {k: v for k, v in good.items() if k != "share"},
        {"kind": "top_dims", "version": VERSION, "token": 3, "error": 42},
        answer(state, 4),  # another token's dims
    ]
    for msg in bad:
        host.reply(vid, msg)
        t = tip(host)
        assert t["pending"] == "loading…" and t["rows"] == [], msg
    assert host.page.evaluate(kept, host.root()) == 1
    assert host.log.errors == []
    host.reply(vid, good)
    assert tip(host)["rows"] == rows(state, 3, 1)
    # the other token's reply was good: kept, no request for it
    away(host)
    span(host, 4).hover()
    assert tip(host)["rows"] == rows(state, 4, 1)
    assert [r["token"] for r in requests(host)] == [3]


def test_an_error_reply_is_shown_as_text(host, synth):
    state = synth(n_layers=3, layer=1, top_k=3)
    vid = host.mount(live(state))
    span(host, 2).click()  # pinned while waiting
    assert tip(host)["pending"] == "loading…"
    message = '<b>x</b> & <img src=x onerror="window.__pwned=1"> failed'
    host.reply(vid, {"kind": "top_dims", "version": VERSION, "token": 2, "error": message})
    t = tip(host)
    assert t["error"] == message
    assert t["bold"] == 0 and t["rows"] == [] and t["pending"] is None
    assert t["elements"] == 2  # the caption and the error line, nothing parsed from the message
    assert t["pinned"] and not t["hidden"]
    assert host.page.evaluate("window.__pwned") is None
    # kept: not asked again
    host.page.keyboard.press("Escape")
    span(host, 2).hover()
    assert tip(host)["error"] == message
    assert len(requests(host)) == 1
    assert host.log.errors == []


def test_new_data_clear_the_cache(host, synth):
    state = synth(n_layers=3, layer=1, top_k=3, seed=0)
    vid = host.mount(live(state))
    span(host, 3).hover()
    host.reply(vid, answer(state, 3))
    assert tip(host)["rows"] == rows(state, 3, 1)
    away(host)
    span(host, 4).hover()  # in flight when the new data land
    away(host)

    new = synth(n_layers=3, layer=1, top_k=3, seed=1)
    assert not np.array_equal(numbers(new)[0][:, 3], numbers(state)[0][:, 3])
    host.python_set(vid, **live(new, VERSION + 1))
    span(host, 3).hover()
    assert requests(host)[-1] == {"kind": "top_dims", "token": 3, "version": VERSION + 1}
    assert tip(host)["pending"] == "loading…"
    host.reply(vid, answer(state, 3))  # the old version's answer
    assert tip(host)["pending"] == "loading…"
    host.reply(vid, answer(new, 3, VERSION + 1))
    assert tip(host)["rows"] == rows(new, 3, 1)
    away(host)
    span(host, 4).hover()
    assert requests(host)[-1] == {"kind": "top_dims", "token": 4, "version": VERSION + 1}
    assert [r["token"] for r in requests(host)] == [3, 4, 3, 4]
    assert host.log.errors == []


def test_word_view_asks_for_the_strongest_token_of_the_word(host, synth):
    state = synth(n_layers=4, layer=0, top_k=3, granularity="word")
    norms = np.frombuffer(state["norms"], dtype="<f4").reshape(state["n_layers"] + 1, -1)
    word_of = np.asarray(state["word_of"])
    # a word of several tokens whose strongest token differs between two layers
    found = None
    for w, info in enumerate(state["words"]):
        toks = np.flatnonzero(word_of == w)
        if info["role"] == "special" or toks.size < 2:
            continue
        best = [int(toks[np.argmax(norms[L, toks])]) for L in range(state["n_layers"] + 1)]
        for L in range(1, len(best)):
            if best[L] != best[0]:
                found = (w, best[0], L, best[L])
                break
        if found:
            break
    assert found, "the synthetic state has no such word"
    w, t0, L, t1 = found
    vid = host.mount(live(state))
    span(host, w).hover()
    assert requests(host) == [{"kind": "top_dims", "token": t0, "version": VERSION}]
    host.reply(vid, answer(state, t0))
    t = tip(host)
    assert t["caption"] == f"top hidden dims at layer 0 (of {state['tokens'][t0]})"
    assert t["rows"] == rows(state, t0, 0)
    # at layer L another token is the strongest: its dims are asked for and shown
    host.python_set(vid, layer=L)
    assert requests(host)[-1] == {"kind": "top_dims", "token": t1, "version": VERSION}
    assert tip(host)["pending"] == "loading…"
    host.reply(vid, answer(state, t1))
    t = tip(host)
    assert t["caption"] == f"top hidden dims at layer {L} (of {state['tokens'][t1]})"
    assert t["rows"] == rows(state, t1, L)
    assert host.log.errors == []


def test_replies_look_like_the_embedded_dims(host, synth):
    state = synth(n_layers=3, layer=2, top_k=4)
    host.mount(state)
    vid = host.mount(live(state))
    html = "(root) => document.querySelector(root + ' .afn-tooltip .afn-tt-dims').outerHTML"
    shown = {}
    for v in (0, vid):
        span(host, 5, v).hover()
        if v == vid:
            host.reply(vid, answer(state, 5))
        shown[v] = host.page.evaluate(html, host.root(v))
        away(host)
    assert shown[0] == shown[vid]
    assert shown[0].count('class="afn-tt-dim"') == 4
    assert [r["token"] for r in requests(host)] == [5]


def test_no_messages_with_embedded_bytes_or_top_k_0(host, synth):
    state = synth(n_layers=3, top_k=3)
    vid = host.mount(state)
    for i in (1, 2, 3, 8):
        span(host, i, vid).hover()
        assert tip(host, vid)["rows"] == rows(state, i, state["layer"])
    host.python_set(vid, granularity="word")
    for i in (1, 3):
        span(host, i, vid).hover()
        assert len(tip(host, vid)["rows"]) == 3
    away(host)
    none = host.mount({**live(state), "top_k": 0})
    for i in (1, 2):
        span(host, i, none).hover()
        t = tip(host, none)
        assert not t["hidden"] and t["caption"] is None and t["pending"] is None
    assert requests(host) == []
    assert host.log.errors == []


def test_standalone_page_shows_embedded_dims_and_asks_nothing(open_html, synth):
    state = synth(n_layers=3, layer=1, top_k=3)
    page = open_html(standalone_html(wire(state)))
    page.locator(".afn-text .afn-tok[data-i='3']").hover()
    got = page.evaluate(TIP_JS, ".afn-root")
    assert got["rows"] == rows(state, 3, 1)
    # without the bytes there is no kernel to ask: no dims box (as before), not "loading…"
    page = open_html(standalone_html(wire(live(state))))
    page.locator(".afn-text .afn-tok[data-i='3']").hover()
    got = page.evaluate(TIP_JS, ".afn-root")
    assert not got["hidden"] and got["caption"] is None and got["pending"] is None
    assert page.afn_log.errors == []
