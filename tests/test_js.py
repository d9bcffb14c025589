"""The frontend's unit tests (node's built-in test runner), run as part of `pytest`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_js_unit_tests_pass():
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is needed for the JS unit tests under CI")
        pytest.skip("node is not installed; the JS unit tests need Node.js 20+")
    proc = subprocess.run(
        [node, "--test", "js/test/"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report[-4000:]
    passed = re.search(r"^# pass (\d+)", report, re.M)
    assert passed and int(passed.group(1)) >= 20, report[-2000:]
    print(report[-400:])
