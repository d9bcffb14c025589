"""analyze() end to end: norms, layers, buckets, words, a result's views and exports, progress,
cancellation, long and empty texts.

Every number is checked against an independent computation (tests/afn_reference.py): our own
forward pass with ``output_hidden_states=True``, numpy quantiles. The modules' own tests sit
beside these: windows in test_windows.py, shifts, top dimensions and normalisations in
test_hidden.py, tokenization in test_tokens.py, the browser's data in test_payload.py.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget.errors import AnalysisCancelled
from tests.afn_reference import (
    ARCHS,
    SHORT,
    TEXT,
    TOL,
    encode,
    layer_norms,
    long_text,
    model_named,
    special_frame,
    stripped,
)
from tests.afn_reference import buckets as ref_buckets


# -- the LayerNorm trap --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ARCHS)
def test_fixture_norms_are_not_all_equal(request, name):
    """Untrained LayerNorms (weight 1, bias 0) would give every token norm sqrt(d) exactly."""
    lm = model_named(request, name)
    r = analyze(TEXT, lm)
    d = lm.model.config.hidden_size
    for layer in range(r.n_layers + 1):
        row = r.layer_norms[layer, ~r.special]
        assert np.ptp(row) > 1e-2 * row.mean(), (name, layer, row[:5])
    # and specifically not the sqrt(d) of an untrained LayerNorm
    assert not np.allclose(r.layer_norms[1:], np.sqrt(d), rtol=1e-3)


# -- norms equal an independent forward pass ------------------------------------------------------
@pytest.mark.parametrize("name", ["minilm", *ARCHS])
def test_layer_norms_equal_independent_forward_pass(request, name):
    lm = model_named(request, name)
    tok = lm.tokenizer
    head, tail = special_frame(tok)
    text = TEXT if len(encode(tok, TEXT)[0]) + 2 <= lm.max_length else SHORT
    ids, offsets = encode(tok, text)
    full = head + ids + tail
    assert len(full) <= lm.max_length
    r = analyze(text, lm)
    assert r.tokens == tok.convert_ids_to_tokens(full)
    assert r.offsets == [None] * len(head) + stripped(text, offsets) + [None] * len(tail)
    assert r.special.tolist() == [True] * len(head) + [False] * len(ids) + [True] * len(tail)
    ref = layer_norms(lm.model, full)
    assert r.layer_norms.shape == ref.shape == (lm.n_layers + 1, len(full))
    assert r.layer_norms.dtype == np.float32
    np.testing.assert_allclose(r.layer_norms, ref, **TOL)
    assert r.n_windows == 1


@pytest.mark.parametrize("name", ["minilm", "bert"])
@pytest.mark.parametrize("q", [0.5, 0.75, 0.9])
@pytest.mark.parametrize("include_special", [False, True])
def test_threshold_buckets_ranks_percentiles_equal_numpy(request, name, q, include_special):
    lm = model_named(request, name)
    for layer in (0, lm.n_layers // 2, -1):
        r = analyze(TEXT, lm, layer=layer, quantile=q, include_special=include_special)
        values = r.layer_norms[layer]
        eligible = np.ones(len(r), bool) if include_special else ~r.special
        thr, high, ranks = ref_buckets(values, eligible, q)
        assert r.threshold == pytest.approx(thr, rel=1e-12)
        assert r.high.tolist() == high.tolist()
        expected = np.where(high, "HIGH", np.where(eligible, "LOW", "SPECIAL"))
        assert list(r.buckets) == expected.tolist()
        assert r.ranks.tolist() == ranks.tolist()
        n_el = int(eligible.sum())
        pct = np.where(eligible, 100.0 * (n_el - ranks) / max(n_el - 1, 1), np.nan)
        np.testing.assert_allclose(r.percentiles, pct, equal_nan=True)
        assert np.nanmax(r.percentiles) == 100.0 and np.nanmin(r.percentiles) == 0.0


def test_default_layer_and_negative_layers_resolve_like_python(tiny_models, minilm):
    # the paper's layer 8 of 12, the same relative depth elsewhere: round(2/3 * n_layers)
    assert analyze(TEXT, minilm).layer == 4
    assert analyze(TEXT, tiny_models["bert"]).layer == 1
    assert analyze(TEXT, tiny_models["electra"]).layer == 2  # 3 layers
    lm = tiny_models["electra"]
    n = lm.n_layers
    for neg in range(-(n + 1), 0):
        r = analyze(TEXT, lm, layer=neg)
        assert r.layer == list(range(n + 1))[neg]
        np.testing.assert_array_equal(r.tas, r.layer_norms[neg])
    assert analyze(TEXT, lm, layer=np.int64(-1)).layer == n


# -- the result's top dims and shifts ------------------------------------------------------------
def test_a_result_pickles_and_copies_with_its_top_dims_and_shifts(minilm):
    import copy
    import pickle

    r = analyze(SHORT, minilm)
    for other in (pickle.loads(pickle.dumps(r)), copy.deepcopy(r)):
        np.testing.assert_array_equal(other.layer_norms, r.layer_norms)
        np.testing.assert_array_equal(other.top_dims, r.top_dims)
        np.testing.assert_array_equal(other.top_share, r.top_share)
        assert type(other.shifts) is dict and sorted(other.shifts) == sorted(r.shifts)
        for m in r.shifts:
            np.testing.assert_array_equal(other.shifts[m], r.shifts[m])
        assert other.words.text == r.words.text and other.threshold == r.threshold


def test_top_dims_of_checks_the_token(minilm):
    from afn_widget.errors import AFNInputError

    r = analyze(SHORT, minilm)
    for bad in (len(r), -1, 1.0, True, "0", None):
        with pytest.raises(AFNInputError, match="token"):
            r.top_dims_of(bad)


# -- words ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("agg", ["mean", "max"])
def test_word_level_aggregates_pieces_and_has_its_own_threshold(minilm, agg):
    text = "Tokenization is unbelievably fun, isn't it? Naïve café-goers disagree."
    r = analyze(text, minilm, word_agg=agg, quantile=0.6)
    w = r.words
    # words are whole words of the text, with their original spelling
    non_special = [t for t, s in zip(w.text, w.spans, strict=True) if s is not None]
    assert non_special[:4] == ["Tokenization", "is", "unbelievably", "fun"]
    assert "Naïve" in non_special and "café" in non_special
    for t, s in zip(w.text, w.spans, strict=True):
        if s is not None:
            assert text[s[0] : s[1]] == t
    # pieces partition the tokens in order; every piece of a word shares the tokenizer word id,
    # but for a contraction, which is one word across the tokenizer's words
    assert [i for p in w.pieces for i in p] == list(range(len(r)))
    word_ids = minilm.tokenizer(text, add_special_tokens=True).word_ids()
    for j, p in enumerate(w.pieces):
        assert len({word_ids[i] for i in p}) == 1 or w.text[j] == "isn't"
        assert all(r.word_index[i] == j for i in p)
    assert max(len(p) for p in w.pieces) > 1, "the text must have multi-piece words"
    fn = np.mean if agg == "mean" else np.max
    expected = np.stack([fn(r.layer_norms[:, p].astype(np.float64), axis=1) for p in w.pieces], 1)
    np.testing.assert_allclose(w.layer_norms, expected, rtol=1e-6)
    eligible = np.array([s is not None for s in w.spans])
    thr, high, ranks = ref_buckets(w.layer_norms[r.layer], eligible, 0.6)
    assert w.threshold == pytest.approx(thr, rel=1e-12)
    assert (w.buckets == "HIGH").tolist() == high.tolist()
    assert w.ranks.tolist() == ranks.tolist()
    assert w.threshold != pytest.approx(r.threshold, rel=1e-9)
    # roles: a piece takes its word's role
    assert r.roles == [w.roles[j] for j in r.word_index]
    roles = dict(zip(w.text, w.roles, strict=True))
    assert roles["is"] == "function" and roles["unbelievably"] == "content"
    assert roles[","] == "punctuation" and roles["[CLS]"] == "special"
    assert roles["isn't"] == "function" and "'" not in roles


# -- .at, exports ---------------------------------------------------------------------------------
def test_at_equals_a_fresh_analysis(minilm):
    base = analyze(TEXT, minilm, granularity="word")
    for kwargs in (dict(layer=2), dict(layer=-1, quantile=0.5), dict(include_special=True)):
        a = base.at(**kwargs)
        fresh = analyze(TEXT, minilm, granularity="word", **kwargs)
        assert a.layer == fresh.layer and a.quantile == fresh.quantile
        np.testing.assert_array_equal(a.tas, fresh.tas)
        assert a.threshold == fresh.threshold
        assert list(a.buckets) == list(fresh.buckets)
        assert a.ranks.tolist() == fresh.ranks.tolist()
        np.testing.assert_array_equal(a.percentiles, fresh.percentiles)
        assert a.words.threshold == fresh.words.threshold
        assert list(a.words.buckets) == list(fresh.words.buckets)
        assert a.words.ranks.tolist() == fresh.words.ranks.tolist()
        assert a.to_dict() == fresh.to_dict()
    assert base.at(layer=2).layer == 2 and base.layer == 4  # the original is unchanged


def test_views_share_one_word_grouping(minilm):
    # the word level is built once per analysis: .at() views reuse its grouping and aggregates
    base = analyze(TEXT, minilm)
    view = base.at(layer=1, quantile=0.5)
    assert view.word_source is base.word_source
    assert view.words.pieces is base.words.pieces
    assert view.words.layer_norms is base.words.layer_norms
    assert view.words.layer == 1 and base.words.layer == 4


def test_to_dataframe_token_and_word(minilm):
    r = analyze(TEXT, minilm)
    df = r.to_dataframe()
    assert len(df) == len(r.tokens)
    assert list(df["token"]) == r.tokens
    np.testing.assert_allclose(df["tas"].to_numpy(), r.tas)
    assert (df["bucket"] == "HIGH").sum() == r.high.sum()
    body = df[df["role"] != "special"]
    for tok_start, tok_end in zip(body["start"], body["end"], strict=True):
        assert 0 <= tok_start < tok_end <= len(TEXT)
    top = df.sort_values("rank").query("rank > 0").iloc[0]
    assert top["tas"] == pytest.approx(r.tas[~r.special].max())
    wdf = r.to_dataframe("word")
    assert len(wdf) == len(r.words)
    assert list(wdf["word"]) == r.words.text
    np.testing.assert_allclose(wdf["tas"].to_numpy(), r.words.tas, rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"include_special": True, "granularity": "word", "word_agg": "max"},
        {"normalize": "drop_outlier_dims"},
        {"normalize": "standardize", "quantile": 0.5},
    ],
)
def test_to_dict_is_strict_json(minilm, kwargs):
    r = analyze(TEXT, minilm, **kwargs)
    s = json.dumps(r.to_dict(), allow_nan=False)
    d = json.loads(s)
    assert d["tokens"] == r.tokens
    assert d["layer"] == r.layer and d["quantile"] == r.quantile
    np.testing.assert_allclose(np.array(d["layer_norms"]), r.layer_norms, rtol=1e-6)
    assert d["shifts"]["delta_norm"][0] == [None] * len(r)
    assert d["threshold"] == pytest.approx(r.threshold)
    json.loads(r.to_json())  # the convenience wrapper too


# -- progress, cancellation, long texts, empty texts -----------------------------------------------
def test_progress_is_called_until_total_and_cancel_stops(tiny_bert):
    text = long_text(200, seed=2)
    calls = []
    r = analyze(text, tiny_bert, batch_windows=2, progress=lambda d, t: calls.append((d, t)))
    total = r.n_windows
    assert total > 3
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert all(t == total for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)

    forwards = []
    hook = tiny_bert.model.register_forward_hook(lambda *a: forwards.append(1))
    try:

        def cancel(done, total):
            if done >= 2:
                raise AnalysisCancelled("no longer wanted")

        with pytest.raises(AnalysisCancelled, match="no longer wanted"):
            analyze(text, tiny_bert, batch_windows=2, progress=cancel)
        assert len(forwards) == 1  # stopped right after the first batch of two windows
    finally:
        hook.remove()


def test_progress_counts_the_statistics_pass_of_long_normalized_texts(tiny_bert):
    text = long_text(160, seed=5)
    calls = []
    r = analyze(
        text,
        tiny_bert,
        normalize="standardize",
        batch_windows=1,
        progress=lambda d, t: calls.append((d, t)),
    )
    total = 2 * r.n_windows  # one pass for the statistics, one for the numbers
    assert [d for d, _ in calls] == list(range(total + 1))
    assert {t for _, t in calls} == {total}
    calls.clear()
    r = analyze(
        text,
        tiny_bert,
        normalize="standardize",
        batch_windows=99,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(0, r.n_windows), (r.n_windows, r.n_windows)]  # all in one batch: one pass


@pytest.mark.slow
def test_hundred_thousand_characters(tiny_bert):
    text = (long_text(2000, seed=9) + "\n\n") * 9
    text = (text + long_text(3000, seed=10))[:100_000]
    assert len(text) == 100_000
    t0 = time.perf_counter()
    r = analyze(text, tiny_bert)
    elapsed = time.perf_counter() - t0
    ids, offsets = encode(tiny_bert.tokenizer, text)
    assert [o for o in r.offsets if o is not None] == offsets
    assert r.layer_norms.shape == (tiny_bert.n_layers + 1, len(ids) + 2)
    assert np.isfinite(r.layer_norms).all()
    assert r.n_windows > 100
    assert len(r.words) > 10_000
    assert elapsed < 60, f"100,000 characters took {elapsed:.1f} s"


@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n", "\u3000\u00a0"])
def test_empty_or_whitespace_text_gives_an_empty_result(tiny_bert, text):
    calls = []
    r = analyze(text, tiny_bert, progress=lambda d, t: calls.append((d, t)))
    assert len(r) == 0 and len(r.words) == 0
    assert r.layer_norms.shape == (tiny_bert.n_layers + 1, 0)
    assert np.isnan(r.threshold) and np.isnan(r.words.threshold)
    assert r.text == text
    assert len(r.to_dataframe()) == 0 and len(r.to_dataframe("word")) == 0
    json.dumps(r.to_dict(), allow_nan=False)
    assert len(r.at(layer=0)) == 0
    assert calls[-1][0] == calls[-1][1]
    r.summary()
    repr(r)


def test_a_result_with_another_word_aggregation_equals_analysing_with_it(tiny_bert):
    text = "Tokenization is unbelievably fun, isn't it?"
    mean = analyze(text, tiny_bert, scores=("tas", "attention"))
    assert mean.scores == ("tas", "attention")
    as_max = mean.with_word_agg("max")
    direct = analyze(text, tiny_bert, word_agg="max", scores=("tas", "attention"))
    np.testing.assert_array_equal(as_max.words.layer_norms, direct.words.layer_norms)
    assert as_max.word_agg == "max" and mean.word_agg == "mean"
    np.testing.assert_array_equal(as_max.layer_norms, mean.layer_norms)
    assert mean.with_word_agg("mean") is mean


def test_options_are_checked_on_every_call():
    """check_options refuses a bad value whatever the others are, and gives analyze's defaults
    for the options not given."""
    from afn_widget.engine import OPTION_NAMES, Options, check_options
    from afn_widget.errors import AFNInputError

    defaults = {k: getattr(Options, k) for k in OPTION_NAMES}
    assert check_options() == check_options(**defaults) == Options()
    with pytest.raises(AFNInputError, match="top_k must be a positive integer"):
        check_options(**{**defaults, "top_k": 3.0})
    assert check_options(**{**defaults, "quantile": 0.9}).quantile == 0.9
