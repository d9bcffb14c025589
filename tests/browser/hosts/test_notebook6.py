"""Views in the classic Notebook 6 with ipywidgets 7: the frontend a Colab-like runtime has.

The server and its kernel run in ``widgets7_env`` (ipywidgets 7.7.1, traitlets 5.7.1,
Notebook 6.5 and its widgetsnbextension 3; the anywidget nbextension draws the views), headless
on 127.0.0.1 with a token, offline, so the default model falls back to the bundled MiniLM.
In Chromium: a view of a text is drawn as coloured words, each word's colour, outline and
HIGH bucket equal to a numpy computation here from the numbers the kernel prints; the layer set
from Python re-colours it; the score picked in the browser reaches the kernel and re-colours it;
a view made ``from_result`` and an ``AFNCompare`` are drawn too. Screenshots go to
``artifacts/`` (or ``$AFN_SHOTS``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.browser.conftest import Reference
from tests.browser.hosts.conftest import enabled_nbextensions
from tests.browser.test_jupyterlab import SHOTS, _free_port, _notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOKEN = "afn-notebook6-token"
SHORT = "The scientists celebrated their remarkable discovery in the lab."
SMALL = "Small models can still surprise everyone."
PAIR = ("The keys to the cabinet are on the table.", "The key to the cabinet is on the table.")

# In the kernel: what a result shows at its settings, for the numpy computation here.
SETUP = """\
import json
import ipywidgets, traitlets
import numpy as np
from afn_widget import AFNCompare, AFNView, analyze

def said(r, layer, score='tas'):
    w = r.words
    return json.dumps({'values': np.asarray(r.score(score)[layer], float).tolist(),
                       'pieces': [list(map(int, p)) for p in w.pieces], 'roles': list(w.roles),
                       'text': list(w.text), 'quantile': r.quantile})

