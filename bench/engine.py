"""``analyze()`` against the bare forward pass, and the model cache.

``engine``: for each model and length, in one process and interleaved:

* ``bare``     ``model(**inputs)`` under ``torch.inference_mode()``, ``output_hidden_states`` off:
               the floor (inputs tokenized beforehand, outside the timing);
* ``bare_hs``  the same with ``output_hidden_states=True``;
* ``analyze``  ``afn_widget.analyze(text, (model, tokenizer))``: tokenization, forward pass,
               norms, shifts, top dims, massive flags — everything until the result exists.

The guard is the overhead *within the call*: per ``analyze`` call, its time beyond its own
forward passes (the model's outermost call, timed by forward hooks on the model, in the very
calls that are timed against ``bare``) over those passes' time. The neighbours' load slows the
model and the rest alike, so this ratio is far steadier than ``analyze / bare`` between calls.
Targets (:data:`GUARD`): at most 8 % for MiniLM at 128 tokens, 3 % for the BERT-base shape at
512.

Lengths count the special tokens ([CLS] ... [SEP]). 4,096 tokens run in windows; the bare
forward then runs over the very same windows in the same batches as ``analyze`` (its
``plan_windows``, ``batch_windows=4``).

``memory`` (in the engine section): a 4,096-token text's peak resident memory in ``analyze``
against the bare forward pass, with hidden states, of one batch of its windows (the widest of
the batches ``analyze`` runs: ``batch_windows=4`` windows of the model's maximum length), each
measured as the rise of the process's resident set to its high-water mark (Linux ``VmHWM``,
reset through ``/proc/self/clear_refs`` and with ``malloc_trim`` returning freed heap first), in
a process of its own where glibc maps every block above 64 KiB by itself, so that the mark is
the peak of live memory, each after one untimed call (what a first call alone allocates, a
new shape's buffers and one-time imports, is not the text's). Memory is bounded by one window
batch when the first is at most ``MEMORY_BOUND`` (1.1) times the second: the batch in flight
and the text's own arrays (the engine lets go of a batch's hidden states before the next batch
runs); beside them, what every window's hidden states held at once would take.

``cache``: ``analyze(text, "path")`` by name, first call after ``clear_cache()`` (reads the
weights) vs. second call (cache hit), against the bare forward of the model it loaded; the
weights read per round are counted by wrapping ``AutoModel.from_pretrained``.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from .common import (
    RESULTS,
    ROOT,
    Bench,
    bert_base_random,
    interleave,
    minilm,
    ms,
    qwen_shape_random,
    ratio,
    saved_copy,
    summary,
    text_of_tokens,
)

LENGTHS = (16, 128, 512, 4096)
# rounds per (model, length); quick mode divides by 3 (at least 3). The within-call overhead
# settles in a few rounds; the ratio of separate calls needs many (it moves by points).
ROUNDS = {
    "minilm": {16: 60, 128: 100, 512: 40, 4096: 4},
    "bert": {16: 30, 128: 30, 512: 30, 4096: 2},
    "qwen": {128: 12, 512: 6},  # a decoder: the last layer read before its final norm
}
MODELS = {"minilm": minilm, "bert": bert_base_random, "qwen": qwen_shape_random}
MEMORY_TOKENS = 4096
MEMORY_ROUNDS = 2  # each side, alternating; quick mode: 1
# analyze's peak at most this times one bare window batch's: the batch in flight and the text's
# own arrays (the engine lets go of a batch's hidden states before the next batch runs),
# whatever the text's length
MEMORY_BOUND = 1.1
GPU_NOTE = "no GPU was lent to this run; the bf16 GPU figure is not measured"
# the most overhead within the call (analyze's time beyond its own forward passes, over them)
# for a model (its label's first word) at a length
GUARD = {("MiniLM", 128): 0.08, ("BERT", 512): 0.03}


def _windows(b: Bench, text: str) -> list[dict[str, Any]]:
    """The batches of windows ``analyze`` runs for ``text`` (same plan, same batches)."""
    import torch

    from afn_widget.engine import plan_windows
    from afn_widget.models import load_model
    from afn_widget.tokens import special_frame, tokenize

    lm = load_model((b.model, b.tokenizer))
    ids = tokenize(b.tokenizer, text).ids
    head, tail = special_frame(b.tokenizer)
    length = lm.max_length - len(head) - len(tail)
    plan = plan_windows(len(ids), length, length // 4)
    wrapped = [head + ids[s : s + plan.length] + tail for s in plan.starts]
    out = []
    for i in range(0, len(wrapped), 4):
        t = torch.tensor(wrapped[i : i + 4], dtype=torch.long)
        out.append({"input_ids": t, "attention_mask": torch.ones_like(t)})
    return out


def inputs(b: Bench, n: int) -> tuple[str, list[dict[str, Any]]]:
    """A text of ``n`` tokens and the bare pass's inputs for it: one batch up to 512 tokens,
    else the very windows and batches ``analyze`` runs."""
    text = text_of_tokens(b.tokenizer, n)
    if n <= 512:
        return text, [dict(b.tokenizer(text, return_tensors="pt"))]
    return text, _windows(b, text)


def _bare(model: Any, batches: list[dict[str, Any]], hidden: bool):
    import torch

    def run() -> None:
        with torch.inference_mode():
            for inputs in batches:
                model(**inputs, output_hidden_states=hidden)

    return run


class ForwardClock:
    """Seconds spent in the model's own calls since :meth:`reset`: forward hooks on the
    model's outermost call (every window batch of an ``analyze`` call adds its pass)."""

    def __init__(self, model: Any) -> None:
        self.spent = self._start = 0.0
        self._hooks = [
            model.register_forward_pre_hook(self._pre),
            model.register_forward_hook(self._post),
        ]

    def _pre(self, *_: Any) -> None:
        self._start = time.perf_counter()

    def _post(self, *_: Any) -> None:
        self.spent += time.perf_counter() - self._start

    def reset(self) -> None:
        self.spent = 0.0

    def remove(self) -> None:
        for h in self._hooks:
            h.remove()


