"""CoNLL-U reading: words, UPOS, spans in the text, multi-word tokens, empty nodes, errors."""

from __future__ import annotations

import io
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from afn_widget.corpus.conllu_reader import (  # noqa: E402
    ConlluError,
    Corpus,
    iter_conllu,
    parse_conllu,
    read_conllu,
    upos_role,
)
from afn_widget.errors import AFNError, AFNInputError  # noqa: E402

UD_DEV = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "ud_ewt"
    / ("en_ewt-ud-dev.conllu")
)


def row(i: str, form: str, upos: str = "X", misc: str = "_") -> str:
    return "\t".join([i, form, form.lower(), upos, "_", "_", "0", "dep", "_", misc])


SAMPLE = "\n".join(
    [
        "# newdoc id = d1",
        "# sent_id = s1",
        "# text = They didn't go, del mar.",
        row("1", "They", "PRON"),
        row("2-3", "didn't"),
        row("2", "did", "AUX"),
        row("3", "n't", "PART"),
        row("4", "go", "VERB", "SpaceAfter=No"),
        row("4.1", "went", "VERB"),
        row("5", ",", "PUNCT"),
        row("6-7", "del"),
        row("6", "de", "ADP"),
        row("7", "el", "DET"),
        row("8", "mar", "NOUN", "SpaceAfter=No"),
        row("9", ".", "PUNCT"),
        "",
        "# sent_id = s2",
        row("1", "Hello", "INTJ", "SpaceAfter=No"),
        row("2", "!", "PUNCT"),
        "",
    ]
)


def test_sample_words_tags_and_spans_split():
    c = parse_conllu(SAMPLE, mwt="split")
    assert isinstance(c, Corpus) and len(c) == 2 and c.has_upos
    s = c[0]
    assert s.sent_id == "s1"
    assert s.text == "They didn't go, del mar."
    # The empty node 4.1 is not a word; multi-word tokens give their syntactic words.
    assert s.words == ("They", "did", "n't", "go", ",", "de", "el", "mar", ".")
    assert s.upos == ("PRON", "AUX", "PART", "VERB", "PUNCT", "ADP", "DET", "NOUN", "PUNCT")
    surface = [s.text[a:b] for a, b in s.spans]
    # did + n't spell didn't: each gets its own part; de + el do not spell del: both share it.
    assert surface == ["They", "did", "n't", "go", ",", "del", "del", "mar", "."]
    assert s.token_index == (0, 1, 1, 2, 3, 4, 4, 5, 6)
    assert c[1].text == "Hello!" and c[1].sent_id == "s2"  # rebuilt: no # text
    assert [c[1].text[a:b] for a, b in c[1].spans] == ["Hello", "!"]


def test_sample_words_fused_by_default():
    s = parse_conllu(SAMPLE)[0]
    # de + el do not spell del: one word, the surface form, tagged by its first content word
    # (else its first word); did + n't spell didn't and stay two
    assert s.words == ("They", "did", "n't", "go", ",", "del", "mar", ".")
    assert s.upos == ("PRON", "AUX", "PART", "VERB", "PUNCT", "ADP", "NOUN", "PUNCT")
    assert [s.text[a:b] for a, b in s.spans] == list(s.words)


def test_roles_from_upos():
    assert [upos_role(u) for u in ("NOUN", "PROPN", "VERB", "ADJ", "ADV", "NUM", "INTJ")] == [
        "content"
    ] * 7
    assert [upos_role(u) for u in ("PUNCT", "SYM")] == ["punctuation"] * 2
    assert {upos_role(u) for u in ("ADP", "AUX", "CCONJ", "DET", "PART", "PRON", "SCONJ", "X")} == {
        "function"
    }
    assert parse_conllu(SAMPLE)[1].roles == ["content", "punctuation"]


def test_text_rebuilt_when_comment_disagrees():
    text = "# text = Something else\n" + row("1", "A", "DET") + "\n" + row("2", "b", "NOUN") + "\n"
    s = parse_conllu(text)[0]
    assert s.text == "A b"
    assert [s.text[a:b] for a, b in s.spans] == ["A", "b"]


def test_missing_upos_gives_none():
    text = row("1", "A", "_") + "\n" + row("2", "b", "NOUN") + "\n\n"
    c = parse_conllu(text)
    assert c[0].upos is None and c[0].roles is None and not c.has_upos


def test_no_final_blank_line_crlf_and_bom():
    text = "\ufeff# text = Hi there\r\n" + row("1", "Hi") + "\r\n" + row("2", "there")
    c = parse_conllu(text)
    assert len(c) == 1 and c[0].words == ("Hi", "there") and c[0].text == "Hi there"


def test_read_path_file_object_and_stream(tmp_path):
    p = tmp_path / "x.conllu"
    p.write_text(SAMPLE, encoding="utf-8")
    a = read_conllu(p)
    b = read_conllu(io.BytesIO(SAMPLE.encode("utf-8")))
    c = list(iter_conllu(str(p)))
    assert [s.words for s in a] == [s.words for s in b] == [s.words for s in c]
    assert a.source == str(p)
    assert a[0].line == 1 and a[1].line == 17
    assert len(a[1:]) == 1 and isinstance(a[1:], Corpus)


