"""`afn-widget export` waits for the views still computing when the notebook's last cell has
run (the README's three lines, with no ``view.wait()``), and exports a comparison live."""

from __future__ import annotations

import os

import nbformat
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _export(tmp_path, source: str, **options):
    from afn_widget.notebook import export_notebook

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import os\nos.environ['HF_HUB_OFFLINE'] = '1'\n" + source)
    ]
    path = tmp_path / "exported.ipynb"
    nbformat.write(nb, path)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    lines = []
    out = export_notebook(path, say=lines.append, **options)
    return out.read_text(encoding="utf-8"), lines


def test_the_readme_example_exports_its_words(tmp_path, minilm_path, open_html):
    text = "The scientists celebrated their remarkable discovery."
    doc, lines = _export(
        tmp_path,
        # the README's lines, the view last so that the cell shows it
        "from afn_widget import AFNView, analyze\n"
        f"print(analyze({text!r}, {str(minilm_path)!r}).summary())\n"
        f"AFNView({text!r}, model={str(minilm_path)!r})",
    )
    assert any("waiting for 1 view still computing" in line for line in lines), lines
    assert "still computing when the page was made" not in doc
    page = open_html(doc)
    frame = page.frame_locator("iframe")
    tokens = frame.locator(".afn-text .afn-tok")
    tokens.first.wait_for(state="attached", timeout=30_000)
    assert text.replace(" ", "") in "".join(tokens.all_text_contents()).replace(" ", "")
    coloured = frame.locator(".afn-text .afn-tok[class*='afn-c']")
    assert coloured.count() > 0
    assert page.afn_log.foreign_requests({"http://afn.test/view.html"}) == []


def test_a_comparison_exports_live(tmp_path, minilm_path, open_html):
    doc, _ = _export(
        tmp_path,
        "from afn_widget import AFNCompare\n"
        f"AFNCompare('The cat sat.', 'The dog sat.', model={str(minilm_path)!r})",
    )
    assert "AFNCompare(" not in doc
    page = open_html(doc)
    frame = page.frame_locator("iframe")
    frame.locator(".afn-text .afn-tok").first.wait_for(state="attached", timeout=30_000)
    panes = frame.locator(".afn-text")
    assert panes.count() == 2
    words = [panes.nth(i).locator(".afn-tok").all_text_contents() for i in range(2)]
    assert "cat" in "".join(words[0]) and "dog" in "".join(words[1])
    # hovering a word marks its counterpart in the other pane: the comparison runs live
    frame.locator(".afn-pane:nth-child(1) .afn-text .afn-tok", has_text="sat").first.hover()
    linked = frame.locator(".afn-pane:nth-child(2) .afn-tok.afn-linked")
    assert linked.all_text_contents() == ["sat"]
    assert page.afn_log.foreign_requests({"http://afn.test/view.html"}) == []