def _status_kib(field: str) -> int:
    """A ``/proc/self/status`` figure in KiB (``VmRSS``: resident now, ``VmHWM``: its peak)."""
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+)", text, re.M).group(1))


def peak_rss(fn: Any) -> int:
    """Bytes by which the resident set rose to its peak while ``fn()`` ran: freed memory given
    back first (a full collection, ``malloc_trim``), the high-water mark reset to now."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    base = _status_kib("VmRSS")
    fn()
    return (_status_kib("VmHWM") - base) * 1024


def measure_memory(b: Bench, n: int = MEMORY_TOKENS, rounds: int = MEMORY_ROUNDS) -> dict:
    """Peak memory of ``analyze`` on an ``n``-token text against the bare forward pass (hidden
    states on) of the widest batch of windows it runs, ``rounds`` times each, alternating,
    after one untimed call of each (a first pass of a shape allocates more, and ``analyze``
    also runs the last, narrower batch; a first call also imports and builds what later calls
    reuse)."""
    import torch

    import afn_widget.engine as E
    from afn_widget import analyze
    from afn_widget.models import load_model

    text = text_of_tokens(b.tokenizer, n)
    pair = (b.model, b.tokenizer)
    lm = load_model(pair)
    plan = E.make_plan(lm, text, E.check_options())
    widest = max(plan.batches, key=len)
    ids = torch.tensor([plan.input_ids(w) for w in widest], dtype=torch.long)

    def batch() -> None:
        with torch.inference_mode():
            b.model(input_ids=ids, attention_mask=torch.ones_like(ids), output_hidden_states=True)

    batch()
    analyze(text, pair)
    peaks: dict[str, list[int]] = {"batch": [], "analyze": []}
    for r in range(rounds):
        for name in ("batch", "analyze") if r % 2 == 0 else ("analyze", "batch"):
            fn = batch if name == "batch" else lambda: analyze(text, pair)
            peaks[name].append(peak_rss(fn))
    per_window = (b.n_layers + 1) * ids.shape[1] * b.model.config.hidden_size * 4  # float32
    return {
        "model": b.label,
        "tokens": n,
        "windows": plan.n_windows,
        "batches": [len(x) for x in plan.batches],
        "window_tokens": int(ids.shape[1]),
        "rounds": rounds,
        "peak_mib": {k: [v / 2**20 for v in vs] for k, vs in peaks.items()},
        "batch_hidden_mib": len(widest) * per_window / 2**20,
        "all_windows_hidden_mib": plan.n_windows * per_window / 2**20,
        "bound": MEMORY_BOUND,
        "analyze_over_batch": max(peaks["analyze"]) / max(1, min(peaks["batch"])),
        "malloc_mmap_threshold": os.environ.get("MALLOC_MMAP_THRESHOLD_"),
    }


def run_memory(key: str, n: int = MEMORY_TOKENS, rounds: int = MEMORY_ROUNDS) -> dict:
    """:func:`measure_memory` of model ``key`` in a process of its own, with glibc mapping
    every block above 64 KiB by itself (``MALLOC_MMAP_THRESHOLD_``), so that a freed tensor
    leaves the resident set at once and its high-water mark is the peak of live memory, not
    of what the allocator kept from earlier calls."""
    import torch

    code = f"from bench.engine import _memory_child; _memory_child({key!r}, {n}, {rounds})"
    threads = str(torch.get_num_threads())
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(64 * 1024), "OMP_NUM_THREADS": threads}
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                          text=True, check=True)  # fmt: skip
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    p = out["peak_mib"]
    print(
        f"  memory {out['model']:28s} {n:5d} tok: analyze peak {max(p['analyze']):.0f} MiB, "
        f"one window batch {min(p['batch']):.0f} MiB, ratio {out['analyze_over_batch']:.2f}",
        flush=True,
    )
    return out


def _memory_child(key: str, n: int, rounds: int) -> None:
    """:func:`run_memory`'s process: the figures as one line of JSON on stdout."""
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    print(json.dumps(measure_memory(MODELS[key](), n, rounds)), flush=True)


