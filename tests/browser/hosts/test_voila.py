"""Views in a real Voilà dashboard: a notebook served as a page, its code hidden.

Voilà executes the notebook when the page is asked for, streams the outputs, and only then
connects the page to the kernel, so an ``AFNView`` whose analysis is still running when the page
arrives must be drawn from the state the page fetches then and the updates that follow. The
notebook here holds the default model's forward pass until the test opens a gate file, so both
of its views are certainly still computing when Voilà renders them. Then the page is checked
against an independent analysis in this process: every word drawn, its colour, the HIGH words
outlined, the layer slider re-colouring the text, the tooltip on hover with the top dims the
kernel sends, no error output, and the widget following Voilà's dark theme. Screenshots go to
``artifacts/`` (or ``$AFN_SHOTS``).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget.models import bundled_model_path, load_model
from afn_widget.payload import percent
from tests.browser.conftest import Reference
from tests.browser.test_jupyterlab import SHOTS, _free_port, _notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOKEN = "afn-voila-token"
SHORT = "The scientists celebrated their remarkable discovery in the lab."
LONG = (
    "Voilà turns a notebook into a page: it runs every cell, keeps the outputs and hides the "
    "code. The first view is short, this one is longer, and both were still waiting for the "
    "model when the page arrived, so the browser drew them from the state it asked for later. "
    "Nobody expected the results to be clear, but they were, and everybody went home happy."
)
FOCUS = "discovery"  # a word of SHORT that is one token: its tooltip shows that token's dims

# The notebook: the default model (offline, the bundled one) held before its forward pass until
# the gate file exists, then two views of texts of different lengths, each last in its cell.
SETUP = """\
import time
from pathlib import Path
from afn_widget import AFNView
from afn_widget.models import load_model
GATE = Path({gate!r})

def hold(module, args):
    while not GATE.exists():
        time.sleep(0.05)

