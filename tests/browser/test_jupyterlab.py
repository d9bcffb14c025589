"""The whole path in a real JupyterLab: kernel, anywidget, bundle, browser.

Starts JupyterLab headless on 127.0.0.1 with a token, opens a notebook in Debian's Chromium,
runs ``AFNView(...)`` with the default model (offline, so the bundled one), waits for coloured
spans, then sets ``view.layer = 2`` from Python and checks the colours change, and hovers a word
whose tooltip asks the kernel for its top dims, checked against ``result.top_dims_of``.
Screenshots go to ``artifacts/`` for a human to look at.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notebook(cells: list[str]) -> dict:
    return {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": src,
                "outputs": [],
                "execution_count": None,
            }
            for src in cells
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture(scope="module")
def lab(tmp_path_factory, afn_browser):
    root = tmp_path_factory.mktemp("lab")
    token = "afn-test-token"
    port = _free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "JUPYTER_CONFIG_DIR": str(root / ".jupyter"),
        "PYTHONWARNINGS": "ignore",
    }
    log = open(root / "lab.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError((root / "lab.log").read_text()) from None
            time.sleep(0.5)
    else:
        proc.terminate()
        raise RuntimeError("JupyterLab did not start: " + (root / "lab.log").read_text())
    yield root, url, token
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _run_cell(page, index: int) -> None:
    """Run one cell, again if the kernel was not ready to take it the first time."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    for _ in range(5):
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_function(
                "e => /\\[(\\*|\\d+)\\]/.test(e.textContent)",
                arg=prompt.element_handle(),
                timeout=10_000,
            )
            return
        except Exception:  # noqa: BLE001 - not taken yet; try again
            continue
    raise AssertionError(f"cell {index} never started running")


def test_widget_renders_in_jupyterlab_and_follows_python(lab, afn_browser):
    root, url, token = lab
    nb = _notebook(
        [
            "from afn_widget import AFNView\n"
            "view = AFNView('The scientists celebrated their remarkable discovery in the lab.')\n"
            "view",
            "view.wait(120)\nview.layer = 2\nprint('layer', view.layer)",
            "r = view.result\n"
            "dims, share = r.top_dims_of(r.tokens.index('discovery'))\n"
            "from afn_widget.widget import percent\n"
            "print('DIMS', ' '.join(f'd{d}:{p}%' for d, p in zip(dims[2], percent(share[2]))))",
        ]
    )
    (root / "afn.ipynb").write_text(json.dumps(nb))
    ARTIFACTS.mkdir(exist_ok=True)
    context = afn_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{url}/lab/tree/afn.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.wait_for_selector("text=| Idle", timeout=90_000)  # the kernel is up
        _run_cell(page, 0)
        try:
            page.wait_for_selector(
                ".jp-OutputArea .afn-tok.afn-high", state="attached", timeout=120_000
            )
        finally:
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-widget.png"), full_page=True)
        tokens = page.locator(".jp-OutputArea .afn-tok")
        n = tokens.count()
        assert n >= 8
        colours_before = [
            tokens.nth(i).evaluate("e => getComputedStyle(e).backgroundColor") for i in range(n)
        ]
        assert len(set(colours_before)) > 3, "spans should carry different TAS colours"
        _run_cell(page, 1)
        page.wait_for_selector("text=layer 2", timeout=60_000)
        page.wait_for_function(
            """(before) => {
                const spans = [...document.querySelectorAll('.jp-OutputArea .afn-tok')];
                return spans.some((e, i) => getComputedStyle(e).backgroundColor !== before[i]);
            }""",
            arg=colours_before,
            timeout=30_000,
        )
        slider = page.locator(".jp-OutputArea input[type=range]").first
        assert slider.input_value() == "2"
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-widget-layer2.png"), full_page=True)

        # The tooltip asks the kernel for the hovered token's top dims (a custom message).
        page.locator(".jp-OutputArea .afn-tok", has_text="discovery").first.hover()
        tip = page.locator(".jp-OutputArea .afn-tooltip")
        tip.locator(".afn-tt-dim").nth(2).wait_for(timeout=30_000)
        shown = [
            f"{row.locator('.afn-tt-dim-id').text_content()}:"
            f"{row.locator('.afn-tt-dim-share').text_content()}"
            for row in tip.locator(".afn-tt-dim").all()
        ]
        _run_cell(page, 2)
        line = page.locator(".jp-OutputArea-output pre", has_text=re.compile("^DIMS ")).first
        line.wait_for(timeout=60_000)
        assert line.text_content().split()[1:] == shown, (shown, line.text_content())
    finally:
        context.close()
    assert not errors, errors
