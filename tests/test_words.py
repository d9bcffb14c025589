"""Roles of words and the grouping of pieces into words (afn_widget.words)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from afn_widget.words import (
    CONTENT,
    FUNCTION,
    FUNCTION_WORDS,
    PUNCTUATION,
    Punctuation,
    group_words,
    is_punctuation,
    word_role,
)


@pytest.mark.parametrize(
    "word", [".", ",", "...", "!?", "—", "–", "«", "»", "¿", "(", ")", "“", "”", "、", "。", " ; "]
)
def test_punctuation(word):
    assert is_punctuation(word)
    assert word_role(word) == PUNCTUATION


@pytest.mark.parametrize(
    "word",
    ["the", "The", "THE", " of ", "and", "is", "were", "could", "she", "them", "to", "n't",
     "'s", "\u2019s", "'ll", "don", "isn", "t", "not", "because", "although", "with"],
)  # fmt: skip
def test_function_words(word):
    assert word_role(word) == FUNCTION


@pytest.mark.parametrize(
    "word",
    ["cat", "Cats", "river", "nominated", "quickly", "beautiful", "Tuesday", "Washington",
     "1984", "naïve", "café", "hello", "unbelievably", "e.g", "C++", "😀", "中文"],
)  # fmt: skip
def test_content_words(word):
    assert word_role(word) == CONTENT


def test_function_word_list_is_closed_class_and_lower_case():
    assert all(w == w.lower() and w.strip() == w and w for w in FUNCTION_WORDS)
    for open_class in ("house", "run", "good", "often", "people", "said", "time", "year"):
        assert open_class not in FUNCTION_WORDS


def test_mixed_or_empty_is_not_punctuation():
    assert not is_punctuation("")
    assert not is_punctuation("   ")
    assert not is_punctuation("a.")
    assert not is_punctuation("$")  # a symbol (Sc), not punctuation (P*)


def test_group_words_follows_the_tokenizers_word_ids():
    offsets = [None, (0, 2), (2, 5), (6, 8), (8, 9), None]
    word_ids = [None, 0, 0, 1, 2, None]
    assert group_words(offsets, word_ids) == [[0], [1, 2], [3], [4], [5]]


def test_group_words_without_word_ids_joins_touching_spans():
    offsets = [None, (0, 3), (3, 5), (6, 8), (9, 10), (10, 11), None]
    assert group_words(offsets, None) == [[0], [1, 2], [3], [4, 5], [6]]


def test_group_words_keeps_pieces_of_one_character_together():
    # byte-level BPE: four byte tokens of one emoji all span the same character
    offsets = [(0, 1), (2, 3), (2, 3), (2, 3), (2, 3), (4, 5)]
    assert group_words(offsets, [0, 1, 2, 2, 3, 4]) == [[0], [1, 2, 3, 4], [5]]
    assert group_words(offsets, None) == [[0], [1, 2, 3, 4], [5]]


def test_special_tokens_are_words_of_their_own():
    offsets = [None, None, (0, 2), None, (3, 4)]
    assert group_words(offsets, [None, None, 0, None, 1]) == [[0], [1], [2], [3], [4]]


@given(
    spans=st.lists(
        st.one_of(st.none(), st.tuples(st.integers(0, 5), st.integers(0, 5))), max_size=30
    ),
    use_ids=st.booleans(),
)
def test_group_words_partitions_the_tokens_in_order(spans, use_ids):
    # spans in text order: cumulative starts
    offsets, pos = [], 0
    for sp in spans:
        if sp is None:
            offsets.append(None)
        else:
            pos += sp[0]
            offsets.append((pos, pos + sp[1]))
    word_ids = None
    if use_ids:
        word_ids, w = [], -1
        for o, sp in zip(offsets, spans, strict=True):
            if o is None:
                word_ids.append(None)
            else:
                w += 1 if sp[0] > 0 or w < 0 else 0
                word_ids.append(w)
    groups = group_words(offsets, word_ids)
    assert [i for g in groups for i in g] == list(range(len(offsets)))
    for g in groups:
        assert g
        if any(offsets[i] is None for i in g):
            assert len(g) == 1


# -- words as a reader expects them (given the text) ------------------------------------------


def _words(text: str, spans: list[tuple[int, int]], word_ids=None) -> list[str]:
    groups = group_words(spans, word_ids, text)
    return [text[spans[g[0]][0] : spans[g[-1]][1]] for g in groups]


def test_a_contraction_is_one_word_whatever_the_tokenizer_split():
    text = "can't it's O'Brien"
    # WordPiece: can | ' | t, each its own word id; BPE: can | 't
    wordpiece = [(0, 3), (3, 4), (4, 5), (6, 8), (8, 9), (9, 10), (11, 12), (12, 13), (13, 18)]
    assert _words(text, wordpiece, list(range(9))) == ["can't", "it's", "O'Brien"]
    bpe = [(0, 3), (3, 5), (6, 8), (8, 10), (11, 12), (12, 18)]
    assert _words(text, bpe, [0, 1, 2, 3, 4, 5]) == ["can't", "it's", "O'Brien"]
    assert _words(text, bpe, None) == ["can't", "it's", "O'Brien"]


def test_an_apostrophe_not_between_letters_stays_punctuation():
    text = "students' 'quoted'"
    spans = [(0, 8), (8, 9), (10, 11), (11, 17), (17, 18)]
    assert _words(text, spans, list(range(5))) == ["students", "'", "'", "quoted", "'"]


def test_punctuation_never_joins_a_word_and_runs_of_it_are_one():
    text = "tea... W. ?!"
    spans = [(0, 3), (3, 4), (4, 5), (5, 6), (7, 8), (8, 9), (10, 11), (11, 12)]
    assert _words(text, spans, None) == ["tea", "...", "W", ".", "?!"]
    assert _words(text, spans, list(range(8))) == ["tea", "...", "W", ".", "?!"]


@pytest.mark.parametrize(
    "word, role",
    [("can't", FUNCTION), ("Don't", FUNCTION), ("it\u2019s", FUNCTION), ("won't", FUNCTION),
     ("they'll", FUNCTION), ("John's", CONTENT), ("O'Brien", CONTENT), ("rock'n'roll", CONTENT)],
)  # fmt: skip
def test_roles_of_contractions(word, role):
    assert word_role(word) == role


@given(
    text=st.text(alphabet="ab .,;!?'\u2019\u00a0\t\n\u3002\u2014\u00bf$\U0001f600-", max_size=14),
    bounds=st.lists(st.tuples(st.integers(-3, 17), st.integers(-3, 17)), max_size=20),
)
def test_punctuation_of_a_span_is_that_of_its_slice(text, bounds):
    """Punctuation(text)(start, end), from running counts, is is_punctuation(text[start:end])
    for every span, inside the text or not, ASCII or not."""
    punct = Punctuation(text)
    for start, end in bounds:
        assert punct(start, end) == is_punctuation(text[start:end])
