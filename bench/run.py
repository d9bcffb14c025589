"""Run the benchmarks of afn-widget and record them.

    python -m bench                      # everything (about 35 minutes on 2 cores)
    python -m bench --quick              # fewer rounds, smaller corpus, BERT-base in engine only
    python -m bench --only engine,cache  # a subset: engine cache corpus ray browser payload peers
                                         # generate append
    python -m bench --threads 2          # torch intra-op threads (default 1, see below)
    python -m bench --corpus-threads 1   # the corpus section on one thread only (default 1,2)
    python -m bench --report             # only rewrite BENCHMARKS.md from bench/results/latest.json

Each run writes ``bench/results/<UTC time>.json`` (machine facts + every section's raw
figures), merges its sections into ``bench/results/latest.json`` and rewrites
``BENCHMARKS.md`` from it. A ``--quick`` run writes ``<UTC time>-quick.json`` only (its
figures are for a look, not the record) unless ``--record`` is given. Sections run with
``--threads N`` (N > 1) are stored as ``<section>@tN`` beside the single-thread ones.
``--corpus-threads`` lists further thread counts for the corpus section (default ``1,2``: a
batched run has more work per call to share between cores than the per-sentence loop, so the
corpus ratio is measured both ways); each runs as its own
``python -m bench --only corpus --threads N`` process, since OpenMP's settings are fixed when
torch starts.

Threads: the machine is shared (2 cores, other jobs running). With torch's default of 2
intra-op threads and OpenMP's active waiting, a forward pass stalls whenever one of its two
threads is descheduled (a 16-token MiniLM pass measured 25 ms to 500 ms in one minute), so
ratios would measure the neighbours. ``--threads 1`` (default) gives stable ratios;
``--threads N`` sets ``OMP_WAIT_POLICY=PASSIVE`` (unless already set) so that waiting threads
yield their core.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone

SECTIONS = ("engine", "cache", "corpus", "ray", "browser", "payload", "peers", "generate", "append")
TORCH_SECTIONS = {"engine", "cache", "corpus", "ray", "payload", "peers", "generate"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    ap.add_argument("--quick", action="store_true", help="fewer rounds, smaller inputs")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    ap.add_argument(
        "--models",
        default="minilm,bert,qwen",
        help="minilm,bert for engine, cache, corpus, payload; qwen (a Qwen2.5-0.5B-shaped "
        "decoder) for engine only",
    )
    ap.add_argument(
        "--corpus-threads",
        default="1,2",
        help="thread counts for the corpus section (others than --threads run as subprocesses)",
    )
    ap.add_argument("--report", action="store_true", help="only rewrite BENCHMARKS.md")
    ap.add_argument(
        "--record", action="store_true", help="with --quick: merge into latest.json anyway"
    )
    args = ap.parse_args(argv)

    from .common import RESULTS, ROOT

    if args.report:
        from .report import write_report

        write_report(RESULTS / "latest.json", ROOT / "BENCHMARKS.md")
        return 0

    only = [s.strip() for s in args.only.split(",") if s.strip()]
    bad = [s for s in only if s not in SECTIONS]
    if bad:
        ap.error(f"unknown sections {bad}; choose from {', '.join(SECTIONS)}")
    models = tuple(m.strip() for m in args.models.split(",") if m.strip())
    encoders = tuple(m for m in models if m != "qwen")  # the sections written for encoders
    if args.threads > 1:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch  # after the OpenMP environment is set

    torch.set_num_threads(args.threads)

    from .common import machine_info

    machine = machine_info()
    machine["omp_wait_policy"] = os.environ.get("OMP_WAIT_POLICY")
    print(
        f"afn-widget benchmarks: {machine['cpu_model']}, nproc {machine['nproc']}, torch "
        f"{machine['torch']} ({machine['torch_threads']} threads), load "
        f"{machine['loadavg_at_start']}",
        flush=True,
    )
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    record: dict = {"when": stamp, "args": vars(args), "machine": machine, "sections": {}}
    for name in only:
        print(f"[{name}]", flush=True)
        t0 = time.perf_counter()
        if name == "engine":
            from .engine import run_engine

            data = run_engine(args.quick, models)
        elif name == "cache":
            from .engine import run_cache

            data = run_cache(args.quick, encoders)
        elif name == "corpus":
            from .corpus import run_corpus

            data = run_corpus(args.quick, encoders)
        elif name == "ray":
            from .distributed import run_ray

            data = run_ray(args.quick)
        elif name == "browser":
            from .browser import profile_js, run_browser

            data = run_browser(args.quick)
            data["profile"] = profile_js(10000, "word", changes=5 if args.quick else 10)
        elif name == "payload":
            from .payload import run_payload

            data = run_payload(args.quick, encoders)
        elif name == "generate":
            from .generate import run_generate

            data = run_generate(args.quick)
        elif name == "append":
            from .append import run_append

            data = run_append(args.quick)
        else:
            from .peers import run_peers

            data = run_peers(args.quick, args.threads)
        data["seconds"] = round(time.perf_counter() - t0, 1)
        data["threads"] = args.threads if name in TORCH_SECTIONS else None
        data["quick"] = args.quick
        data["when"] = stamp
        data["loadavg_after"] = list(os.getloadavg())
        key = name if args.threads == 1 or name not in TORCH_SECTIONS else f"{name}@t{args.threads}"
        record["sections"][key] = data
        print(f"  ({data['seconds']} s)", flush=True)
        if name == "corpus":  # the other thread counts, each in a process of its own
            for n in _thread_counts(args.corpus_threads):
                if n != args.threads:
                    _corpus_in_subprocess(n, args)

    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.quick and not args.record:
        path = RESULTS / f"{stamp}-quick.json"
        path.write_text(json.dumps(record, indent=1), encoding="utf-8")
        print(f"wrote {path} (quick: latest.json and BENCHMARKS.md left as they are)")
        return 0
    (RESULTS / f"{stamp}.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    latest_path = RESULTS / "latest.json"
    latest = json.loads(latest_path.read_text()) if latest_path.exists() else {"sections": {}}
    for key, data in record["sections"].items():
        data["machine"] = machine
        latest["sections"][key] = data
    latest["updated"] = stamp
    latest_path.write_text(json.dumps(latest, indent=1), encoding="utf-8")

    from .report import write_report

    write_report(latest_path, ROOT / "BENCHMARKS.md")
    print(f"wrote {RESULTS / (stamp + '.json')}, {latest_path}, BENCHMARKS.md", flush=True)
    return 0


def _thread_counts(spec: str) -> list[int]:
    return [int(x) for x in spec.split(",") if x.strip()]


def _corpus_in_subprocess(threads: int, args: argparse.Namespace) -> None:
    """The corpus section with ``threads`` intra-op threads, in a process of its own (it writes
    its own record and merges it into latest.json, as any run does)."""
    import subprocess

    cmd = [sys.executable, "-m", "bench", "--only", "corpus", "--threads", str(threads)]
    cmd += ["--models", args.models, "--corpus-threads", str(threads)]
    if args.quick:
        cmd.append("--quick")
    if args.record:
        cmd.append("--record")
    print(f"  corpus with {threads} threads: {' '.join(cmd[1:])}", flush=True)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    subprocess.run(cmd, check=True, env=env)


if __name__ == "__main__":
    sys.exit(main())