print('VERSIONS', ipywidgets.__version__, traitlets.__version__)
"""

# A view's words as drawn (specials hidden): word index, text, colour, outlined or not.
UNITS_JS = """(root) => [...root.querySelectorAll('.afn-text .afn-tok')]
  .filter((e) => e.getClientRects().length > 0)
  .map((e) => ({ i: +e.dataset.i, text: e.textContent, bg: getComputedStyle(e).backgroundColor,
                 high: e.classList.contains('afn-high'),
                 outlined: getComputedStyle(e).outlineStyle !== 'none' }))"""

# The kernel connected and the widget manager listening for the kernel's widgets.
READY_JS = """() => {
  const k = window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel;
  return !!(k && k.is_connected() && k.comm_manager.targets['jupyter.widget']);
}"""


@pytest.fixture(scope="module")
def notebook6(tmp_path_factory, widgets7_env, afn_browser):
    """The classic Notebook server of ``widgets7_env`` on 127.0.0.1: (url, notebook folder)."""
    root = tmp_path_factory.mktemp("notebook6")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONWARNINGS="ignore",
        JUPYTER_CONFIG_DIR=str(root / ".jupyter"), JUPYTER_DATA_DIR=str(root / ".data"),
        JUPYTER_RUNTIME_DIR=str(root / ".runtime"),
        PATH=f"{widgets7_env.bin}{os.pathsep}{env.get('PATH', '')}",
    )  # fmt: skip
    enabled = enabled_nbextensions(widgets7_env.bin / "jupyter", env)
    assert {"anywidget/extension", "jupyter-js-widgets/extension"} <= enabled, enabled
    log = open(root / "notebook.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            str(widgets7_env.python), "-m", "notebook", "--no-browser", "--allow-root",
            f"--port={port}", "--ip=127.0.0.1", f"--NotebookApp.token={TOKEN}",
            f"--notebook-dir={root}",
        ],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(url, proc, root / "notebook.log")
        yield url, root
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _wait_for_server(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("Notebook exited: " + log.read_text()) from None
            time.sleep(0.5)
    raise RuntimeError("Notebook did not start: " + log.read_text())


class Notebook:
    """A notebook open in Notebook 6; cells added and run through its ``Jupyter`` object."""

    def __init__(self, page, url: str) -> None:
        self.page = page
        self.url = url

    def cell(self, index: int):
        return self.page.locator("#notebook-container > .cell").nth(index)

    def run(self, code: str) -> int:
        """Add a cell of ``code`` at the bottom, run it; its index."""
        return self.page.evaluate(
            """(code) => {
                const cell = Jupyter.notebook.insert_cell_at_bottom('code');
                cell.set_text(code);
                cell.execute();
                return Jupyter.notebook.find_cell_index(cell);
            }""",
            code,
        )

    def says(self, code: str, prefix: str, timeout: float = 120_000) -> str:
        """Run ``code``; the rest of its first output line that starts with ``prefix``."""
        cell = self.cell(self.run(code))
        out = cell.locator(".output_area pre", has_text=re.compile(f"^{prefix} ", re.M))
        out.first.wait_for(timeout=timeout)
        (line,) = re.findall(f"^{prefix} (.*)$", out.first.text_content(), re.M)
        return line.strip()

    def view(self, index: int):
        """The (first) drawn view of cell ``index``, once its words are outlined."""
        root = self.cell(index).locator(".afn-root").first
        root.locator(".afn-tok.afn-high").first.wait_for(state="attached", timeout=180_000)
        return root

    def units(self, root) -> list[dict[str, Any]]:
        return root.evaluate(UNITS_JS)


def _expected(data: dict[str, Any]) -> dict[str, Any]:
    """The words shown (specials hidden), each word's value the mean of its tokens' (stored as
    float32, as sent), its colour viridis over the shown min..max, HIGH at numpy's linear
    quantile of the shown words' values, as :class:`Reference` computes them."""
    values = np.asarray(data["values"], dtype=np.float64)
    words = np.array([float(np.float32(values[p].mean())) for p in data["pieces"]])
    eligible = np.array([r != "special" for r in data["roles"]]) & ~np.isnan(words)
    threshold = float(np.quantile(words[eligible], data["quantile"]))
    high = eligible & (words >= threshold)
    colours = Reference.viridis_rgb(words, eligible)
    shown = np.flatnonzero(eligible)
    return {
        "i": shown.tolist(),
        "text": [data["text"][i] for i in shown],
        "high": sorted(np.flatnonzero(high).tolist()),
        "bg": [f"rgb{colours[i]}" for i in shown],
    }


def _assert_drawn(units: list[dict[str, Any]], data: dict[str, Any]) -> None:
    want = _expected(data)
    assert [u["i"] for u in units] == want["i"]
    assert [u["text"] for u in units] == want["text"]
    assert sorted(u["i"] for u in units if u["high"]) == want["high"]
    assert all(u["outlined"] == u["high"] for u in units), units
    assert [u["bg"] for u in units] == want["bg"]


