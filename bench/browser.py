"""The committed JS bundle in headless Chromium, timed with ``performance.now()``.

States are synthetic: realistic text (UD EWT dev sentences) tokenized by the MiniLM tokenizer,
norms for 12 layers + embeddings (BERT-base shape) and top dims from a seeded RNG, turned into
widget state by the package's own path (``result_from_scores`` -> ``AFNView.from_result`` ->
``state_dict()``, plus the top dims inline as in the standalone page; the live widget asks the
kernel for one token's when its tooltip opens). They are mounted in ``tests/browser/host.html``
(a minimal anywidget host, binary traits as ``DataView`` windows into larger buffers, as in
Jupyter), every file served by ``page.route``, every other request aborted.

Measured inside the page:

* ``render``      ``widget.render({model, el})`` + a forced layout (``el.offsetHeight``): the
                  host page's own timing. ``cold`` = the first mount in a fresh page (fresh
                  context each repeat), ``warm`` = later mounts in the same page;
* ``to_frame``    from just before ``render`` until a ``requestAnimationFrame`` callback + one
                  task later (the first frame with the view has been produced);
* ``settled``     from the start of ``render`` (or the layer change) until every span is built
                  and coloured for the current numbers: long texts do the part in view at once
                  and the rest in background tasks, with ``aria-busy`` on the text box until
                  done (seen by a ``MutationObserver``; equal to the synchronous time when
                  nothing is deferred);
* ``layer``       a layer change and its forced layout: ``python`` = the model's ``layer``
                  trait changes (as when Python sets it), ``slider`` = the range input's
                  ``input`` event (as when the user drags it); each change starts once the
                  previous one has settled and a frame has been let through;
* ``tooltip``     a ``mouseover`` on a token until the tooltip is filled and placed (its
                  ``getBoundingClientRect``);
* ``standalone``  the exported HTML page (``AFNView.to_html``) opened from a file, offline: its
                  size and ``domContentLoadedEventEnd`` (the mount script runs during parsing).
"""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from .common import ROOT, minilm, summary, text_of_tokens

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ORIGIN = "http://afn.test"
HOST_HTML = ROOT / "tests" / "browser" / "host.html"
STATIC = ROOT / "afn_widget" / "static"
VIEWPORT = {"width": 1100, "height": 900}


def synthetic_state(n_tokens: int, n_layers: int = 12, seed: int = 0, **controls: Any) -> dict:
    """Widget state of a realistic text of ``n_tokens`` tokens with seeded random numbers."""
    from afn_widget.payload import dims_bytes
    from afn_widget.result import TopDims
    from afn_widget.scores import result_from_scores
    from afn_widget.widget import AFNView

    tok = minilm().tokenizer
    text = text_of_tokens(tok, n_tokens)
    enc = tok(text, return_offsets_mapping=True, verbose=False)
    tokens = tok.convert_ids_to_tokens(enc["input_ids"])
    special = set(tok.all_special_ids)
    offsets = [
        None if i in special else (int(s), int(e))
        for i, (s, e) in zip(enc["input_ids"], enc["offset_mapping"], strict=True)
    ]
    rng = np.random.default_rng(seed)
    n = len(tokens)
    norms = rng.gamma(2.0, 2.0, size=(n_layers + 1, n)) * np.linspace(1, 3, n_layers + 1)[:, None]
    result = result_from_scores(tokens, norms.astype(np.float32), offsets, text, layer=8)
    k = 3
    dims = rng.integers(0, 768, size=(n_layers + 1, n, k)).astype(np.int32)
    share = np.sort(rng.random((n_layers + 1, n, k)).astype(np.float32) * 0.3, axis=-1)[..., ::-1]
    result = replace(result, dims_source=TopDims(dims, np.ascontiguousarray(share)))
    view = AFNView.from_result(result, **controls)
    # a second score, as analyze(..., scores=("tas", "attention")) sends it (nan at layer 0)
    att = rng.gamma(1.5, 1.0, size=(n_layers + 1, n)).astype("<f4")
    att[0] = np.nan
    scores = {"score_names": ["tas", "attention"], "score_values": att.tobytes()}
    # with the top dims inline, as in the standalone page (the live widget asks the kernel)
    return {**view.state_dict(), **dims_bytes(result), **scores}


