"""``analyze_corpus`` on the 2,001 UD EWT dev sentences vs. a naive loop of ``analyze``.

Interleaved, per round:

* ``loop``           ``[analyze(s.text, model) for s in sentences]`` — TAS only, one forward
                     pass per sentence;
* ``corpus_tas``     ``analyze_corpus(corpus, model, controls=(), scores=("tas",),
                     progress=False)`` — the like-for-like run: TAS of every layer, per word,
                     with its statistics (frequency baseline, 1,000-resample bootstrap), the
                     model's own attention kernel, no hooks. The target's ratio;
* ``corpus``         the same with every score (the default): eager attention with hooks for
                     ``attention`` and ``attn_norm``, the ``drop_outlier_dims`` norms and the
                     shifts — more work than the loop;
* ``batched_bare``   the floor of any batched run: the same sentences sorted by length, cut
                     into batches of at most ``corpus.default_token_budget`` padded tokens
                     (``analyze_corpus``'s default, 512 on a CPU), ``model(input_ids,
                     attention_mask)``, nothing kept.

Once, MiniLM only, every 4th sentence (not interleaved): ``analyze_corpus`` with its default
controls (``shuffled`` and ``random_init``: three forward passes per sentence and a random twin
of the model).
"""

from __future__ import annotations

import time
from typing import Any

from .common import UD_DEV, bert_base_random, interleave, minilm, ms, ratio


def _batched_bare(b: Any, texts: list[str], token_budget: int | None = None):
    import torch

    from afn_widget.corpus import default_token_budget

    if token_budget is None:
        token_budget = default_token_budget(next(b.model.parameters()).device)

    tok = b.tokenizer
    seqs = sorted((tok(t, verbose=False)["input_ids"] for t in texts if t.strip()), key=len)
    pad = tok.pad_token_id or 0
    batches, cur = [], []
    for s in seqs:
        if cur and (len(cur) + 1) * len(s) > token_budget:
            batches.append(cur)
            cur = []
        cur.append(s)
    if cur:
        batches.append(cur)
    tensors = []
    for batch in batches:
        width = max(len(s) for s in batch)
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, s in enumerate(batch):
            ids[i, : len(s)] = torch.tensor(s)
            mask[i, : len(s)] = 1
        tensors.append((ids, mask))

    def run() -> None:
        with torch.inference_mode():
            for ids, mask in tensors:
                b.model(input_ids=ids, attention_mask=mask)

    return run, [tuple(ids.shape) for ids, _ in tensors]


