"""Bytes the frontend gets per token, and the standalone HTML's size.

A real analysis of a 1,000-token UD text (``analyze`` -> ``AFNView.from_result`` ->
``state_dict()``, i.e. the traits a notebook front end receives). Binary traits travel as raw
buffers: their size is their length. The other traits travel as JSON in the comm message:
their size is ``len(json.dumps(value, separators=(",", ":"), ensure_ascii=False))`` in UTF-8
bytes (Jupyter's own packer adds a space after each separator, so the wire is a little larger).

Also measured: the message pair a tooltip costs (the browser's request for one token's top
dimensions and the kernel's reply, compact JSON, the median over the text's tokens), and the
picture the display message carries beside the widget (``image/png``, base64, for viewers
without the widget's JavaScript, such as GitHub and nbviewer).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .common import bert_base_random, minilm, text_of_tokens

SCORE_VALUES = ("norms", "score_values", "top_dims", "top_share")  # per layer: 4·(L+1) a score


def _json_bytes(v: Any) -> int:
    return len(json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def run_payload(quick: bool = False, models: tuple[str, ...] = ("minilm", "bert")) -> dict:
    from afn_widget import AFNView, analyze
    from afn_widget.payload import dims_reply
    from afn_widget.widget import CONTROL_TRAITS, DATA_TRAITS, STATUS_TRAITS

    rows = []
    n = 1000
    for key in models:
        b = minilm() if key == "minilm" else bert_base_random()
        text = text_of_tokens(b.tokenizer, n)
        result = analyze(text, (b.model, b.tokenizer), scores=("tas", "attention"))
        view = AFNView.from_result(result)
        state = view.state_dict()
        L1 = state["n_layers"] + 1
        nt = state["n_tokens"]
        per_trait = {}
        for name in CONTROL_TRAITS + DATA_TRAITS + STATUS_TRAITS:
            v = state[name]
            binary = isinstance(v, (bytes, bytearray))
            size = len(v) if binary else _json_bytes(v)
            per_trait[name] = {"bytes": size, "per_token": size / nt, "binary": binary}
        html = view.to_html()
        ask = {"kind": "top_dims", "token": 0, "version": state["dims_version"]}
        pair = []
        for i in range(nt):
            ask["token"] = i
            reply = dims_reply(view._result, ask)
            pair.append(_json_bytes(ask) + _json_bytes(reply))
        bundle = view._repr_mimebundle_()
        bundle = bundle[0] if isinstance(bundle, tuple) else bundle
        fallback = bundle.get("image/png", "")
        binary = sum(v["bytes"] for v in per_trait.values() if v["binary"])
        as_json = sum(v["bytes"] for v in per_trait.values() if not v["binary"])
        rest = sum(v["bytes"] for k, v in per_trait.items() if k not in SCORE_VALUES)
        n_scores = len(state["score_names"])
        row = {
            "model": b.label,
            "n_layers": L1 - 1,
            "n_tokens": nt,
            "norms_bytes_per_token": per_trait["norms"]["per_token"],
            "norms_budget_per_token": 4 * L1,
            "top_dims_bytes_per_token": per_trait["top_dims"]["per_token"],
            "top_share_bytes_per_token": per_trait["top_share"]["per_token"],
            "binary_bytes_per_token": binary / nt,
            "json_bytes_per_token": as_json / nt,
            "total_bytes_per_token": (binary + as_json) / nt,
            "n_scores": n_scores,
            "scores_bytes_per_token": sum(per_trait[k]["bytes"] for k in SCORE_VALUES[:2]) / nt,
            "scores_budget_per_token": 4 * L1 * n_scores,
            "rest_bytes_per_token": rest / nt,
            "rest_budget_per_token": 40,
            "traits": per_trait,
            "standalone_html_bytes": len(html.encode("utf-8")),
            "tooltip_message_bytes": float(np.median(pair)),
            "display_fallback_bytes": len(fallback.encode("utf-8")),
            "standalone_html_fixed_bytes": len(
                AFNView().to_html().encode("utf-8")  # script + styles, no data
            ),
        }
        rows.append(row)
        print(
            f"  payload {b.label:28s} {nt} tok: norms {row['norms_bytes_per_token']:.1f} B/tok "
            f"(budget {4 * L1}), top dims+shares "
            f"{row['top_dims_bytes_per_token'] + row['top_share_bytes_per_token']:.1f} B/tok, "
            f"JSON {row['json_bytes_per_token']:.1f} B/tok; everything but the scores "
            f"{row['rest_bytes_per_token']:.1f} B/tok (budget 40); "
            f"HTML {row['standalone_html_bytes'] / 1e3:.0f} kB",
            flush=True,
        )
    return {
        "rows": rows,
        "target": "4*(n_layers+1) bytes per token per score + 40 bytes per token for the rest",
    }