def to_js(state: dict[str, Any]) -> dict[str, Any]:
    """bytes -> {"$b64": ...} for the host page (which turns them into DataViews)."""
    return {
        k: {"$b64": base64.b64encode(bytes(v)).decode("ascii")}
        if isinstance(v, (bytes, bytearray))
        else v
        for k, v in state.items()
    }


# What-if patches of the committed bundle (served instead of it; the file is not touched).
# "all_at_once": every span built and re-coloured synchronously, whatever the text's length
# (nothing deferred to background tasks), to show what deferring the part out of view buys.
PATCHES: dict[str, list[tuple[str, str]]] = {
    "all_at_once": [("var SYNC_ELEMENTS = 1500;", "var SYNC_ELEMENTS = Infinity;")],
}


def _bundle(patches: tuple[str, ...] = ()) -> bytes:
    js = (STATIC / "widget.js").read_text(encoding="utf-8")
    for name in patches:
        for old, new in PATCHES[name]:
            if js.count(old) != 1:
                raise RuntimeError(f"patch {name!r}: {old!r} is not in the bundle exactly once")
            js = js.replace(old, new)
    return js.encode("utf-8")


def _server(patches: tuple[str, ...] = ()):
    bundle = _bundle(patches)

    def serve(route) -> None:
        url = route.request.url
        if url == f"{ORIGIN}/host.html":
            route.fulfill(
                status=200, body=HOST_HTML.read_bytes(), headers={"content-type": "text/html"}
            )
        elif url == f"{ORIGIN}/static/widget.js":
            route.fulfill(status=200, body=bundle, headers={"content-type": "text/javascript"})
        elif url == f"{ORIGIN}/static/widget.css":
            body = (STATIC / "widget.css").read_bytes()
            route.fulfill(status=200, body=body, headers={"content-type": "text/css"})
        else:
            route.abort()

    return serve


def _serve_doc(doc: bytes, tried: list[str]):
    """A route handler serving ``doc`` at /view.html, aborting (and noting) everything else."""

    def serve(route) -> None:
        url = route.request.url
        if url == f"{ORIGIN}/view.html":
            route.fulfill(status=200, body=doc, headers={"content-type": "text/html"})
        else:
            tried.append(url)
            route.abort()

    return serve


def _collect(errors: list[str]):
    def on_error(exc) -> None:
        errors.append(str(exc)[:200])

    return on_error


def _host_page(browser, patches: tuple[str, ...] = ()):
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    page.route("**/*", _server(patches))
    page.goto(f"{ORIGIN}/host.html")
    page.wait_for_function("window.__afnReady === true")
    return ctx, page


# Resolves with performance.now() once the view's text box has no aria-busy (at once if none).
SETTLED_JS = """const settled = (el) => new Promise((res) => {
  const box = el.querySelector('.afn-text');
  if (!box || !box.hasAttribute('aria-busy')) return res(performance.now());
  const mo = new MutationObserver(() => {
    if (!box.hasAttribute('aria-busy')) { mo.disconnect(); res(performance.now()); }
  });
  mo.observe(box, { attributes: true, attributeFilter: ['aria-busy'] });
});
"""

MOUNT_JS = """async ([s]) => {
  SETTLED
  const t0 = performance.now();
  const r = window.__afn.mount(s);
  const t1 = performance.now();
  const done = settled(window.__afn.el(r.id));
  await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
  const to_frame = performance.now() - t0;
  // counted from the start of render, like r.ms (which leaves out the host's decoding)
  return { id: r.id, render: r.ms, to_frame, settled: r.ms + (await done) - t1 };
}""".replace("SETTLED", SETTLED_JS)

