"""Every notebook runs top to bottom offline, as a reader would run it."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

FIGURES = ("report.plot()",)  # cells whose output must be a picture
NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{path.name} is committed with outputs; clear them"
    )
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    for c in nb.cells:  # a figure shows as a picture, not as "<Figure size ... with 2 Axes>"
        if c.cell_type == "code" and any(m in c.source for m in FIGURES):
            kinds = [k for o in c.outputs for k in o.get("data", {})]
            assert "image/png" in kinds, (path.name, c.source[:60], kinds)
    assert (
        any(
            "application/vnd.jupyter.widget-view+json" in o.get("data", {})
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.outputs
        )
        or "paper" in path.stem
    ), "the notebook should show at least one widget"


def test_notebooks_exist():
    assert {p.stem for p in NOTEBOOKS} >= {"quickstart", "classroom", "paper_claim"}
