"""`afn-widget export`: a notebook as one offline page, its views live; and the view's picture
beside the widget for viewers without it."""

from __future__ import annotations

import os

import nbformat
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_exported_notebook_shows_its_views_offline(tmp_path, minilm_path, open_html):
    from afn_widget.notebook import export_notebook

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A view, exported\n\nInline math stays as typed: $x^2$."),
        nbformat.v4.new_code_cell(
            "import os\nos.environ['HF_HUB_OFFLINE'] = '1'\n"
            "from afn_widget import AFNView\n"
            f"view = AFNView('Exported <b>views</b> stay live.', model={str(minilm_path)!r})\n"
            "view.wait(120)"
        ),
    ]
    path = tmp_path / "exported.ipynb"
    nbformat.write(nb, path)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out = export_notebook(path)
    doc = out.read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-view+json" not in doc
    page = open_html(doc)
    frame = page.frame_locator("iframe")
    frame.locator(".afn-text .afn-tok").first.wait_for(state="attached", timeout=30_000)
    words = frame.locator(".afn-text .afn-tok").all_text_contents()
    assert "<b>" in "".join(words)  # the typed markup shows as text
    assert frame.locator(".afn-text b").count() == 0  # and never becomes an element
    assert frame.locator(".afn-text .afn-high").count() > 0
    assert page.afn_log.foreign_requests({"http://afn.test/view.html"}) == []
    assert page.evaluate("window.__pwned") is None