@pytest.fixture(scope="module")
def notebook(notebook6, afn_browser):
    """Chromium showing a notebook with :data:`SETUP` run in its kernel."""
    url, root = notebook6
    (root / "views.ipynb").write_text(json.dumps(_notebook([SETUP])))
    context = afn_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.afn_errors = []
    page.on("pageerror", lambda e: page.afn_errors.append(str(e)))
    page.goto(f"{url}/notebooks/views.ipynb?token={TOKEN}", timeout=90_000)
    page.wait_for_function(READY_JS, timeout=90_000)
    nb = Notebook(page, url)
    page.evaluate("Jupyter.notebook.execute_cells([0])")
    nb.cell(0).locator(".output_area pre", has_text="VERSIONS").wait_for(timeout=120_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield nb
    context.close()


def test_notebook6_runs_colabs_widget_versions(notebook):
    versions = notebook.cell(0).locator(".output_area pre", has_text="VERSIONS")
    assert versions.text_content().split() == ["VERSIONS", "7.7.1", "5.7.1"]
    # the server is Notebook 6 (its page the classic frontend, whose assets nbclassic holds)
    with urllib.request.urlopen(f"{notebook.url}/api?token={TOKEN}", timeout=10) as resp:
        assert json.load(resp)["version"].startswith("6."), resp
    assert notebook.page.evaluate("typeof Jupyter.notebook.insert_cell_at_bottom") == "function"


def test_a_view_draws_follows_python_and_its_score_reaches_the_kernel(notebook):
    page = notebook.page
    cell = notebook.run(f"view = AFNView({SHORT!r}, scores=('tas', 'attention'))\nview")
    root = notebook.view(cell)
    data = json.loads(
        notebook.says("view.wait(120)\nprint('DATA', said(view.result, view.layer))", "DATA")
    )
    _assert_drawn(notebook.units(root), data)
    assert len({u["bg"] for u in notebook.units(root)}) > 3, "words in different colours"
    notebook.cell(cell).screenshot(path=str(SHOTS / "notebook6-view.png"))

    # the layer set from Python re-colours the words
    before = [u["bg"] for u in notebook.units(root)]
    assert notebook.says("view.layer = 2\nprint('LAYER', view.layer)", "LAYER") == "2"
    page.wait_for_function(
        f"(root) => ({UNITS_JS})(root).some((u, i) => u.bg !== {json.dumps(before)}[i])",
        arg=root.element_handle(),
        timeout=30_000,
    )
    assert root.locator("input.afn-layer").input_value() == "2"
    _assert_drawn(
        notebook.units(root),
        json.loads(notebook.says("print('DATA', said(view.result, 2))", "DATA")),
    )
    notebook.cell(cell).screenshot(path=str(SHOTS / "notebook6-view-layer2.png"))

    # the score picked in the browser reaches the kernel and re-colours the words
    root.locator("select.afn-score").select_option("attention")
    page.wait_for_function(
        "(root) => root.querySelector('.afn-brand').textContent === 'attention'",
        arg=root.element_handle(),
        timeout=30_000,
    )
    assert notebook.says("print('SCORE', view.score)", "SCORE") == "attention"
    data = json.loads(notebook.says("print('DATA', said(view.result, 2, 'attention'))", "DATA"))
    _assert_drawn(notebook.units(root), data)
    notebook.cell(cell).screenshot(path=str(SHOTS / "notebook6-view-attention.png"))
    assert not page.afn_errors, page.afn_errors


def test_a_view_from_a_result_draws(notebook):
    cell = notebook.run(f"small = AFNView.from_result(analyze({SMALL!r}, layer=3))\nsmall")
    root = notebook.view(cell)
    data = json.loads(notebook.says("print('DATA', said(small.result, 3))", "DATA"))
    _assert_drawn(notebook.units(root), data)
    notebook.cell(cell).screenshot(path=str(SHOTS / "notebook6-from-result.png"))
    assert not notebook.page.afn_errors, notebook.page.afn_errors


def test_a_comparison_draws_both_panes_and_marks_the_differing_words(notebook):
    cell = notebook.run(f"pair = AFNCompare({PAIR[0]!r}, {PAIR[1]!r})\npair")
    out = notebook.cell(cell)
    out.locator(".afn-tok.afn-diff").first.wait_for(timeout=180_000)
    panes = out.locator(".afn-root")
    assert panes.count() == 2
    code = (
        "a, b = pair.results\n"
        "print('DIFF', json.dumps(sorted([a.words.text[i] for i in pair.differ_a]"
        " + [b.words.text[i] for i in pair.differ_b])))"
    )
    diff = json.loads(notebook.says(code, "DIFF"))
    assert sorted(m.text_content() for m in out.locator(".afn-tok.afn-diff").all()) == diff
    code = "print('PANES', json.dumps([said(a, a.layer), said(b, b.layer)]))"
    for k, data in enumerate(json.loads(notebook.says(code, "PANES"))):
        _assert_drawn(notebook.units(panes.nth(k)), json.loads(data))
    # tall enough for both panes whole, below the notebook's header
    notebook.page.set_viewport_size({"width": 1280, "height": 1500})
    out.evaluate("(e) => e.scrollIntoView({block: 'start'})")
    out.screenshot(path=str(SHOTS / "notebook6-compare.png"))
    notebook.page.screenshot(path=str(SHOTS / "notebook6-page.png"))
    assert not notebook.page.afn_errors, notebook.page.afn_errors
