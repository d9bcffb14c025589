"""The corpus report's language handling: the language of a UD file name, function words in
German and French, adv_split per language, the tokenizer's pieces per word against English, and
multi-word tokens fused or split."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from afn_widget.corpus import analyze_corpus
from afn_widget.corpus.conllu_reader import parse_conllu, read_conllu
from afn_widget.corpus.function_words import (
    FUNCTION_WORDS_BY_LANG,
    NoFunctionWordsError,
    closed_class_forms,
    form_role,
)
from afn_widget.corpus.language import PIECES_LIMIT, TokenFit
from afn_widget.corpus.mappings import adv_split_role, adv_split_roles
from afn_widget.corpus.multiword import fuse_tokens
from afn_widget.corpus.roles import sentence_roles
from afn_widget.errors import AFNInputError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

GERMAN = """# sent_id = s1
# text = Sie gingen zum Markt und kauften Brot.
1	Sie	sie	PRON	_	_	2	nsubj	_	_
2	gingen	gehen	VERB	_	_	0	root	_	_
3-4	zum	_	_	_	_	_	_	_	_
3	zu	zu	ADP	_	_	5	case	_	_
4	dem	der	DET	_	_	5	det	_	_
5	Markt	Markt	NOUN	_	_	2	obl	_	_
6	und	und	CCONJ	_	_	7	cc	_	_
7	kauften	kaufen	VERB	_	_	2	conj	_	_
8	Brot	Brot	NOUN	_	_	7	obj	_	SpaceAfter=No
9	.	.	PUNCT	_	_	2	punct	_	_

# sent_id = s2
# text = Das Haus ist nicht sehr groß.
1	Das	der	DET	_	_	2	det	_	_
2	Haus	Haus	NOUN	_	_	6	nsubj	_	_
3	ist	sein	AUX	_	_	6	cop	_	_
4	nicht	nicht	PART	_	_	6	advmod	_	_
5	sehr	sehr	ADV	_	_	6	advmod	_	_
6	groß	groß	ADJ	_	_	0	root	_	SpaceAfter=No
7	.	.	PUNCT	_	_	6	punct	_	_

# sent_id = s3
# text = Wir haben im Garten einen alten Baum gefunden.
1	Wir	wir	PRON	_	_	8	nsubj	_	_
2	haben	haben	AUX	_	_	8	aux	_	_
3-4	im	_	_	_	_	_	_	_	_
3	in	in	ADP	_	_	5	case	_	_
4	dem	der	DET	_	_	5	det	_	_
5	Garten	Garten	NOUN	_	_	8	obl	_	_
6	einen	ein	DET	_	_	8	det	_	_
7	alten	alt	ADJ	_	_	8	amod	_	_
8	Baum	Baum	NOUN	_	_	9	obj	_	_
9	gefunden	finden	VERB	_	_	0	root	_	SpaceAfter=No
10	.	.	PUNCT	_	_	9	punct	_	_

