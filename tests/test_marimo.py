"""The marimo example runs: `marimo export html` executes every cell of the app."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
APP = Path(__file__).resolve().parents[1] / "examples" / "marimo_app.py"


def test_marimo_app_exports_with_the_widget_result(tmp_path):
    pytest.importorskip("marimo")
    out = tmp_path / "app.html"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "marimo", "export", "html", str(APP), "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = out.read_text(encoding="utf-8")
    found = re.search(
        r"Layer \\u003Cstrong\\u003E(\d+)\\u003C/strong\\u003E of (\d+): (\d+) words HIGH", page
    )
    assert found, "the cell reading the widget's result did not run"
    layer, n_layers, n_high = map(int, found.groups())
    assert 0 <= layer <= n_layers and n_high >= 1