@pytest.mark.parametrize(
    ("lines", "bad_line", "fragment"),
    [
        ([row("1", "a"), "2\tb\tb"], 2, "expected 10 tab-separated columns, found 3"),
        ([row("1", "a"), row("x", "b")], 2, "bad word ID 'x'"),
        ([row("1", "a"), row("3", "b")], 2, "word ID 3 out of order (expected 2)"),
        ([row("1", "a"), row("3-4", "bc")], 2, "should start at word 2"),
        ([row("1-1", "a")], 1, "span at least two words"),
        ([row("1-x", "a")], 1, "bad multi-word token range"),
        ([row("1.a", "a")], 1, "bad empty-node ID"),
        ([row("1", "a"), "# late comment", row("2", "b")], 2, "comment line inside a sentence"),
        ([row("1-2", "ab"), row("1", "a"), ""], 3, "inside a multi-word token"),
        (["# sent_id = lonely", ""], 2, "comments but no word lines"),
    ],
)
def test_malformed_names_the_line(lines, bad_line, fragment):
    with pytest.raises(ConlluError) as info:
        parse_conllu("\n".join(lines) + "\n", source="bad.conllu")
    err = info.value
    assert isinstance(err, AFNInputError)
    assert err.line == bad_line and err.source == "bad.conllu"
    assert fragment in str(err)
    assert f"bad.conllu, line {bad_line}:" in str(err)


def test_invalid_utf8_names_the_line(tmp_path):
    p = tmp_path / "latin1.conllu"
    p.write_bytes((row("1", "ok") + "\n").encode() + (row("2", "caf\xe9") + "\n").encode("latin-1"))
    with pytest.raises(ConlluError, match=r"line 2: not valid UTF-8"):
        read_conllu(p)


def test_shuffled_keeps_words_and_multiword_tokens_together():
    s = parse_conllu(SAMPLE, mwt="split")[0]  # de + el kept apart
    t = s.shuffled(np.random.default_rng(3))
    assert sorted(t.words) == sorted(s.words)
    assert t == s.shuffled(np.random.default_rng(3))  # deterministic
    k = t.words.index("did")
    assert t.words[k + 1] == "n't" and t.text[t.spans[k][0] : t.spans[k + 1][1]] == "didn't"
    k = t.words.index("de")
    assert t.words[k + 1] == "el" and t.text[slice(*t.spans[k])] == "del"
    for w, (a, b), u in zip(t.words, t.spans, t.upos, strict=True):
        assert t.text[a:b] in (w, "del")
        assert dict(zip(s.words, s.upos, strict=True))[w] == u
    assert t.text.count(" ") == len(set(s.token_index)) - 1


@pytest.fixture(scope="module")
def ewt():
    if not UD_DEV.exists():
        pytest.skip(f"UD EWT dev split not found at {UD_DEV}")
    return read_conllu(UD_DEV)


def test_ud_ewt_dev(ewt):
    assert len(ewt) == 2001 and ewt.has_upos
    raw = UD_DEV.read_text(encoding="utf-8").splitlines()
    texts = [x[len("# text = ") :] for x in raw if x.startswith("# text = ")]
    ids = [x[len("# sent_id = ") :] for x in raw if x.startswith("# sent_id = ")]
    assert [s.text for s in ewt] == texts
    assert [s.sent_id for s in ewt] == ids
    n_words = sum(1 for x in raw if x and not x.startswith("#") and x.split("\t", 1)[0].isdigit())
    assert ewt.n_words == n_words
    for s in ewt:
        for w, (a, b) in zip(s.words, s.spans, strict=True):
            assert s.text[a:b] == w or len(set(s.spans)) < len(s.spans)


@pytest.mark.parametrize(
    ("wid", "fragment"),
    [("01", "bad word ID '01'"), ("1.0", "bad empty-node ID '1.0'"), ("01-02", "range '01-02'")],
)
def test_ids_the_format_refuses(wid, fragment):
    """IDs the conllu library refuses (a leading zero, an empty node numbered ``.0``) are typed
    errors naming the line, wherever they stand in the sentence."""
    lines = [row("1", "a"), row(wid, "b"), row("2", "c")]
    with pytest.raises(ConlluError) as info:
        parse_conllu("\n".join(lines) + "\n", source="ids.conllu")
    assert info.value.line == 2 and fragment in str(info.value)


def test_columns_are_split_at_tabs_only():
    """A FORM holding two spaces is one column: the library's own line split (tabs or two
    spaces) would shift every column after it."""
    text = "# text = a  b c\n" + row("1", "a  b", "NOUN") + "\n" + row("2", "c", "VERB") + "\n"
    s = parse_conllu(text)[0]
    assert s.words == ("a  b", "c") and s.upos == ("NOUN", "VERB")
    assert [s.text[a:b] for a, b in s.spans] == ["a  b", "c"]


def test_without_the_conllu_library(monkeypatch):
    """Reading needs the library (a typed error says what to install); importing the reader,
    the corpus package and the command line does not."""
    import subprocess
    import sys

    monkeypatch.setitem(sys.modules, "conllu", None)  # import conllu raises ImportError
    with pytest.raises(ImportError, match=r"afn-widget\[corpus\]") as info:
        parse_conllu(SAMPLE)
    assert isinstance(info.value, AFNError)
    code = (
        "import sys; sys.modules['conllu'] = None\n"
        "from afn_widget.cli import build_parser\n"
        "args = build_parser().parse_args(['corpus', 'x.conllu', '--out', 'r.html'])\n"
        "print(args.func.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "afn_widget.corpus.cli"
