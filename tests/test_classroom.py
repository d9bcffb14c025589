"""Classroom mode, the ``controls`` trait: ``"full"`` (every control) or ``"simple"`` (the layer
slider, the legend and a sentence; the rest behind a button). A checked, synced setting like the
others: a bad value is a typed error naming the values allowed, said in the view, and the state
the browser and the standalone page get carries it. Python's list and the browser's are paired.
(What the browser draws for it: tests/browser/test_classroom.py.)"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from afn_widget import AFNView
from afn_widget.compare import STATE, AFNCompare
from afn_widget.errors import AFNInputError
from afn_widget.traits import CONTROL_MODES
from afn_widget.widget import CONTROL_TRAITS, InvalidControlError

ROOT = Path(__file__).resolve().parents[1]
TEXT = "The scientists celebrated their remarkable discovery."
ALLOWED = re.escape(str(CONTROL_MODES))


def test_the_modes_are_the_same_in_python_and_in_the_browser():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    code = (
        "const m = await import('./js/controls.js');console.log(JSON.stringify(m.CONTROL_MODES));"
    )
    out = subprocess.run(
        [node, "--input-type=module", "-e", code], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert tuple(json.loads(out.stdout)) == CONTROL_MODES == ("full", "simple")


def test_a_view_takes_controls_and_its_state_carries_them(tiny_bert):
    assert "controls" in CONTROL_TRAITS and "controls" in STATE
    assert AFNView().controls == "full"
    view = AFNView(TEXT, model=tiny_bert, controls="simple").wait(60)
    assert view.controls == "simple" and view.state_dict()["controls"] == "simple"
    page = view.to_html()
    assert re.search(r'"controls":\s*"simple"', page)
    view.controls = "full"
    assert view.state_dict()["controls"] == "full" and view.error == ""


@pytest.mark.parametrize("bad", ["easy", "Simple", "", 1, None])
def test_a_bad_mode_is_refused_at_once_naming_the_modes(bad):
    with pytest.raises(InvalidControlError, match=ALLOWED):
        AFNView(TEXT, controls=bad)


def test_a_bad_mode_set_later_is_said_in_the_view_and_the_next_good_one_clears_it(tiny_bert):
    view = AFNView(TEXT, model=tiny_bert, controls="simple").wait(60)
    with pytest.raises(InvalidControlError, match=ALLOWED) as info:
        view.controls = "beginner"
    assert isinstance(info.value, AFNInputError)
    assert view.controls == "simple"
    assert view.status == "error" and str(info.value) in view.error
    view.controls = "full"
    assert view.status == "ready" and view.error == ""
    # the same value from the browser: refused whole, the browser gets the good value back
    sent = []
    view.send_state = lambda key=None: sent.append(key)
    view.set_state({"controls": "beginner"})
    assert view.controls == "full" and "controls must be one of" in view.error
    assert ["controls"] in sent


def test_a_comparison_takes_controls(tiny_bert):
    pair = AFNCompare("The cat sat.", "The dog sat.", model=tiny_bert, controls="simple")
    assert pair.controls == "simple"
    assert re.search(r'"controls":\s*"simple"', pair.to_html())
    with pytest.raises(AFNInputError, match=ALLOWED):
        AFNCompare("The cat sat.", "The dog sat.", model=tiny_bert, controls="easy")
    with pytest.raises(AFNInputError, match=ALLOWED):
        pair.controls = "easy"
    assert pair.controls == "simple"
