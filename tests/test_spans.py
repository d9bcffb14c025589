"""Words and spans are a reader's, whatever the tokenizer: no token's or word's span starts or
ends with whitespace, a word never stands for whitespace alone nor runs over whitespace between
its pieces, a character a byte-level tokenizer split into bytes lies in one word, and a token is
shown decoded (``␣slept``, not ``Ġslept``).

Property tests (hypothesis) over texts with spaces, tabs, line breaks, runs of spaces and
non-ASCII text, for byte-level BPE (GPT-2 and RoBERTa style, tiktoken style), SentencePiece and
WordPiece tokenizers built offline; checked against the tokenizers' own offsets and decoders.
"""

from __future__ import annotations

import re
from unicodedata import normalize

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from afn_widget import analyze
from afn_widget.payload import payload
from afn_widget.words import group_words
from tests.afn_reference import encode, stripped
from tests.test_decoders import _sentencepiece, _tiktoken_style, build

PIECES = [
    "the", "cat", "slept", "Hello", "world", ".", ",", "...", "can't", "it's", "—",
    " ", "  ", "   ", "\t", " \t", "\n", "\n\n", "\r\n", " \n ", "\u00a0", "\u3000",
    "é", "café", "naïve", "e\u0301", "漢字", "日本語", "🙂", "👩\u200d👩\u200d👧", "🇫🇷",
]  # fmt: skip
# The marks pieces are shown with stay out of the texts: a piece is read back from them.
MARKS = "␣⏎⇥␍"
texts = st.lists(
    st.one_of(
        st.sampled_from(PIECES),
        st.text(st.characters(exclude_categories=("Cs",), exclude_characters=MARKS), max_size=3),
    ),
    min_size=1,
    max_size=16,
).map("".join)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BYTE_LEVEL = ("gpt2", "roberta", "tiktoken")
FAMILIES = (*BYTE_LEVEL, "sentencepiece", "wordpiece")


class _Models(dict):
    def __repr__(self) -> str:  # keep hypothesis' failure reports short
        return f"<models {sorted(self)}>"


@pytest.fixture(scope="module")
def lms(tiny_models, tiny_bert):
    return _Models(
        gpt2=tiny_models["gpt2"],
        roberta=tiny_models["roberta"],
        tiktoken=build("qwen2", _tiktoken_style()),
        sentencepiece=build("llama", _sentencepiece()),
        wordpiece=tiny_bert,
    )


def _visible(s: str) -> str:
    """Whitespace as the documented marks show it."""
    marks = {"\t": "⇥", "\r": "␍", **dict.fromkeys("\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029", "⏎")}
    return "".join(marks.get(c, "␣" if c.isspace() else c) for c in s)


# -- the spans of tokens and words ------------------------------------------------------------


def _check_spans(r, text: str, lm) -> None:
    n = len(text)
    # token units: the tokenizer's own offsets, narrowed to their text without whitespace
    body = [o for o in r.offsets if o is not None]
    ids, offsets = encode(lm.tokenizer, text) if text.strip() else ([], [])
    assert body == stripped(text, offsets)
    for s, e in body:
        assert 0 <= s <= e <= n
        assert text[s:e] == text[s:e].strip()
    # words: every token in one word, in order
    w = r.words
    assert [i for p in w.pieces for i in p] == list(range(len(r)))
    owner = np.full(n, -1)
    for j, (label, span, pieces) in enumerate(zip(w.text, w.spans, w.pieces, strict=True)):
        if span is None:
            assert all(r.special[i] for i in pieces)
            continue
        s, e = span
        assert s < e, f"word {j} has no text: {label!r}"
        assert label == text[s:e] == label.strip()
        full = [r.offsets[i] for i in pieces if r.offsets[i][0] < r.offsets[i][1]]
        assert s == min(a for a, _ in full) and e == max(b for _, b in full)
        for (_, end), (start, _) in zip(full, full[1:], strict=False):
            gap = text[end:start]  # empty where they touch or overlap
            assert not any(c.isspace() for c in gap), f"whitespace inside {label!r}"
        # whole characters: what a word's pieces cover is its own, however split into bytes
        for a, b in full:
            assert np.isin(owner[a:b], (-1, j)).all(), f"a character of {label!r} is split"
            owner[a:b] = j


@pytest.mark.parametrize("family", FAMILIES)
@SETTINGS
@given(text=texts)
def test_every_span_is_a_readers(lms, family, text):
    lm = lms[family]
    _check_spans(analyze(text, lm), text, lm)


def test_a_tokenizers_word_over_a_line_break_is_two_words():
    """SentencePiece splits words at spaces only: its word can hold a line break."""
    text = "slept.\nHello"
    offsets = [(0, 5), (5, 6), (7, 12)]
    assert group_words(offsets, [0, 0, 0]) == [[0, 1, 2]]  # without the text: as it says
    assert group_words(offsets, [0, 0, 0], text) == [[0, 1], [2]]


# -- tokens with no text of their own --------------------------------------------------------


