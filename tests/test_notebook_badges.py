"""The notebooks people open in Colab: a badge to their own file, and a first code cell that
installs the package there (and does nothing where it is installed)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*colab-badge\.svg\)\]\((?P<url>[^)]+)\)")


def _repository() -> str:
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    return urls["Repository"].removeprefix("https://github.com/").rstrip("/")


@pytest.mark.parametrize("name", ["quickstart", "classroom"])
def test_the_notebook_opens_itself_in_colab_and_installs_first(name):
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    assert nb.cells[0].cell_type == "markdown"
    found = BADGE.search(nb.cells[0].source)
    assert found, "the first cell carries the Open in Colab badge"
    expected = (
        f"https://colab.research.google.com/github/{_repository()}/blob/main/notebooks/{name}.ipynb"
    )
    assert found["url"] == expected
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert 'find_spec("afn_widget") is None' in first_code.source
    install = [ln.strip() for ln in first_code.source.splitlines() if "pip install" in ln]
    assert install == ['%pip install --quiet "afn-widget[offline]"'], install
