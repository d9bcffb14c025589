"""Offsets: every token and word span slices the original text, for any Unicode text.

Property tests (hypothesis) with a WordPiece tokenizer (tiny BERT, MiniLM's vocabulary) and two
byte-level BPE tokenizers (GPT-2 style without special tokens, RoBERTa style with ``<s>``/``</s>``).
"""

from __future__ import annotations

import os
import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from afn_widget import analyze
from tests.afn_reference import encode, special_frame, stripped

PIECES = [
    "😀",
    "👩\u200d👩\u200d👧",  # a ZWJ family: five code points, one glyph
    "🇫🇷",
    "中文字符",
    "日本語のテキスト",
    "한국어",
    "e\u0301",  # e + combining acute
    "a\u0308\u0301",
    "مرحبا بالعالم",  # right-to-left
    "שלום",
    "\u200f",  # right-to-left mark
    "\u200b",  # zero-width space
    "\t",
    "\n",
    "\r\n",
    "\u00a0",
    "\u3000",
    "İstanbul",  # lower-cases to two code points
    "straße",
    "ﬁne",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\x00",
    "\ufeff",
    "\ufffd",
    "[CLS]",
    "<s>",
    "</s>",
    "##ing",
    "don't",
    "naïve café",
    "  ",
    "...",
    "—",
]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=14).map("".join)
SETTINGS = settings(
    # AFN_HYPOTHESIS_EXAMPLES=2000 for a deeper search than the default run's
    max_examples=int(os.environ.get("AFN_HYPOTHESIS_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class _Models(dict):
    def __repr__(self) -> str:  # keep hypothesis' failure reports short
        return f"<models {sorted(self)}>"


@pytest.fixture(scope="module")
def lms(tiny_bert, tiny_models):
    return _Models(wordpiece=tiny_bert, gpt2=tiny_models["gpt2"], roberta=tiny_models["roberta"])


# Characters a BERT tokenizer legitimately drops (its normalizer removes control and format
# characters, U+FFFD and, with strip_accents, combining marks).
DROPPABLE = {"Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp", "Co", "Cn"}


def _check_spans(r, text: str, lm) -> None:
    n = len(text)
    body = [o for o in r.offsets if o is not None]
    assert r.special.tolist() == [o is None for o in r.offsets]
    for s, e in body:
        assert 0 <= s <= e <= n, (s, e, n)
    starts = [s for s, _ in body]
    assert starts == sorted(starts)
    # exactly the tokenizer's own offsets for the whole text, stripped of whitespace at the ends
    ids, offsets = encode(lm.tokenizer, text) if text.strip() else ([], [])
    assert body == stripped(text, offsets)
    head, tail = special_frame(lm.tokenizer)
    if ids:
        assert r.tokens == lm.tokenizer.convert_ids_to_tokens(head + ids + tail)
    # words: spans slice the text, in order, and hold exactly their pieces
    w = r.words
    assert [i for p in w.pieces for i in p] == list(range(len(r)))
    wstarts = []
    for text_j, span, pieces in zip(w.text, w.spans, w.pieces, strict=True):
        if span is None:
            assert all(r.special[i] for i in pieces)
            continue
        s, e = span
        assert 0 <= s <= e <= n
        assert text[s:e] == text_j
        full = [r.offsets[i] for i in pieces if r.offsets[i][0] < r.offsets[i][1]]
        assert s == min(a for a, _ in full)  # the pieces with text of their own
        assert e == max(b for _, b in full)
        wstarts.append(s)
    assert wstarts == sorted(wstarts)
    # the rest of the result is consistent with them
    assert len(r.roles) == len(r.tokens) == r.layer_norms.shape[1]
    assert np.isfinite(r.layer_norms).all()


@SETTINGS
@given(text=texts)
def test_wordpiece_offsets_slice_the_text(lms, text):
    r = analyze(text, lms["wordpiece"])
    _check_spans(r, text, lms["wordpiece"])
    covered = np.zeros(len(text), bool)
    for o in r.offsets:
        if o is not None:
            covered[o[0] : o[1]] = True
    for i, c in enumerate(text):
        # anything not inside a token is whitespace or what BERT's normalizer removes
        dropped = c.isspace() or c == "\ufffd" or unicodedata.category(c) in DROPPABLE
        assert covered[i] or dropped, (i, c)


@SETTINGS
@given(text=texts)
def test_gpt2_byte_level_offsets_slice_the_text(lms, text):
    lm = lms["gpt2"]
    r = analyze(text, lm)
    _check_spans(r, text, lm)
    assert not r.special.any()  # GPT-2 adds no special tokens
    covered = np.zeros(len(text), bool)
    for s, e in r.offsets:
        covered[s:e] = True
    # byte-level BPE drops nothing: every character but whitespace is inside a token's span
    # (whitespace-only texts give an empty result by design)
    assert all(covered[i] or c.isspace() for i, c in enumerate(text))


@SETTINGS
@given(text=texts)
def test_roberta_byte_level_offsets_slice_the_text(lms, text):
    lm = lms["roberta"]
    r = analyze(text, lm)
    _check_spans(r, text, lm)
    if text.strip():
        assert r.tokens[0] == "<s>" and r.tokens[-1] == "</s>"
        assert r.special.sum() == 2


@pytest.mark.parametrize("emoji", ["😀", "👩\u200d👩\u200d👧", "🇫🇷"])
@pytest.mark.parametrize("name", ["gpt2", "roberta"])
def test_emoji_split_into_byte_tokens_maps_inside_the_emoji(tiny_models, name, emoji):
    lm = tiny_models[name]
    text = f"I like {emoji} and tea."
    start = text.index(emoji)
    end = start + len(emoji)
    r = analyze(text, lm)
    inside = [i for i, o in enumerate(r.offsets) if o is not None and o[0] < end and o[1] > start]
    # more byte tokens than code points: the emoji really is split below the character level
    assert len(inside) > len(emoji)
    for i in inside:
        s, e = r.offsets[i]
        assert start <= s < e <= end or (s < start and text[s:start].isspace()), (s, e, start, end)
    # the pieces of the emoji form one word whose text holds the whole emoji
    words = {int(r.word_index[i]) for i in inside}
    assert len(words) == 1
    assert emoji in r.words.text[words.pop()]
    # and the values are finite numbers like any other token's
    assert np.isfinite(r.layer_norms[:, inside]).all()


def test_gpt2_words_are_whole_words(tiny_models):
    lm = tiny_models["gpt2"]
    text = "Extraordinary tokenization, naïvely."
    r = analyze(text, lm)
    words = [t.strip() for t in r.words.text]
    assert words == ["Extraordinary", "tokenization", ",", "naïvely", "."]
    assert r.words.roles == ["content", "content", "punctuation", "content", "punctuation"]
    assert len(r) > len(words)  # the tiny BPE splits these words into several pieces