held = load_model(warn=False).model.register_forward_pre_hook(hold)
"""

# A view's words as drawn (specials hidden): word index, text, colour, outlined or not.
UNITS_JS = """(root) => [...root.querySelectorAll('.afn-text .afn-tok')]
  .filter((e) => e.getClientRects().length > 0)
  .map((e) => ({ i: +e.dataset.i, text: e.textContent,
                 bg: getComputedStyle(e).backgroundColor,
                 outlined: getComputedStyle(e).outlineStyle !== 'none' }))"""

# Both views on the page, still computing: busy, no words yet.
BOTH_COMPUTING_JS = """() => {
  const roots = [...document.querySelectorAll('.afn-root')];
  return roots.length === 2 && roots.every((r) => r.classList.contains('afn-busy')
    && r.querySelectorAll('.afn-tok').length === 0);
}"""

# Both views drawn: words outlined, no longer busy.
BOTH_DRAWN_JS = """() => {
  const roots = [...document.querySelectorAll('.afn-root')];
  return roots.length === 2 && roots.every((r) => !r.classList.contains('afn-busy')
    && r.querySelector('.afn-tok.afn-high'));
}"""

# What each view shows while it is not drawn: its status line, its error.
STATUS_JS = """() => [...document.querySelectorAll('.afn-root')].map((r) => ({
  busy: r.classList.contains('afn-busy'), nodata: r.classList.contains('afn-nodata'),
  words: r.querySelectorAll('.afn-tok').length, text: r.innerText.slice(0, 300) }))"""

# Error output of any kind: Voilà's stderr and traceback outputs (shown with show_tracebacks),
# and a view's own error line.
ERRORS_JS = """() => [
  ...[...document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')]
    .map((e) => 'stderr: ' + e.textContent),
  ...[...document.querySelectorAll('.afn-error')].map((e) => e.textContent.trim())
    .filter((t) => t).map((t) => 'view: ' + t),
]"""

# The height of Voilà's page: it scrolls in a panel of its own, not the window.
PAGE_HEIGHT_JS = """() => {
  let h = document.body.scrollHeight;
  for (let e = document.querySelector('.afn-root'); e; e = e.parentElement)
    h = Math.max(h, e.getBoundingClientRect().top + e.scrollHeight);
  return h;
}"""

# The colours a view's frame and tooltip take from the host's theme.
THEMED_JS = """(root) => ({
  fg: getComputedStyle(root).color,
  tip: getComputedStyle(root.querySelector('.afn-tooltip')).backgroundColor,
  page: getComputedStyle(document.body).backgroundColor,
})"""

# A view wider than its frame: its own scroll width, and words outside its box.
OVERFLOW_JS = """(root) => {
  const box = root.getBoundingClientRect();
  const out = [...root.querySelectorAll('.afn-text .afn-tok')]
    .filter((e) => e.getClientRects().length > 0)
    .filter((e) => { const r = e.getBoundingClientRect();
                     return r.left < box.left - 1 || r.right > box.right + 1; });
  return { extra: root.scrollWidth - root.clientWidth, outside: out.map((e) => e.textContent) };
}"""


@pytest.fixture(scope="module")
def voila(tmp_path_factory, afn_browser):
    """A Voilà server on 127.0.0.1 serving the two-view notebook; (url, gate file)."""
    root = tmp_path_factory.mktemp("voila")
    gate = root / "go"
    cells = [
        SETUP.format(gate=str(gate)),
        f"short = AFNView({SHORT!r})\nshort",
        f"long = AFNView({LONG!r})\nlong",
    ]
    (root / "views.ipynb").write_text(json.dumps(_notebook(cells)))
    port = _free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "JUPYTER_CONFIG_DIR": str(root / ".jupyter"),
    }
    log = open(root / "voila.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voila",
            "views.ipynb",
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
            f"--token={TOKEN}",
            "--show_tracebacks=True",  # stderr and tracebacks reach the page, where we look
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
    )
    _wait_for_port(port, proc, root / "voila.log")
    yield f"http://127.0.0.1:{port}", gate
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def analyses():
    """The same texts analysed here with the model the notebook falls back to."""
    mini = load_model(str(bundled_model_path()))
    return analyze(SHORT, mini), analyze(LONG, mini)


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    """Until the server listens (a request for the page would start a kernel)."""
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("Voilà exited: " + log.read_text())
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("Voilà did not start: " + log.read_text())


class PageLog:
    """Uncaught page errors, console errors and failed requests of a Voilà page."""

    def __init__(self, page, origin: str) -> None:
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.origin = origin
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("requestfailed", lambda r: self.failed.append(r.url))

    def ours(self) -> list[str]:
        """What went wrong that is ours: page errors, console errors that name the widget,
        and failed requests to the server (Voilà's page also asks a CDN for an icon font,
        which fails offline)."""
        named = [e for e in self.console_errors if re.search("afn|anywidget", e, re.I)]
        local = [u for u in self.failed if u.startswith(self.origin)]
        return self.page_errors + named + local


def _open(afn_browser, url: str, width: int = 1280, theme: str = "light"):
    context = afn_browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log = PageLog(page, url)
    page.goto(f"{url}/?token={TOKEN}&theme={theme}", timeout=180_000)
    return context, page, log


class Split(NamedTuple):
    values: np.ndarray
    eligible: np.ndarray
    threshold: float
    high: np.ndarray


def _words_at(result, layer: int) -> Split:
    """The words at ``layer``: a word's value is the mean of its pieces' norms (stored as
    float32, as sent); eligible = not special; the threshold numpy's linear quantile of the
    eligible values; HIGH = eligible and value >= threshold."""
    norms = result.layer_norms[layer].astype(np.float64)
    words = result.words
    values = np.array([float(np.float32(norms[p].mean())) for p in words.pieces])
    eligible = np.array([r != "special" for r in words.roles])
    threshold = float(np.quantile(values[eligible], result.quantile))
    return Split(values, eligible, threshold, eligible & (values >= threshold))


def _lut_index(rgb: tuple[int, ...]) -> int:
    """The viridis entry nearest to a colour."""
    import matplotlib

    lut = np.round(matplotlib.colormaps["viridis"](np.arange(256))[:, :3] * 255)
    return int(np.abs(lut - np.asarray(rgb)).sum(axis=1).argmin())


def _rgb(css: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", css)[:3])


def _luminance(css: str) -> float:
    """WCAG relative luminance of a CSS rgb() colour."""
    c = np.asarray(_rgb(css)) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def _shoot(page, name: str, width: int) -> None:
    """A screenshot of the whole page at ``width``: the window made as tall as the page."""
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(300)
    height = int(page.evaluate(PAGE_HEIGHT_JS)) + 20
    page.set_viewport_size({"width": width, "height": max(900, height)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / name))


def _fits(page) -> None:
    """Every view fits its frame at the window's width: no sideways scrolling, no word
    outside its box."""
    for root in page.locator(".afn-root").all():
        geo = root.evaluate(OVERFLOW_JS)
        assert geo["extra"] <= 1 and not geo["outside"], geo


def _assert_drawn_as_analysed(root, result, layer: int) -> None:
    """The view's words are the analysis's non-special words, each coloured by viridis over the
    eligible min..max (within one of 256 entries: the kernel's forward pass may differ from
    this process's in the last bits), outlined exactly when HIGH."""
    units = root.evaluate(UNITS_JS)
    at = _words_at(result, layer)
    texts = result.words.text
    assert [u["text"] for u in units] == [texts[i] for i in np.flatnonzero(at.eligible)]
    want = Reference.viridis_rgb(at.values, at.eligible)
    for u in units:
        assert abs(_lut_index(_rgb(u["bg"])) - _lut_index(want[u["i"]])) <= 1, (u, want[u["i"]])
    assert sorted(u["i"] for u in units if u["outlined"]) == np.flatnonzero(at.high).tolist()
    shown = root.locator("[data-field=threshold]").first.text_content()
    assert abs(float(shown) - at.threshold) <= 1e-3, (shown, at.threshold)


def _hover_shows_tooltip(page, root, result) -> None:
    """Hovering FOCUS shows its tooltip: the word, its TAS, and the top dims the kernel
    sends on request, equal to this process's ``top_dims_of`` for its token."""
    values = _words_at(result, result.layer).values
    w = result.words.text.index(FOCUS)
    root.locator(".afn-tok", has_text=FOCUS).first.hover()
    tip = root.locator(".afn-tooltip")
    tip.wait_for(state="visible")
    assert tip.locator(".afn-tt-text").text_content() == FOCUS
    assert tip.locator("[data-field=tas]").text_content() == f"{values[w]:.3f}"
    dims, share = result.top_dims_of(result.tokens.index(FOCUS))
    layer = result.layer
    want = [f"d{d}:{p}%" for d, p in zip(dims[layer], percent(share[layer]), strict=True)]
    rows = tip.locator(".afn-tt-dim")
    rows.nth(len(want) - 1).wait_for(timeout=30_000)
    shown = [
        f"{r.locator('.afn-tt-dim-id').text_content()}:"
        f"{r.locator('.afn-tt-dim-share').text_content()}"
        for r in rows.all()
    ]
    assert shown == want


def _wait(page, condition: str, name: str) -> None:
    """Until ``condition`` holds on the page; if it never does, a screenshot and what each
    view shows."""
    try:
        page.wait_for_function(condition, timeout=120_000)
    except Exception as exc:  # noqa: BLE001 - re-raised with what the page shows
        page.screenshot(path=str(SHOTS / f"voila-{name}-failed.png"))
        raise AssertionError(f"{name}: {page.evaluate(STATUS_JS)}") from exc


def _eventually(check, seconds: float = 10) -> None:
    """``check()`` passes within ``seconds`` (words out of sight are re-coloured in the
    background)."""
    deadline = time.time() + seconds
    while True:
        try:
            check()
            return
        except AssertionError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def test_views_computing_when_voila_renders_finish_and_respond(voila, afn_browser, analyses):
    """Both views still computing when Voilà renders them; once the model runs, each draws
    the analysis's words and colours, the layer slider re-colours one view only, hovering
    shows the tooltip with the kernel's top dims, and there is no error output."""
    url, gate = voila
    gate.unlink(missing_ok=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    short, long = analyses
    context, page, log = _open(afn_browser, url)
    try:
        _wait(page, BOTH_COMPUTING_JS, "computing")
        page.screenshot(path=str(SHOTS / "voila-computing.png"))
        gate.touch()
        _wait(page, BOTH_DRAWN_JS, "drawn")
        roots = page.locator(".afn-root")
        for root, result in zip(roots.all(), analyses, strict=True):
            _assert_drawn_as_analysed(root, result, result.layer)

        before = [u["bg"] for u in roots.nth(1).evaluate(UNITS_JS)]
        roots.nth(1).locator(".afn-layer").fill("2")
        _eventually(lambda: _assert_drawn_as_analysed(roots.nth(1), long, 2))
        assert [u["bg"] for u in roots.nth(1).evaluate(UNITS_JS)] != before
        _assert_drawn_as_analysed(roots.nth(0), short, short.layer)  # the other view as it was

        _hover_shows_tooltip(page, roots.nth(0), short)
        page.screenshot(path=str(SHOTS / "voila-light-tooltip.png"))
        assert page.evaluate(ERRORS_JS) == []
        page.mouse.move(0, 0)
        for width in (1280, 420):
            _shoot(page, f"voila-light-{width}.png", width)
            _fits(page)
    finally:
        context.close()
    assert log.ours() == [], log.ours()


def test_views_follow_voilas_dark_theme(voila, afn_browser, analyses):
    """With ``?theme=dark`` the views' text and tooltip turn light-on-dark while the token
    colours stay the analysis's; they fit a normal and a narrow window."""
    url, gate = voila
    gate.touch()
    SHOTS.mkdir(parents=True, exist_ok=True)
    short, _ = analyses
    context, page, log = _open(afn_browser, url, theme="dark")
    try:
        page.wait_for_selector("body[data-jp-theme-light='false']", state="attached")
        _wait(page, BOTH_DRAWN_JS, "drawn")
        root = page.locator(".afn-root").first
        _assert_drawn_as_analysed(root, short, short.layer)
        _hover_shows_tooltip(page, root, short)
        themed = root.evaluate(THEMED_JS)
        assert _luminance(themed["fg"]) > 0.5, themed  # light text
        assert _luminance(themed["tip"]) < 0.1 and _luminance(themed["page"]) < 0.1, themed
        page.screenshot(path=str(SHOTS / "voila-dark-tooltip.png"))
        assert page.evaluate(ERRORS_JS) == []
        page.mouse.move(0, 0)
        for width in (1280, 420):
            _shoot(page, f"voila-dark-{width}.png", width)
            _fits(page)
    finally:
        context.close()
    assert log.ours() == [], log.ours()
