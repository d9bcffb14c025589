"""``high="top_k"`` in ``analyze``: exactly ``ceil(n·(1−q))`` tokens and words in HIGH, the
default ``"quantile"`` rule unchanged, a bad rule refused before any model loads."""

from __future__ import annotations

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget import buckets as B
from afn_widget.errors import AFNInputError

TEXT = "The cat sat on the mat, and the dog slept by the door while it rained."


def test_top_k_in_analyze_tokens_and_words(tiny_bert):
    q = analyze(TEXT, tiny_bert)
    k = analyze(TEXT, tiny_bert, high="top_k")
    assert q.high_rule == "quantile" and k.high_rule == "top_k"
    np.testing.assert_array_equal(q.layer_norms, k.layer_norms)
    eligible = ~k.special
    assert k.high.sum() == B.top_k_count(int(eligible.sum()), 0.75)
    assert k.high.tolist() == B.top_k_high(k.tas, eligible, 0.75).tolist()
    assert q.high.tolist() == B.split(q.tas, eligible, 0.75).high.tolist()
    w = k.words
    words_eligible = np.array([r != "special" for r in w.roles])
    assert (w.buckets == B.HIGH).sum() == B.top_k_count(int(words_eligible.sum()), 0.75)
    assert (w.buckets == B.HIGH).tolist() == B.top_k_high(w.tas, words_eligible, 0.75).tolist()
    assert k.to_dict()["high_rule"] == "top_k" and "top_k" in k.summary()


def test_at_switches_the_rule_without_a_forward_pass(tiny_bert):
    q = analyze(TEXT, tiny_bert, layer=1)
    k = q.at(high="top_k")
    assert k.high_rule == "top_k" and k.layer == 1 and k.layer_norms is q.layer_norms
    assert k.high.tolist() == analyze(TEXT, tiny_bert, layer=1, high="top_k").high.tolist()
    assert k.at(layer=2).high_rule == "top_k"  # the rule stays across other changes
    assert k.at(high="quantile").high.tolist() == q.high.tolist()
    with pytest.raises(AFNInputError, match="high must be one of"):
        q.at(high="top")


def test_unknown_rule_is_refused_before_the_model_loads(fresh_cache):
    with pytest.raises(AFNInputError, match=r"high must be one of \('quantile', 'top_k'\)"):
        analyze(TEXT, "/no/such/model/anywhere", high="top-k")
