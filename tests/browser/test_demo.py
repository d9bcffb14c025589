"""`afn-widget demo`: the one-command demo writes a page that works offline in a browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "BROWSER": "true"}


def test_demo_page_has_coloured_spans_and_a_tooltip(tmp_path, open_html):
    out = tmp_path / "demo.html"
    proc = subprocess.run(
        [sys.executable, "-m", "afn_widget", "demo", "--out", str(out)],
        capture_output=True, text=True, env=ENV, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert Path(proc.stdout.strip()) == out.resolve()  # prints the page's path
    page = open_html(out.read_text(encoding="utf-8"))
    page.wait_for_selector(".afn-text .afn-tok.afn-high", state="attached")
    colours = page.eval_on_selector_all(
        ".afn-text .afn-tok", "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    assert len(set(colours)) > 5
    page.locator(".afn-text .afn-tok.afn-high").first.hover()
    tip = page.locator(".afn-tooltip")
    tip.wait_for(state="visible")
    assert float(tip.locator("[data-field=tas]").text_content()) > 0
    assert tip.locator("[data-field=bucket]").text_content() == "HIGH"
    assert page.afn_log.errors == []
    assert page.afn_log.foreign_requests({"http://afn.test/view.html"}) == []


def test_demo_serve_on_localhost(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "served.html"
    proc = subprocess.Popen(
        [sys.executable, "-m", "afn_widget", "demo", "--out", str(out), "--serve",
         "--port", str(port)],
        env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/served.html", timeout=2)
                page = body.read().decode("utf-8")
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()[-3000:]
                time.sleep(0.5)
        else:
            raise AssertionError("the demo server did not answer")
        assert "<title>afn-widget demo</title>" in page
        assert page == out.read_text(encoding="utf-8")  # the written page, served as is
        (tmp_path / "private.txt").write_text("not for the browser", encoding="utf-8")
        for other in ("private.txt", "sub/", "..%2f", "served.html/.."):
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/{other}", timeout=5)
            assert info.value.code == 404, other  # the page alone: no listing, no other file
        root = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
        assert root.decode("utf-8") == page
    finally:
        proc.terminate()
        proc.wait(30)
