"""``analyze_corpus`` on the local engine vs. the Ray engine, on this machine, Ray started once
outside the timing (as on a running cluster; its start time is recorded apart).

Per round, interleaved: ``local`` (this process, one torch thread), ``ray_1`` (one actor of one
CPU: the engine's overhead, target ``ray_1 / local <= 1.25``) and ``ray_2`` (two actors, the
machine's two cores). All TAS only, no controls (``scores=("tas",), controls=()``), the model
given by path as a cluster would load it; each Ray call includes its actors' start and model
load, since every ``analyze_corpus`` call (every treebank) pays them. Sentences: the UD EWT dev
split, every 4th sentence with ``--quick``.

From the per-worker rate, an estimate on paper of the wall time for all of UD on N workers:
``UD_SENTENCES / (rate × N)`` with the one-actor rate (its start included), assuming linear
scaling (no driver bottleneck) and sentences as long as EWT's. Said to be an estimate; GPU
workers are not measured here.
"""

from __future__ import annotations

import time

from .common import UD_DEV, interleave, minilm, ms, ratio

# All UD treebanks, every split: an assumed round figure (count your copy with scan_conllu)
UD_SENTENCES = 2_000_000
WORKERS = (8, 64, 256)


def run_ray(quick: bool = False) -> dict:
    import ray

    from afn_widget import read_conllu
    from afn_widget.corpus import analyze_corpus

    b = minilm()
    sentences = list(read_conllu(UD_DEV))
    if quick:
        sentences = sentences[::4]
    t0 = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    init_s = time.perf_counter() - t0
    kw = {"controls": (), "scores": ("tas",), "progress": False}

    def on_ray(n: int):
        return lambda: analyze_corpus(sentences, b.path, engine="ray", ray={"workers": n}, **kw)

    try:
        analyze_corpus(sentences[:16], b.path, engine="ray", ray={"workers": 1}, **kw)  # warm
        analyze_corpus(sentences[:16], b.path, **kw)
        t = interleave(
            {
                "local": lambda: analyze_corpus(sentences, b.path, **kw),
                "ray_1": on_ray(1),
                "ray_2": on_ray(2),
            },
            rounds=1 if quick else 2,
            warmup=0,
        )
    finally:
        ray.shutdown()
    n = len(sentences)
    med = {k: ms(v)["median"] / 1e3 for k, v in t.items()}
    rate = {"local": n / med["local"], "ray_1": n / med["ray_1"], "ray_2": n / med["ray_2"] / 2}
    row = {
        "model": b.label,
        "sentences": n,
        "ray_init_s": init_s,
        "ms": {k: ms(v) for k, v in t.items()},
        "ray_1_over_local": ratio(t["ray_1"], t["local"]),
        "ray_2_over_local": ratio(t["ray_2"], t["local"]),
        "sentences_per_s_per_worker": rate,
        "ud_sentences_assumed": UD_SENTENCES,
        "ud_hours_estimate": {str(w): UD_SENTENCES / (rate["ray_2"] * w) / 3600 for w in WORKERS},
    }
    print(
        f"  ray {n} sentences: init {init_s:.1f} s, ray_1/local "
        f"{row['ray_1_over_local']['median']:.2f}, ray_2/local "
        f"{row['ray_2_over_local']['median']:.2f}, {rate['ray_1']:.0f} sentences/s per worker",
        flush=True,
    )
    return {"rows": [row], "target": "ray_1 / local <= 1.25 (Ray started beforehand)"}
