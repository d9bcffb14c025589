"""AFNCompare: two texts with one model, one text with two models; the alignment of words and
tokens, the layers matched by relative depth, and the typed errors raised before any model
runs."""

from __future__ import annotations

import difflib
from collections import Counter

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget.compare import AFNCompare, align_words, in_order, match_layers, pair_words
from afn_widget.errors import AFNError, AFNInputError, AFNTypeError

PAIR = ("The keys to the cabinet are on the table.", "The key to the cabinet is on the table.")
SWAP = ("The doctor thanked the nurse.", "The nurse thanked the doctor.")
ONE_CHANGED = ("The cat sat on the mat.", "The dog sat on the mat.")


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
    assert view.compare_note.startswith("Words are paired by their text, in order;")
    assert "2 word(s) of the first text and 2 of the second have no counterpart" in (
        view.compare_note
    )
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


def kept(result):
    """The indices and lower-cased text of ``result``'s words but the specials."""
    idx = [j for j, r in enumerate(result.words.roles) if r != "special"]
    return idx, [result.words.text[j].lower() for j in idx]


def check_pairs(ra, rb, match, differ_a, differ_b):
    """What any pairing of words by their text must satisfy, computed independently of it: each
    pair spells the same (case aside), no word of b is paired twice, and the words without
    counterpart are, for each spelling, the surplus occurrences in their text."""
    ka, la = kept(ra)
    kb, lb = kept(rb)
    paired = [m for m in match if m >= 0]
    assert len(paired) == len(set(paired))
    for j, m in enumerate(match):
        if m >= 0:
            assert j in ka and m in kb
            assert ra.words.text[j].lower() == rb.words.text[m].lower()
    assert differ_a == [j for j in ka if match[j] < 0]
    assert differ_b == sorted(set(kb) - set(paired))
    spelled_a = Counter(ra.words.text[j].lower() for j in differ_a)
    spelled_b = Counter(rb.words.text[j].lower() for j in differ_b)
    assert spelled_a == Counter(la) - Counter(lb)
    assert spelled_b == Counter(lb) - Counter(la)


def test_a_word_swap_pairs_every_word_with_its_counterpart(tiny_bert):
    view = AFNCompare(*SWAP, model=tiny_bert)
    ra, rb = view.results
    check_pairs(ra, rb, view.word_match, view.differ_a, view.differ_b)
    ka, _ = kept(ra)
    kb, _ = kept(rb)
    assert all(view.word_match[j] >= 0 for j in ka)
    assert sorted(view.word_match[j] for j in ka) == kb
    assert view.differ_a == [] and view.differ_b == []
    # "doctor" pairs with "doctor", wherever it stands
    assert rb.words.text[view.word_match[ra.words.text.index("doctor")]] == "doctor"
    assert "by spelling where words moved" in view.compare_note
    assert "every word has a counterpart" in view.compare_note
    # the tokens of paired words pair as well (one tokenizer: each word's pieces alike)
    for j in ka:
        m = view.word_match[j]
        for p, q in zip(ra.words.pieces[j], rb.words.pieces[m], strict=True):
            assert view.token_match[int(p)] == int(q)
            assert ra.tokens[int(p)] == rb.tokens[int(q)]


def test_one_word_changed_leaves_only_that_word_without_counterpart(tiny_bert):
    view = AFNCompare(*ONE_CHANGED, model=tiny_bert)
    ra, rb = view.results
    check_pairs(ra, rb, view.word_match, view.differ_a, view.differ_b)
    assert [ra.words.text[j] for j in view.differ_a] == ["cat"]
    assert [rb.words.text[j] for j in view.differ_b] == ["dog"]
    # every other word pairs with the word at the same place among the others, in order
    ka, _ = kept(ra)
    kb, _ = kept(rb)
    rest_a = [j for j in ka if j not in view.differ_a]
    rest_b = [j for j in kb if j not in view.differ_b]
    assert [view.word_match[j] for j in rest_a] == rest_b
    assert in_order(view.word_match)
    assert view.compare_note.startswith("Words are paired by their text, in order;")
    assert "1 word(s) of the first text and 1 of the second have no counterpart" in (
        view.compare_note
    )


@pytest.mark.parametrize(
    "texts",
    [
        (
            "The dog chased the cat and the cat ran.",
            "The cat chased the dog and the old cat ran to the door.",
        ),
        ("Dogs like cats, cats like dogs.", "Cats like dogs, and dogs like cats, too."),
    ],
)
def test_repeated_words_and_an_extra_word(tiny_bert, texts):
    ra, rb = analyze(texts[0], tiny_bert), analyze(texts[1], tiny_bert)
    match, differ_a, differ_b = align_words(ra, rb)
    check_pairs(ra, rb, match, differ_a, differ_b)
    assert differ_b  # the second text has words the first has not
    view = AFNCompare(*texts, model=tiny_bert)
    assert (view.word_match, view.differ_a, view.differ_b) == (match, differ_a, differ_b)
    assert f"{len(differ_a)} word(s) of the first text and {len(differ_b)} of the second" in (
        view.compare_note
    )


def test_pair_words_in_order_first_then_by_spelling():
    a = ["x", "the", "a", "the", "b", "the"]
    b = ["the", "b", "the", "y", "a", "the", "the"]
    got = pair_words(a, b)
    assert got == pair_words(a, b)  # deterministic
    assert all(m < 0 or a[i] == b[m] for i, m in enumerate(got))
    # the in-order runs difflib finds are kept as they are
    runs = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks()
    in_runs = {blk.a + k: blk.b + k for blk in runs for k in range(blk.size)}
    assert all(got[i] == m for i, m in in_runs.items())
    # of the rest, each spelling's k-th unpaired occurrence in a with its k-th in b
    for word in set(a):
        rest_a = [i for i, w in enumerate(a) if w == word and i not in in_runs]
        rest_b = [j for j, w in enumerate(b) if w == word and j not in in_runs.values()]
        n = min(len(rest_a), len(rest_b))
        assert [got[i] for i in rest_a] == rest_b[:n] + [-1] * (len(rest_a) - n)
    assert not in_order(got)  # "b" and an occurrence of "the" moved
