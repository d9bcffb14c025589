"""Every bad argument to analyze() raises a typed error whose message says what to do."""

from __future__ import annotations

import math

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget.errors import AFNError, AFNInputError, AFNTypeError
from afn_widget.scores import result_from_scores

TEXT = "A short and ordinary sentence."


@pytest.mark.parametrize(
    "text,match",
    [
        (None, r"text is None; pass the text to analyse as a string"),
        (b"bytes", r"text is bytes; decode it first, e\.g\. analyze\(data\.decode\('utf-8'\)\)"),
        (bytearray(b"x"), r"text is bytes; decode it first"),
        (42, r"text must be a string, not int; convert it with str"),
        (["a", "list"], r"text must be a string, not list"),
    ],
)
def test_text_of_the_wrong_type(tiny_bert, text, match):
    with pytest.raises(AFNTypeError, match=match):
        analyze(text, tiny_bert)


@pytest.mark.parametrize("q", [0, 1, 0.0, 1.0, -0.25, 1.5, math.nan, math.inf])
def test_quantile_outside_the_open_interval(tiny_bert, q):
    with pytest.raises(AFNInputError, match=r"quantile must lie strictly between 0 and 1 \(got"):
        analyze(TEXT, tiny_bert, quantile=q)


@pytest.mark.parametrize(
    "q,name",
    [(True, "bool"), (False, "bool"), ("0.75", "str"), (None, "NoneType"), ([0.5], "list")],
)
def test_quantile_of_the_wrong_type(tiny_bert, q, name):
    with pytest.raises(
        AFNTypeError, match=rf"quantile must be a number between 0 and 1 \(got {name}\)"
    ):
        analyze(TEXT, tiny_bert, quantile=q)


def test_numpy_quantile_is_accepted(tiny_bert):
    assert analyze(TEXT, tiny_bert, quantile=np.float32(0.5)).quantile == 0.5


@pytest.mark.parametrize("g", ["sentence", "Token", "", None, 1])
def test_unknown_granularity(tiny_bert, g):
    with pytest.raises(AFNInputError, match=r"granularity must be 'token' or 'word', not"):
        analyze(TEXT, tiny_bert, granularity=g)


@pytest.mark.parametrize("n", ["l2", "RAW", "", None])
def test_unknown_normalize(tiny_bert, n):
    with pytest.raises(
        AFNInputError,
        match=r"normalize must be one of \('raw', 'drop_outlier_dims', 'standardize', "
        r"'layer_zscore', 'layer_rank'\), not",
    ):
        analyze(TEXT, tiny_bert, normalize=n)


def test_unknown_word_aggregation(tiny_bert):
    with pytest.raises(AFNInputError, match=r"word_agg must be 'mean' or 'max', not 'median'"):
        analyze(TEXT, tiny_bert, word_agg="median")
    with pytest.raises(AFNInputError, match=r"word_agg must be 'mean' or 'max', not 'sum'"):
        result_from_scores(["a", "b"], [1.0, 2.0], word_agg="sum")


@pytest.mark.parametrize("layer", [3, 100, -4, -100])
def test_layer_out_of_range(tiny_bert, layer):
    # tiny_bert has 2 layers: hidden_states 0..2, and -3..-1 from the top
    with pytest.raises(
        AFNInputError, match=rf"layer {layer} is out of range: this model has hidden_states 0\.\.2"
    ):
        analyze(TEXT, tiny_bert, layer=layer)


@pytest.mark.parametrize("layer,resolved", [(-1, 2), (-2, 1), (-3, 0), (0, 0), (2, 2)])
def test_layer_in_range_resolves_like_python(tiny_bert, layer, resolved):
    r = analyze(TEXT, tiny_bert, layer=layer)
    assert r.layer == resolved == list(range(3))[layer]
    np.testing.assert_array_equal(r.tas, r.layer_norms[resolved])


@pytest.mark.parametrize("layer", [1.0, "1", True])
def test_layer_of_the_wrong_type(tiny_bert, layer):
    with pytest.raises(
        AFNTypeError, match=r"layer must be an integer in 0\.\.2 \(or -3\.\.-1 from the top\)"
    ):
        analyze(TEXT, tiny_bert, layer=layer)


def test_at_checks_its_arguments_too(tiny_bert):
    r = analyze(TEXT, tiny_bert)
    with pytest.raises(AFNInputError, match=r"layer 5 is out of range"):
        r.at(layer=5)
    with pytest.raises(AFNInputError, match=r"quantile must lie strictly between 0 and 1"):
        r.at(quantile=1.0)
    with pytest.raises(AFNInputError, match=r"granularity must be 'token' or 'word'"):
        r.to_dataframe("sentence")


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3"])
def test_bad_top_k(tiny_bert, k):
    with pytest.raises(AFNInputError, match=r"top_k must be a positive integer"):
        analyze(TEXT, tiny_bert, top_k=k)


def test_bad_window_arguments(tiny_bert):
    long_text = "word " * 200
    with pytest.raises(
        AFNInputError, match=r"max_length=2 leaves no room for text next to 2 special"
    ):
        analyze(TEXT, tiny_bert, max_length=2)
    with pytest.raises(AFNInputError, match=r"max_length=200 is more than this model takes \(64"):
        analyze(long_text, tiny_bert, max_length=200)
    with pytest.raises(
        AFNInputError, match=r"stride \(the overlap between windows\) must be in 0\.\.61, got 62"
    ):
        analyze(long_text, tiny_bert, stride=62)
    with pytest.raises(AFNInputError, match=r"stride .* must be in 0\.\.61, got -1"):
        analyze(TEXT, tiny_bert, stride=-1)
    with pytest.raises(AFNInputError, match=r"batch_windows must be a positive integer"):
        analyze(TEXT, tiny_bert, batch_windows=0)
    with pytest.raises(AFNTypeError, match=r"max_length must be an integer number of tokens"):
        analyze(TEXT, tiny_bert, max_length="32")
    with pytest.raises(AFNTypeError, match=r"stride must be an integer number of tokens"):
        analyze(TEXT, tiny_bert, stride=2.5)


def test_bad_outlier_arguments(tiny_bert):
    with pytest.raises(
        AFNInputError, match=r"outlier_dims \[32\] are out of range: .* 32 dimensions"
    ):
        analyze(TEXT, tiny_bert, normalize="drop_outlier_dims", outlier_dims=[0, 32])
    with pytest.raises(AFNInputError, match=r"outlier_dims \[-1\] are out of range"):
        analyze(TEXT, tiny_bert, normalize="drop_outlier_dims", outlier_dims=[-1])
    with pytest.raises(AFNTypeError, match=r"outlier_dims must be a list of integers"):
        analyze(TEXT, tiny_bert, normalize="drop_outlier_dims", outlier_dims=["3"])
    with pytest.raises(AFNInputError, match=r"outlier_k must be a positive number"):
        analyze(TEXT, tiny_bert, normalize="drop_outlier_dims", outlier_k=0)


def test_every_error_is_an_afn_error_and_a_builtin_one():
    assert issubclass(AFNInputError, (AFNError, ValueError))
    assert issubclass(AFNTypeError, TypeError) and issubclass(AFNTypeError, AFNError)
