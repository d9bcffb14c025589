"""A notebook saved after its views finished shows them without a kernel: each view's output
holds a picture (``image/png``) and a plain text of its units, beside the widget."""

from __future__ import annotations

import base64
import io
import re

import nbformat
import pytest
from nbclient import NotebookClient

from afn_widget import analyze
from afn_widget.buckets import HIGH
from afn_widget.figure import render

pytestmark = pytest.mark.slow

TEXT = "The scientists celebrated their remarkable discovery in the quiet laboratory."
OTHER = "The scientists mourned their terrible mistake in the quiet laboratory."
WAIT = "import time\n_ = getattr(Out[1], 'wait', lambda t: None)(300)\ntime.sleep(2)"
WIDGET = "application/vnd.jupyter.widget-view+json"


def executed(tmp_path, first_cell: str, store_widget_state: bool = True) -> nbformat.NotebookNode:
    """A notebook whose first cell ends with a view, then cells doing something else (one
    waiting for the analysis, as a reader would before saving), executed and saved (with the
    widgets' state in its metadata or, as JupyterLab saves by default, without)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(first_cell),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell(WAIT),
    ]
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
        store_widget_state=store_widget_state,
    )
    client.execute()
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, path)
    return nbformat.read(path, as_version=4)


def shown(nb: nbformat.NotebookNode) -> dict:
    """The data of the first cell's output that holds the widget."""
    outs = [o for o in nb.cells[0].outputs if WIDGET in o.get("data", {})]
    assert len(outs) == 1, nb.cells[0].outputs
    return outs[0]["data"]


def png_size(data: bytes) -> tuple[int, int]:
    import matplotlib.image as mpimg

    image = mpimg.imread(io.BytesIO(data), format="png")
    return image.shape[1], image.shape[0]


def high_words(result) -> list[str]:
    w = result.words
    return [w.text[j] for j in range(len(w)) if w.buckets[j] == HIGH]


def check_plain(plain: str, result) -> None:
    """The text of the units, each HIGH word in brackets, in place of the object's repr."""
    assert "object at 0x" not in plain and "AFNView(" not in plain
    body = plain.split("\n", 1)[1]
    assert re.findall(r"\[([^\]]*)\]", body) == high_words(result)
    assert body.replace("[", "").replace("]", "") == result.text


def view_cell(model_path) -> str:
    """A cell ending with a view of ``TEXT``."""
    return f"from afn_widget import AFNView\nAFNView({TEXT!r}, model={str(model_path)!r})"


def compare_cell(model_path) -> str:
    """A cell ending with a comparison of ``TEXT`` and ``OTHER``."""
    return (
        "from afn_widget import AFNCompare\n"
        f"AFNCompare({TEXT!r}, {OTHER!r}, model={str(model_path)!r})"
    )


def test_a_saved_view_holds_its_picture_and_its_text(tmp_path, monkeypatch, minilm_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    nb = executed(tmp_path, view_cell(minilm_path))
    data = shown(nb)
    png = base64.b64decode(data["image/png"])
    ours = analyze(TEXT, str(minilm_path), granularity="word")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_size(png) == png_size(render(ours, "png", granularity="word", scale=1.5))
    check_plain(data["text/plain"], ours)


def test_a_saved_comparison_holds_both_panes_pictures(tmp_path, monkeypatch, minilm_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    data = shown(executed(tmp_path, compare_cell(minilm_path)))
    png = base64.b64decode(data["image/png"])
    panes = [analyze(t, str(minilm_path), granularity="word") for t in (TEXT, OTHER)]
    sizes = [png_size(render(r, "png", granularity="word", scale=1.5)) for r in panes]
    width, height = png_size(png)
    assert width == max(w for w, _ in sizes) and height == sum(h for _, h in sizes)
    a, b = data["text/plain"].split("\n\n")
    check_plain(a, panes[0])
    check_plain(b, panes[1])


# The README's command for a notebook whose saved widget state GitHub refuses (Colab saves the
# models straight under the mimetype, with no "state" key)
CLEAR_WIDGET_STATE = [
    "--to",
    "notebook",
    "--inplace",
    "--ClearMetadataPreprocessor.enabled=True",
    "--ClearMetadataPreprocessor.clear_cell_metadata=False",
]
STATE = "application/vnd.jupyter.widget-state+json"


def test_saved_widget_state_is_what_github_reads_and_the_readme_clears_colabs(
    tmp_path, monkeypatch, minilm_path
):
    import json
    import subprocess
    import sys

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    nb = executed(tmp_path, view_cell(minilm_path))
    saved = nb.metadata["widgets"][STATE]  # as JupyterLab and nbclient write it
    assert {"state", "version_major", "version_minor"} <= set(saved)
    ours = [m for m in saved["state"].values() if m["model_name"] == "AnyModel"]
    assert ours and all(m["state"]["_model_module"] == "anywidget" for m in ours)

    colab = tmp_path / "colab.ipynb"  # the same notebook as Colab saves its widget state
    nb.metadata["widgets"] = {STATE: saved["state"]}
    nb.cells[1].metadata["tags"] = ["keep-me"]
    nbformat.write(nb, colab)
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", *CLEAR_WIDGET_STATE, str(colab)],
        check=True,
        capture_output=True,
    )
    cleared = json.loads(colab.read_text(encoding="utf-8"))
    assert "widgets" not in cleared["metadata"]
    assert set(cleared["metadata"]) == set(nb.metadata) - {"widgets"}
    assert cleared["metadata"]["language_info"]["name"] == "python"
    assert cleared["cells"][1]["metadata"]["tags"] == ["keep-me"]
    data = next(o["data"] for o in cleared["cells"][0]["outputs"] if WIDGET in o.get("data", {}))
    assert data["image/png"] == shown(nb)["image/png"]
