"""A long-context model streams a long text in windows of at most MAX_WINDOW tokens."""

from __future__ import annotations

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget.engine import MAX_WINDOW
from afn_widget.errors import AnalysisCancelled
from afn_widget.models import load_model
from tests.afn_reference import window_plan
from tests.test_decoders import _randomize_norms, _sentencepiece


@pytest.fixture(scope="module")
def long_context():
    """A tiny Llama that takes 65,536 positions, with a tokenizer that sets no limit."""
    import torch
    import transformers as T

    tok = _sentencepiece()
    torch.manual_seed(0)
    cfg = T.LlamaConfig(
        vocab_size=len(tok), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        num_key_value_heads=1, intermediate_size=32, max_position_embeddings=65_536,
    )  # fmt: skip
    return load_model((_randomize_norms(T.LlamaModel(cfg)).eval(), tok), "cpu")


def test_a_long_text_runs_in_capped_windows_with_progress_and_can_be_cancelled(long_context):
    lm = long_context
    assert lm.max_length == 65_536
    text = "The cat sat on the mat, and the dog slept by the door. " * 700
    n = len(lm.tokenizer(text, add_special_tokens=False)["input_ids"])
    assert n > 2 * MAX_WINDOW
    seen: list[tuple[int, int]] = []
    r = analyze(text, lm, progress=lambda done, total: seen.append((done, total)))
    length = MAX_WINDOW - 1  # the window holds the BOS too
    starts, _ = window_plan(n, length, length // 4, causal=True)
    assert r.n_windows == len(starts) == seen[-1][1] > 2
    assert seen[0] == (0, len(starts)) and seen[-1][0] == len(starts)
    assert np.isfinite(r.layer_norms).all()

    def stop(done: int, total: int) -> None:
        if done:
            raise AnalysisCancelled("stopped")

    with pytest.raises(AnalysisCancelled):
        analyze(text, lm, progress=stop, batch_windows=1)


def test_max_length_takes_a_longer_window_up_to_the_models(long_context):
    text = "The cat sat on the mat. " * 900
    r = analyze(text, long_context, max_length=2 * MAX_WINDOW)
    assert r.n_windows == 1
