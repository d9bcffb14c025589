"""An exported notebook that tries to run script and fetch, opened from a file in Chromium with
no network: nothing of the notebook runs, no request leaves the page, and its views still
respond (a hovered word shows its tooltip)."""

from __future__ import annotations

import os

import nbformat
import pytest

from afn_widget.notebook import export_notebook
from tests.test_export_hostile import (
    HOSTILE_HTML,
    HOSTILE_MARKDOWN,
    PWN,
    VIEW_TEXTS,
    hostile_cells,
    model_of,
    saved_notebook,
    view_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_file(browser, path):
    """``path`` opened from the file system; every request other than the page itself is
    recorded and refused (data: URLs are not requests that leave the page)."""
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, offline=True)
    page = ctx.new_page()
    url = path.resolve().as_uri()
    page.requests, page.errors = [], []
    page.on("request", lambda r: r.url.startswith("data:") or page.requests.append(r.url))
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    ctx.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
    page.goto(url)
    return ctx, page, url


def pwned(page) -> list:
    """``window.__pwned`` in the page and in each of its frames."""
    return [frame.evaluate("window.__pwned") for frame in page.frames]


def assert_live_view(page, text: str) -> None:
    """The framed view of ``text`` is drawn and answers a hover with its tooltip."""
    frame = page.frame_locator(f"iframe[srcdoc*='{text.split()[1]}']")
    high = frame.locator(".afn-text .afn-tok.afn-high").first
    high.wait_for(state="attached", timeout=30_000)
    high.hover()
    tip = frame.locator(".afn-tooltip")
    tip.wait_for(state="visible", timeout=10_000)
    assert float(tip.locator("[data-field=tas]").text_content()) > 0
    assert tip.locator("[data-field=bucket]").text_content() == "HIGH"


def test_a_hostile_saved_notebook_runs_nothing_fetches_nothing_and_its_views_respond(
    tmp_path, afn_browser, tiny_bert
):
    nb = saved_notebook([view_of(t, tiny_bert) for t in VIEW_TEXTS], hostile_cells())
    model_of(nb, 1)["buffers"][0]["data"] = "@@ hostile state @@"  # the second view: skipped
    path = tmp_path / "hostile.ipynb"
    nbformat.write(nb, path)
    with pytest.warns(UserWarning, match="saved state could not be read"):
        out = export_notebook(path, execute=False)

    ctx, page, url = open_file(afn_browser, out)
    try:
        assert_live_view(page, VIEW_TEXTS[0])
        note = page.locator(".afn-export-note")
        assert note.count() == 1 and "could not be read" in note.text_content()
        page.wait_for_timeout(500)  # anything late (a load event, a timer) had its chance
        assert pwned(page) == [None] * len(page.frames)
        assert [u for u in page.requests if u != url] == []
        assert page.errors == []  # nothing refused: the page asked for nothing, ran nothing
        # the harmless part of the notebook is there, the remote picture as its alt text
        assert page.locator("b", has_text="bold stays").count() == 1
        assert page.locator("img[alt='a remote picture']").count() == 2  # cell and output
    finally:
        ctx.close()


def test_a_hostile_notebook_executed_then_exported(tmp_path, afn_browser, minilm_path):
    """The same through a kernel: outputs the code displays, and a view it computes."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(HOSTILE_MARKDOWN),
        nbformat.v4.new_code_cell(
            "from IPython.display import HTML, Javascript, Markdown, display\n"
            f"display(HTML({HOSTILE_HTML!r}))\n"
            f"display(Javascript({PWN!r}))\n"
            f"display(Markdown({HOSTILE_MARKDOWN!r}))"
        ),
        nbformat.v4.new_code_cell(
            "import os\nos.environ['HF_HUB_OFFLINE'] = '1'\n"
            "from afn_widget import AFNView\n"
            f"view = AFNView({VIEW_TEXTS[0]!r}, model={str(minilm_path)!r})\n"
            "view.wait(120)\nview"
        ),
    ]
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out = export_notebook(path)

    ctx, page, url = open_file(afn_browser, out)
    try:
        assert_live_view(page, VIEW_TEXTS[0])
        page.wait_for_timeout(500)
        assert pwned(page) == [None] * len(page.frames)
        assert [u for u in page.requests if u != url] == []
        assert page.errors == []
    finally:
        ctx.close()
