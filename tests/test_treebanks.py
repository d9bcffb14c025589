"""Many treebanks in one run (afn_widget.corpus.treebanks, ``afn-widget corpus DIR``): each
treebank's Parquet files, the combined table with each one's language, a rerun that skips the
finished ones, and the typed errors raised before any model loads."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from afn_widget import cli
from afn_widget.corpus import treebanks as T
from afn_widget.corpus.conllu_reader import (
    ConlluError,
    ConlluPathError,
    EmptyConlluError,
    scan_conllu,
)
from afn_widget.errors import AFNInputError

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SOURCES = {
    "en": DATA / "ud_ewt" / "en_ewt-ud-dev.conllu",
    "de": DATA / "ud_de_gsd" / "de_gsd-ud-dev.conllu",
    "fr": DATA / "ud_fr_gsd" / "fr_gsd-ud-dev.conllu",
}
OPTIONS = {"controls": (), "scores": ("tas",), "n_boot": 20}


def _first_sentences(path: Path, n: int) -> str:
    """The first ``n`` sentences of a CoNLL-U file, as its text."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    return "\n\n".join(blocks[:n]) + "\n\n"


@pytest.fixture(scope="module")
def banks(tmp_path_factory) -> Path:
    """Three small treebanks, one per language, a few sentences each, named as UD names them."""
    missing = [str(p) for p in SOURCES.values() if not p.exists()]
    if missing:
        pytest.skip(f"UD dev splits missing: {missing}")
    d = tmp_path_factory.mktemp("banks")
    for i, (lang, src) in enumerate(SOURCES.items()):
        sub = d / f"UD_{lang}"
        sub.mkdir()
        (sub / f"{lang}_tiny-ud-dev.conllu").write_text(_first_sentences(src, 4 + i), "utf-8")
    return d


@pytest.fixture
def no_model(monkeypatch):
    """Any model load fails the test: errors must come before."""

    def fail(*a, **k):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr("afn_widget.corpus.analyze.load_model", fail)


def test_find_and_check(banks):
    paths = T.find_treebanks(banks)
    assert [p.name for p in paths] == [
        "de_tiny-ud-dev.conllu",
        "en_tiny-ud-dev.conllu",
        "fr_tiny-ud-dev.conllu",
    ]
    assert T.find_treebanks(str(banks / "*" / "*.conllu")) == paths
    checked = T.check_treebanks(paths)
    assert [(b.name, b.lang, b.n_sentences) for b in checked] == [
        ("de_tiny-ud-dev", "de", 5),
        ("en_tiny-ud-dev", "en", 4),
        ("fr_tiny-ud-dev", "fr", 6),
    ]


def test_typed_errors_before_any_model(tmp_path, no_model, banks):
    with pytest.raises(ConlluPathError, match="no such file"):
        T.analyze_treebanks(tmp_path / "nowhere", "m", tmp_path / "out")
    with pytest.raises(ConlluPathError, match="no .conllu"):
        T.analyze_treebanks(tmp_path, "m", tmp_path / "out")
    empty = tmp_path / "en_empty-ud-dev.conllu"
    empty.write_text("", "utf-8")
    with pytest.raises(EmptyConlluError, match="no sentence"):
        T.analyze_treebanks(empty, "m", tmp_path / "out")
    bad = tmp_path / "en_bad-ud-dev.conllu"
    bad.write_text("1\tThe\tthe\tDET\n\n", "utf-8")
    with pytest.raises(ConlluError, match="line 1: expected 10"):
        T.analyze_treebanks([banks, bad], "m", tmp_path / "out")
    unnamed = tmp_path / "mine.conllu"
    unnamed.write_text(_first_sentences(SOURCES["en"], 1), "utf-8")
    with pytest.raises(AFNInputError, match="gives no language"):
        T.analyze_treebanks(unnamed, "m", tmp_path / "out")
    with pytest.raises(ConlluPathError, match="is a directory"):
        scan_conllu(tmp_path)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_cli_errors_before_any_model(tmp_path, no_model, capsys):
    empty = tmp_path / "empty.conllu"
    empty.write_text("", "utf-8")
    assert cli.main(["corpus", str(empty), "--out", str(tmp_path / "r.csv")]) == 2
    assert "EmptyConlluError" in capsys.readouterr().err
    assert cli.main(["corpus", str(tmp_path / "*.conllu"), "--out", str(tmp_path / "r.csv")]) == 2
    assert "directory" in capsys.readouterr().err


def test_ray_missing_is_a_typed_error(monkeypatch, no_model):
    from afn_widget.corpus import analyze_corpus
    from afn_widget.corpus.ray_engine import RayUnavailableError

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(RayUnavailableError, match=r'pip install "afn-widget\[ray\]"'):
        analyze_corpus(["a b"], "m", engine="ray")
    with pytest.raises(AFNInputError, match="engine"):
        analyze_corpus(["a b"], "m", engine="spark")


@pytest.mark.slow
def test_many_treebanks_resumed(banks, minilm_path, tmp_path, monkeypatch):
    """Interrupted after the first treebank, the rerun does the other two only, and its files
    and combined table are those of a run that was never interrupted."""
    import pandas as pd

    out = tmp_path / "out"
    real = T.analyze_corpus
    calls = []

    def interrupted(*a, **k):
        if calls:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(T, "analyze_corpus", interrupted)
    with pytest.raises(KeyboardInterrupt):
        T.analyze_treebanks(banks, str(minilm_path), out, progress=False, **OPTIONS)
    assert sorted(p.name for p in out.iterdir()) == [
        "de_tiny-ud-dev.table.parquet",
        "de_tiny-ud-dev.words.parquet",
    ]
    done = []
    monkeypatch.setattr(
        T, "analyze_corpus", lambda *a, **k: done.append(k["lang"]) or real(*a, **k)
    )
    argv = ["corpus", str(banks), "--model", str(minilm_path), "--out", str(out), "--quiet"]
    argv += ["--controls", "none", "--scores", "tas", "--n-boot", "20"]
    assert cli.main(argv) == 0
    assert done == ["en", "fr"]  # de was finished

    table = pd.read_csv(out / "report.csv")
    assert table.groupby("treebank")["lang"].first().to_dict() == {
        "de_tiny-ud-dev": "de",
        "en_tiny-ud-dev": "en",
        "fr_tiny-ud-dev": "fr",
    }
    per_bank = table.groupby("treebank").size()
    assert (per_bank >= 7).all()  # every layer's TAS, and the baselines
    words = pd.read_parquet(out / "fr_tiny-ud-dev.words.parquet")
    assert set(words["lang"]) == {"fr"} and words["sentence"].nunique() == 6

    fresh = T.analyze_treebanks(banks, str(minilm_path), tmp_path / "fresh", progress=False,
                                **OPTIONS)  # fmt: skip
    pd.testing.assert_frame_equal(fresh, pd.read_parquet(out / "report.parquet"))

    done.clear()  # all finished: nothing runs; other settings are refused, named
    T.analyze_treebanks(banks, str(minilm_path), out, progress=False, **OPTIONS)
    assert done == []
    with pytest.raises(T.RunSettingsError, match=r"n_boot=20\b.*n_boot=30\b"):
        T.analyze_treebanks(banks, str(minilm_path), out, progress=False,
                            **{**OPTIONS, "n_boot": 30})  # fmt: skip
