"""AFNCompare: two texts with one model, one text with two models; the alignment of words and
tokens, the layers matched by relative depth, and the typed errors raised before any model
runs."""

from __future__ import annotations

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget.compare import AFNCompare, align_words, match_layers
from afn_widget.errors import AFNError, AFNInputError, AFNTypeError

PAIR = ("The keys to the cabinet are on the table.", "The key to the cabinet is on the table.")


def test_match_layers_by_relative_depth():
    assert match_layers(6, 12) == [0, 2, 4, 6, 8, 10, 12]
    assert match_layers(12, 12) == list(range(13))
    got = match_layers(6, 2)
    assert got[0] == 0 and got[-1] == 2 and len(got) == 7
    for layer, mapped in enumerate(got):  # the nearest relative depth
        assert abs(mapped / 2 - layer / 6) <= 1 / 4 + 1e-12


def test_minimal_pair_marks_the_words_that_differ(tiny_bert):
    view = AFNCompare(*PAIR, model=tiny_bert)
    ra, rb = view.results
    words_a = ra.words.text
    words_b = rb.words.text
    assert [words_a[j] for j in view.differ_a] == ["keys", "are"]
    assert [words_b[j] for j in view.differ_b] == ["key", "is"]
    for j, m in enumerate(view.word_match):  # matched words spell the same
        if m >= 0:
            assert words_a[j].lower() == words_b[m].lower()
    assert "2 word(s) of the first text and 2 of the second" in view.compare_note
    assert view.layer_map == list(range(ra.n_layers + 1))
    # the panes carry each result's data, as a view's traits
    assert view.pane_a["tokens"] == ra.tokens and view.pane_b["tokens"] == rb.tokens
    np.testing.assert_array_equal(
        np.frombuffer(view.pane_b["norms"], "<f4").reshape(rb.n_layers + 1, -1), rb.layer_norms
    )


def test_two_models_of_different_depth(minilm, tiny_bert):
    text = "The committee postponed the vote because the report was late."
    view = AFNCompare(text, models=(minilm, tiny_bert), layer=3)
    ra, rb = view.results
    assert (ra.n_layers, rb.n_layers) == (6, 2)
    assert view.layer_map == match_layers(6, 2)
    assert ra.layer == 3 and rb.layer == view.layer_map[3]
    assert "layers matched by relative depth" in view.compare_note
    # one text: every word matched to the word of the same characters, none differ
    assert view.differ_a == [] and view.differ_b == []
    for j, m in enumerate(view.word_match):
        if m >= 0:
            assert ra.words.spans[j] == rb.words.spans[m]
    # the same tokenizer: every token matched by its characters
    assert all(m == i for i, m in enumerate(view.token_match) if ra.offsets[i] is not None)
    # each pane equals its own analysis
    own = analyze(text, tiny_bert, layer=rb.layer)
    np.testing.assert_array_equal(rb.layer_norms, own.layer_norms)
    view.layer = 6
    assert view.results[1].layer == 2
    with pytest.raises(AFNError):
        view.layer = 7


def test_scores_are_shared(tiny_bert):
    view = AFNCompare(*PAIR, model=tiny_bert, score="attention")
    assert "attention" in view.pane_a["score_names"] and "attention" in view.pane_b["score_names"]


@pytest.mark.parametrize(
    "args,kwargs,error,words",
    [
        ((PAIR[0],), {"model": "m"}, AFNTypeError, "second text"),
        ((PAIR[0], PAIR[1]), {"models": ("a", "b")}, AFNTypeError, "not both"),
        ((PAIR[0],), {"models": "bert-base-uncased"}, AFNTypeError, "pair of models"),
        ((PAIR[0],), {"models": ("a", "b", "c")}, AFNTypeError, "pair of models"),
        ((None, PAIR[1]), {"model": "m"}, AFNError, "text"),
        ((PAIR[0], PAIR[1]), {"model": "m", "score": "salience"}, AFNInputError, "score"),
        ((PAIR[0], PAIR[1]), {"model": "m", "quantile": 2}, AFNInputError, "quantile"),
        ((PAIR[0], PAIR[1]), {"model": "m", "wordagg": "max"}, AFNError, "wordagg"),
    ],
)
def test_bad_arguments_are_typed_errors_before_any_model_loads(
    args, kwargs, error, words, monkeypatch
):
    import transformers

    def no_loading(*a, **k):
        raise AssertionError("a model was loaded before the arguments were checked")

    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", no_loading)
    with pytest.raises(error, match=words):
        AFNCompare(*args, **kwargs)


def test_align_words_of_one_text_by_place(tiny_bert):
    text = "A cat, a dog."
    ra = analyze(text, tiny_bert)
    match, da, db = align_words(ra, ra)
    keep = [j for j, r in enumerate(ra.words.roles) if r != "special"]
    assert [match[j] for j in keep] == keep and da == db == []