def _carried(key: str, measured: set[str]) -> tuple[list[dict], list[dict]]:
    """The rows (timing, memory) of ``latest.json``'s section ``key`` for the models not
    measured in this run, each marked with the run it came from, so that a run of some models
    keeps the others' figures."""
    path = RESULTS / "latest.json"
    if not path.exists():
        return [], []
    old = json.loads(path.read_text(encoding="utf-8"))["sections"].get(key) or {}
    out: tuple[list[dict], list[dict]] = ([], [])
    for k, part in enumerate(("rows", "memory")):
        for row in old.get(part) or []:
            if row["model"] in measured:
                continue
            origin = row.get("from") or {
                "when": old.get("when"),
                "loadavg_at_start": (old.get("machine") or {}).get("loadavg_at_start"),
                "loadavg_after": old.get("loadavg_after"),
            }
            out[k].append({**row, "from": origin})
    return out


def run_engine(quick: bool = False, models: tuple[str, ...] = ("minilm", "bert")) -> dict:
    import torch

    from afn_widget import analyze

    rows, memory = [], []
    for key in models:
        b = MODELS[key]()
        for n in LENGTHS:
            if (quick and key == "bert" and n == 4096) or n not in ROUNDS[key]:
                continue
            rounds = ROUNDS[key][n]
            if quick:
                rounds = max(3, rounds // 3)
            text, batches = inputs(b, n)
            pair = (b.model, b.tokenizer)
            clock, passes = ForwardClock(b.model), []  # per analyze call, its passes' time

            def run_analyze(text: str = text, pair: tuple = pair, clock=clock, passes=passes):
                clock.reset()
                analyze(text, pair)
                passes.append(clock.spent)

            fns = {"bare": _bare(b.model, batches, hidden=False)}
            if n <= 512:  # windows: the same per window; not worth 11 more passes a round
                fns["bare_hs"] = _bare(b.model, batches, hidden=True)
            fns["analyze"] = run_analyze
            try:
                t = interleave(fns, rounds=rounds, warmup=1 if n <= 512 else 0)
            finally:
                clock.remove()
            forward = np.asarray(passes[-rounds:])  # the timed rounds' (no warm-up)
            beyond = np.asarray(t["analyze"]) - forward
            row = {
                "model": b.label,
                "n_layers": b.n_layers,
                "tokens": n,
                "windows": sum(len(x["input_ids"]) for x in batches),
                "rounds": rounds,
                "ms": {k: ms(v) for k, v in t.items()},
                "analyze_over_bare": ratio(t["analyze"], t["bare"]),
                "within_call": summary(beyond / forward),
                "beyond_forward_ms": ms(beyond),
                "forward_in_analyze_ms": ms(forward),
            }
            if "bare_hs" in t:
                row["analyze_over_bare_hs"] = ratio(t["analyze"], t["bare_hs"])
                row["bare_hs_over_bare"] = ratio(t["bare_hs"], t["bare"])
            guard = guard_of(row)
            if guard is not None:
                row["guard"] = guard
            rows.append(row)
            print(
                f"  engine {b.label:28s} {n:5d} tok: within the call "
                f"{100 * row['within_call']['median']:.1f} % "
                f"[{100 * row['within_call']['q1']:.1f}, {100 * row['within_call']['q3']:.1f}]"
                f"  analyze/bare {row['analyze_over_bare']['median']:.3f}"
                f"  (bare {row['ms']['bare']['median']:.1f} ms)",
                flush=True,
            )
        if not (quick and key == "bert"):
            memory.append(run_memory(key, rounds=1 if quick else MEMORY_ROUNDS))
    out = {
        "rows": rows,
        "memory": memory,
        "target": "overhead within the call <= 8 % (MiniLM, 128 tokens) and <= 3 % (BERT-base "
        f"shape, 512 tokens); a 4,096-token text's peak memory <= {MEMORY_BOUND} x one bare "
        "window batch's (hidden states on)",
        "gpu": {"available": torch.cuda.is_available()},
    }
    if not torch.cuda.is_available():
        out["gpu"]["note"] = GPU_NOTE
    if not quick:  # the record keeps the figures of the models this run left out
        n = torch.get_num_threads()
        old_rows, old_memory = _carried("engine" if n == 1 else f"engine@t{n}",
                                        {r["model"] for r in rows})  # fmt: skip
        out["rows"] = sorted(old_rows + rows, key=lambda r: (_model_order(r), r["tokens"]))
        out["memory"] = sorted(old_memory + memory, key=_model_order)
    return out


def guard_of(row: dict) -> float | None:
    """The most overhead within the call :data:`GUARD` allows a row (a model at a length)."""
    return GUARD.get((row["model"].split()[0].split("-")[0], row["tokens"]))


def _model_order(row: dict) -> int:
    """MiniLM, BERT, Qwen, as the models are listed (by their labels' first word)."""
    first = ("MiniLM", "BERT", "Qwen")
    return next((i for i, p in enumerate(first) if row["model"].startswith(p)), len(first))


def _weight_reads():
    """A context in which ``transformers.AutoModel.from_pretrained``, what the loader reads
    weights with, is wrapped by a mock: its ``call_count`` is the number of reads."""
    from unittest import mock

    from transformers import AutoModel

    return mock.patch.object(AutoModel, "from_pretrained", wraps=AutoModel.from_pretrained)


def run_cache(quick: bool = False, models: tuple[str, ...] = ("minilm", "bert")) -> dict:
    """First vs second ``analyze(text, path)`` by name; each round starts from an empty cache."""
    import torch

    from afn_widget import analyze
    from afn_widget.models import clear_cache, load_model

    rows = []
    n = 128
    with tempfile.TemporaryDirectory(prefix="afn-bench-") as tmp:
        for key in models:
            if quick and key == "bert":
                continue
            b = minilm() if key == "minilm" else bert_base_random()
            path = b.path or saved_copy(b, Path(tmp) / "bert-base-random")
            text = text_of_tokens(b.tokenizer, n)
            inputs = dict(b.tokenizer(text, return_tensors="pt"))
            rounds = (3 if quick else 8) if key == "minilm" else 10
            first, second, bare, pair = [], [], [], []
            loads = []
            analyze(text, path)  # warm-up: imports, page cache
            for _ in range(rounds):
                clear_cache()
                with _weight_reads() as reads:
                    t0 = time.perf_counter()
                    analyze(text, path)
                    first.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    analyze(text, path)
                    second.append(time.perf_counter() - t0)
                loads.append(reads.call_count)
                lm = load_model(path)  # the cached one: same object the second call used
                t0 = time.perf_counter()
                analyze(text, (lm.model, lm.tokenizer))
                pair.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                with torch.inference_mode():
                    lm.model(**inputs)
                bare.append(time.perf_counter() - t0)
            clear_cache()
            row = {
                "model": b.label,
                "tokens": n,
                "rounds": rounds,
                "weights_read_per_round": loads,
                "ms": {
                    "first": ms(first),
                    "second": ms(second),
                    "pair": ms(pair),
                    "bare": ms(bare),
                },
                "first_over_second": ratio(first, second),
                "second_over_bare": ratio(second, bare),
                "pair_over_bare": ratio(pair, bare),
            }
            rows.append(row)
            print(
                f"  cache  {b.label:28s} first/second {row['first_over_second']['median']:.2f}"
                f"  second/bare {row['second_over_bare']['median']:.3f}"
                f"  objects/bare {row['pair_over_bare']['median']:.3f}  loads {loads}",
                flush=True,
            )
    return {"rows": rows, "target": "second call: no reload; second/bare = objects/bare"}
