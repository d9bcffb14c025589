"""AFNView on the Python side: controls, background computation, the top dims it answers, exports
(the data it sends: test_payload.py)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from afn_widget import AFNView, analyze
from afn_widget.errors import AFNInputError, AFNTypeError
from afn_widget.models import bundled_model_path, load_model
from afn_widget.payload import dims_bytes


@pytest.fixture(scope="module")
def mini():
    return load_model(str(bundled_model_path()))


def test_top_dims_are_answered_token_by_token(mini):
    r = analyze("Colour 🎨 and naïve café — ok?", mini)
    view = AFNView.from_result(r, granularity="token", model=mini)
    sent = []
    view.send = lambda content, buffers=None: sent.append(content)
    v = view.dims_version
    assert v > 0 and view.top_dims == b""
    for i in range(view.n_tokens):
        view._on_msg(view, {"kind": "top_dims", "token": i, "version": v})
    r = view.result  # read after the replies: they did not need every token's dims
    assert [m["token"] for m in sent] == list(range(view.n_tokens))
    for i, m in enumerate(sent):
        assert m["kind"] == "top_dims" and m["version"] == v
        assert m["dims"] == r.top_dims[:, i].tolist()
        assert np.abs(np.array(m["share"]) / 100.0 - r.top_share[:, i]).max() <= 0.005 + 1e-6
    sent.clear()
    view._on_msg(view, {"kind": "top_dims", "token": 0, "version": v - 1})
    assert sent == [{"kind": "top_dims", "token": 0, "version": v - 1, "stale": True}]
    for bad in (view.n_tokens, "0", None):
        sent.clear()
        view._on_msg(view, {"kind": "top_dims", "token": bad, "version": v})
        assert sent[0]["error"].startswith("AFNInputError: token") and "dims" not in sent[0]
    sent.clear()
    for junk in ("top_dims", ["top_dims"], {"kind": "other", "token": 0, "version": v}, {}):
        view._on_msg(view, junk)
    assert sent == []
    view.text = "A new text."  # new data, new version: requests about the old one are stale
    view.wait(60)
    assert view.dims_version > v
    view._on_msg(view, {"kind": "top_dims", "token": 0, "version": v})
    assert sent[-1]["stale"] is True


def test_standalone_page_carries_the_top_dims(mini):
    import base64
    import json
    import re

    view = AFNView.from_result(analyze("Dogs bark at night.", mini))
    page = view.to_html()
    raw = re.search(r'<script type="application/json" id="afn-state">(.*?)</script>', page, re.S)
    state = json.loads(raw.group(1))
    want = dims_bytes(view.result)
    for name in ("top_dims", "top_share"):
        assert base64.b64decode(state[name]["$b64"]) == want[name]
    assert view.state_dict()["top_dims"] == b""  # the live view does not send them


def test_view_computes_and_matches_engine(mini):
    text = "The scientists celebrated their remarkable discovery."
    view = AFNView(text, model=mini).wait(60)
    assert view.status == "ready" and view.error == ""
    r = analyze(text, mini)
    assert view.tokens == r.tokens
    assert view.layer == r.layer == 4  # round(2/3 * 6)
    np.testing.assert_array_equal(view.result.layer_norms, r.layer_norms)
    assert view.result.threshold == pytest.approx(r.threshold)
    df = view.to_dataframe()
    assert list(df["word"]) == r.words.text  # the view's default granularity is "word"


def test_layer_from_python_updates_result_and_is_checked(mini):
    view = AFNView("A cat sat on the mat.", model=mini).wait(60)
    view.layer = 2
    r2 = analyze("A cat sat on the mat.", mini, layer=2)
    assert view.result.threshold == pytest.approx(r2.threshold)
    assert list(view.result.buckets) == list(r2.buckets)
    view.layer = -1
    assert view.layer == view.n_layers
    with pytest.raises(AFNInputError, match=r"0\.\.6"):
        view.layer = 7
    assert view.layer == view.n_layers
    with pytest.raises(AFNInputError, match="between 0 and 1"):
        view.quantile = 1.5
    with pytest.raises(AFNInputError, match="'token' or 'word'"):
        view.granularity = "sentence"


def test_crafted_frontend_state_shows_error_and_keeps_last_good_value(mini):
    view = AFNView("A cat sat on the mat.", model=mini).wait(60)
    sent = []
    view.send_state = lambda key=None: sent.append(key)  # what would go back to the browser
    view.set_state({"layer": 99})
    assert view.layer == 4
    assert view.status == "error" and "layer 99 is out of range" in view.error
    assert ["layer"] in sent  # the browser gets the good value back
    view.set_state({"layer": 3})  # the next valid input clears the error
    assert view.layer == 3 and view.error == "" and view.status == "ready"
    view.set_state({"quantile": "high"})
    assert view.quantile == 0.75 and "quantile" in view.error


def test_text_change_recomputes_in_background_and_newest_wins(mini):
    view = AFNView("first text", model=mini).wait(60)
    before = threading.active_count()
    for i in range(100):
        view.text = f"text number {i} about cats"
    view.wait(120)
    assert view.text == "text number 99 about cats"
    assert view.result.text == "text number 99 about cats"
    assert "99" in view.tokens
    time.sleep(0.2)
    assert threading.active_count() <= before  # the worker exits when idle


def test_bad_text_shows_error_in_view_and_view_recovers(mini):
    view = AFNView("fine", model=mini).wait(60)
    for bad, fix in [(None, "pass the text"), (b"bytes", "decode"), (42, "string")]:
        with pytest.raises(AFNTypeError, match=fix):
            view.text = bad
        assert view.status == "error" and fix in view.error  # shown inside the widget too
        assert view.text == "fine"
    view2 = AFNView("ok", model="/nonexistent/model/dir").wait(60)
    assert view2.status == "error"
    assert "ModelUnavailableError" in view2.error
    view.text = "back to normal"
    view.wait(60)
    assert view.status == "ready" and view.result.text == "back to normal"


def test_from_scores_without_a_model():
    view = AFNView.from_scores(["The", "cat", "sat", "."], [0.1, 3.0, 2.0, 0.5])
    assert view.text == "The cat sat ."
    assert view.n_layers == 0 and view.layer == 0
    offsets = np.frombuffer(view.offsets, "<i4").reshape(-1, 2).tolist()
    assert offsets == [[0, 3], [4, 7], [8, 11], [12, 13]]
    r = view.result
    assert r.threshold == pytest.approx(np.quantile([0.1, 3.0, 2.0, 0.5], 0.75))
    assert list(r.buckets) == ["LOW", "HIGH", "LOW", "LOW"]
    with pytest.raises(AFNInputError, match="one value per token"):
        AFNView.from_scores(["a", "b"], [1.0])


def test_from_result_keeps_layer_and_quantile(mini):
    r = analyze("Dogs bark loudly at night.", mini, layer=1, quantile=0.5)
    view = AFNView.from_result(r)
    assert view.layer == 1 and view.quantile == 0.5
    np.testing.assert_array_equal(view.result.tas, r.tas)
    with pytest.raises(AFNInputError, match="AFNResult"):
        AFNView.from_result("not a result")


def test_import_is_light():
    import subprocess
    import sys

    code = (
        "import sys, afn_widget; "
        "print(any(m == 'torch' or m.startswith('transformers') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_mimebundle_has_the_widget_and_a_picture_for_viewers_without_it(mini):
    import base64

    view = AFNView("Dogs <b>bark</b> at night.", model=mini).wait(60)
    bundle = view._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == view.model_id
    png = base64.b64decode(data["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "text/html" not in data  # viewers pick it first and strip its iframe: no picture


def test_the_picture_of_a_long_text_is_bounded(mini):
    import base64

    import afn_widget.widget as W

    short = AFNView.from_result(analyze("Dogs bark at night. " * 20, mini))
    long = AFNView.from_result(analyze("Dogs bark at night. " * 200, mini))
    size = {}
    for name, view in (("short", short), ("long", long)):
        data = view._repr_mimebundle_()
        data = data[0] if isinstance(data, tuple) else data
        size[name] = len(base64.b64decode(data["image/png"]))
    assert len(long.result.words) > W.FALLBACK_UNITS
    assert size["long"] < 12 * size["short"]  # first FALLBACK_UNITS units and "…"
