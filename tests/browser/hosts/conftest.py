"""A Colab-like Python runtime for the host tests: ipywidgets 7 and traitlets 5.7 already there.

Fixture:

``widgets7_env``  (session) a virtualenv that holds what a Colab runtime ships, the packages
                  pinned in :data:`RUNTIME` (torch first: a CPU build, not pip's default CUDA
                  one), and then afn-widget installed into it, editable, with its ``offline``
                  extra, the runtime's own packages held where they were; see
                  :class:`Widgets7Env` (``.python``, ``.bin``). Built once in a cache folder
                  (``$AFN_TEST_CACHE``, else ``~/.cache/afn-widget-tests/``) under a hash of the
                  pins and of pyproject.toml's dependencies, so that changing either builds a new
                  one (and the old ones no session is using are removed); a build that was cut
                  short is finished or begun again, never used.
``widgets7_build`` (session) the same build, also when installing afn-widget failed: its
                  :attr:`Widgets7Env.report` is what pip's resolver planned to install
                  (``pip install --dry-run --report``) before it did (``test_resolver.py``).

Building needs pip to reach the package index (two to three minutes on two cores); a failed
build fails the tests that use it, with the end of its log.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
TORCH = "torch==2.13.0"
RUNTIME = (TORCH, "ipywidgets==7.7.1", "traitlets==5.7.1", "notebook<7", "ipykernel")
"""What the runtime holds before afn-widget: Colab's torch, ipywidgets and traitlets, and the
classic Notebook 6 (whose widgetsnbextension 3 is the ipywidgets 7 frontend)."""
HELD = ("ipywidgets", "traitlets", "torch", "widgetsnbextension", "jupyterlab-widgets", "notebook")
"""The runtime's packages that installing afn-widget must leave as they are: upgrading any of
them means restarting the runtime before anything is drawn."""
RECIPE = "3"  # bump when the steps below change in a way the hash would not see

PIP_TIMEOUT = 1800


def canonical(name: str) -> str:
    """A distribution's name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def project_dependencies() -> dict[str, Any]:
    """pyproject.toml's ``[project]`` dependencies and its ``offline`` extra."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {
        "dependencies": project["dependencies"],
        "offline": project["optional-dependencies"]["offline"],
    }


def cache_dir() -> Path:
    return Path(os.environ.get("AFN_TEST_CACHE") or Path.home() / ".cache" / "afn-widget-tests")


def env_key() -> str:
    """The build's key: the pins, pyproject's dependencies, this Python's version, the recipe."""
    what = [RECIPE, list(RUNTIME), project_dependencies(), list(sys.version_info[:2])]
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:16]


def enabled_nbextensions(jupyter: Path, env: dict[str, str] | None = None) -> set[str]:
    """The classic Notebook's nbextensions that ``jupyter nbextension list`` says are enabled."""
    listed = subprocess.run(
        [str(jupyter), "nbextension", "list"], env=env, capture_output=True, text=True, check=False
    )
    plain = re.sub(r"\x1b\[[0-9;]*m", "", listed.stdout + listed.stderr)  # its colours
    return set(re.findall(r"^\s*(\S+)\s+enabled\s*$", plain, re.M))


@dataclass(frozen=True)
class Widgets7Env:
    """A built runtime. ``report``: pip's installation report of ``afn-widget[offline]`` into
    the runtime as pinned (its ``install`` list: what pip would install or upgrade);
    ``runtime``: the runtime's packages and versions before afn-widget; ``install_error``: why
    installing afn-widget failed (``""`` when it did not); ``build_seconds``: how long its last
    build took (all of it, or only installing another checkout)."""

    root: Path
    report: dict[str, Any]
    runtime: dict[str, str]
    install_error: str
    build_seconds: float

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def planned(self) -> dict[str, str]:
        """What the report installs: canonical name -> version."""
        return {
            canonical(item["metadata"]["name"]): item["metadata"]["version"]
            for item in self.report["install"]
        }

    def upgrades_of_held(self) -> dict[str, str]:
        """The :data:`HELD` packages the report installs or upgrades, with the new version."""
        return {n: v for n, v in self.planned().items() if n in map(canonical, HELD)}


class BuildError(RuntimeError):
    pass


