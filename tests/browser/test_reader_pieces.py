"""A byte-level tokenizer's tokens are shown decoded in the page: the tooltip's pieces and the
ranking's labels read ``␣slept`` and ``⏎``, never ``Ġslept`` and ``Ċ`` (a tiny GPT-2 with a
byte-level BPE trained offline)."""

from __future__ import annotations

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget.payload import page_state

pytestmark = pytest.mark.browser

TEXT = "The cat  slept by the door.\nIt dreamt of 🙂 and café, and slept."
RAW = "ĠĊ"  # byte-level symbols: a space, a line break


@pytest.fixture(scope="module")
def result(tiny_models):
    r = analyze(TEXT, tiny_models["gpt2"])
    assert any(c in t for t in r.tokens for c in RAW), "the tokens hold byte-level symbols"
    return r


def test_the_tooltip_shows_each_token_decoded(host, result):
    host.mount(page_state(result, granularity="token"))
    root = host.root()
    shown = []
    elements = host.page.locator(f"{root} .afn-text .afn-tok")
    for k in range(elements.count()):
        elements.nth(k).hover()
        tip = host.page.locator(f"{root} .afn-tooltip")
        tip.wait_for(state="visible")
        shown += tip.locator(".afn-tt-piece").all_text_contents()
    assert sorted(shown) == sorted(result.pieces)  # every token once, as Python shows it
    assert "␣slept" in shown and "⏎" in shown
    assert not any(c in p for p in shown for c in RAW)
    assert host.log.errors == []


@pytest.mark.parametrize("granularity", ["token", "word"])
def test_the_ranking_shows_text_and_decoded_pieces(host, result, granularity):
    host.mount(page_state(result, granularity=granularity))
    labels = host.page.locator(f"{host.root()} .afn-rank-text").all_text_contents()
    if granularity == "word":
        w = result.words
        order = [j for j in np.argsort(w.ranks, kind="stable") if w.ranks[j] > 0][:10]
        want = [w.text[j] for j in order]
    else:
        order = [i for i in np.argsort(result.ranks, kind="stable") if result.ranks[i] > 0][:10]
        text, offsets = result.text, result.offsets
        # a token's own text where it has some, else its piece (the line break's ⏎)
        want = [
            text[offsets[i][0] : offsets[i][1]] or result.pieces[i] for i in order
        ]  # fmt: skip
    assert labels == want
    assert not any(c in s for s in labels for c in RAW)
    assert all(s == s.strip() for s in labels)
    assert host.log.errors == []
