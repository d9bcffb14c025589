"""A view following a decoder as it writes: the time to draw one more token, in headless
Chromium (the committed bundle, ``tests/browser/host.html``, as ``bench/browser.py``).

While a model writes (``afn_widget.watch``), Python sends the view the data of the text read so
far after every token: every data trait, one batch (``hold_sync``). Measured here, for each of
``APPENDS`` appends after ``N_TOKENS`` tokens: from the state update (the host model's
``pythonSet`` of the next prefix's data traits, already decoded to ``DataView`` buffers as a
kernel message's are) until the span of the newest unit is in the text box with its colour and
laid out (a forced layout), in the Tokens and the Words view. Between two appends the page gets
one frame and a task, as it gets at least that between two tokens of a real model. Target:
median at most :data:`TARGET` ms (a frame at 60 Hz).

States: a writing-shaped text of UD EWT dev sentences tokenized by a SentencePiece-style BPE
(``bench.generate.small_tokenizer``), 25 rows (a 24-layer decoder such as Qwen2.5-0.5B), TAS,
``logprob`` and ``entropy`` from a seeded RNG (the LM head's the same at every layer, nan for
the first token), the tokens after the first ``PROMPT`` flagged as written; each prefix's data
by the package's own path (``result_from_scores`` -> ``payload``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .browser import CHROMIUM, FLAGS, PATCHES, _host_page, to_js
from .common import summary, text_of_tokens

N_TOKENS = 2000
APPENDS = 40
PROMPT = 32
N_LAYERS = 24
TARGET = 16.0

# What-if: the text laid out whole for every token, as for any new data (the append path off).
PATCHES["drawn_whole"] = [("extendBlocks(this, next, BLOCK, UNSET)", "false")]


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    """A token's span without the whitespace at its ends (as the engine's offsets)."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def writing_results(n_tokens: int, seed: int = 0) -> list[Any]:
    """Results of the text's prefixes of ``n_tokens - APPENDS`` ... ``n_tokens`` tokens."""
    from afn_widget.scores import result_from_scores

    from .generate import small_tokenizer

    tok = small_tokenizer()
    text = text_of_tokens(tok, n_tokens)
    enc = tok(text, return_offsets_mapping=True, verbose=False)
    ids = enc["input_ids"]
    tokens = tok.convert_ids_to_tokens(ids)
    special = set(tok.all_special_ids)
    offsets = [None if i in special else _strip(text, int(s), int(e))
               for i, (s, e) in zip(ids, enc["offset_mapping"], strict=True)]  # fmt: skip
    rng = np.random.default_rng(seed)
    n = len(tokens)
    norms = rng.gamma(2.0, 2.0, (N_LAYERS + 1, n)) * np.linspace(1, 3, N_LAYERS + 1)[:, None]
    head = {"logprob": -rng.gamma(1.5, 1.5, n), "entropy": rng.gamma(2.0, 1.0, n)}
    for v in head.values():
        v[0] = np.nan
    out = []
    for k in range(n - APPENDS - 1, n + 1):
        ends = [o[1] for o in offsets[:k] if o is not None]
        r = result_from_scores(
            tokens[:k], norms[:, :k].astype(np.float32), offsets[:k],
            text[: max(ends, default=0)], layer=16, score_name="TAS",
        )  # fmt: skip
        extra = {name: np.tile(v[:k].astype(np.float32), (N_LAYERS + 1, 1))
                 for name, v in head.items()}  # fmt: skip
        out.append(replace(r, extra=extra, scores=("tas", *head), generated=np.arange(k) >= PROMPT))
    return out


def update_of(result: Any, version: int, before: dict[str, Any] | None = None) -> dict[str, Any]:
    """The data traits Python sends for ``result`` (a writing view's hold_sync batch): those
    whose value differs from ``before`` (traitlets tells only of a change), all without it."""
    from afn_widget.payload import payload

    now = {**payload(result), "text": result.text, "dims_version": version}
    return {k: v for k, v in now.items() if before is None or before.get(k) != v}


