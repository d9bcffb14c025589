"""Classroom mode and Escape in a real JupyterLab: Escape from the widget's slider, with nothing
to close, gives the focus to the cell around the view (the notebook in command mode), so the
notebook's own keys (j, the arrows) move between cells again. A screenshot goes to
``artifacts/`` (or ``$AFN_SHOTS``)."""

from __future__ import annotations

import pytest

from tests.browser.test_classroom import SHOTS
from tests.browser.test_jupyterlab import ACTIVE_CELL_JS, _open_notebook, lab  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FOCUSED_CELL_JS = """() => { const a = document.activeElement;
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
  return cells.indexOf(a); }"""


def test_escape_leaves_a_classroom_view_for_the_notebooks_keys(lab, afn_browser):  # noqa: F811
    cells = [
        "from afn_widget import AFNView\n"
        "view = AFNView('The scientists celebrated.', controls='simple')\nview",
        "x = 1",
        "y = 2",
    ]
    context, page = _open_notebook(afn_browser, lab, "classroom.ipynb", cells)
    try:
        out = page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-OutputArea")
        assert out.locator(".afn-plain").is_visible()
        out.locator("input.afn-layer").focus()
        page.keyboard.press("ArrowLeft")  # the slider's own key
        assert page.evaluate(ACTIVE_CELL_JS) == 0
        page.keyboard.press("Escape")
        assert page.evaluate(FOCUSED_CELL_JS) == 0  # the view's cell holds the focus
        page.wait_for_selector(".jp-Notebook.jp-mod-commandMode")
        page.keyboard.press("j")
        assert page.evaluate(ACTIVE_CELL_JS) == 1
        page.keyboard.press("ArrowDown")
        assert page.evaluate(ACTIVE_CELL_JS) == 2
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "classroom-jupyterlab.png"))
    finally:
        context.close()
    assert not page.afn_errors, page.afn_errors