CHANGE_JS = """async ([id, trait, values, how]) => {
  SETTLED
  const el = window.__afn.el(id);
  // the control the user moves: the layer slider (input events) or the score selector (change)
  const [control, event] = trait === 'layer' ? ['.afn-layer', 'input'] : ['.afn-score', 'change'];
  const box = el.querySelector(control);
  const out = [], all = [];
  for (const v of values) {
    await settled(el);
    await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
    const t0 = performance.now();
    if (how === 'python') window.__afn.pythonSet(id, { [trait]: v });
    else { box.value = String(v); box.dispatchEvent(new Event(event, { bubbles: true })); }
    void el.offsetHeight;
    out.push(performance.now() - t0);
    all.push((await settled(el)) - t0);
  }
  return { sync: out, settled: all };
}""".replace("SETTLED", SETTLED_JS)

TOOLTIP_JS = """async ([id, picks]) => {
  const el = window.__afn.el(id);
  const toks = [...el.querySelectorAll('.afn-text .afn-tok')]
    .filter((e) => e.getClientRects().length);
  const tip = el.querySelector('.afn-tooltip');
  const out = [];
  for (const p of picks) {
    await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
    const t = toks[Math.floor(p * toks.length)];
    const t0 = performance.now();
    t.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
    tip.getBoundingClientRect();
    out.push(performance.now() - t0);
    if (tip.hidden) throw new Error('tooltip did not show');
  }
  return out;
}"""


