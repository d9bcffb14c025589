"""The trait contract between Python and the browser is written once per side, and the two
sides agree: ``js/traits.js`` lists exactly ``AFNView``'s synced traits, in the same groups."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from afn_widget.widget import AFNView

ROOT = Path(__file__).resolve().parents[1]
GROUPS = {"DATA_TRAITS": "data", "CONTROL_TRAITS": "control", "STATUS_TRAITS": "status"}


@pytest.fixture(scope="module")
def js_traits() -> dict[str, list[str]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    code = (
        "const m = await import('./js/traits.js');"
        "console.log(JSON.stringify({DATA_TRAITS: m.DATA_TRAITS, "
        "CONTROL_TRAITS: m.CONTROL_TRAITS, STATUS_TRAITS: m.STATUS_TRAITS}));"
    )
    out = subprocess.run(
        [node, "--input-type=module", "-e", code], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("name, group", GROUPS.items())
def test_each_group_is_the_same_on_both_sides(js_traits, name, group):
    js = js_traits[name]
    assert len(js) == len(set(js)), f"{name} names a trait twice"
    assert sorted(js) == sorted(AFNView.traits_of(group))


def test_every_synced_trait_of_the_view_is_in_one_group(js_traits):
    base = set(__import__("anywidget").AnyWidget.class_trait_names(sync=True))
    ours = set(AFNView.class_trait_names(sync=True)) - base
    grouped = [n for names in js_traits.values() for n in names]
    assert sorted(grouped) == sorted(ours)
    assert len(grouped) == len(set(grouped))  # no trait in two groups
