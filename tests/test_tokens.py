"""afn_widget.tokens: text to tokens (ids, a reader's spans, the special tokens a tokenizer adds,
the user's tokenizer left as it was) and each token as a reader sees it.

Checked against the tokenizers' own calls (tests/afn_reference.encode, special_frame, stripped),
GPT-2's byte table as transformers has it, and cases worked by hand.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from afn_widget import analyze
from afn_widget.models import load_model
from afn_widget.tokens import reader_pieces, strip_spans, tokenize, tokenize_many
from afn_widget.tokens import special_frame as frame
from tests.afn_reference import SHORT, TEXT, encode, model_named, special_frame, stripped

NAMES = ["minilm", "bert", "gpt2", "roberta"]


def left_set(tokenizer):
    """A copy of ``tokenizer`` whose backend a call of the user's left truncating, padding and
    reading special-token strings as special tokens."""
    tok = copy.deepcopy(tokenizer)
    tok.backend_tokenizer.enable_truncation(3)
    tok.backend_tokenizer.enable_padding(length=40)
    tok.backend_tokenizer.encode_special_tokens = False
    return tok


def settings_of(tokenizer):
    """What a call of a fast tokenizer may change: its backend's three settings."""
    b = tokenizer.backend_tokenizer
    return b.encode_special_tokens, b.truncation, b.padding


# -- spans ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, offsets, want",
    [
        (" slept", [(0, 6)], [(1, 6)]),
        ("a \n", [(0, 1), (1, 3)], [(0, 1), (3, 3)]),
        ("x\u3000 y\t", [(0, 3), (3, 5)], [(0, 1), (3, 4)]),
        ("", [], []),
    ],
)
def test_strip_spans(text, offsets, want):
    assert strip_spans(text, offsets) == want == stripped(text, offsets)


@st.composite
def _text_and_spans(draw):
    text = draw(st.text(st.sampled_from(" \t\n\u3000\u00a0\u2028ab😀é"), max_size=12))
    cuts = st.integers(0, len(text))
    spans = draw(st.lists(st.tuples(cuts, cuts).map(sorted).map(tuple), max_size=6))
    return text, spans


@settings(max_examples=200, deadline=None)
@given(case=_text_and_spans())
def test_strip_spans_equals_stripping_each_span_of_any_text(case):
    text, spans = case
    assert strip_spans(text, spans) == stripped(text, spans)


# -- tokenizing -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_the_frame_is_what_the_tokenizers_special_tokens_mask_says(request, name):
    tok = model_named(request, name).tokenizer
    assert tuple(frame(tok)) == special_frame(tok)
    assert frame(tok) == frame(tok)  # found once, the same every time


@pytest.mark.parametrize("name", NAMES)
def test_tokenize_many_equals_tokenize_text_by_text(request, name):
    tok = model_named(request, name).tokenizer
    texts = [TEXT, "", " \n\t", SHORT, "[CLS] a <s> b", "x"]
    one_by_one = [(t.ids, t.offsets) for t in (tokenize(tok, x) for x in texts)]
    assert tokenize_many(tok, texts) == one_by_one
    assert one_by_one[1] == one_by_one[2] == ([], [])
    ids, offsets = encode(tok, SHORT)
    assert one_by_one[3] == (ids, stripped(SHORT, offsets))


def test_special_token_strings_in_the_text_are_text(minilm):
    text = "A [SEP] in the middle and [CLS] too."
    r = analyze(text, minilm)
    assert r.tokens[0] == "[CLS]" and r.tokens[-1] == "[SEP]"
    assert int(r.special.sum()) == 2  # only the two the tokenizer adds
    inner = [r.tokens[i] for i in range(1, len(r.tokens) - 1)]
    assert "[SEP]" not in inner and "[CLS]" not in inner
    assert all(r.offsets[i] is not None for i in range(1, len(r.tokens) - 1))
    assert "sep" in inner and "cl" in "".join(inner)


# -- the user's tokenizer is left as it was -------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_analyze_leaves_the_users_tokenizer_as_it_was(request, name):
    """A tokenizer whose backend the user left truncating, padding and reading special-token
    strings as specials: analyze reads the whole text, splits those strings, and leaves the
    three settings as they were (special-token probe included: a fresh tokenizer)."""
    lm = model_named(request, name)
    tok = left_set(lm.tokenizer)
    before = settings_of(tok)
    text = f"{TEXT} [CLS] <s>"
    r = analyze(text, load_model((lm.model, tok)))
    assert settings_of(tok) == before
    head, tail = special_frame(lm.tokenizer)
    assert r.tokens == lm.tokenizer.convert_ids_to_tokens(
        head + encode(lm.tokenizer, text)[0] + tail
    )


@pytest.mark.parametrize("name", ["bert", "gpt2", "roberta"])
def test_a_backend_left_truncating_or_padding_reads_the_whole_text_and_stays_so(request, name):
    """The text is read whole, its special-token strings split, and the backend's settings
    (and those the special-token probe would change) are left as they were."""
    text = "[CLS] one two three four five six seven <s> eight"
    lm = model_named(request, name)
    want = encode(lm.tokenizer, text)
    tok = left_set(lm.tokenizer)
    before = settings_of(tok)
    got = tokenize(tok, text)
    assert frame(tok) == frame(lm.tokenizer)
    assert settings_of(tok) == before
    assert (got.ids, got.offsets) == (want[0], stripped(text, want[1]))
    assert len(got.ids) > 8


def test_a_tokenizer_with_its_own_call_is_called_through_it(tiny_bert):
    """A subclass with its own way of encoding a text is not bypassed."""
    base = tiny_bert.tokenizer
    calls = []

    class Shouting(type(base)):
        def _encode_plus(self, text, *args, **kwargs):
            calls.append(text)
            return super()._encode_plus(text, *args, **kwargs)

    tok = copy.copy(base)
    tok.__class__ = Shouting
    assert tokenize(tok, "two words") == tokenize(base, "two words") and calls


# -- tokens as a reader sees them -----------------------------------------------------------------
def test_the_byte_table_is_gpt2s():
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    from afn_widget.tokens import _BYTE_CHARS

    assert _BYTE_CHARS == bytes_to_unicode()


def test_pieces_of_a_text_holding_the_marks_themselves_stay_raw():
    """SentencePiece's ▁ is a space unless the text itself holds one."""
    assert reader_pieces("a ▁b", ["▁a", "▁▁b"], [(0, 1), (2, 4)]) == ["▁a", "▁▁b"]
    assert reader_pieces("a b", ["▁a", "▁b"], [(0, 1), (2, 3)]) == ["␣a", "␣b"]


def test_byte_level_pieces_read_as_utf8_with_split_characters_as_bytes():
    """Worked by hand: ``Ġ`` is a space, ``Ċ`` a line break; ``é`` (C3 A9) split in two tokens
    shows its two bytes; a special token (no span) stays as it is."""
    text = "é slept\n"
    tokens = ["<s>", "Ã", "©", "Ġslept", "Ċ"]
    offsets = [None, (0, 1), (0, 1), (2, 7), (8, 8)]
    assert reader_pieces(text, tokens, offsets) == ["<s>", "<0xC3>", "<0xA9>", "␣slept", "⏎"]
    assert reader_pieces("the cats", ["the", "cat", "##s"], [(0, 3), (4, 7), (7, 8)]) == [
        "the",
        "cat",
        "##s",
    ]
