"""The Ray engine (afn_widget.corpus.ray_engine) on a local Ray of two CPUs, one per test
session: the same table as the local engine, the same after an actor is killed mid-run, and
the pool of actors kept from one call to the next (and closed when asked). Never another host.
The typed error when Ray is missing is in test_treebanks.py (no Ray)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest

from afn_widget.corpus import analyze_corpus
from afn_widget.corpus.conllu_reader import read_conllu
from afn_widget.errors import AFNInputError

pytestmark = pytest.mark.slow
ACTOR = b"MapWorker(MapBatches(_Forward))"


@pytest.fixture(scope="session")
def local_ray():
    ray = pytest.importorskip("ray", reason='Ray not installed: pip install "afn-widget[ray]"')
    pytest.importorskip("ray.data")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield ray
    from afn_widget.corpus.ray_engine import close_workers

    close_workers()
    ray.shutdown()


@pytest.fixture(scope="module")
def dev_subset(ud_dev_path):
    return read_conllu(ud_dev_path)[::50]  # 41 sentences


def _same(a, b) -> None:
    """Two reports' tables and words equal to 1e-9."""
    assert a.table.columns.tolist() == b.table.columns.tolist()
    num = a.table.select_dtypes("number").columns
    other = [c for c in a.table.columns if c not in num]
    assert a.table[other].equals(b.table[other])
    np.testing.assert_allclose(a.table[num].to_numpy(float), b.table[num].to_numpy(float),
                               rtol=0, atol=1e-9, equal_nan=True)  # fmt: skip
    assert a.words.equals(b.words)


def test_same_table_as_local(local_ray, dev_subset, minilm):
    """Every score, both controls: the model shipped as objects through the object store."""
    kw = {"seeds": 1, "n_boot": 100, "progress": False}
    local = analyze_corpus(dev_subset, minilm, **kw)
    on_ray = analyze_corpus(dev_subset, minilm, engine="ray", ray={"workers": 2}, **kw)
    _same(local, on_ray)
    assert on_ray.meta["skipped"] == local.meta["skipped"]


def _actor_pids() -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if ACTOR in (d / "cmdline").read_bytes():
                    out.append(int(d.name))
            except OSError:
                continue
    return out


class _KillOnFirstResult:
    """A progress counter that SIGKILLs one actor's process when the first results arrive."""

    def __init__(self) -> None:
        self.killed: int | None = None
        self.after = 0  # sentence passes counted after the kill

    def update(self, n: int) -> None:
        if self.killed is None:
            pids = _actor_pids()
            if pids:
                self.killed = pids[0]
                os.kill(self.killed, signal.SIGKILL)
        else:
            self.after += n


def test_killed_actor_is_retried(local_ray, dev_subset, minilm_path):
    """An actor killed mid-run: Ray restarts it and retries its batches; the table is the
    local engine's. The model is loaded by path in each actor; small batches, so that most are
    still to come when the kill lands."""
    kw = {"controls": (), "scores": ("tas",), "n_boot": 100, "token_budget": 48}
    local = analyze_corpus(dev_subset, str(minilm_path), progress=False, **kw)
    bar = _KillOnFirstResult()
    on_ray = analyze_corpus(dev_subset, str(minilm_path), engine="ray", progress=bar,
                            ray={"workers": 2}, **kw)  # fmt: skip
    assert bar.killed is not None and bar.after > 0
    _same(local, on_ray)


def test_the_pool_is_kept_for_the_next_call(local_ray, dev_subset, minilm_path):
    """A second call with the same model (by path), runs and workers reuses the actors of the
    first: no actor starts, the same table. Closed on request; with keep_workers=0 a call
    closes its own pool at its end."""
    from afn_widget.corpus import ray_engine as R

    kw = {"controls": (), "scores": ("tas",), "n_boot": 100, "progress": False}
    path = str(minilm_path)
    R.close_workers()
    first = analyze_corpus(dev_subset, path, engine="ray", ray={"workers": 1}, **kw)
    t1 = R.last_timeline()
    assert t1["pool"] == "new" and len(t1["actor_starts"]) == 1
    pool = R._POOL["pool"]
    assert pool is not None and pool.alive()
    second = analyze_corpus(dev_subset[:20], path, engine="ray", ray={"workers": 1}, **kw)
    again = analyze_corpus(dev_subset, path, engine="ray", ray={"workers": 1}, **kw)
    t3 = R.last_timeline()
    assert t3["pool"] == "reused" and t3["actor_starts"] == [] and R._POOL["pool"] is pool
    assert len(second.words) < len(first.words)
    _same(first, again)
    assert {pid for pid, *_ in t3["rows_done"]} == {pid for pid, *_ in t1["actor_starts"]}

    R.close_workers()
    assert R._POOL["pool"] is None and not pool.alive()
    once = analyze_corpus(dev_subset, path, engine="ray", ray={"workers": 1, "keep_workers": 0},
                          **kw)  # fmt: skip
    assert R.last_timeline()["pool"] == "new" and R._POOL["pool"] is None
    _same(first, once)


@pytest.mark.parametrize("bad", [-1, "60", True, float("nan")])
def test_keep_workers_is_checked(bad):
    from afn_widget.corpus.ray_engine import check_settings

    assert check_settings(keep_workers=0).keep_workers == 0
    with pytest.raises(AFNInputError, match="keep_workers"):
        check_settings(keep_workers=bad)
