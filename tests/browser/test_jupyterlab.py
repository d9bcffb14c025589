"""The whole path in a real JupyterLab: kernel, anywidget, bundle, browser.

Starts JupyterLab headless on 127.0.0.1 with a token, opens a notebook in Debian's Chromium,
runs ``AFNView(...)`` with the default model (offline, so the bundled one), waits for coloured
spans, then sets ``view.layer = 2`` from Python and checks the colours change, and hovers a word
whose tooltip asks the kernel for its top dims, checked against ``result.top_dims_of``.
Then what JupyterLab's own shortcuts and stylesheets could break: the slider's and the text's
keys inside a cell's output (the kernel sees the layer chosen), the notebook's own keys outside
it, the tooltip's labels under JupyterLab's CSS and a pinned tooltip while the notebook scrolls.
Screenshots go to ``artifacts/`` (or ``$AFN_SHOTS``) for a human to look at: light and dark
theme, at a normal and a narrow width.
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
SHOTS = Path(os.environ.get("AFN_SHOTS") or ARTIFACTS)


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
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: the theme is switched
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
            "from afn_widget.payload import percent\n"
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
        # in view first: the scroll that brings it there hides an unpinned tooltip
        word = page.locator(".jp-OutputArea .afn-tok", has_text="discovery").first
        word.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        word.hover()
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


# ------------------------------------------------------------------------------------------
# keys, tooltip and looks in a real notebook
# ------------------------------------------------------------------------------------------
TEXT = (
    "The scientists celebrated their remarkable discovery in the lab. "
    'W. said: "wow***" -- really?! It can\'t be... (yes), ok; fine: done.'
)
ACTIVE_CELL_JS = (
    "[...document.querySelectorAll('.jp-Notebook .jp-Cell')]"
    ".findIndex((c) => c.classList.contains('jp-mod-active'))"
)


def _open_notebook(afn_browser, lab, name: str, cells: list[str], width: int = 1280):
    """A notebook of `cells` open in JupyterLab, its first cell run and its widget drawn."""
    root, url, token = lab
    (root / name).write_text(json.dumps(_notebook(cells)))
    context = afn_browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.afn_errors = []
    page.on("pageerror", lambda e: page.afn_errors.append(str(e)))
    # a workspace of its own: the notebooks of earlier tests stay closed
    workspace = name.rsplit(".", 1)[0]
    page.goto(f"{url}/lab/workspaces/{workspace}/tree/{name}?token={token}&reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_selector("text=| Idle", timeout=90_000)
    _run_cell(page, 0)
    page.wait_for_selector(".jp-OutputArea .afn-tok.afn-high", state="attached", timeout=120_000)
    return context, page


def _kernel_says(page, cell: int, prefix: str) -> str:
    """Run `cell` and return the rest of the first output line that starts with `prefix`."""
    _run_cell(page, cell)
    out = page.locator(".jp-Notebook .jp-Cell").nth(cell).locator(".jp-OutputArea-output pre")
    line = out.filter(has_text=re.compile(f"^{prefix}")).last
    line.wait_for(timeout=60_000)
    return line.text_content()[len(prefix) :].strip()


def test_keyboard_inside_the_widget_in_jupyterlab(lab, afn_browser):
    """Jupyter's command-mode shortcuts take the arrow keys: inside the widget they are its own
    (the slider steps, the kernel sees the layer; the text's tokens take the focus); outside it
    Escape and Shift+Enter still drive the notebook."""
    cells = [
        f"from afn_widget import AFNView\nview = AFNView({TEXT!r}, layer=3)\nview",
        "view.wait(120)\nprint('LAYER', view.layer)",
        "print('LAYER', view.layer)",
        "print('Q', view.quantile)",
        "x = 1",
    ]
    context, page = _open_notebook(afn_browser, lab, "keys.ipynb", cells)
    try:
        # the analysis done (a result landing later would set the layer it was asked for)
        assert _kernel_says(page, 1, "LAYER") == "3"
        out = page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-OutputArea")
        slider = out.locator("input.afn-layer")
        slider.focus()
        active = page.evaluate(ACTIVE_CELL_JS)
        steps = [
            ("ArrowRight", 4),
            ("ArrowUp", 5),
            ("ArrowLeft", 4),
            ("ArrowDown", 3),
            ("End", 6),
            ("Home", 0),
            ("ArrowRight", 1),
            ("ArrowUp", 2),
        ]
        for key, want in steps:
            page.keyboard.press(key)
            assert slider.input_value() == str(want), key
            assert out.locator(".afn-layer-out").text_content() == str(want), key
        page.keyboard.press("PageUp")
        up = int(slider.input_value())
        assert up > 2
        page.keyboard.press("PageDown")
        assert int(slider.input_value()) == 2
        assert page.evaluate("document.activeElement.classList.contains('afn-layer')")
        assert page.evaluate(ACTIVE_CELL_JS) == active  # the notebook moved to no other cell
        assert _kernel_says(page, 2, "LAYER") == "2"  # Shift+Enter in a cell still runs it

        # the text: arrow keys move between tokens and show each one's tooltip
        tok = out.locator(".afn-tok[tabindex='0']")
        tok.focus()
        active = page.evaluate(ACTIVE_CELL_JS)
        tip = out.locator(".afn-tooltip")
        seen = [page.evaluate("document.activeElement.textContent")]
        for key in ("ArrowRight", "ArrowRight", "ArrowDown", "ArrowLeft"):
            page.keyboard.press(key)
            now = page.evaluate("document.activeElement.textContent")
            assert page.evaluate("document.activeElement.classList.contains('afn-tok')"), key
            assert tip.is_visible() and tip.locator(".afn-tt-text").text_content() == now, key
            seen.append(now)
        assert seen[:3] == ["The", "scientists", "celebrated"], seen
        page.keyboard.press("Enter")
        assert out.locator(".afn-tooltip.afn-tt-pinned").count() == 1
        page.keyboard.press("Escape")
        assert not tip.is_visible()
        assert page.evaluate(ACTIVE_CELL_JS) == active

        # typing in the quantile box: digits are no command-mode shortcuts ("0 0" restarts)
        box = out.locator(".afn-quantile")
        box.click(click_count=3)
        page.keyboard.type("00")
        page.keyboard.press("Enter")
        msg = out.locator(".afn-quantile-msg")
        assert msg.text_content().startswith("quantile must lie strictly between 0 and 1 (got 0)")
        box.click(click_count=3)
        page.keyboard.type("0.5")
        page.keyboard.press("Enter")
        assert not msg.is_visible()
        page.wait_for_timeout(500)
        assert page.locator(".jp-Dialog").count() == 0  # no "Restart Kernel?" dialog
        assert _kernel_says(page, 3, "Q") == "0.5"

        # outside the widget the notebook keeps its keys: Escape leaves a cell's editor
        page.locator(".jp-Notebook .jp-Cell").nth(4).locator(".jp-InputArea-editor").click()
        page.wait_for_selector(".jp-Notebook.jp-mod-editMode")
        page.keyboard.press("Escape")
        page.wait_for_selector(".jp-Notebook.jp-mod-commandMode")
    finally:
        context.close()
    assert not page.afn_errors, page.afn_errors


# Each label of the tooltip's grid and its value, as the boxes of their text (a label wider than
# its column overflows its box: its text is what must stay clear of the value).
PAIRS_JS = """(out) => {
  const grid = out.querySelector('.afn-tooltip .afn-tt-grid');
  const text = (e) => { const r = document.createRange(); r.selectNodeContents(e);
    const b = r.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const cells = [...grid.children];
  const pairs = [];
  for (let i = 0; i + 1 < cells.length; i += 2)
    pairs.push({ key: cells[i].textContent, a: text(cells[i]), b: text(cells[i + 1]) });
  return pairs;
}"""

PINNED_JS = """() => {
  const t = document.querySelector('.jp-OutputArea .afn-tok.afn-pinned');
  const p = document.querySelector('.jp-OutputArea .afn-tooltip');
  const panel = document.querySelector('.jp-WindowedPanel-outer').getBoundingClientRect();
  const a = t.getBoundingClientRect(); const b = p.getBoundingClientRect();
  const root = t.closest('.afn-root').getBoundingClientRect();
  return { tok: [a.top, a.bottom], tip: [b.top, b.bottom],
           hidden: p.hidden || getComputedStyle(p).visibility === 'hidden',
           root: [root.top, root.bottom],
           pinned: p.classList.contains('afn-tt-pinned'), away: p.classList.contains('afn-tt-away'),
           panel: [panel.top, panel.bottom] };
}"""


def _tooltip_labels_clear_of_values(page) -> None:
    pairs = page.evaluate(PAIRS_JS, page.locator(".jp-OutputArea").first.element_handle())
    for p in pairs:
        a, b = p["a"], p["b"]
        assert a[2] <= b[0] or a[3] <= b[1], p  # the label's text ends before its value's
    assert [p["key"] for p in pairs] == ["TAS", "rank", "percentile", "role", "layer"]


def _pinned_tooltip_survives_scrolling(page) -> None:
    page.locator(".jp-OutputArea .afn-tok", has_text="discovery").first.click()
    panel = page.locator(".jp-WindowedPanel-outer").bounding_box()
    page.mouse.move(panel["x"] + 30, panel["y"] + panel["height"] - 40)  # over the prompts
    seen = set()
    for dy in [150] * 6 + [-150] * 6:
        page.mouse.wheel(0, dy)
        page.wait_for_timeout(300)
        g = page.evaluate(PINNED_JS)
        assert g["pinned"], g
        if g["tok"][1] > g["panel"][0]:  # its token in sight: shown right under it
            assert not g["hidden"] and not g["away"], g
            assert abs(g["tip"][0] - (g["tok"][1] + 6)) <= 1, g
            seen.add("near")
        elif not g["hidden"]:  # the token out of sight: whole, at the top of the notebook
            assert g["away"] and abs(g["tip"][0] - (g["panel"][0] + 6)) <= 1, g
            seen.add("away")
        else:  # where JupyterLab clips the token's cell (out of sight): hidden, still pinned
            assert g["away"] and g["root"][0] < g["panel"][0], g
            seen.add("hidden")
    assert {"near", "hidden"} <= seen, seen
    page.keyboard.press("Escape")


def _header_on_one_line(root) -> None:
    """The model's short name (its folder), the full path on hover, on one line."""
    model = root.locator(".afn-model")
    full = model.get_attribute("title")
    shown = model.text_content()
    assert full.endswith(shown) and len(shown) < len(full) - 20, (shown, full)
    geo = model.evaluate(
        "(m) => ({ lines: m.getClientRects().length, h: m.getBoundingClientRect().height,"
        " line: parseFloat(getComputedStyle(m).lineHeight) })"
    )
    assert geo["lines"] == 1 and geo["h"] < 1.5 * geo["line"], geo


def _theme(page, name: str) -> None:
    page.evaluate(
        "(name) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: name})", name
    )
    light = "true" if "Light" in name else "false"
    page.wait_for_selector(f"body[data-jp-theme-light='{light}']", state="attached", timeout=30_000)
    page.wait_for_timeout(500)


def test_tooltip_and_looks_in_jupyterlab(lab, afn_browser):
    """The tooltip's labels clear of their values under JupyterLab's CSS, a pinned tooltip
    through the notebook's scrolling, and screenshots: light and dark, 1100 and 420 px."""
    long_text = " ".join(
        f"Sentence {i}: the results were clear, and nobody doubted them." for i in range(40)
    )
    cells = [
        "from afn_widget import AFNView\n"
        "from afn_widget.models import bundled_model_path\n"  # a model given by its path
        f"view = AFNView({TEXT!r}, model=str(bundled_model_path()))\nview",
        f"long = AFNView({long_text!r}, granularity='token')\nlong",
        "print('\\n'.join(map(str, range(80))))",
    ]
    context, page = _open_notebook(afn_browser, lab, "looks.ipynb", cells, width=1100)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.locator(".jp-OutputArea .afn-tok", has_text="discovery").first.hover()
        _tooltip_labels_clear_of_values(page)
        _run_cell(page, 1)
        page.wait_for_selector(".jp-Cell >> nth=1 >> .afn-flow-zoom-select", timeout=120_000)
        page.locator(".afn-flow-zoom-select").last.select_option("8")
        assert _kernel_says(page, 2, "0").endswith("79")  # a long output to scroll past
        _pinned_tooltip_survives_scrolling(page)
        no_news = page.locator(".jp-Notification-Toast-Close")
        if no_news.count():
            no_news.first.click()  # the news toast covers the notebook's corner
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            _theme(page, theme)
            for width in (1100, 420):
                page.set_viewport_size({"width": width, "height": 900})
                # narrow: the file browser folded away, the notebook ~380 px wide
                side = "collapseLeft" if width < 600 else "expandLeft"
                page.evaluate(f"window.jupyterapp.shell.{side}()")
                page.wait_for_timeout(600)
                first = page.locator(".jp-OutputArea .afn-root").first
                first.evaluate("(e) => e.scrollIntoView({block: 'start'})")
                _header_on_one_line(first)
                box = first.locator(".afn-quantile")
                box.click(click_count=3)
                page.keyboard.type("1.5")
                page.keyboard.press("Enter")
                first.locator(".afn-tok", has_text="discovery").first.hover()
                _tooltip_labels_clear_of_values(page)
                tag = "dark" if "Dark" in theme else "light"
                page.screenshot(path=str(SHOTS / f"jupyterlab-{tag}-{width}.png"))
                page.locator(".jp-OutputArea .afn-flow").last.scroll_into_view_if_needed()
                page.screenshot(path=str(SHOTS / f"jupyterlab-{tag}-{width}-long.png"))
    finally:
        context.close()
    assert not page.afn_errors, page.afn_errors


def test_score_modes_and_compare_in_jupyterlab(lab, afn_browser):
    """Switching the score in a real notebook re-colours the text and reaches the kernel; the
    pane beside and AFNCompare (its two analyses sent as dicts of traits, bytes as buffers)
    render there too."""
    cells = [
        "from afn_widget import AFNView, AFNCompare\n"
        "view = AFNView('The scientists celebrated their remarkable discovery in the lab.', "
        "scores=('tas', 'attention'), layer=3)\nview",
        "print('SCORE', view.score)",
        "view.compare_score = 'attention'",
        "pair = AFNCompare('The keys to the cabinet are on the table.', "
        "'The key to the cabinet is on the table.')\npair",
    ]
    context, page = _open_notebook(afn_browser, lab, "scores.ipynb", cells)
    try:
        out = page.locator(".jp-Notebook .jp-Cell").nth(0).locator(".jp-OutputArea")
        spans = out.locator(".afn-text .afn-tok:not(.afn-special)")
        before = [s.evaluate("e => getComputedStyle(e).backgroundColor") for s in spans.all()]
        out.locator("select.afn-score").select_option("attention")
        page.wait_for_function(
            """([sel, before]) => {
                const spans = [...document.querySelectorAll(sel)];
                return spans.some((e, i) => getComputedStyle(e).backgroundColor !== before[i]);
            }""",
            arg=[".jp-Cell:first-child .afn-text .afn-tok:not(.afn-special)", before],
            timeout=30_000,
        )
        assert out.locator(".afn-brand").first.text_content() == "attention"
        assert _kernel_says(page, 1, "SCORE") == "attention"
        _run_cell(page, 2)
        out.locator(".afn-pane-beside").wait_for(timeout=30_000)
        assert out.locator(".afn-root").count() == 2
        ARTIFACTS.mkdir(exist_ok=True)
        out.screenshot(path=str(ARTIFACTS / "jupyterlab-pane-beside.png"))
        _run_cell(page, 3)
        pair = page.locator(".jp-Notebook .jp-Cell").nth(3).locator(".jp-OutputArea")
        pair.locator(".afn-tok.afn-diff").first.wait_for(timeout=120_000)
        assert pair.locator(".afn-root").count() == 2
        marked = sorted(m.text_content() for m in pair.locator(".afn-tok.afn-diff").all())
        assert marked == ["are", "is", "key", "keys"]
        pair.screenshot(path=str(ARTIFACTS / "jupyterlab-compare.png"))
    finally:
        context.close()
    assert not page.afn_errors, page.afn_errors


# ------------------------------------------------------------------------------------------
# Run All: views computing at once in one kernel
# ------------------------------------------------------------------------------------------
RUN_ALL_SETUP = """\
import numpy as np, torch, transformers as T
from afn_widget import AFNView, analyze
from afn_widget.models import bundled_model_path
tok = T.AutoTokenizer.from_pretrained(str(bundled_model_path()))
torch.manual_seed(0)
cfg = T.LlamaConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2,
    num_attention_heads=4, num_key_value_heads=2, intermediate_size=64,
    max_position_embeddings=128)
dec = T.LlamaForCausalLM(cfg).eval()  # a decoder given with its LM head
with torch.no_grad():
    for m in dec.modules():
        if 'Norm' in type(m).__name__:
            m.weight.copy_(1 + 0.5 * torch.randn(m.weight.shape))
S = ('tas', 'attention', 'attn_norm')
"""


def test_run_all_draws_every_view_with_the_numbers_of_lone_calls(lab, afn_browser):
    """Run All starts two score views of the default model and a decoder view at once (each
    computes in a thread of its own): every view draws, and every result equals the same
    call made alone."""
    cells = [
        RUN_ALL_SETUP,
        "a = AFNView('The cat sat on the mat.', scores=S, score='attn_norm')\na",
        "b = AFNView('The dog lay by the door while the cat slept soundly.', scores=S)\nb",
        "c = AFNView('A small decoder reads this sentence.', model=(dec, tok), scores=S)\nc",
        "same = []\n"
        "for v, m in ((a, None), (b, None), (c, (dec, tok))):\n"
        "    v.wait(120)\n"
        "    lone = analyze(v.text, m, scores=S)\n"
        "    same += [np.array_equal(v.result.score(s), lone.score(s), equal_nan=True)\n"
        "             for s in S]\n"
        "print('SAME', all(same), len(same))",
    ]
    root, url, token = lab
    (root / "runall.ipynb").write_text(json.dumps(_notebook(cells)))
    context = afn_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{url}/lab/workspaces/runall/tree/runall.ipynb?token={token}&reset")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.wait_for_selector("text=| Idle", timeout=90_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        out = page.locator(".jp-OutputArea-output pre", has_text=re.compile("^SAME "))
        out.first.wait_for(timeout=180_000)
        assert out.first.text_content().split() == ["SAME", "True", "9"]
        cells_el = page.locator(".jp-Notebook .jp-Cell")
        for k in (1, 2, 3):
            view = cells_el.nth(k).locator(".jp-OutputArea")
            view.locator(".afn-tok.afn-high").first.wait_for(state="attached", timeout=60_000)
            assert not view.locator(".afn-error").filter(has_text=re.compile(r"\S")).count(), k
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-run-all.png"), full_page=True)
    finally:
        context.close()
    assert not errors, errors


def test_notebook_7_draws_a_view_that_follows_python(lab, afn_browser):
    """Notebook 7 (the same server, its own single-document page) draws a view, and a layer
    set from Python re-colours it."""
    root, url, token = lab
    cells = [
        "from afn_widget import AFNView\n"
        "view = AFNView('The scientists celebrated their remarkable discovery in the lab.')\n"
        "view",
        "view.wait(120)\nview.layer = 2\nprint('layer', view.layer)",
    ]
    (root / "nb7.ipynb").write_text(json.dumps(_notebook(cells)))
    context = afn_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e) + (e.stack or "")))
    try:
        page.goto(f"{url}/notebooks/nb7.ipynb?token={token}")
        page.wait_for_selector("#main-panel .jp-Notebook .jp-Cell", timeout=90_000)
        _run_cell(page, 0)
        page.wait_for_selector(
            ".jp-OutputArea .afn-tok.afn-high", state="attached", timeout=120_000
        )
        tokens = page.locator(".jp-OutputArea .afn-tok")
        before = [
            tokens.nth(i).evaluate("e => getComputedStyle(e).backgroundColor")
            for i in range(tokens.count())
        ]
        assert len(before) >= 8 and len(set(before)) > 3
        _run_cell(page, 1)
        page.wait_for_selector("text=layer 2", timeout=60_000)
        page.wait_for_function(
            """(before) => {
                const spans = [...document.querySelectorAll('.jp-OutputArea .afn-tok')];
                return spans.some((e, i) => getComputedStyle(e).backgroundColor !== before[i]);
            }""",
            arg=before,
            timeout=30_000,
        )
        assert page.locator(".jp-OutputArea input[type=range]").first.input_value() == "2"
        page.screenshot(path=str(SHOTS / "notebook7-widget.png"), full_page=True)
    finally:
        context.close()
    # Notebook 7's own shell (its bundle under /static/notebook/) throws once while it loads a
    # settings schema, with or without a widget; what is left is the page's other errors
    assert not [e for e in errors if "/static/notebook/" not in e], errors
