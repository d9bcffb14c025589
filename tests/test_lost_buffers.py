"""The data again when a host lost their bytes: the kernel's side of ``js/resend.js``.

A host that drops the binary buffers of the message creating a model (Colab's widget manager,
for comm_open) leaves a widget's bytes traits with no value; the browser then asks once,
``{"kind": "resend_data"}``, and Python answers with one ``update`` of the data, bytes as
buffers. Here the request goes through ipywidgets' own message handling and the answer is read
as the browser would, buffers put back by their paths."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import traitlets as t
from ipywidgets.widgets.widget import _put_buffers

from afn_widget import AFNCompare, AFNView, analyze
from afn_widget.payload import payload
from afn_widget.widget import DATA_TRAITS, RESEND_DATA

ROOT = Path(__file__).resolve().parents[1]
# bytes data traits a view reads as none when absent (js/resend.js: lost with the others)
OPTIONAL_BYTES = {"top_dims", "top_share", "score_values", "generated", "chat_roles"}


def _ask(widget: Any, content: Any) -> list[tuple[dict[str, Any], list[Any]]]:
    """A custom message from the browser, handled as ipywidgets handles it; what was sent."""
    sent: list[tuple[dict[str, Any], list[Any]]] = []
    widget._send = lambda msg, buffers=None: sent.append((msg, list(buffers or [])))
    try:
        widget._handle_msg({"content": {"data": {"method": "custom", "content": content}},
                            "buffers": []})  # fmt: skip
    finally:
        del widget._send
    return sent


def _received(msg: dict[str, Any], buffers: list[Any]) -> dict[str, Any]:
    """An update as the browser reads it: the buffers put back where their paths say."""
    assert msg["method"] == "update"
    state = msg["state"]
    _put_buffers(state, msg["buffer_paths"], buffers)
    return state


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, (bytes, bytearray)):
        return bytes(got) == bytes(want)
    return got == want


def test_the_view_answers_with_its_data_bytes_as_buffers(tiny_bert):
    r = analyze("The scientists celebrated their remarkable discovery.", tiny_bert,
                scores=("tas", "attention"))  # fmt: skip
    view = AFNView.from_result(r, model=tiny_bert)
    [(msg, buffers)] = _ask(view, {"kind": RESEND_DATA})
    # every data trait, nothing else (the settings and status were not lost)
    assert set(msg["state"]) | {tuple(p)[0] for p in msg["buffer_paths"]} == set(DATA_TRAITS)
    sent_as_buffers = {p[0] for p in msg["buffer_paths"]}
    got = _received(msg, buffers)
    want = {**payload(r), "text": r.text, "dims_version": view.dims_version}
    for name in DATA_TRAITS:
        assert _same(got[name], want[name]), name
        if isinstance(want[name], bytes):
            assert name in sent_as_buffers, name  # binary, as the first state sent them
    # the numbers themselves, read as the browser reads them
    norms = np.frombuffer(bytes(got["norms"]), dtype="<f4").reshape(r.n_layers + 1, -1)
    assert np.array_equal(norms, r.layer_norms.astype(np.float32))
    attention = np.frombuffer(bytes(got["score_values"]), dtype="<f4").reshape(norms.shape)
    assert np.array_equal(attention, r.score("attention"), equal_nan=True)


def test_a_view_without_data_answers_with_its_empty_data(tiny_bert):
    view = AFNView(model=tiny_bert)
    [(msg, buffers)] = _ask(view, {"kind": RESEND_DATA})
    got = _received(msg, buffers)
    assert got["n_tokens"] == 0 and got["tokens"] == []
    assert all(bytes(got[n]) == b"" for n in DATA_TRAITS if isinstance(getattr(view, n), bytes))


def test_other_messages_are_not_taken_for_the_request(tiny_bert):
    view = AFNView.from_result(analyze("A short text.", tiny_bert), model=tiny_bert)
    for junk in ("resend_data", ["resend_data"], {"kind": "resend"}, {"Kind": RESEND_DATA}, {}):
        assert _ask(view, junk) == []


def test_the_comparison_answers_with_both_panes(tiny_bert):
    pair = AFNCompare("The keys are on the table.", "The key is on the table.", model=tiny_bert)
    [(msg, buffers)] = _ask(pair, {"kind": RESEND_DATA})
    got = _received(msg, buffers)
    assert set(got) == {"pane_a", "pane_b"}
    for key, r in zip(("a", "b"), pair._results, strict=True):
        want = {**payload(r), "text": r.text}
        assert set(got[f"pane_{key}"]) == set(want)
        for name, value in want.items():
            assert _same(got[f"pane_{key}"][name], value), (key, name)
    assert {tuple(p) for p in msg["buffer_paths"]} >= {("pane_a", "norms"), ("pane_b", "offsets")}
    assert _ask(pair, {"kind": "top_dims", "token": 0, "version": 1}) == []


def test_the_request_and_the_byte_columns_are_the_same_in_python_and_js():
    """js/resend.js names the request's kind and the byte columns every analysis sends; Python
    declares them once (RESEND_DATA; the data traits of type Bytes)."""
    src = (ROOT / "js" / "resend.js").read_text(encoding="utf-8")
    kind = re.search(r'export const RESEND_KIND = "([^"]+)";', src)
    assert kind and kind.group(1) == RESEND_DATA
    listed = re.search(r"export const DATA_BYTES = \[([^\]]*)\];", src)
    js_bytes = set(re.findall(r'"([^"]+)"', listed.group(1)))
    traits = AFNView.class_traits()
    py_bytes = {n for n in DATA_TRAITS if isinstance(traits[n], t.Bytes)}
    assert js_bytes | OPTIONAL_BYTES == py_bytes and not js_bytes & OPTIONAL_BYTES


@pytest.mark.parametrize("granularity", ["word", "token"])
def test_the_answer_draws_what_the_first_state_would_have(tiny_bert, granularity):
    """The state a host that drops the first message's buffers leaves (every bytes trait gone),
    completed by the answer, is the first state whole."""
    r = analyze("Colour and naïve café, ok?", tiny_bert)
    view = AFNView.from_result(r, granularity=granularity, model=tiny_bert)
    first = view.get_state()
    lost = {k: v for k, v in first.items() if not isinstance(v, (bytes, memoryview))}
    [(msg, buffers)] = _ask(view, {"kind": RESEND_DATA})
    lost.update(_received(msg, buffers))
    assert set(lost) == set(first)
    assert all(_same(lost[k], v) for k, v in first.items())
