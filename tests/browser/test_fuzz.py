"""Hypothesis in a real browser: for arbitrary Unicode, the drawn spans and gaps give back the
input exactly (real tokenizer offsets, word and token views), and nothing fails to draw."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from afn_widget import AFNView, analyze
from tests.browser.pagejs import REBUILD_JS

pytestmark = pytest.mark.browser

TEXTS = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),  # any scalar value
        st.sampled_from(list(" \t\n\u00e9\u0301\u05d0\u0627\u4e2d\U0001f600\U0001f44d\U0001f3fd")),
    ),
    min_size=1,
    max_size=60,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=TEXTS, granularity=st.sampled_from(["token", "word"]))
def test_spans_and_gaps_are_the_input(host, tiny_bert, text, granularity):
    result = analyze(text, tiny_bert)
    vid = host.mount(AFNView.from_result(result, granularity=granularity).state_dict())
    root = host.root(vid)
    if result.tokens:
        assert host.page.evaluate(REBUILD_JS, root) == text
    assert host.log.errors == []