def test_a_whitespace_token_has_an_empty_span_and_joins_the_word_after_it(lms):
    text = "Hello\n\nworld  again\n"
    r = analyze(text, lms["gpt2"])
    blank = [i for i, t in enumerate(r.tokens) if t in ("Ċ", "Ġ")]
    assert len(blank) >= 4  # two line breaks, the extra space, the last line break
    for i in blank:
        s, e = r.offsets[i]
        assert s == e and text[s - 1].isspace()  # empty, at the end of its whitespace
    assert r.words.text == ["Hello", "world", "again"]
    word = dict(zip(blank, (r.words.text[r.word_index[i]] for i in blank), strict=True))
    assert word[blank[0]] == word[blank[1]] == "world"  # the word after them
    assert word[blank[2]] == "again" and word[blank[-1]] == "again"  # none after: the one before
    assert np.isfinite(r.words.tas).all() and r.words.roles == ["content"] * 3


def test_tokens_without_text_between_specials_make_a_word_with_an_empty_span():
    offsets = [None, (3, 3), (4, 4), None, (5, 7), (8, 8), None]
    groups = group_words(offsets, None, "a\n\n\n b c\n")
    assert groups == [[0], [1, 2], [3], [4, 5], [6]]


# -- tokens as a reader sees them ------------------------------------------------------------


def _read_back(piece: str) -> bytes:
    """A byte-level piece's bytes from how it is shown (its whitespace left out)."""
    out = b""
    for part in re.split(r"(<0x[0-9A-F]{2}>)", piece):
        if re.fullmatch(r"<0x[0-9A-F]{2}>", part):
            out += bytes([int(part[3:5], 16)])
        else:
            out += "".join(c for c in part if c not in MARKS).encode("utf-8")
    return out


@pytest.mark.parametrize("family", (*BYTE_LEVEL, "sentencepiece"))
@SETTINGS
@given(text=texts)
def test_pieces_are_decoded(lms, family, text):
    lm = lms[family]
    r = analyze(text, lm)
    tok = lm.tokenizer
    for raw, piece, o in zip(r.tokens, r.pieces, r.offsets, strict=True):
        if o is None:
            assert piece == raw  # specials as they are
            continue
        for symbol in "ĠĊĉč▁":
            assert symbol not in piece or symbol in text, (raw, piece)
        # the tokenizer's own decoder, the piece in the middle of a text (after an "a")
        decoded = tok.convert_tokens_to_string(["a", raw])
        assert decoded.startswith("a")
        if "\ufffd" not in decoded:
            assert piece == _visible(decoded[1:]), (raw, piece)
    if family in BYTE_LEVEL and r.pieces:
        # pieces of characters shown as bytes: all of them, read back, spell the text
        spelled = b"".join(_read_back(p) for p, o in zip(r.pieces, r.offsets, strict=True) if o)
        bare = [re.sub(r"\s", "", t) for t in (text, normalize("NFC", text))]
        assert re.sub(r"\s", "", spelled.decode("utf-8")) in bare


def test_a_character_split_into_bytes_is_one_word_and_shows_its_bytes(lms):
    text = "tea 🙂 naïve"
    r = analyze(text, lms["gpt2"])
    at = text.index("🙂")
    j = r.words.text.index("🙂")
    assert r.words.spans[j] == (at, at + 1)
    shown = [r.pieces[i] for i in r.words.pieces[j] if r.offsets[i][0] < r.offsets[i][1]]
    assert "".join(shown) == "".join(f"<0x{b:02X}>" for b in "🙂".encode())
    assert len(shown) > 1  # really split below the character
    blank = [r.pieces[i] for i in r.words.pieces[j] if r.offsets[i][0] == r.offsets[i][1]]
    assert blank in ([], ["␣"])  # the space before it, as its own token or not


def test_wordpiece_tokens_are_shown_as_they_are(lms):
    r = analyze("Unbelievably, the cat slept.", lms["wordpiece"])
    assert r.pieces == r.tokens and any(t.startswith("##") for t in r.tokens)
    assert payload(r)["pieces"] == []  # the browser shows the tokens themselves


def test_exports_show_the_pieces(lms):
    text = "The cat  slept.\nIt dreamt of 🙂."
    r = analyze(text, lms["gpt2"])
    assert any("Ġ" in t for t in r.tokens) and not any("Ġ" in p or "Ċ" in p for p in r.pieces)
    assert "␣slept" in r.pieces and "⏎" in r.pieces
    df = r.to_dataframe("token")
    assert list(df["token"]) == r.pieces
    assert not df["start"].isna().any() and (df["end"] >= df["start"]).all()
    words = r.to_dataframe("word")
    assert all(w and w == w.strip() for w in words["word"])
    assert [p for ps in words["pieces"] for p in ps] == r.pieces
    d = r.to_dict()
    assert d["tokens"] == r.tokens and d["pieces"] == r.pieces
    summary = analyze(text, lms["gpt2"], granularity="token").summary(top=len(r))
    assert "␣slept" in summary and "⏎" in summary and "Ġ" not in summary
    p = payload(r)
    assert p["pieces"] == r.pieces and p["tokens"] == r.tokens


# -- the corpus report reads the same words ---------------------------------------------------


@pytest.mark.parametrize("family", ["gpt2", "sentencepiece"])
def test_corpus_sentences_are_the_engines_words(lms, family):
    from afn_widget.corpus import sentence_from_text

    text = "The cat  slept.\n\nIt dreamt of 🙂 and\tcafé. "
    lm = lms[family]
    sent = sentence_from_text(text, lm.tokenizer)
    r = analyze(text, lm)
    kept = [(t, s) for t, s in zip(r.words.text, r.words.spans, strict=True) if s is not None]
    assert list(zip(sent.words, sent.spans, strict=True)) == kept
    assert all(w == w.strip() and w for w in sent.words)