class Builder:
    """The steps of a build, each leaving a file that says it is done, in this order:
    ``runtime.json`` (the venv and :data:`RUNTIME`), ``report.json`` (pip's dry run),
    ``complete.json`` (afn-widget installed from this checkout, the anywidget nbextension
    enabled). A folder without ``runtime.json`` is removed and built anew."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = root.with_suffix(".log")
        self.python = root / "bin" / "python"

    def run(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        with open(self.log, "a", encoding="utf-8") as log:
            log.write(f"\n$ {' '.join(map(str, args))}\n")
            log.flush()
            done = subprocess.run(
                [str(a) for a in args], stdout=log, stderr=subprocess.STDOUT, env=env,
                cwd=self.root.parent, timeout=PIP_TIMEOUT, check=False,
            )  # fmt: skip
        if check and done.returncode:
            raise BuildError(f"{' '.join(map(str, args))} failed:\n{self.tail()}")
        return done

    def tail(self, lines: int = 40) -> str:
        """The end of what the last command said (without pip's notes on index folders)."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        said = text.rsplit("\n$ ", 1)[-1].splitlines()[1:]
        return "\n".join([line for line in said if "is ignored" not in line][-lines:])

    def pip(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(self.python, "-m", "pip", *args, check=check)

    def installed(self) -> dict[str, str]:
        out = subprocess.run(
            [str(self.python), "-m", "pip", "list", "--format=json"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return {canonical(p["name"]): p["version"] for p in json.loads(out.stdout)}

    def runtime(self) -> dict[str, str]:
        """The venv and the runtime's pins (torch alone first, so that pip takes the CPU build
        it finds, not the CUDA one the dependencies of the rest would bring)."""
        shutil.rmtree(self.root, ignore_errors=True)
        self.log.write_text("", encoding="utf-8")
        self.run(sys.executable, "-m", "venv", self.root)
        self.pip("install", "-q", TORCH)
        self.pip("install", "-q", *RUNTIME)
        return self.installed()

    def report(self) -> dict[str, Any]:
        """pip's plan for ``pip install -e <repo>[offline]`` into the runtime (a dry run)."""
        out = self.root / "report.part.json"
        self.pip("install", "-q", "--dry-run", "--report", out, "-e", f"{ROOT}[offline]")
        return json.loads(out.read_text(encoding="utf-8"))

    def install(self, runtime: dict[str, str]) -> str:
        """Install afn-widget with the :data:`HELD` packages held at the runtime's versions;
        the error when pip cannot, else ``""``."""
        held = self.root / "held.txt"
        held.write_text(
            "".join(f"{n}=={runtime[canonical(n)]}\n" for n in HELD if canonical(n) in runtime),
            encoding="utf-8",
        )
        done = self.pip("install", "-q", "-c", held, "-e", f"{ROOT}[offline]", check=False)
        if done.returncode:
            return self.tail()
        moved = {n: v for n, v in self.installed().items() if n in runtime and runtime[n] != v}
        if any(n in moved for n in map(canonical, HELD)):
            raise BuildError(f"installing afn-widget changed the runtime's packages: {moved}")
        self.enable_anywidget()
        return ""

    def enable_anywidget(self) -> None:
        """The anywidget nbextension on in the venv, for the classic Notebook's frontend."""
        jupyter = self.root / "bin" / "jupyter"
        if "anywidget/extension" not in enabled_nbextensions(jupyter):
            self.run(jupyter, "nbextension", "enable", "--py", "--sys-prefix", "anywidget")

    def file(self, step: str) -> Path:
        return self.root / f"{step}.json"

    def ready(self) -> bool:
        """Built, with this checkout installed (a build is shared by checkouts whose
        dependencies are the same; another's is installed in place of the last one's)."""
        done = self.file("complete")
        return done.exists() and _read(done).get("project") == str(ROOT)

    def build(self) -> Widgets7Env:
        started = time.monotonic()
        if not self.file("runtime").exists():
            _write(self.file("runtime"), self.runtime())
        runtime = _read(self.file("runtime"))
        if not self.file("report").exists():
            _write(self.file("report"), self.report())
        report = _read(self.file("report"))
        if not self.ready():
            error = self.install(runtime)
            seconds = time.monotonic() - started
            if error:
                return Widgets7Env(self.root, report, runtime, error, seconds)
            _write(self.file("complete"), {"seconds": seconds, "project": str(ROOT)})
        seconds = _read(self.file("complete"))["seconds"]
        return Widgets7Env(self.root, report, runtime, "", seconds)


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, data: Any) -> None:
    """Write JSON whole: to a temporary name, then renamed."""
    part = path.with_suffix(".part")
    part.write_text(json.dumps(data, indent=1), encoding="utf-8")
    part.replace(path)


def _prune(keep: Path) -> None:
    """Remove the builds of other keys (older pins or dependencies) that no session uses."""
    for lock in keep.parent.glob("widgets7-*.lock"):
        if lock == keep.with_suffix(".lock"):
            continue
        with open(lock, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # in use
            shutil.rmtree(lock.with_suffix(""), ignore_errors=True)
            lock.with_suffix(".log").unlink(missing_ok=True)
            lock.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def widgets7_build(request) -> Widgets7Env:
    """The build of this key, built first if need be. Its lock is held shared while it is used
    (no other session removes it, :func:`_prune`), alone while it is built (another session may
    be building the same)."""
    root = cache_dir() / f"widgets7-{env_key()}"
    root.parent.mkdir(parents=True, exist_ok=True)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    started = time.monotonic()
    with open(root.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)
        if not Builder(root).ready():
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            env = Builder(root).build()
        except (BuildError, subprocess.SubprocessError, OSError) as exc:
            pytest.fail(f"the Colab-like runtime could not be built in {root}: {exc}")
        fcntl.flock(lock, fcntl.LOCK_UN if env.install_error else fcntl.LOCK_SH)
        _prune(root)
        if reporter is not None:
            reporter.write_line(
                f"widgets7_env: {root} (last built in {env.build_seconds:.0f} s; "
                f"{time.monotonic() - started:.0f} s in this session)"
            )
        yield env


@pytest.fixture(scope="session")
def widgets7_env(widgets7_build: Widgets7Env) -> Widgets7Env:
    if widgets7_build.install_error:
        pytest.fail(
            "afn-widget cannot be installed into a runtime with "
            f"{', '.join(RUNTIME)} without changing them:\n{widgets7_build.install_error}"
        )
    return widgets7_build