def _flop_counter(b: Any):
    """``flops(width)``: floating-point operations of one forward pass over one sequence of
    ``width`` tokens: the matrix products torch's ``FlopCounterMode`` counts (measured at two
    widths: they grow linearly with the width), plus attention's two ``T × T`` products per
    layer, ``4·T²·d``, which the CPU attention kernel does not report to the counter."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    def counted(t: int) -> int:
        ids = torch.full((1, t), 1000, dtype=torch.long)
        with FlopCounterMode(display=False) as fc, torch.inference_mode():
            b.model(input_ids=ids, attention_mask=torch.ones_like(ids))
        return fc.get_total_flops()

    f8, f16 = counted(8), counted(16)
    per_token = (f16 - f8) / 8
    attention = 4 * b.model.config.hidden_size * b.n_layers

    def flops(width: int) -> float:
        return f8 + per_token * (width - 8) + attention * width**2

    return flops


def _matmul_gflops() -> float:
    """What this core (or these threads) reach on a large float32 matrix product: the best of
    5 runs of 10 products of 1024 × 1024 matrices, in GFLOP/s."""
    import torch

    a, c = torch.randn(1024, 1024), torch.randn(1024, 1024)
    for _ in range(3):
        a @ c
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(10):
            a @ c
        best = min(best, time.perf_counter() - t0)
    return 10 * 2 * 1024**3 / best / 1e9


def run_corpus(quick: bool = False, models: tuple[str, ...] = ("minilm", "bert")) -> dict:
    from afn_widget import analyze, analyze_corpus, read_conllu

    full = read_conllu(UD_DEV)
    rows = []
    for key in models:
        b = minilm() if key == "minilm" else bert_base_random()
        if quick and key == "bert":
            continue  # a quick look: MiniLM only
        sentences = list(full) if not quick else list(full)[::4]
        rounds = 2 if not quick else 1
        pair = (b.model, b.tokenizer)
        texts = [s.text for s in sentences]
        bare, shapes = _batched_bare(b, texts)
        # One-time costs out of the timing (imports, the word-frequency table, first calls):
        # each side once on a few sentences, untimed. The first analyze_corpus of a process
        # pays them (recorded here), the loop's analyze had paid its own before.
        t0 = time.perf_counter()
        analyze_corpus(sentences[:16], pair, controls=(), progress=False)
        first_call_s = time.perf_counter() - t0
        [analyze(x, pair) for x in texts[:16]]
        t = interleave(
            {
                "loop": lambda texts=texts, pair=pair: [analyze(x, pair) for x in texts],
                "corpus_tas": lambda s=sentences, pair=pair: analyze_corpus(
                    s, pair, controls=(), scores=("tas",), progress=False
                ),
                "corpus": lambda s=sentences, pair=pair: analyze_corpus(
                    s, pair, controls=(), progress=False
                ),
                "batched_bare": bare,
            },
            rounds=rounds,
            warmup=0,
        )
        default_s = None
        if key == "minilm":  # on every 4th sentence: the 3 passes of all 2,001 take 90 s
            t0 = time.perf_counter()
            analyze_corpus(sentences[::4], pair, progress=False)
            default_s = time.perf_counter() - t0
        lengths = [len(b.tokenizer(x, verbose=False)["input_ids"]) for x in texts]
        flops = _flop_counter(b)
        gflop = {
            "loop": sum(map(flops, lengths)) / 1e9,
            "batched": sum(n * flops(w) for n, w in shapes) / 1e9,
        }
        row = {
            "model": b.label,
            "sentences": len(sentences),
            "tokens": int(sum(lengths)),
            "batches": len(shapes),
            "gflop": gflop,
            "gflop_per_s": {
                "loop": gflop["loop"] / (ms(t["loop"])["median"] / 1e3),
                "corpus_tas": gflop["batched"] / (ms(t["corpus_tas"])["median"] / 1e3),
                "batched_bare": gflop["batched"] / (ms(t["batched_bare"])["median"] / 1e3),
                "matmul_1024": _matmul_gflops(),
            },
            "rounds": rounds,
            "ms": {k: ms(v) for k, v in t.items()},
            "loop_over_corpus_tas": ratio(t["loop"], t["corpus_tas"]),
            "corpus_tas_over_batched_bare": ratio(t["corpus_tas"], t["batched_bare"]),
            "loop_over_corpus": ratio(t["loop"], t["corpus"]),
            "corpus_over_batched_bare": ratio(t["corpus"], t["batched_bare"]),
            "loop_over_batched_bare": ratio(t["loop"], t["batched_bare"]),
            "first_call_16_sentences_s": first_call_s,
            "default_controls_s": default_s,
            "default_controls_sentences": len(sentences[::4]),
        }
        if default_s:  # the loop's time for the same quarter of the sentences, estimated
            row["loop_over_default_controls"] = sum(t["loop"]) / len(t["loop"]) / 4 / default_s
        rows.append(row)
        print(
            f"  corpus {b.label:28s} {len(sentences)} sentences: loop/corpus_tas "
            f"{row['loop_over_corpus_tas']['median']:.2f}  loop/corpus "
            f"{row['loop_over_corpus']['median']:.2f}  corpus/batched_bare "
            f"{row['corpus_over_batched_bare']['median']:.2f}  default controls "
            f"{default_s or float('nan'):.1f} s",
            flush=True,
        )
    return {"rows": rows, "target": "loop / analyze_corpus(scores=('tas',)) >= 3"}
