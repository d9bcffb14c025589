"""afn_widget.payload: what a view sends to the browser. Numbers, spans and roles as
little-endian binary columns, spans in UTF-16 code units, the text's check.

The small functions are checked against plain Python (UTF-16 lengths from ``str.encode``), the
payload of a real result against the result's own numbers.
"""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from afn_widget import analyze
from afn_widget.payload import (
    ROLE_CODES,
    dims_bytes,
    payload,
    percent,
    role_bytes,
    spans_bytes,
    text_check,
    utf16_index,
)

TEXTS = st.text(st.sampled_from("ab é\n中😀🇫🇷\u200d\U0010ffff"), max_size=12) | st.text(max_size=8)


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# -- the small functions --------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(text=TEXTS)
def test_utf16_index_is_the_utf16_length_of_each_prefix(text):
    want = [_utf16_length(text[:i]) for i in range(len(text) + 1)]
    assert utf16_index(text).tolist() == want


@settings(max_examples=100, deadline=None)
@given(text=TEXTS, data=st.data())
def test_spans_bytes_are_utf16_spans_and_none_is_minus_one(text, data):
    cut = st.integers(0, len(text))
    span = st.tuples(cut, cut).map(sorted).map(tuple)
    spans = data.draw(st.lists(st.none() | span, max_size=6))
    got = np.frombuffer(spans_bytes(spans, utf16_index(text)), "<i4").reshape(-1, 2).tolist()
    want = [
        [-1, -1] if s is None else [_utf16_length(text[: s[0]]), _utf16_length(text[: s[1]])]
        for s in spans
    ]
    assert got == want


def test_role_bytes_are_the_roles_indices():
    roles = [*ROLE_CODES, *reversed(ROLE_CODES), ROLE_CODES[1]]
    assert list(role_bytes(roles)) == [ROLE_CODES.index(r) for r in roles]
    assert role_bytes([]) == b""


@settings(max_examples=100, deadline=None)
@given(text=st.text(st.characters(exclude_categories=("Cs",)), max_size=20))
def test_text_check_is_the_utf16_length_and_code_unit_sum(text):
    raw = text.encode("utf-16-le")
    units = [int.from_bytes(raw[i : i + 2], "little") for i in range(0, len(raw), 2)]
    assert text_check(text) == [len(units), sum(units) % 2**31]


def test_percent_rounds_shares_to_whole_percents_within_0_to_100():
    share = np.array([0.0, 0.004, 0.006, 0.333, 0.5, 0.9999, 1.0, 1.2, -0.1])
    want = [min(max(round(float(s) * 100), 0), 100) for s in share]
    assert percent(share).tolist() == want and percent(share).dtype == np.uint8


# -- a real result's payload ----------------------------------------------------------------------
def test_payload_numbers_are_the_results_numbers(minilm):
    r = analyze("Colour 🎨 and naïve café — ok?", minilm)
    p = payload(r)
    norms = np.frombuffer(p["norms"], dtype="<f4").reshape(p["n_layers"] + 1, p["n_tokens"])
    np.testing.assert_array_equal(norms, r.layer_norms)
    # bytes of numbers per token: float32 norms for every layer; top dims are asked for
    assert len(p["norms"]) == 4 * (r.n_layers + 1) * len(r.tokens)
    assert p["top_k"] == 3 and p["top_dims"] == p["top_share"] == b""
    inline = dims_bytes(r)  # what a page without a kernel carries instead
    dims = np.frombuffer(inline["top_dims"], dtype="<u2").reshape(r.top_dims.shape)
    np.testing.assert_array_equal(dims, r.top_dims)
    share = np.frombuffer(inline["top_share"], dtype="<u1").reshape(r.top_share.shape)
    assert np.abs(share / 100.0 - r.top_share).max() <= 0.005 + 1e-6


def test_offsets_are_sent_in_utf16_units(minilm):
    text = "a 🎨 b 😀😀 c"
    r = analyze(text, minilm)
    p = payload(r)
    js = text.encode("utf-16-le")
    sent = np.frombuffer(p["offsets"], "<i4").reshape(-1, 2)
    assert len(sent) == len(r.tokens)
    for o, span in zip(r.offsets, sent.tolist(), strict=True):
        if o is None:
            assert span == [-1, -1]
        else:
            assert js[2 * span[0] : 2 * span[1]].decode("utf-16-le") == text[o[0] : o[1]]
    words = np.frombuffer(p["word_spans"], "<i4").reshape(-1, 2).tolist()
    assert len(words) == p["n_words"] == len(r.words)
    for w, span in zip(r.words.spans, words, strict=True):
        if w is not None:
            assert js[2 * span[0] : 2 * span[1]].decode("utf-16-le") == text[w[0] : w[1]]
    assert utf16_index("x😀y").tolist() == [0, 1, 3, 4]


def test_payload_columns_and_size(minilm):
    """Roles and words as binary columns; everything but the scores' values within 40 bytes
    per token (JSON for the lists, raw bytes for the columns)."""
    text = "The committee, which nobody liked, postponed the vote. " * 30
    r = analyze(text, minilm, scores=("tas", "attention"))
    p = payload(r)
    roles = [ROLE_CODES[c] for c in np.frombuffer(p["roles"], "u1")]
    assert roles == list(r.roles)
    assert [ROLE_CODES[c] for c in np.frombuffer(p["word_roles"], "u1")] == list(r.words.roles)
    assert np.frombuffer(p["word_of"], "<i4").tolist() == list(r.word_index)
    units = np.frombuffer(text.encode("utf-16-le"), "<u2")
    assert p["text_check"] == [units.size, int(units.sum()) % 2**31]
    assert text_check("x😀") == [3, (ord("x") + 0xD83D + 0xDE00) % 2**31]
    n, rows = len(r.tokens), r.n_layers + 1
    assert len(p["norms"]) == len(p["score_values"]) == 4 * rows * n
    rest = sum(
        len(v) if isinstance(v, bytes) else len(json.dumps(v, ensure_ascii=False).encode())
        for k, v in p.items()
        if k not in ("norms", "score_values")
    )
    assert rest / n <= 40, rest / n