"""


@pytest.fixture
def german_file(tmp_path) -> Path:
    path = tmp_path / "de_gsd-ud-dev.conllu"
    path.write_text(GERMAN, encoding="utf-8")
    return path


def test_read_conllu_takes_the_language_from_a_ud_file_name(german_file, tmp_path):
    assert read_conllu(german_file).lang == "de"
    other = tmp_path / "mine.conllu"
    other.write_text(GERMAN, encoding="utf-8")
    assert read_conllu(other).lang is None


def test_a_multiword_token_is_one_word_fused_and_two_split():
    fused = parse_conllu(GERMAN)[0]
    split = parse_conllu(GERMAN, mwt="split")[0]
    assert split.words[2:4] == ("zu", "dem") and split.spans[2] == split.spans[3]
    assert fused.words == ("Sie", "gingen", "zum", "Markt", "und", "kauften", "Brot", ".")
    s, e = fused.spans[2]
    assert fused.text[s:e] == "zum" and fused.upos[2] == "ADP"
    assert fused.token_index == tuple(sorted(set(split.token_index)))
    assert fuse_tokens(fused, {"NOUN"}) == fused
    with pytest.raises(AFNInputError, match="mwt must be one of"):
        read_conllu(Path("x.conllu"), mwt="joined")


def test_a_spelled_multiword_token_keeps_its_words():
    text = GERMAN.replace("3-4\tzum", "3-4\tzudem").replace(
        "# text = Sie gingen zum", "# text = Sie gingen zudem"
    )
    s = parse_conllu(text)[0]
    assert s.words[2:4] == ("zu", "dem") and s.spans[2] != s.spans[3]


def test_a_fused_token_takes_a_content_words_tag():
    text = GERMAN.replace("3\tzu\tzu\tADP", "3\tzu\tzu\tNOUN")
    assert parse_conllu(text)[0].upos[2] == "NOUN"


def test_german_and_french_function_words():
    assert [form_role(w, "de") for w in ("Der", "und", "nicht", "Haus", "zum", ",")] == [
        "function", "function", "function", "content", "function", "punctuation",
    ]  # fmt: skip
    assert [form_role(w, "fr") for w in ("Le", "du", "et", "maison")] == [
        "function", "function", "function", "content",
    ]  # fmt: skip
    assert form_role("und", "nl") == "content"  # no list: every word content


@pytest.mark.parametrize("lang, path", [("de", "ud_de_gsd/de_gsd-ud-dev.conllu"),
                                        ("fr", "ud_fr_gsd/fr_gsd-ud-dev.conllu")])  # fmt: skip
def test_the_lists_hold_the_closed_class_forms_of_the_treebank(lang, path):
    file = SHARED / path
    if not file.exists():
        pytest.skip(f"{path} not found")
    corpus = read_conllu(file, mwt="split")
    pairs = [(w, u) for s in corpus for w, u in zip(s.words, s.upos, strict=True)]
    derived = closed_class_forms(pairs)
    assert derived and derived <= FUNCTION_WORDS_BY_LANG[lang]


def test_closed_class_forms_counts_as_defined():
    pairs = [("Der", "DET"), ("der", "DET"), ("der", "NOUN"), ("Haus", "NOUN"), ("zu", "ADP")]
    pairs += [("was", "PRON")] * 2 + [("was", "VERB")] * 3
    assert closed_class_forms(pairs) == {"der"}


def test_adv_split_is_per_language_or_refused():
    assert adv_split_role("nicht", "ADV", "de") == "function"
    assert adv_split_role("schnell", "ADV", "de") == "content"
    assert adv_split_role("not", "ADV", "en") == "function"
    with pytest.raises(NoFunctionWordsError, match="adv_split needs a function-word list"):
        adv_split_role("mata", "ADV", "ja")
    s = parse_conllu(GERMAN)[1]
    assert adv_split_roles(s, "ja") == ["other"] * len(s)


def test_plain_text_in_a_language_without_a_list_warns_naming_the_way_out():
    from afn_widget.corpus.conllu_reader import Sentence

    s = Sentence(("het", "huis"), ((0, 3), (4, 8)), "het huis")
    with pytest.warns(UserWarning, match=r"no function-word list for lang='nl'.*CoNLL-U.*roles="):
        roles = sentence_roles([s], "nl")
    assert roles.per_sentence == [["content", "content"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sentence_roles([s], "nl", {"het"}).per_sentence == [["function", "content"]]
        assert sentence_roles([s], "de").per_sentence == [["content", "content"]]


def test_the_pieces_per_word_warning_compares_with_english():
    english = 1.2
    over = int(np.ceil(PIECES_LIMIT * english * 10)) + 1  # pieces over 10 words, past the limit
    under = int(np.floor(PIECES_LIMIT * english * 10)) - 1
    assert "times its 1.20 on English" in TokenFit(0, words=10, pieces=over).problem("de", english)
    assert TokenFit(0, words=10, pieces=under).problem("de", english) is None
    assert TokenFit(0, words=10, pieces=over).problem("en", english) is None


def test_the_cli_reads_the_language_of_a_german_ud_file(german_file, minilm_path, tmp_path):
    from wordfreq import zipf_frequency

    from afn_widget.cli import main

    out, words = tmp_path / "r.html", tmp_path / "w.csv"
    args = ["corpus", str(german_file), "--model", str(minilm_path), "--out", str(out),
            "--words", str(words), "--n-boot", "20", "--controls", "none", "--scores", "tas",
            "--quiet"]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(args) == 0
    assert "lang</th><td>de<" in out.read_text(encoding="utf-8")
    table = pd.read_csv(words)
    assert "zum" in set(table["word"]) and "zu" not in set(table["word"])  # fused
    own = [w for w in table["word"] if w.isalpha()]
    expected = [zipf_frequency(w, "de") for w in own]
    got = table.set_index("word").loc[own, "zipf"].to_numpy()
    np.testing.assert_allclose(got, expected)
    assert expected != [zipf_frequency(w, "en") for w in own]


def test_german_plain_text_through_an_english_tokenizer_warns(minilm_path):
    texts = [
        "Die Wettervorhersage für Donnerstagnachmittag kündigt Gewitterschauer an.",
        "Bundesverfassungsgerichtsentscheidungen beschäftigen Rechtswissenschaftler.",
        "Das Krankenhauspersonal überprüfte die Versicherungsunterlagen gründlich.",
    ]
    with pytest.warns(UserWarning, match="times its .* on English"):
        report = analyze_corpus(
            texts, str(minilm_path), lang="de", scores=("tas",), controls=(), n_boot=10,
            progress=False,
        )  # fmt: skip
    fit = report.meta["tokenizer_fit"]
    assert fit["pieces_per_word"] > PIECES_LIMIT * fit["english_pieces_per_word"]
    assert report.meta["role_source"].startswith("engine function-word list")
    assert set(report.words["role"]) >= {"function", "content"}
