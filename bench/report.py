"""Write BENCHMARKS.md from ``bench/results/latest.json`` (``python -m bench --report``).

Every figure in the tables comes from the JSON; the findings at the end (causes, fixes) are
the text of ``bench/FINDINGS.md`` (:data:`FINDINGS_FILE`), written from profiles of these runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .engine import guard_of

TARGET_CORPUS = 3.0
# first render / a layer or score change, by text length (tokens)
BROWSER_TARGETS = {10000: (150.0, 30.0), 100000: (300.0, 150.0)}


def _change_ms(r: dict) -> float:
    """The slowest median of a layer or score change (from Python, the slider or the selector)."""
    keys = ("layer_python_ms", "layer_slider_ms", "score_python_ms", "score_select_ms")
    return max(r[k]["median"] for k in keys if k in r)


def _r(s: dict | None, digits: int = 2) -> str:
    """'median [q1–q3] (min–max)' of a summary."""
    if not s or not s.get("n"):
        return "—"
    f = f"{{:.{digits}f}}"
    return (
        f"**{f.format(s['median'])}** [{f.format(s['q1'])}–{f.format(s['q3'])}] "
        f"({f.format(s['min'])}–{f.format(s['max'])})"
    )


def _m(s: dict | None, digits: int = 1) -> str:
    if not s or not s.get("n"):
        return "—"
    f = f"{{:.{digits}f}}"
    return f"{f.format(s['median'])} [{f.format(s['q1'])}–{f.format(s['q3'])}]"


def _min_ratio(r: dict, a: str, b: str) -> str:
    """min(a) / min(b): with noise that only ever adds time, the ratio of the fastest runs."""
    try:
        return f"{r['ms'][a]['min'] / r['ms'][b]['min']:.3f}"
    except (KeyError, ZeroDivisionError):
        return "—"


def _within_share(r: dict) -> float | None:
    """The median overhead within the call: (analyze's time − its own forward passes) / those
    passes (records before the forward hooks: from their step-by-step breakdown)."""
    if r.get("within_call"):
        return r["within_call"]["median"]
    b = r.get("breakdown_ms")
    return (b["total"] - b["forward"]) / b["forward"] if b and b.get("forward") else None


def _within(r: dict) -> str:
    w = r.get("within_call")
    if w:
        return f"**{100 * w['median']:.1f} %** [{100 * w['q1']:.1f}–{100 * w['q3']:.1f}]"
    share = _within_share(r)
    return "—" if share is None else f"{100 * share:.1f} %"


def _guard(r: dict) -> str:
    """The guard's verdict for a row it covers (:data:`bench.engine.GUARD`), else empty."""
    limit, share = guard_of(r), _within_share(r)
    if limit is None or share is None:
        return ""
    return f"≤ {100 * limit:.0f} %: {_ok(share <= limit)}"


def _ok(met: bool) -> str:
    return "met" if met else "**missed**"


def _machine(m: dict) -> str:
    return (
        f"{m.get('cpu_model')}, nproc {m.get('nproc')}, {m.get('mem_gib')} GiB; Python "
        f"{m.get('python')}, torch {m.get('torch')} ({m.get('torch_threads')} intra-op "
        f"thread(s), OMP_WAIT_POLICY={m.get('omp_wait_policy')}), transformers "
        f"{m.get('transformers')}, numpy {m.get('numpy')}; {m.get('chromium')}; git "
        f"{m.get('git_head')}{' + uncommitted changes' if m.get('worktree_dirty') else ''}"
    )


def _section_head(d: dict) -> str:
    la = d.get("machine", {}).get("loadavg_at_start")
    return (
        f"*Run {d.get('when')}, {d.get('seconds')} s, threads {d.get('threads')}, "
        f"{'quick' if d.get('quick') else 'full'} mode; load average at start "
        f"{la}, after {[round(x, 2) for x in d.get('loadavg_after', [])]}.*\n"
    )


def _carried_mark(r: dict) -> str:
    """``†`` after a row this run did not measure (kept from an earlier run)."""
    return " †" if r.get("from") else ""


def _carried_note(d: dict) -> list[str]:
    """Where the rows marked † come from."""
    runs = {}
    for r in d["rows"] + (d.get("memory") or []):
        if r.get("from"):
            runs.setdefault(r["from"].get("when"), r["from"])
    if not runs:
        return []
    parts = []
    for when, f in runs.items():
        la = f.get("loadavg_at_start")
        la = "?" if la is None else [round(x, 2) for x in la]
        after = [round(x, 2) for x in f.get("loadavg_after") or []]
        parts.append(f"run {when} (load average at start {la}, after {after})")
    return ["", f"† kept from an earlier {'; '.join(parts)}: this run measured the other models."]


def _memory(d: dict) -> list[str]:
    rows = d.get("memory") or []
    if not rows:
        return []
    out = [
        "",
        "**A long text's memory.** Peak resident memory while the call runs, above where the "
        "process stood when it began (Linux `VmHWM` reset through `/proc/self/clear_refs`, after "
        "a full collection and `malloc_trim`; MiB), in a process of its own where glibc maps "
        "every block above 64 KiB by itself (`MALLOC_MMAP_THRESHOLD_`), so that a freed tensor "
        "leaves at once and the mark is the peak of live memory: `analyze` of the text against "
        "the bare forward pass, hidden states on, of the widest batch of windows it runs (the "
        "same windows, `batch_windows=4`), alternating, after an untimed call of each (a first "
        "call alone allocates a new shape's buffers and what later calls reuse; records from "
        "before 2 December 13:00 UTC warmed the batch only); the largest `analyze` against the "
        "smallest batch. Bounded by one window batch: `analyze` ≤ "
        f"{rows[0].get('bound', 2):g} × the batch, room for the batch in flight and the text's "
        "own arrays (the engine lets go of a batch's hidden states before the next batch runs). "
        "Beside them, the float32 hidden states of one batch and of "
        "every window at once (what holding the text whole would take).",
        "",
        "| model | tokens | windows (batches) | rounds | one window batch, MiB | analyze, MiB | "
        "analyze / batch | bounded | one batch's hidden states, MiB | every window's, MiB |",
        "|---|---:|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for r in rows:
        p = r["peak_mib"]
        ratio = r["analyze_over_batch"]
        out.append(
            f"| {r['model']}{_carried_mark(r)} | {r['tokens']} | {r['windows']} "
            f"({'+'.join(map(str, r['batches']))}) | {r['rounds']} | {min(p['batch']):.0f} | "
            f"{max(p['analyze']):.0f} | {ratio:.2f} | {_ok(ratio <= r['bound'])} | "
            f"{r['batch_hidden_mib']:.0f} | {r['all_windows_hidden_mib']:.0f} |"
        )
    return out


def _gpu(d: dict) -> list[str]:
    note = (d.get("gpu") or {}).get("note")
    return ["", f"*GPU:* {note}."] if note else []


def _engine(d: dict, title: str) -> list[str]:
    out = [f"### {title}\n", _section_head(d)]
    out.append(
        "| model | tokens | windows | rounds | bare forward, ms | overhead within the call | "
        "beyond its forward passes, ms | analyze / bare | min / min | analyze / bare with hidden "
        "states | bare with hidden states / bare | guard |"
    )
    out.append("|---|---:|---:|---:|---:|---|---:|---|---:|---|---|---|")
    for r in d["rows"]:
        out.append(
            f"| {r['model']}{_carried_mark(r)} | {r['tokens']} | {r['windows']} | {r['rounds']} | "
            f"{_m(r['ms']['bare'])} | {_within(r)} | {_m(r.get('beyond_forward_ms'), 2)} | "
            f"{_r(r['analyze_over_bare'], 3)} | {_min_ratio(r, 'analyze', 'bare')} | "
            f"{_r(r.get('analyze_over_bare_hs'), 3)} | {_r(r.get('bare_hs_over_bare'), 3)} | "
            f"{_guard(r)} |"
        )
    out.append(
        "\n*Overhead within the call* = per `analyze` call, (its time − the time of its own "
        "forward passes) / that time, the passes timed by forward hooks on the model's outermost "
        "call in the very calls timed against *bare*; median [quartiles] over the rounds (a "
        "figure without quartiles comes from a record made before the hooks: a step-by-step "
        "timing of separate calls). The neighbours' load slows the pass and the rest of the "
        "call alike, so this is the steady figure; *analyze / bare* compares separate calls and "
        "moves by several points from run to run."
    )
    return out + _memory(d) + _gpu(d) + _carried_note(d)


def _cache(d: dict) -> list[str]:
    out = ["## 2. Second call on a cached model\n", _section_head(d)]
    out.append(
        "`analyze(text, path)` by name, 128 tokens; each round starts with `clear_cache()`. "
        "*objects* = `analyze(text, (model, tokenizer))` on the same loaded model.\n"
    )
    out.append(
        "| model | rounds | weights read per round | first call, ms | second call, ms | "
        "first / second | second / bare | objects / bare |"
    )
    out.append("|---|---:|---|---:|---:|---|---|---|")
    for r in d["rows"]:
        out.append(
            f"| {r['model']} | {r['rounds']} | {r['weights_read_per_round']} | "
            f"{_m(r['ms']['first'])} | {_m(r['ms']['second'])} | {_r(r['first_over_second'])} | "
            f"{_r(r['second_over_bare'], 3)} | {_r(r['pair_over_bare'], 3)} |"
        )
    return out


def _corpus(d: dict) -> list[str]:
    out = ["## 3. `analyze_corpus` vs. a loop of `analyze`\n", _section_head(d)]
    out.append(
        "*loop* = `[analyze(s.text, model) for s in sentences]` (TAS only); *corpus, TAS* = "
        "`analyze_corpus(sentences, model, controls=(), scores=('tas',), progress=False)` "
        "(the like-for-like run: TAS of every layer per word, plus the frequency baseline and "
        "a 1,000-resample bootstrap; the model's own attention kernel, no hooks); *corpus, all "
        "scores* = the same with every score (the default: eager attention with hooks for "
        "attention and attention-norm, outlier-dropped norms, shifts: more work than the loop); "
        "*batched bare* = the same sentences in `analyze_corpus`'s length-sorted batches of "
        "≤ 512 padded tokens (its default on a CPU) through `model(...)` and nothing else "
        "(the floor of any batched run). *default controls* = `analyze_corpus` with its "
        "default controls (`shuffled`, "
        "`random_init`: 3 forward passes per sentence and a random twin), MiniLM, every 4th "
        "sentence, timed once.\n"
    )
    out.append(
        "| model | sentences | tokens | rounds | loop, s | corpus, TAS, s | corpus, all scores, "
        "s | batched bare, s | loop / corpus, TAS (≥ 3) | loop / corpus, all scores | corpus, "
        "TAS / batched bare | loop / batched bare | default controls, every 4th sentence, s |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|---:|")
    for r in d["rows"]:
        s = {
            k: {kk: (v / 1e3 if kk != "n" else v) for kk, v in r["ms"][k].items()} for k in r["ms"]
        }
        if "loop_over_corpus_tas" not in r:  # a record without the TAS-only variant
            continue
        met = r["loop_over_corpus_tas"]["median"] >= TARGET_CORPUS
        out.append(
            f"| {r['model']} | {r['sentences']} | {r['tokens']} | {r['rounds']} | "
            f"{_m(s['loop'])} | {_m(s['corpus_tas'])} | {_m(s['corpus'])} | "
            f"{_m(s['batched_bare'])} | {_r(r['loop_over_corpus_tas'])} {_ok(met)} | "
            f"{_r(r['loop_over_corpus'])} | {_r(r['corpus_tas_over_batched_bare'])} | "
            f"{_r(r['loop_over_batched_bare'])} | "
            f"{'—' if not r.get('default_controls_s') else round(r['default_controls_s'], 1)} |"
        )
    rates = [r for r in d["rows"] if r.get("gflop_per_s")]
    if rates:
        out.append(
            "\nHow busy the core(s) were: floating-point work done (the matrix products torch's "
            "`FlopCounterMode` counts, plus attention's 4·T²·d per layer; the batched runs "
            "count their padding) over the median time, against a large float32 matrix "
            "product on the same threads (1024 × 1024, best of 5). No batched run can be "
            "faster than the work at that rate; the loop's ratio to it bounds what any "
            "batching can win. *First call* = `analyze_corpus` on 16 sentences, the first in "
            "the process (imports, the word-frequency table), left out of the timing above.\n"
        )
        out.append(
            "| model | GFLOP, loop | GFLOP, batched | loop, GFLOP/s | corpus, TAS, GFLOP/s | "
            "batched bare, GFLOP/s | 1024² matmul, GFLOP/s | loop's time / the batched work "
            "at the matmul's rate | first call, s |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rates:
            g, f = r["gflop"], r["gflop_per_s"]
            bound = (g["loop"] / f["loop"]) / (g["batched"] / f["matmul_1024"])
            first = r.get("first_call_16_sentences_s")
            out.append(
                f"| {r['model']} | {g['loop']:.0f} | {g['batched']:.0f} | {f['loop']:.1f} | "
                f"{f['corpus_tas']:.1f} | {f['batched_bare']:.1f} | {f['matmul_1024']:.1f} | "
                f"{bound:.2f} | {'—' if first is None else f'{first:.2f}'} |"
            )
    return out


def _browser(d: dict) -> list[str]:
    out = [
        "## 4. Browser (headless Chromium, `performance.now()` in the page)\n",
        _section_head(d),
        f"{d.get('chromium')}. Milliseconds, median [IQR].\n",
    ]
    out.append(
        "| tokens | granularity | spans | first render, cold | first render, warm | "
        "to first frame, cold | every span built and coloured, cold | layer change (Python) | "
        "layer change (slider) | every span re-coloured (Python / slider) | "
        "score change (Python / selector) | tooltip | "
        "render / layer or score change: ≤ 150 / 30 ms at 10k, ≤ 300 / 150 ms at 100k |"
    )
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---|")

    def row(r: dict, label: str = "") -> str:
        tgt = ""
        limits = BROWSER_TARGETS.get(r["n_tokens"] // 1000 * 1000)
        if limits:
            tgt = (
                f"{_ok(r['render_cold_ms']['median'] <= limits[0])} / "
                f"{_ok(_change_ms(r) <= limits[1])}"
            )
        score = (
            f"{_m(r['score_python_ms'])} / {_m(r['score_select_ms'])}"
            if "score_python_ms" in r
            else "—"
        )
        return (
            f"| {r['n_tokens']} | {r['granularity']}{label} | {r['n_spans']} | "
            f"{_m(r['render_cold_ms'])} | {_m(r['render_warm_ms'])} | "
            f"{_m(r['to_frame_cold_ms'])} | {_m(r.get('settled_cold_ms'))} | "
            f"{_m(r['layer_python_ms'])} | {_m(r['layer_slider_ms'])} | "
            f"{_m(r.get('layer_python_settled_ms'))} / {_m(r.get('layer_slider_settled_ms'))} | "
            f"{score} | {_m(r['tooltip_ms'], 2)} | {tgt} |"
        )

    for r in d["rows"]:
        out.append(row(r))
    for r in d.get("what_if", []):
        out.append(row(r, f", what-if `{'+'.join(r['patches'])}`"))
    sa = d.get("standalone", {})
    if sa:
        out.append(
            "\nStandalone HTML (`AFNView.to_html()`, same synthetic states, word view), "
            "opened from a file with every other request blocked:\n"
        )
        out.append("| tokens | size | DOMContentLoaded, ms (mount runs during parsing) |")
        out.append("|---:|---:|---:|")
        for n, v in sa.items():
            out.append(f"| {n} | {v['bytes'] / 1e3:.0f} kB | {_m(v['dom_content_loaded_ms'])} |")
    p = d.get("profile")
    if p:
        out.append(
            f"\nCPU profile (CDP, 100 µs sampling), {p['n_tokens']} tokens, {p['granularity']} "
            f"view. One warm mount ({p['mount_ms']:.0f} ms), then {len(p['layer_ms_each'])} layer "
            "changes (self time summed over all of them). Style recalculation and layout forced "
            "from JavaScript count as self time of the function that forced them: `mount "
            "host.html` (its `el.offsetHeight`) and the `(anonymous)` timing loop.\n"
        )
        out.append("| mount: function | self ms | layer changes: function | self ms |")
        out.append("|---|---:|---|---:|")
        a, b = p["mount_self"], p["layer_self_total_over_changes"]
        for i in range(max(len(a), len(b))):
            x = a[i] if i < len(a) else {"function": "", "self_ms": ""}
            y = b[i] if i < len(b) else {"function": "", "self_ms": ""}
            out.append(
                f"| `{x['function']}` | {x['self_ms']} | `{y['function']}` | {y['self_ms']} |"
            )
    return out


def _payload(d: dict) -> list[str]:
    out = ["## 5. Bytes sent to the front end\n", _section_head(d)]
    out.append(
        "A real 1,000-token analysis, `AFNView.from_result(...).state_dict()`: the synced traits. "
        "Binary traits are raw buffers; JSON traits counted as compact UTF-8 JSON. The top "
        "dims travel per tooltip instead (*tooltip*: one request and its reply, every layer of "
        "one token, median over tokens); the standalone HTML carries them inline. *Display "
        "fallback*: what the display message carries beside the widget for viewers without "
        "it (in the records of November 2026 the standalone page as `text/html` in an "
        "`<iframe srcdoc>`; since, a picture, `image/png` in base64).\n"
    )
    out.append(
        "| model | tokens | scores shown | their values B/token (budget 4·(L+1) each) | "
        "everything else B/token (budget 40) | of which `tokens` | `offsets` | word columns | "
        "top dims + shares in the traits, B/token | tooltip, B | standalone HTML (of which "
        "script+CSS) | display fallback |"
    )
    out.append("|---|---:|---:|---|---|---:|---:|---:|---:|---:|---|---:|")
    for r in d["rows"]:
        t = r["traits"]
        dims = r["top_dims_bytes_per_token"] + r["top_share_bytes_per_token"]
        tip = r.get("tooltip_message_bytes")
        fallback = r.get("display_fallback_bytes")
        if "rest_bytes_per_token" in r:
            scores = (
                f"{r['n_scores']} | {r['scores_bytes_per_token']:.1f} "
                f"({r['scores_budget_per_token']}) "
                f"{_ok(r['scores_bytes_per_token'] <= r['scores_budget_per_token'])} | "
                f"{r['rest_bytes_per_token']:.1f} {_ok(r['rest_bytes_per_token'] <= 40)}"
            )
            words = sum(
                t[k]["per_token"] for k in ("word_of", "word_spans", "word_roles") if k in t
            )
        else:  # records made before the columnar payload
            scores = f"1 | {r['norms_bytes_per_token']:.1f} ({r['norms_budget_per_token']}) | —"
            words = t["words"]["per_token"]
        out.append(
            f"| {r['model']} | {r['n_tokens']} | {scores} | {t['tokens']['per_token']:.1f} | "
            f"{t['offsets']['per_token']:.1f} | {words:.1f} | {dims:.1f} | "
            f"{'—' if tip is None else f'{tip:.0f}'} | {r['standalone_html_bytes'] / 1e3:.0f} kB "
            f"({r['standalone_html_fixed_bytes'] / 1e3:.0f} kB) | "
            f"{'—' if fallback is None else f'{fallback / 1e3:.0f} kB'} |"
        )
    return out


def _peers(d: dict) -> list[str]:
    out = ["## 6. Peers: text → visualisation HTML\n", _section_head(d)]
    info = d.get("worker_info", {})
    ours = next((r for r in d["rows"] if r["tool"] == "afn-widget" and "over_bare" in r), None)
    together = bool(ours and ours.get("split_ms"))
    if together:
        out.append(
            f"Same {d['tokens']}-token text, same bundled MiniLM weights, every tool "
            f"(afn-widget too) in one process, a venv of the peers' own (torch "
            f"{info.get('torch')}, transformers {info.get('transformers')}; afn-widget imported "
            f"from the source tree): {d['rounds']} rounds, each the bare forward pass and every "
            "tool once, the order rotating; a tool's ratio per round is its time over that "
            "round's bare pass (the verdict reads its median); *fastest / fastest*: the tool's "
            "fastest round over the fastest bare pass. *Offline*: the page opened in Chromium "
            "with every request but the page itself blocked; *drawn* = share of screenshot "
            "pixels off the background.\n"
        )
    else:
        out.append(
            f"Same {d['tokens']}-token text, same bundled MiniLM weights, {d['rounds']} "
            "interleaved rounds each against the bare forward pass in the same process. Peers "
            f"in a venv of their own (torch {info.get('torch')}, transformers "
            f"{info.get('transformers')}). *Offline*: the page opened in Chromium with every "
            "request but the page itself blocked; *drawn* = share of screenshot pixels off the "
            "background.\n"
        )
    out.append(
        "| tool | version | pipeline | time / bare forward | fastest / fastest | HTML | "
        "offline: drawn | requests it tried |"
    )
    out.append("|---|---|---|---|---:|---:|---|---|")
    for r in d["rows"]:
        if "error" in r:
            says = "; ".join(r.get("pip_says", [])[-3:])[:400].replace("|", "/")
            out.append(
                f"| {r['tool']} | {r.get('version') or '—'} | — | {r['error']} | — | — | — | "
                f"{says} |"
            )
            continue
        for k, f in r["files"].items():
            off = f.get("offline") or {}
            drawn = off.get("drawn_pixel_share")
            shown = (
                "—"
                if drawn is None
                else (
                    f"{'yes' if drawn > 0.005 and off.get('visible_text_chars', 0) > 0 else 'no'} "
                    f"({100 * drawn:.1f}% px, {off.get('visible_text_chars')} chars)"
                )
            )
            tried = ", ".join(off.get("blocked_requests", [])) or "none"
            errs = off.get("page_errors") or []
            if errs:
                tried += f"; error: {errs[0][:80]}"
            out.append(
                f"| {r['tool']}{'' if k == r['tool'].replace('-', '_') else f' (`{k}`)'} | "
                f"{r.get('version')} | {r.get('pipeline')} | {_r(r['over_bare'], 3)} | "
                f"{_fastest(r)} | {f['bytes'] / 1e3:,.0f} kB | {shown} | {tried} |"
            )
    if together:
        sp, parts = ours["split_ms"], ours.get("parts_ms", {})
        verdict = _peers_verdict(d)
        out.append("")
        out.append(
            f"afn-widget's page: {verdict}. Its call, ms (medians of {sp['rounds']} further "
            "calls, the model's outermost call timed by hooks): "
            f"bare forward {sp['bare']:.1f}; afn-widget's own forward pass (every hidden state "
            f"out) {sp['forward_in_analyze']:.1f}; the rest of `analyze` (tokenizing, every "
            f"layer's norms; runs before 2 December 14:00 UTC, the top dimensions too) "
            f"{sp['analyze_rest']:.1f}; the page (`to_html`: the top dimensions, words and "
            f"roles, the state's JSON, the page) {sp['page']:.1f}; in all "
            f"{sp['total']:.1f}. In the timed rounds: `analyze` {_m(parts.get('analyze'))}, "
            f"the page {_m(parts.get('page'), 2)} ms.\n"
        )
    return out


def _fastest(r: dict) -> str:
    """A tool's fastest round over the fastest bare pass (noise only ever adds time)."""
    try:
        return f"{r['peer_ms']['min'] / r['bare_ms']['min']:.3f}"
    except (KeyError, ZeroDivisionError):
        return "—"


def _peers_verdict(d: dict) -> str:
    """afn-widget's text → page over the bare pass beside the nearest peer's, no target: the
    1.05 × target and "ahead of every peer" are withdrawn (the peers' pages do a fraction of
    the work: one layer, a static table; the comparison was not like for like)."""
    rows = [r for r in d["rows"] if "over_bare" in r]
    ours = next(r for r in rows if r["tool"] == "afn-widget")
    m = ours["over_bare"]["median"]
    peers = {r["tool"]: r["over_bare"]["median"] for r in rows if r is not ours}
    text = f"{m:.3f} × bare (no target: withdrawn, the peers' pages do less)"
    if peers:
        best = min(peers, key=peers.get)
        text += f"; the nearest peer, {best}, {peers[best]:.3f}"
    return text


def _ray(d: dict) -> list[str]:
    out = ["## 7. Ray: `analyze_corpus` on a local Ray vs. the local engine\n", _section_head(d)]
    r = d["rows"][0]
    if "phases" not in r:
        return out + ["(an older record: rerun `python -m bench --only ray`)\n"]
    out.append(
        f"{r['model']}, UD EWT dev ({r['sentences']} sentences), TAS only, no controls, the model "
        "by path. Ray started once beforehand (`ray.init(num_cpus=2)` took "
        f"{r['ray_init_s']:.1f} s, outside the timing, as on a running cluster); then for one "
        "actor and for two, one call that starts the pool of actors (recorded apart, like the "
        f"cluster's start), and {r['rounds']} rounds of `local` and `ray` interleaved, the pool "
        "kept between the calls as between the treebanks of a run. *collect*: the engine's own "
        "step (reading, tokenizing, the forward passes); *rest*: counts, regression, "
        "bootstrap, table (the same code on both). From the Ray calls' timelines "
        "(`ray_engine.last_timeline()`): the rows' wait for an actor, the actors' busy time, "
        "the last result's way back. Seconds, medians over the rounds; the ratio's cell reads "
        "median [quartiles] (min–max).\n"
    )
    out.append(
        "| actors | local, s | Ray, s | Ray / local (≤ 1.25 for one actor) | collect local / Ray "
        "| of which on the actors (busy, sum) | forward wall | first row's wait | last result "
        "back | rest local / Ray | load average before → after |"
    )
    out.append("|---:|---:|---:|---|---|---:|---:|---:|---:|---|---|")
    for name, p in r["phases"].items():
        w = p["warm_breakdown_s"]
        local, ray = p["ms"]["local"]["median"] / 1e3, p["ms"][name]["median"] / 1e3
        verdict = f": {_ok(p['over_local']['median'] <= 1.25)}" if p["workers"] == 1 else ""
        la = [round(x, 2) for x in p["loadavg_before"]]
        lb = [round(x, 2) for x in p["loadavg_after"]]
        out.append(
            f"| {p['workers']} | {local:.2f} | {ray:.2f} | {_r(p['over_local'])}{verdict} | "
            f"{p['collect_s']['local']:.2f} / {p['collect_s'][name]:.2f} | "
            f"{w['actors_busy']:.2f} | {w['forward_wall']:.2f} | {w['to_first_row']:.2f} | "
            f"{w['last_result_back']:.2f} | {p['rest_s']['local']:.2f} / "
            f"{p['rest_s'][name]:.2f} | {la} → {lb} |"
        )
    out.append("")
    starts = []
    for p in r["phases"].values():
        c = p["cold_breakdown_s"]
        starts.append(
            f"{p['workers']} actor{'s' if p['workers'] > 1 else ''}: {p['pool_start_s']:.1f} s "
            f"more than a call on the kept pool (first call {p['cold_call_s']:.1f} s: "
            f"{c.get('to_actor_start', float('nan')):.1f} s until the actors' constructors "
            f"began, {c.get('actor_constructor', float('nan')):.1f} s in them: imports, model "
            "load)"
        )
    out.append(
        "Starting the pool, paid once per run (a pool is kept `keep_workers` = 300 idle "
        "seconds by default): " + "; ".join(starts) + ".\n"
    )
    rate = r["sentences_per_s_per_worker"]
    out.append(
        f"Sentences per second per worker: **{rate['ray_1']:.0f}** on one actor, the whole call "
        f"(local: {rate['local']:.0f}); {rate['ray_2']:.0f} per actor with two (this machine's "
        f"two cores are shared with other jobs, so two actors do not run twice as fast); "
        f"{rate['actor_forward_only']:.0f} counting the actor's forward passes only. The "
        f"driver's part (everything but the forward passes) is "
        f"{1e3 * r['driver_s_per_sentence']:.2f} ms per sentence, an actor's "
        f"{1e3 * r['actor_s_per_sentence']:.2f} ms.\n"
    )
    hours = r["ud_hours_estimate"]
    out.append(
        f"**Estimate, on paper**, for all of UD (~{r['ud_sentences_assumed']:,} sentences "
        "assumed, as long as EWT's): wall time ≈ S × (driver + actor / N) + one pool start, "
        "the actors scaling linearly, nothing else in the way.\n"
    )
    out.append("| CPU workers N | " + " | ".join(hours) + " |")
    out.append("|---|" + "---:|" * len(hours))
    out.append("| hours (estimate) | " + " | ".join(f"{h:.1f}" for h in hours.values()) + " |")
    out.append("")
    out.append(
        "GPU workers are not measured here (no GPU on this machine). However fast their "
        "forward passes, the driver's part stays: "
        f"**{r['ud_hours_floor_driver']:.1f} h** (estimate) for all of UD on one driver, "
        "a floor that more workers do not lower; running several treebanks' drivers at once "
        "would.\n"
    )
    return out


def _generate(d: dict) -> list[str]:
    out = ["## 8. `generate()` vs. `model.generate`\n", _section_head(d)]
    out.append(
        "*model.generate* = `model.generate(ids, max_new_tokens=64, do_sample=False)`, its "
        "default KV cache, the prompt's ids made beforehand; *generate* = "
        "`afn_widget.generate(text, (model, tokenizer), max_new_tokens=64)`, the same tokens "
        "(checked) with every statistic (norms, shifts, top dimensions, massive flags, logprob, "
        "entropy) and the result. *Passes* = the model's own forward calls, timed by hooks "
        "(`generate` runs one more: the last token written is read too). Random weights, no "
        "end-of-sequence id; the tiny Llama of 512 tokens with a BPE trained on the UD text (its "
        "LM head the size of its body), the others with the MiniLM tokenizer (30,522 tokens: the "
        "tiny Llama's LM head is then nearly all of its compute, and so are the LM head's "
        "statistics of what `generate` adds; no target); see `bench/generate.py`.\n"
    )
    out.append(
        "| model | prompt tokens | new tokens | rounds | model.generate, ms | generate, ms | "
        "generate / model.generate | min / min | passes, ms (model.generate / generate) | "
        "beyond the passes, ms (model.generate / generate) | target |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---|---:|---|---|---|")
    for r in d["rows"]:
        f, b, ratio = r["forward_ms"], r["beyond_forward_ms"], r["generate_over_plain"]
        out.append(
            f"| {r['model']} | {r['prompt_tokens']} | {r['new_tokens']} | {r['rounds']} | "
            f"{_m(r['ms']['model.generate'])} | {_m(r['ms']['generate'])} | {_r(ratio, 3)} | "
            f"{_min_ratio(r, 'generate', 'model.generate')} | "
            f"{_m(f['model.generate'])} / {_m(f['generate'])} | "
            f"{_m(b['model.generate'])} / {_m(b['generate'])} | {_generate_verdict(r)} |"
        )
    return out


def _append(d: dict) -> list[str]:
    out = ["## 9. A view following a decoder as it writes\n", _section_head(d)]
    out.append(
        "While a model writes (`AFNView(prompt, model=..., generate=N)`), Python sends the view "
        "the data of the text so far after every token. *Append* = from that state update (the "
        "host page's model setting the traits that changed, already decoded to buffers) until "
        "the newest unit's span is in the text box with its colour, laid out (a forced layout); "
        f"{d['rows'][0]['appends']} appends after about {d['rows'][0]['n_tokens_first']:,} "
        "tokens, a frame and a task between two, the text box following the end. A writing-"
        f"shaped text: UD EWT dev sentences, {d['n_layers'] + 1} rows (a 24-layer decoder), TAS, "
        "`logprob` and `entropy` from a seeded RNG; Chromium "
        f"{d['chromium']}; see `bench/append.py`. The spans of the text drawn before stay "
        "(`js/append.js`): only what follows the last unchanged one is drawn again, and the "
        "text laid out once.\n"
    )
    out.append(
        "*What-if* (the same, on a patched bundle): the text laid out whole for every token, as "
        "for any new data, without the append path.\n"
    )
    out.append("| view | tokens | appends | append, ms | spans added per append | target |")
    out.append("|---|---:|---:|---|---|---|")
    for r in [*d["rows"], *d.get("what_if", [])]:
        m, s = r["append_ms"], r["spans_added"]
        whole = bool(r.get("patches"))
        verdict = (
            "(what-if)"
            if whole
            else f"≤ {d['target_ms']:.0f}: {_ok(m['median'] <= d['target_ms'])}"
        )
        # a text drawn whole places the blocks out of view as plain text: no count to give
        added = "—" if whole else f"{s['median']:.0f} ({s['min']:.0f}–{s['max']:.0f})"
        out.append(
            f"| {r['granularity']}{', drawn whole' if whole else ''} | "
            f"{r['n_tokens_first']:,}–{r['n_tokens_last']:,} | {r['appends']} | {_m(m)} | "
            f"{added} | {verdict} |"
        )
    return out


def _generate_verdict(r: dict) -> str:
    """A row's verdict against its target (none for a row whose figures only explain)."""
    if r.get("target") is None:
        return "—"
    return f"≤ {r['target']:.2f}: {_ok(r['generate_over_plain']['median'] <= r['target'])}"


def _targets(S: dict) -> list[str]:
    out = [
        "## Targets\n",
        "Every verdict reads the median of the figure its target names. For `analyze` that is "
        "the overhead *within* the call (its time beyond its own forward passes, over them; "
        "see §1), which the machine's load disturbs far less than the ratio of separate "
        "calls, given beside it.\n",
        "| target | result |",
        "|---|---|",
    ]
    e = S.get("engine")
    if e:
        for r in e["rows"]:
            limit, share = guard_of(r), _within_share(r)
            if limit is None or share is None:
                continue
            m = r["analyze_over_bare"]
            out.append(
                f"| overhead within the call ≤ {100 * limit:.0f} %, {r['model']}"
                f"{_carried_mark(r)}, {r['tokens']} tokens | {100 * share:.1f} % (analyze / bare "
                f"{m['median']:.3f} [{m['q1']:.3f}–{m['q3']:.3f}]): {_ok(share <= limit)} |"
            )
        for r in e.get("memory") or []:
            ratio, p = r["analyze_over_batch"], r["peak_mib"]
            out.append(
                f"| a {r['tokens']:,}-token text's peak memory ≤ {r['bound']:g} × one window "
                f"batch's, {r['model']}{_carried_mark(r)} | {ratio:.2f} ({max(p['analyze']):.0f} "
                f"MiB against {min(p['batch']):.0f}): {_ok(ratio <= r['bound'])} |"
            )
        note = (e.get("gpu") or {}).get("note")
        qwen = [r["model"] for r in e["rows"] if r["model"].startswith("Qwen")]
        if note and qwen:
            out.append(f"| the same in bf16 on a GPU, {qwen[0]} | not measured: {note} |")
    c = S.get("cache")
    if c:
        for r in c["rows"]:
            reads = sum(r["weights_read_per_round"]) / len(r["weights_read_per_round"])
            second = r["second_over_bare"]["median"]
            pair = r["pair_over_bare"]["median"]
            met = reads == 1 and second <= pair * 1.03
            out.append(
                f"| second call: no reload, same ratio, {r['model']} | weights read once per "
                f"round ({reads:.0f}); second / bare {second:.3f} vs objects / bare "
                f"{pair:.3f}: {_ok(met)} |"
            )
    for key in sorted(x for x in S if x.split("@")[0] == "corpus"):
        threads = "" if key == "corpus" else f", {key.split('@t')[1]} threads"
        for r in S[key]["rows"]:
            if "loop_over_corpus_tas" not in r:
                continue
            c = r["loop_over_corpus_tas"]
            met = c["median"] >= TARGET_CORPUS
            why = ""
            floor = r["loop_over_batched_bare"]["median"]
            if not met and floor < TARGET_CORPUS:
                why = (
                    f" — the loop is only {floor:.2f}× the batched bare forward pass itself, "
                    "below 3 before `analyze_corpus` adds anything"
                )
                if r.get("gflop_per_s"):
                    g, f = r["gflop"], r["gflop_per_s"]
                    bound = (g["loop"] / f["loop"]) / (g["batched"] / f["matmul_1024"])
                    too = " (below 3 too)" if bound < TARGET_CORPUS else ""
                    why += f", and {bound:.2f}× batches at a large matmul's full rate{too}"
                why += " (§3, findings)"
            out.append(
                f"| loop / analyze_corpus(scores=('tas',)) ≥ 3, {r['model']}{threads} | "
                f"{c['median']:.2f} (range {c['min']:.2f}–{c['max']:.2f}, {c['n']} rounds; all "
                f"scores {r['loop_over_corpus']['median']:.2f}): {_ok(met)}{why} |"
            )
    b = S.get("browser")
    if b:
        for r in b["rows"]:
            limits = BROWSER_TARGETS.get(r["n_tokens"] // 1000 * 1000)
            if limits:
                at = f"{r['n_tokens'] // 1000}k ({r['granularity']} view)"
                rc, lc = r["render_cold_ms"]["median"], _change_ms(r)
                out.append(
                    f"| first render ≤ {limits[0]:.0f} ms at {at} | "
                    f"{rc:.0f} ms: {_ok(rc <= limits[0])} |"
                )
                out.append(
                    f"| layer or score re-colour ≤ {limits[1]:.0f} ms at {at} | "
                    f"{lc:.0f} ms: {_ok(lc <= limits[1])} |"
                )
    ry = S.get("ray")
    if ry and "phases" in ry["rows"][0]:
        one = ry["rows"][0]["phases"]["ray_1"]["over_local"]
        out.append(
            f"| Ray / local ≤ 1.25, one actor, Ray and its pool started beforehand (§7) | "
            f"{one['median']:.2f} (range {one['min']:.2f}–{one['max']:.2f}, {one['n']} rounds): "
            f"{_ok(one['median'] <= 1.25)} |"
        )
    g = S.get("generate")
    for r in (g or {}).get("rows", []):
        if r.get("target") is None:
            continue
        m = r["generate_over_plain"]
        out.append(
            f"| generate / model.generate ≤ {r['target']:.2f}, {r['new_tokens']} new tokens, "
            f"{r['model']} | {m['median']:.3f} [{m['q1']:.3f}–{m['q3']:.3f}]: "
            f"{_ok(m['median'] <= r['target'])} |"
        )
    a = S.get("append")
    for r in (a or {}).get("rows", []):
        m = r["append_ms"]
        out.append(
            f"| a token appended in the browser ≤ {a['target_ms']:.0f} ms at "
            f"{r['n_tokens_last']:,} tokens ({r['granularity']} view) | {m['median']:.1f} ms "
            f"[{m['q1']:.1f}–{m['q3']:.1f}]: {_ok(m['median'] <= a['target_ms'])} |"
        )
    p = S.get("payload")
    if p:
        for r in p["rows"]:
            out.append(
                f"| norms ≤ 4·(L+1) B/token, {r['model']} | {r['norms_bytes_per_token']:.1f} ≤ "
                f"{r['norms_budget_per_token']}: "
                f"{_ok(r['norms_bytes_per_token'] <= r['norms_budget_per_token'])} |"
            )
            if "rest_bytes_per_token" in r:
                ok = r["scores_bytes_per_token"] <= r["scores_budget_per_token"]
                out.append(
                    f"| values of the {r['n_scores']} scores shown ≤ 4·(L+1) B/token each, "
                    f"{r['model']} | {r['scores_bytes_per_token']:.1f} ≤ "
                    f"{r['scores_budget_per_token']}: {_ok(ok)} |"
                )
                rest = r["rest_bytes_per_token"]
                out.append(
                    f"| everything else in the first payload ≤ 40 B/token, {r['model']} | "
                    f"{rest:.1f}: {_ok(rest <= 40)} (top dims per tooltip, see §5) |"
                )
    return out


FINDINGS_FILE = Path(__file__).with_name("FINDINGS.md")


def write_report(latest: Path, out: Path) -> None:
    data = json.loads(Path(latest).read_text(encoding="utf-8"))
    S: dict[str, Any] = data["sections"]
    machine = next((v["machine"] for v in S.values() if "machine" in v), {})
    lines = [
        "# Benchmarks",
        "",
        "Overhead over the physical floor (the model's forward pass), measured as **ratios in one "
        "process**, the two sides interleaved (A B A B …, the order flipped every round), many "
        "rounds. Cells read **median** [interquartile range] (min–max) of the per-round ratios. "
        "Reproduce every figure with `python -m bench` (the sections below took "
        f"{sum(v.get('seconds') or 0 for v in S.values()) / 60:.0f} minutes together; "
        "`--quick` for a look in ~5, `--only engine,cache,corpus,ray,browser,payload,peers,"
        "generate,append`, "
        "`--threads N`, `--corpus-threads 1,2`, see `bench/run.py`); raw numbers with "
        "machine facts are in `bench/results/` (`latest.json` holds the sections shown here).",
        "",
        f"Machine: {_machine(machine)}. One intra-op thread unless a section says otherwise: "
        "on a machine shared with other jobs, a pass on two threads stalls whenever either is "
        "descheduled (see `bench/run.py`); the corpus section also runs on two.",
        "",
    ]
    lines += _targets(S) + [""]
    lines.append("## 1. `analyze()` vs. the bare forward pass\n")
    lines.append(
        "*bare* = `model(**inputs)` under `torch.inference_mode()`, float32, "
        "`output_hidden_states` off, inputs tokenized beforehand (the floor); *analyze* = "
        "`afn_widget.analyze(text, (model, tokenizer))`, everything from the string to the "
        "result. Token counts include [CLS] and [SEP]; 4,096 tokens run as 11 windows of 512, "
        "the bare pass over the very same windows and batches (the variant with hidden "
        "states is not timed there: per window it is the 512-token case). Models: the bundled "
        "all-MiniLM-L6-v2 (6 layers, hidden 384, real weights) and a BERT-base-shaped model "
        "with random weights (12 layers, hidden 768, 12 heads, intermediate 3072; LayerNorm "
        "γ ~ U(0.5, 1.5), β ~ N(0, 0.1²)), both with the MiniLM tokenizer; and a decoder of "
        "Qwen2.5-0.5B's shape with random weights (24 layers, hidden 896, 14 heads, 2 key-value "
        "heads, intermediate 4864; RMSNorm gains ~ U(0.5, 1.5); the MiniLM tokenizer, so "
        "windows of 512; its last row read before the final norm), at 128 and 512 tokens and "
        "for the memory of a 4,096-token text. Text: UD EWT dev sentences.\n"
    )
    for key in sorted(k for k in S if k.startswith("engine")):
        title = "One thread" if key == "engine" else f"{key.split('@t')[1]} threads"
        lines += _engine(S[key], title) + [""]
    for key, fn in (("cache", _cache), ("corpus", _corpus)):
        for k in sorted(x for x in S if x.split("@")[0] == key):
            lines += fn(S[k]) + [""]
    if "browser" in S:
        lines += _browser(S["browser"]) + [""]
    if "payload" in S:
        lines += _payload(S["payload"]) + [""]
    if "peers" in S:
        lines += _peers(S["peers"]) + [""]
    if "ray" in S:
        lines += _ray(S["ray"]) + [""]
    if "generate" in S:
        lines += _generate(S["generate"]) + [""]
    if "append" in S:
        lines += _append(S["append"]) + [""]
    if FINDINGS_FILE.exists():
        lines.append(FINDINGS_FILE.read_text(encoding="utf-8"))
    Path(out).write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
