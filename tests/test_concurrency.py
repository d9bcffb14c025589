"""Analyses of one model at the same time give the numbers of the same calls made alone.

Views compute in threads of their own, so a notebook's "Run All" or a Voilà page runs several
analyses of the cached model at once. Every per-call thing the engine puts on a model (the
hooks of the last residual and of ``attn_norm``, eager attention) lives only inside the
model's lock (:mod:`afn_widget.anatomy`); these tests run many calls at once, on models given
as base objects and as objects with a head, and compare each result with the same call made
alone, bit for bit (the same computation runs: one forward pass at a time per model, with
torch single-threaded in the tests).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget.models import load_model
from afn_widget.result import SCORES

TEXTS = [
    "The cat sat on the mat.",
    "The dog lay by the door, and the cat slept.",
    "President Bush on Tuesday nominated two individuals to replace retiring jurists.",
    # longer than one window of the tiny models (64 tokens): several windows, batches of one
    " ".join(["She sells sea shells by the sea shore; the shells she sells are sea shells."] * 6),
]


def _numbers(r) -> dict[str, np.ndarray]:
    out = {name: r.score(name) for name in r.scores if name not in r.unavailable}
    out["massive"] = r.massive
    out["buckets"] = np.asarray(r.buckets)
    return out


@pytest.fixture(scope="module")
def pairs(tiny_bert, bpe_tokenizers):
    """An encoder and a decoder, each as its base object and as an object with a head (a
    head built around the very same base modules)."""
    import torch
    from transformers import BertForMaskedLM, GPT2Config, GPT2LMHeadModel

    from tests.conftest import _randomize_layernorms

    bert_head = BertForMaskedLM(tiny_bert.model.config)
    bert_head.bert = tiny_bert.model  # the fixture's base, under a head
    tok = bpe_tokenizers["gpt2"]
    torch.manual_seed(3)
    cfg = GPT2Config(
        vocab_size=len(tok),
        n_embd=32,
        n_layer=2,
        n_head=4,
        n_positions=64,
        bos_token_id=0,
        eos_token_id=2,
    )
    gpt_head = _randomize_layernorms(GPT2LMHeadModel(cfg), seed=3).eval()
    return {
        "bert": load_model((tiny_bert.model, tiny_bert.tokenizer), "cpu"),
        "bert+head": load_model((bert_head.eval(), tiny_bert.tokenizer), "cpu"),
        "gpt2": load_model((gpt_head.transformer, tok), "cpu"),
        "gpt2+head": load_model((gpt_head, tok), "cpu"),
    }


def test_many_threads_at_once_give_the_numbers_of_lone_calls(pairs):
    calls = [(m, t) for m in pairs for t in range(len(TEXTS))]
    alone = {c: _numbers(analyze(TEXTS[c[1]], pairs[c[0]], scores=SCORES)) for c in calls}
    start = threading.Barrier(8)

    def work(k: int) -> list[tuple[tuple[str, int], dict[str, np.ndarray]]]:
        start.wait()  # all eight threads begin together
        mine = calls[k::8] + calls[: (k * 3) % len(calls)]  # overlapping, in other orders
        return [(c, _numbers(analyze(TEXTS[c[1]], pairs[c[0]], scores=SCORES))) for c in mine]

    for _ in range(2):
        with ThreadPoolExecutor(8) as pool:
            done = [x for part in pool.map(work, range(8)) for x in part]
        assert len(done) > len(calls)
        for call, got in done:
            want = alone[call]
            assert got.keys() == want.keys()
            for name, value in want.items():
                np.testing.assert_array_equal(got[name], value, err_msg=f"{call} {name}")


def test_a_model_and_its_head_object_run_at_once(pairs):
    """The head object and its own base share one lock: their passes never interleave."""
    text = TEXTS[1]
    want = _numbers(analyze(text, pairs["gpt2"], scores=SCORES))
    with ThreadPoolExecutor(4) as pool:
        got = list(
            pool.map(
                lambda m: _numbers(analyze(text, pairs[m], scores=SCORES)),
                ["gpt2", "gpt2+head"] * 4,
            )
        )
    for g in got:
        for name, value in want.items():
            np.testing.assert_array_equal(g[name], value, err_msg=name)