STASH_JS = """([changes]) => {
  const decode = (v) => {
    if (!v || typeof v !== 'object' || Array.isArray(v) || typeof v.$b64 !== 'string') return v;
    const bin = atob(v.$b64), buf = new ArrayBuffer(bin.length + 8);
    const bytes = new Uint8Array(buf, 3, bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new DataView(buf, 3, bin.length);
  };
  window.__next = Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, decode(v)]));
}"""

# The time from the update to the newest unit's span drawn (coloured, laid out).
APPEND_JS = """async ([id]) => {
  const el = window.__afn.el(id);
  await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
  const box = el.querySelector('.afn-text');
  // the last span of the text that is not a special's (hidden), coloured
  const drawn = () => {
    let last = box.lastElementChild;
    while (last && last.classList.contains('afn-special')) last = last.previousElementSibling;
    return last && /\\bafn-c\\d+\\b/.test(last.className) ? last : null;
  };
  const want = box.querySelectorAll('.afn-tok').length;
  const t0 = performance.now();
  window.__afn.pythonSet(id, window.__next);
  await Promise.resolve(); // the view takes a batch of traits in one microtask
  let last = drawn();
  while (!last) {
    await new Promise((res) => requestAnimationFrame(res));
    last = drawn();
  }
  void el.offsetHeight;
  const ms = performance.now() - t0;
  return { ms, spans: box.querySelectorAll('.afn-tok').length, before: want,
           text: last.textContent };
}"""


def _run_one(
    browser, results: list[Any], granularity: str, patches: tuple[str, ...] = ()
) -> dict[str, Any]:
    first = results[0]
    state = {
        **update_of(first, 1),
        "layer": first.layer, "quantile": 0.75, "granularity": granularity,
        "show_special": False, "include_special": False, "score": "tas", "compare_score": "",
        "word_agg": "mean", "normalize": "raw", "controls": "full", "writing": True,
        "status": "writing", "progress": 0.5, "error": "",
    }  # fmt: skip
    ctx, page = _host_page(browser, patches)
    try:
        vid = page.evaluate("([s]) => window.__afn.mount(s).id", [to_js(state)])
        # the view follows the writing: its text box scrolled to the end, every block placed
        page.wait_for_selector(".afn-text:not([aria-busy])", state="attached")
        page.evaluate(
            "(id) => { const b = window.__afn.el(id).querySelector('.afn-text');"
            " b.scrollTop = b.scrollHeight; }",
            vid,
        )
        times, grew, shown = [], [], update_of(first, 1)
        for k, r in enumerate(results[1:], start=2):
            changes = update_of(r, k, shown)
            shown = {**shown, **changes}
            page.evaluate(STASH_JS, [to_js(changes)])
            out = page.evaluate(APPEND_JS, [vid])
            times.append(out["ms"])
            grew.append(out["spans"] - out["before"])
        errors = page.evaluate("() => window.__afn.errors || []")
    finally:
        ctx.close()
    return {
        "granularity": granularity,
        "patches": list(patches),
        "n_tokens_first": len(first.tokens),
        "n_tokens_last": len(results[-1].tokens),
        "appends": len(times),
        "append_ms": summary(times),
        "spans_added": summary(grew),
        "errors": errors,
    }


def run_append(quick: bool = False) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    results = writing_results(N_TOKENS)
    if quick:
        results = results[-11:]
    rows, whatif = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            version = browser.version
            for gran, patches in [
                (g, p) for p in ((), ("drawn_whole",)) for g in ("token", "word")
            ]:
                row = _run_one(browser, results, gran, patches)
                (whatif if patches else rows).append(row)
                m = row["append_ms"]
                print(
                    f"  append at {row['n_tokens_last']} tokens, {gran:5s}"
                    f"{' (drawn whole)' if patches else ''}: median "
                    f"{m['median']:.1f} ms (q1 {m['q1']:.1f}, q3 {m['q3']:.1f}, "
                    f"max {m['max']:.1f})",
                    flush=True,
                )
        finally:
            browser.close()
    return {
        "chromium": version,
        "rows": rows,
        "what_if": whatif,
        "target_ms": TARGET,
        "n_layers": N_LAYERS,
    }