def _bench_size(
    browser, state: dict, cold: int, warm: int, changes: int, patches: tuple[str, ...] = ()
) -> dict[str, Any]:
    js_state = to_js(state)
    n_layers = state["n_layers"]
    rng = np.random.default_rng(1)
    cold_r, cold_f, cold_s = [], [], []
    for _ in range(cold):
        ctx, page = _host_page(browser, patches)
        try:
            r = page.evaluate(MOUNT_JS, [js_state])
            cold_r.append(r["render"])
            cold_f.append(r["to_frame"])
            cold_s.append(r["settled"])
        finally:
            ctx.close()
    ctx, page = _host_page(browser, patches)
    try:
        warm_r, warm_f, warm_s = [], [], []
        for _ in range(warm):
            r = page.evaluate(MOUNT_JS, [js_state])
            warm_r.append(r["render"])
            warm_f.append(r["to_frame"])
            warm_s.append(r["settled"])
            page.evaluate("(id) => window.__afn.unmount(id)", r["id"])
        vid = page.evaluate(MOUNT_JS, [js_state])["id"]
        layers = [int(x) for x in rng.permutation(np.resize(np.arange(n_layers + 1), changes))]
        # successive values must differ, or nothing is re-coloured
        layers = [
            L if i == 0 or L != layers[i - 1] else (L + 1) % (n_layers + 1)
            for i, L in enumerate(layers)
        ]
        py = page.evaluate(CHANGE_JS, [vid, "layer", layers, "python"])
        sl = page.evaluate(CHANGE_JS, [vid, "layer", layers[::-1], "slider"])
        tips = page.evaluate(TOOLTIP_JS, [vid, rng.random(changes).tolist()])
        flips = ["attention", "tas"] * (changes // 2)
        sc_py = page.evaluate(CHANGE_JS, [vid, "score", flips, "python"])
        sc_sel = page.evaluate(CHANGE_JS, [vid, "score", flips, "select"])
        n_spans = page.evaluate(
            "(id) => window.__afn.el(id).querySelectorAll('.afn-text .afn-tok').length", vid
        )
    finally:
        ctx.close()
    return {
        "n_tokens": state["n_tokens"],
        "n_words": state["n_words"],
        "n_spans": n_spans,
        "granularity": state["granularity"],
        "patches": list(patches),
        "render_cold_ms": summary(cold_r),
        "to_frame_cold_ms": summary(cold_f),
        "settled_cold_ms": summary(cold_s),
        "render_warm_ms": summary(warm_r),
        "to_frame_warm_ms": summary(warm_f),
        "settled_warm_ms": summary(warm_s),
        "layer_python_ms": summary(py["sync"]),
        "layer_slider_ms": summary(sl["sync"]),
        "layer_python_settled_ms": summary(py["settled"]),
        "layer_slider_settled_ms": summary(sl["settled"]),
        "tooltip_ms": summary(tips),
        "score_python_ms": summary(sc_py["sync"]),
        "score_select_ms": summary(sc_sel["sync"]),
        "score_python_settled_ms": summary(sc_py["settled"]),
        "score_select_settled_ms": summary(sc_sel["settled"]),
    }


def _standalone(browser, html: str, repeats: int) -> dict[str, Any]:
    """The page opened from a file, as a user opens a saved page (every other request aborted).
    Served through ``page.route`` instead, a 33 MB page took 8-14 s to arrive: the route's
    transfer, not the page."""
    import tempfile

    dcl, tried = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "view.html"
        path.write_text(html, encoding="utf-8")

        def serve(route) -> None:
            if route.request.url == path.as_uri():
                route.continue_()
            else:
                tried.append(route.request.url)
                route.abort()

        for _ in range(repeats):
            ctx = browser.new_context(viewport=VIEWPORT)
            try:
                page = ctx.new_page()
                page.route("**/*", serve)
                page.goto(path.as_uri())
                page.wait_for_selector(".afn-text .afn-tok", state="attached")
                dcl.append(
                    page.evaluate(
                        "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
                    )
                )
            finally:
                ctx.close()
    if tried:
        raise RuntimeError(f"the standalone page asked for {tried[:3]}")
    return {"bytes": len(html.encode("utf-8")), "dom_content_loaded_ms": summary(dcl)}


def _line(row: dict) -> str:
    m = {k: v["median"] for k, v in row.items() if isinstance(v, dict) and "median" in v}
    return (
        f"render cold {m['render_cold_ms']:.1f} ms, warm {m['render_warm_ms']:.1f} ms, "
        f"settled {m['settled_cold_ms']:.0f}/{m['settled_warm_ms']:.0f} ms; layer "
        f"{m['layer_python_ms']:.1f}/{m['layer_slider_ms']:.1f} ms, settled "
        f"{m['layer_python_settled_ms']:.0f}/{m['layer_slider_settled_ms']:.0f} ms; score "
        f"{m['score_python_ms']:.1f}/{m['score_select_ms']:.1f} ms; tooltip "
        f"{m['tooltip_ms']:.2f} ms"
    )


def run_browser(quick: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    from afn_widget.export import standalone_html

    sizes = (1000, 10000, 100000)
    cold, warm, changes = (3, 3, 10) if quick else (4, 4, 20)
    rows, standalone, whatif = [], {}, []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            version = browser.version
            for n in sizes:
                for gran in ("word", "token"):
                    state = synthetic_state(n, granularity=gran)
                    row = _bench_size(browser, state, cold, warm, changes)
                    rows.append(row)
                    print(f"  browser {n:6d} tok {gran:5s}: {_line(row)}", flush=True)
                if n == 10000:
                    # what-if: the same measurements on patched bundles (see PATCHES)
                    state = synthetic_state(n, granularity="word")
                    for patches in (("all_at_once",),):
                        row = _bench_size(browser, state, cold, warm, changes, patches)
                        whatif.append(row)
                        print(
                            f"  what-if {'+'.join(patches)} {n:6d} tok word : {_line(row)}",
                            flush=True,
                        )
                html = standalone_html(synthetic_state(n))
                standalone[n] = _standalone(browser, html, 3)
                print(
                    f"  standalone {n:6d} tok: {standalone[n]['bytes'] / 1e3:.0f} kB, "
                    f"DOMContentLoaded {standalone[n]['dom_content_loaded_ms']['median']:.0f} ms",
                    flush=True,
                )
        finally:
            browser.close()
    return {
        "chromium": version,
        "rows": rows,
        "what_if": whatif,
        "standalone": standalone,
        "targets": "first render <= 150 ms at 10k tokens; layer re-colour <= 30 ms at 10k",
    }


def check_offline(paths: dict[str, Path | str], settle_ms: int = 1500) -> dict[str, Any]:
    """Open each HTML file in Chromium with every request but the page itself aborted; report
    which URLs it tried and whether anything was drawn (share of non-background pixels of a
    screenshot, and counts of drawn elements)."""
    import io

    from PIL import Image
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for name, path in paths.items():
                doc = Path(path).read_bytes()
                ctx = browser.new_context(viewport=VIEWPORT)
                page = ctx.new_page()
                tried: list[str] = []
                errors: list[str] = []
                page.on("pageerror", _collect(errors))
                page.route("**/*", _serve_doc(doc, tried))
                try:
                    page.goto(f"{ORIGIN}/view.html", timeout=120_000)
                    page.wait_for_timeout(settle_ms)
                    png = page.screenshot(full_page=False)
                    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
                    bg = np.median(img.reshape(-1, 3), axis=0)
                    drawn = float(np.mean(np.abs(img - bg).sum(-1) > 30))
                    counts = page.evaluate(
                        """() => ({
                          svg_shapes: document.querySelectorAll('svg *').length,
                          canvases: document.querySelectorAll('canvas').length,
                          visible_text_chars: document.body ? document.body.innerText.length : 0,
                        })"""
                    )
                    out[name] = {
                        "drawn_pixel_share": round(drawn, 4),
                        **counts,
                        "blocked_requests": sorted(set(tried)),
                        "page_errors": errors[:3],
                    }
                except Exception as exc:  # noqa: BLE001
                    out[name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
                finally:
                    ctx.close()
        finally:
            browser.close()
    return out


def _self_times(profile: dict, top: int = 12) -> list[dict[str, Any]]:
    """Milliseconds of self time per function of a CDP ``Profiler.stop`` profile."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    acc: dict[str, float] = {}
    samples, deltas = profile.get("samples", []), profile.get("timeDeltas", [])
    for i, sid in enumerate(samples):
        dt = deltas[i + 1] if i + 1 < len(deltas) else 0
        cf = nodes[sid]["callFrame"]
        name = cf["functionName"] or "(anonymous)"
        if name == "(idle)":
            continue
        url = cf.get("url", "").rsplit("/", 1)[-1]
        key = f"{name} {url}:{cf.get('lineNumber', -1) + 1}" if url else name
        acc[key] = acc.get(key, 0.0) + dt / 1000.0
    items = sorted(acc.items(), key=lambda kv: -kv[1])[:top]
    return [{"function": k, "self_ms": round(v, 2)} for k, v in items]


def profile_js(n_tokens: int = 10000, granularity: str = "word", changes: int = 10) -> dict:
    """CDP CPU profiles (100 µs sampling) of one mount and of ``changes`` layer changes.

    Time spent in Blink's style recalculation and layout forced from JavaScript shows as self
    time of the JavaScript function that forced it: ``mount host.html`` (its
    ``el.offsetHeight``) for the first render and the ``(anonymous)`` timing loop for layer
    changes."""
    from playwright.sync_api import sync_playwright

    state = to_js(synthetic_state(n_tokens, granularity=granularity))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            ctx, page = _host_page(browser)
            cdp = ctx.new_cdp_session(page)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 100})
            page.evaluate(MOUNT_JS, [state])  # warm the JIT like a second view would
            cdp.send("Profiler.start")
            r = page.evaluate(MOUNT_JS, [state])
            mount = cdp.send("Profiler.stop")["profile"]
            layers = [(3 * i + 1) % 13 for i in range(changes)]
            page.evaluate(CHANGE_JS, [r["id"], "layer", [0], "python"])  # let the mount settle
            cdp.send("Profiler.start")
            times = page.evaluate(CHANGE_JS, [r["id"], "layer", layers, "python"])["sync"]
            layer = cdp.send("Profiler.stop")["profile"]
            ctx.close()
        finally:
            browser.close()
    return {
        "n_tokens": n_tokens,
        "granularity": granularity,
        "mount_ms": r["render"],
        "mount_self": _self_times(mount),
        "layer_ms_each": times,
        "layer_self_total_over_changes": _self_times(layer),
    }
