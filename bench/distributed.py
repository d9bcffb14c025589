"""``analyze_corpus`` on the local engine vs. the Ray engine, on this machine, Ray started once
outside the timing (as on a running cluster; its start time is recorded apart).

Two phases, one per Ray pool: one actor of one CPU (``ray_1``: the engine's overhead, target
``ray_1 / local <= 1.25``), then two actors (``ray_2``, the machine's two cores). Each phase
starts with one call that starts the pool (the actors' processes, torch and transformers
imported there, the model loaded: timed and recorded apart, as the cluster's start is), then
interleaves ``local`` (this process, one torch thread) and ``ray_n`` (the pool kept between
calls, as between the treebanks of a run) for the rounds. All TAS only, no controls
(``scores=("tas",), controls=()``), the model given by path as a cluster would load it.
Sentences: the UD EWT dev split, every 4th sentence with ``--quick``.

Where the time goes, per call (medians over the rounds): ``collect`` (reading, tokenizing and
the forward passes: the engine's own step) and the rest (counts, regression, bootstrap, table:
the same code on both engines); for Ray also, from :func:`~afn_widget.corpus.ray_engine.
last_timeline`, the driver's reading, the rows' wait for their first actor, the actors' busy
time, the last result's way back, and, for the pool's first call, the Dataset's set-up and
each actor's start (its constructor: imports, model load).

From these, an estimate on paper of the wall time for all of UD on N workers:
``S × (d + f / N)`` with ``S`` sentences, ``d`` the driver's seconds per sentence (everything
but the forward passes: it does not shrink with more workers) and ``f`` an actor's busy
seconds per sentence on one CPU; plus one pool start. Sentences as long as EWT's, linear
scaling of the actors, no other bottleneck: an estimate, not a measurement. GPU workers are not
measured here; however fast their forward passes, the driver's part ``S × d`` stays, a floor.
"""

from __future__ import annotations

import os
import time
from typing import Any

from .common import UD_DEV, interleave, minilm, ms, ratio, summary

# All UD treebanks, every split: an assumed round figure (count your copy with scan_conllu)
UD_SENTENCES = 2_000_000
WORKERS = (1, 8, 64, 256)


