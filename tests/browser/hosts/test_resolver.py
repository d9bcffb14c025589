"""``pip install afn-widget`` into a Colab runtime changes none of the runtime's packages.

Colab ships ipywidgets 7.7.1, traitlets 5.7.1 and torch; upgrading any of them (or the
widgets' frontends that come with ipywidgets) means restarting the runtime before anything is
drawn. pip's own resolver decides: its dry-run report of ``pip install -e .[offline]`` into such a
runtime (``widgets7_build``, built by ``conftest.py``) must install none of them.
"""

from __future__ import annotations

import pytest
from packaging.requirements import Requirement

from tests.browser.hosts.conftest import HELD, RUNTIME, canonical, project_dependencies

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _requires(report: dict, extra: str = "") -> set[tuple[str, str]]:
    """What the report's afn-widget requires (with ``extra``, only what that extra adds), as
    pip read it from pyproject.toml: (name, version specifier) pairs."""
    (ours,) = [i for i in report["install"] if canonical(i["metadata"]["name"]) == "afn-widget"]
    out = set()
    for line in ours["metadata"].get("requires_dist", []):
        req = Requirement(line)
        wanted = req.marker is None if not extra else (
            req.marker is not None and req.marker.evaluate({"extra": extra})
        )  # fmt: skip
        if wanted:
            out.add((canonical(req.name), str(req.specifier)))
    return out


def _declared(lines: list[str]) -> set[tuple[str, str]]:
    return {(canonical(r.name), str(r.specifier)) for r in map(Requirement, lines)}


def test_the_report_is_of_this_pyproject(widgets7_build):
    """The report pip wrote is about the dependencies pyproject.toml declares now, installed
    into Colab's versions."""
    declared = project_dependencies()
    assert _requires(widgets7_build.report) == _declared(declared["dependencies"])
    assert _requires(widgets7_build.report, "offline") == _declared(declared["offline"])
    for pin in RUNTIME:
        name, _, version = pin.partition("==")
        if version:
            assert widgets7_build.runtime[canonical(name)].split("+")[0] == version, pin


def test_installing_changes_none_of_the_runtimes_packages(widgets7_build):
    planned = widgets7_build.planned()
    print(
        f"pip would install {len(planned)} distributions into the runtime; "
        f"its last build took {widgets7_build.build_seconds:.0f} s"
    )
    assert "afn-widget" in planned  # a report about installing this project at all
    upgrades = widgets7_build.upgrades_of_held()
    assert not upgrades, (
        f"pip install afn-widget would install or upgrade {upgrades} over the runtime's "
        f"{ {canonical(n): widgets7_build.runtime.get(canonical(n)) for n in HELD} }: lower the "
        "floors in pyproject.toml"
    )
    assert not widgets7_build.install_error, widgets7_build.install_error
