"""A notebook saved after its views finished, converted to HTML by ``nbconvert`` and opened
offline: each view shows as its picture."""

from __future__ import annotations

import base64

import pytest

from tests.test_saved_notebooks import compare_cell, executed, png_size, shown, view_cell

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("cell", [view_cell, compare_cell], ids=["view", "compare"])
def test_a_saved_notebook_as_html_shows_the_picture(
    cell, tmp_path, monkeypatch, minilm_path, open_html
):
    from nbconvert import HTMLExporter

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # saved as JupyterLab saves by default, without the widgets' state: nbconvert then shows
    # the best of the other outputs (with the state, it shows the widget, which needs a CDN)
    nb = executed(tmp_path, cell(minilm_path), store_widget_state=False)
    width, _ = png_size(base64.b64decode(shown(nb)["image/png"]))
    doc, _ = HTMLExporter().from_notebook_node(nb)
    page = open_html(doc)
    img = page.locator(".jp-OutputArea-output img").first
    img.wait_for(state="attached", timeout=30_000)
    page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=img.element_handle())
    assert img.evaluate("el => el.naturalWidth") == width
    assert img.evaluate("el => el.src").startswith("data:image/png;base64,")