def _timed_collect(cls: Any, log: list[float]) -> Any:
    """``cls.collect`` wrapped: each call's seconds appended to ``log``; returns the original."""
    original = cls.collect

    def collect(self: Any, *a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(self, *a, **k)
        finally:
            log.append(time.perf_counter() - t0)

    cls.collect = collect
    return original


def _breakdown(tl: dict[str, Any]) -> dict[str, float]:
    """Seconds of one Ray call's forward step, from its timeline."""
    rows = tl["rows_done"]
    first = min(r[1] for r in rows)
    last = max(r[2] for r in rows)
    out = {
        "read": tl["read_s"],
        "forward_wall": tl["collected"] - tl["submitted"],
        "to_first_row": first - tl["submitted"],
        "actors_busy": sum(r[2] - r[1] for r in rows),
        "last_result_back": tl["collected"] - last,
        "row_ms_median": summary([1e3 * (r[2] - r[1]) for r in rows])["median"],
        "row_back_ms_median": summary([1e3 * (r[3] - r[2]) for r in rows])["median"],
        "rows": tl["rows"],
        "tasks": tl["tasks"],
    }
    if tl.get("pool_made"):
        a, b = tl["pool_made"]
        out["dataset_set_up"] = b - a
        starts = tl["actor_starts"]
        if starts:
            out["to_actor_start"] = max(s[1] for s in starts) - a
            out["actor_constructor"] = max(s[2] - s[1] for s in starts)
    return out


def _medians(parts: list[dict[str, float]]) -> dict[str, float]:
    keys = parts[0].keys() if parts else ()
    return {k: summary([p[k] for p in parts])["median"] for k in keys}


def run_ray(quick: bool = False) -> dict:
    import ray

    from afn_widget import read_conllu
    from afn_widget.corpus import analyze_corpus
    from afn_widget.corpus import ray_engine as R
    from afn_widget.corpus.collect import Passes

    b = minilm()
    sentences = list(read_conllu(UD_DEV))
    if quick:
        sentences = sentences[::4]
    n = len(sentences)
    rounds = 3
    t0 = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    init_s = time.perf_counter() - t0
    kw = {"controls": (), "scores": ("tas",), "progress": False}
    local_collect: list[float] = []
    ray_collect: list[float] = []
    saved = (_timed_collect(Passes, local_collect), _timed_collect(R.RayPasses, ray_collect))
    phases: dict[str, Any] = {}
    try:
        analyze_corpus(sentences[:16], b.path, **kw)  # warm: imports, first-call costs
        for workers in (1, 2):
            name = f"ray_{workers}"
            R.close_workers()  # the other phase's actors gone: their CPUs free for these
            timelines: list[dict[str, Any]] = []

            def on_ray(workers: int = workers, timelines: list = timelines) -> None:
                analyze_corpus(sentences, b.path, engine="ray", ray={"workers": workers}, **kw)
                timelines.append(R.last_timeline())

            load_before = list(os.getloadavg())
            t0 = time.perf_counter()
            on_ray()
            cold_s = time.perf_counter() - t0
            cold = _breakdown(timelines.pop())
            local_collect.clear()
            ray_collect.clear()
            t = interleave({"local": lambda: analyze_corpus(sentences, b.path, **kw), name: on_ray},
                           rounds=rounds, warmup=0)  # fmt: skip
            assert all(tl["pool"] == "reused" for tl in timelines), "the pool was not kept"
            warm = _medians([_breakdown(tl) for tl in timelines])
            med = {k: ms(v)["median"] / 1e3 for k, v in t.items()}
            lc, rc = summary(local_collect)["median"], summary(ray_collect)["median"]
            phases[name] = {
                "workers": workers,
                "ms": {k: ms(v) for k, v in t.items()},
                "over_local": ratio(t[name], t["local"]),
                "cold_call_s": cold_s,
                "pool_start_s": cold_s - med[name],  # the first call's extra time
                "cold_breakdown_s": cold,
                "warm_breakdown_s": warm,
                "collect_s": {"local": lc, name: rc},
                "rest_s": {"local": med["local"] - lc, name: med[name] - rc},
                "loadavg_before": load_before,
                "loadavg_after": list(os.getloadavg()),
            }
            print(
                f"  ray {n} sentences, {workers} actor(s): pool start {cold_s - med[name]:.1f} s "
                f"(first call {cold_s:.1f} s); {name}/local "
                f"{phases[name]['over_local']['median']:.2f} "
                f"[{phases[name]['over_local']['min']:.2f}-{phases[name]['over_local']['max']:.2f}]"
                f"; collect local {lc:.2f} s vs ray {rc:.2f} s (actors busy "
                f"{warm['actors_busy']:.2f} s, forward wall {warm['forward_wall']:.2f} s)",
                flush=True,
            )
    finally:
        Passes.collect, R.RayPasses.collect = saved
        R.close_workers()
        ray.shutdown()

    one = phases["ray_1"]
    w1 = one["warm_breakdown_s"]
    t_ray1 = one["ms"]["ray_1"]["median"] / 1e3
    f = w1["actors_busy"] / n  # one actor's busy seconds per sentence, one CPU
    d = (t_ray1 - w1["forward_wall"]) / n  # the driver's seconds per sentence, forward aside
    two = phases["ray_2"]
    rate = {
        "local": n / (one["ms"]["local"]["median"] / 1e3),
        "ray_1": n / t_ray1,
        "ray_2": n / (two["ms"]["ray_2"]["median"] / 1e3) / 2,
        "actor_forward_only": 1 / f,
    }
    start = one["pool_start_s"]
    hours = {str(w): (UD_SENTENCES * (d + f / w) + start) / 3600 for w in WORKERS}
    row = {
        "model": b.label,
        "sentences": n,
        "rounds": rounds,
        "ray_init_s": init_s,
        "phases": phases,
        "ray_1_over_local": one["over_local"],
        "ray_2_over_local": two["over_local"],
        "sentences_per_s_per_worker": rate,
        "driver_s_per_sentence": d,
        "actor_s_per_sentence": f,
        "ud_sentences_assumed": UD_SENTENCES,
        "ud_hours_estimate": hours,
        "ud_hours_floor_driver": UD_SENTENCES * d / 3600,
    }
    print(
        f"  ray: init {init_s:.1f} s; {rate['ray_1']:.0f} sentences/s per worker (whole call), "
        f"{rate['actor_forward_only']:.0f} on the actor alone; all UD (~{UD_SENTENCES:,}) "
        + ", ".join(f"{w} workers ~{h:.1f} h" for w, h in hours.items())
        + " (estimate)",
        flush=True,
    )
    return {"rows": [row], "target": "ray_1 / local <= 1.25 (Ray started beforehand)"}
