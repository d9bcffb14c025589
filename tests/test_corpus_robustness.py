"""The corpus report's inputs, run folders and outputs under bad input: a rerun into a finished
folder with other settings (refused, naming each setting and both values), damaged files found
on resume (named, computed again), CoNLL-U files that are not what they claim (typed errors
naming the cause and the fix), and CSV cells a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from afn_widget.corpus import analyze_corpus
from afn_widget.corpus import treebanks as T
from afn_widget.corpus.conllu_reader import (
    ConlluError,
    iter_conllu,
    parse_conllu,
    read_conllu,
    scan_conllu,
)
from afn_widget.errors import AFNInputError, InputFileError

OPTIONS = {"controls": (), "scores": ("tas",), "n_boot": 10, "seeds": 1}
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def row(i: str, form: str, upos: str = "NOUN") -> str:
    return "\t".join([i, form, form.lower(), upos, "_", "_", "0", "dep", "_", "_"])


def conllu(*sentences: list[tuple[str, str]]) -> str:
    """CoNLL-U text of sentences given as (form, UPOS) lists."""
    blocks = []
    for words in sentences:
        text = " ".join(w for w, _ in words)
        lines = [f"# text = {text}"] + [row(str(i), w, u) for i, (w, u) in enumerate(words, 1)]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks) + "\n"


SMALL = conllu(
    [("The", "DET"), ("cat", "NOUN"), ("sat", "VERB"), ("on", "ADP"), ("a", "DET"),
     ("mat", "NOUN")],
    [("A", "DET"), ("dog", "NOUN"), ("ran", "VERB"), ("to", "ADP"), ("the", "DET"),
     ("park", "NOUN"), ("today", "NOUN")],
    [("She", "PRON"), ("reads", "VERB"), ("old", "ADJ"), ("books", "NOUN"), ("at", "ADP"),
     ("night", "NOUN")],
)  # fmt: skip


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    """A folder holding one tiny English treebank, named as UD names it."""
    d = tmp_path_factory.mktemp("bank")
    (d / "en_tiny-ud-dev.conllu").write_text(SMALL, "utf-8")
    return d


@pytest.fixture(scope="module")
def finished(bank, tiny_bert, tmp_path_factory) -> Path:
    """The run folder of a finished run over ``bank`` with OPTIONS (read only: copy it to
    change it)."""
    out = tmp_path_factory.mktemp("run") / "out"
    T.analyze_treebanks(bank, tiny_bert, out, progress=False, **OPTIONS)
    return out


@pytest.fixture
def no_model(monkeypatch):
    """Any analysis fails the test: refusals must come before."""

    def fail(*a, **k):
        raise AssertionError("a treebank was analysed")

    monkeypatch.setattr(T, "analyze_corpus", fail)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# 1. A rerun into a finished folder: every setting that changes results is its identity


def test_rerun_with_another_lang_is_refused_naming_both(bank, tiny_bert, finished, no_model):
    before = _files(finished)
    with pytest.raises(AFNInputError) as info:  # was: accepted, the table rewritten
        T.analyze_treebanks(bank, tiny_bert, finished, lang="de", progress=False, **OPTIONS)
    message = str(info.value)
    assert "lang='en'" in message and "lang='de'" in message and "--out" in message
    assert info.value.differences == {"lang": ("en", "de")}
    assert _files(finished) == before  # report.csv not rewritten


def test_rerun_with_another_n_boot_names_the_setting(bank, tiny_bert, finished, no_model):
    with pytest.raises(T.RunSettingsError, match=r"n_boot=10\b.*n_boot=11\b"):
        T.analyze_treebanks(bank, tiny_bert, finished, progress=False, **{**OPTIONS, "n_boot": 11})


def test_rerun_with_another_model_names_the_setting(bank, tiny_bert, finished, no_model):
    with pytest.raises(T.RunSettingsError) as info:
        T.analyze_treebanks(bank, "another-model", finished, progress=False, **OPTIONS)
    assert info.value.differences == {"model": (tiny_bert.name, "another-model")}
    assert f"model={tiny_bert.name!r}" in str(info.value) and "model='another-model'" in str(
        info.value
    )


@pytest.mark.parametrize(
    ("setting", "value", "was"),
    [
        ("seeds", [5], [0]),
        ("controls", ("shuffled",), []),
        ("scores", ("tas", "attention"), ["tas"]),
        ("quantile", 0.5, 0.75),
        ("high", "top_k", "quantile"),
        ("match_width", 0.25, 0.5),
        ("include_massive", True, False),
        ("massive_abs", 50.0, T._DEFAULTS["massive_abs"]),
        ("massive_ratio", 10.0, T._DEFAULTS["massive_ratio"]),
        ("outlier_k", 3.0, T._DEFAULTS["outlier_k"]),
        ("seed", 1, 0),
        ("layer", 1, None),
    ],
)
def test_every_setting_is_part_of_the_identity(
    bank, tiny_bert, finished, no_model, setting, value, was
):
    with pytest.raises(T.RunSettingsError) as info:
        T.analyze_treebanks(
            bank, tiny_bert, finished, progress=False, **{**OPTIONS, setting: value}
        )
    found, _asked = info.value.differences[setting]
    assert found == was and f"{setting}={was!r}" in str(info.value)


def test_the_same_settings_said_otherwise_are_the_same_run(bank, tiny_bert, finished, no_model):
    """Seeds as a count or as the list, options in any order, and where and how fast it runs
    (batch sizes, device) are not a different run: nothing is recomputed."""
    same = {"scores": ["tas"], "controls": [], "n_boot": 10, "seeds": [0], "seed": 0}
    where = {"token_budget": 64, "chunk_size": 2, "device": "cpu"}
    table = T.analyze_treebanks(bank, tiny_bert, finished, progress=False, **same, **where)
    assert set(table["treebank"]) == {"en_tiny-ud-dev"}


# 2. Typed errors where tracebacks were


@pytest.mark.parametrize("wid", ["²", "1-²", "8.²", "١"])
def test_word_ids_that_are_not_ascii_digits(wid):
    text = row(wid, "x") + "\n" + row("1", "The") + "\n\n"
    with pytest.raises(ConlluError, match=rf"line 1: bad .*{wid}"):
        parse_conllu(text)


@pytest.mark.parametrize(
    ("data", "cause", "fix"),
    [
        (bytes(range(256)) * 4, "binary file", "text file"),
        (b"\x1f\x8b\x08\x00" + bytes(100), "gzip-compressed", "gunzip"),
        ("é".encode("latin-1") + b"\n", "not valid UTF-8", "iconv"),
    ],
)
def test_binary_file_as_corpus(tmp_path, no_model, data, cause, fix):
    path = tmp_path / "en_bin-ud-dev.conllu"
    path.write_bytes(data)
    with pytest.raises(ConlluError, match=f"{cause}.*{fix}"):
        T.analyze_treebanks(path, "m", tmp_path / "out")
    with pytest.raises(ConlluError, match=cause):
        read_conllu(path)


def test_unreadable_file_in_a_treebank_folder(bank, tmp_path, monkeypatch, no_model):
    folder = tmp_path / "banks"
    shutil.copytree(bank, folder)
    locked = folder / "fr_locked-ud-dev.conllu"
    locked.write_text(SMALL, "utf-8")
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # a superuser reads it anyway: the system says no instead
        real = open

        def refuse(file, *a, **k):
            if Path(file) == locked:
                raise PermissionError(13, "Permission denied", str(file))
            return real(file, *a, **k)

        monkeypatch.setattr("afn_widget.corpus.conllu_reader.open", refuse, raising=False)
    try:
        with pytest.raises(InputFileError, match=r"fr_locked.*cannot be read.*chmod"):
            T.analyze_treebanks(folder, "m", tmp_path / "out")
    finally:
        locked.chmod(0o644)


@pytest.mark.parametrize("damaged", [T.TABLE, T.WORDS])
def test_truncated_parquet_on_resume_is_named_and_computed_again(
    bank, tiny_bert, finished, tmp_path, monkeypatch, damaged
):
    import pandas as pd

    out = tmp_path / "out"
    shutil.copytree(finished, out)
    path = out / ("en_tiny-ud-dev" + damaged)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    analysed = []
    real = T.analyze_corpus
    monkeypatch.setattr(T, "analyze_corpus", lambda *a, **k: analysed.append(1) or real(*a, **k))
    with pytest.warns(UserWarning, match=rf"(?s){path.name} cannot be read.*computed again"):
        T.analyze_treebanks(bank, tiny_bert, out, progress=False, **OPTIONS)
    assert analysed == [1]
    for suffix in (T.TABLE, T.WORDS):
        name = "en_tiny-ud-dev" + suffix
        pd.testing.assert_frame_equal(pd.read_parquet(out / name), pd.read_parquet(finished / name))
    assert not [p for p in out.iterdir() if p.name.endswith((".part", ".tmp"))]


# 3. Messages that name the cause


def test_corpus_of_sentences_longer_than_the_window(tiny_bert):
    tok = tiny_bert.tokenizer
    long = " ".join(["word"] * tiny_bert.max_length)
    assert len(tok(long)["input_ids"]) > tiny_bert.max_length  # independent of the engine
    with pytest.warns(UserWarning), pytest.raises(AFNInputError) as info:
        analyze_corpus([long, long], tiny_bert, progress=False, **OPTIONS)
    message = str(info.value)
    assert "2 sentences were skipped because they are longer than the model's window of " in message
    assert f"window of {tiny_bert.max_length} tokens" in message and "Split" in message
    assert "corpus is empty" not in message


def test_fifo_as_corpus(tmp_path, no_model):
    fifo = tmp_path / "en_pipe-ud-dev.conllu"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match="named pipe .*save it to a .conllu file"):
        T.analyze_treebanks(fifo, "m", tmp_path / "out")
    with pytest.raises(InputFileError, match="named pipe"):
        T.analyze_treebanks(tmp_path, "m", tmp_path / "out")  # found in a folder
    with pytest.raises(InputFileError, match="named pipe"):
        scan_conllu(fifo)


def test_byte_order_mark_inside_the_file(tmp_path):
    path = tmp_path / "joined.conllu"
    path.write_bytes(("\ufeff" + SMALL + "\ufeff" + SMALL).encode("utf-8"))  # cat a b
    line = SMALL.count("\n") + 1
    with pytest.raises(ConlluError, match=rf"line {line}: a byte-order mark .*Remove it"):
        read_conllu(path)


def test_lone_carriage_return_line_endings(tmp_path):
    path = tmp_path / "mac.conllu"
    path.write_bytes(SMALL.replace("\n", "\r").encode("utf-8"))
    with pytest.raises(ConlluError, match=r"carriage return .*Convert its line endings to LF"):
        list(iter_conllu(path))
    crlf = read_conllu(io.BytesIO(SMALL.replace("\n", "\r\n").encode("utf-8")))
    assert crlf.sentences == read_conllu(io.BytesIO(SMALL.encode("utf-8"))).sentences


# 4. CSV cells a spreadsheet would read as formulas


def _neutral(v: str) -> str:
    """The OWASP rule, written here again: a text cell starting like a formula gets a ``'``."""
    return "'" + v if v.startswith(FORMULA) else v


def _read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _assert_safe(written: list[dict[str, str]], frame) -> None:
    """Every text cell of ``frame`` written by the rule, every number as it is."""
    assert len(written) == len(frame)
    for col in frame.columns:
        values = frame[col].tolist()
        cells = [r[col] for r in written]
        if frame[col].dtype.kind in "fiu":
            got = np.array([float(c) if c else np.nan for c in cells])
            want = frame[col].astype("float64").to_numpy()
            np.testing.assert_allclose(got, want, rtol=1e-6)
        elif frame[col].dtype.kind == "b":
            assert cells == [str(v) for v in values]
        else:
            assert cells == [_neutral(v) if isinstance(v, str) else "" for v in values]


def test_report_csv_of_treebanks_neutralises_formula_cells(tiny_bert, tmp_path):
    import pandas as pd

    src = tmp_path / "in"
    src.mkdir()
    (src / "=HYPERLINK(1).conllu").write_text(SMALL, "utf-8")
    (src / "-plain.conllu").write_text(SMALL, "utf-8")
    out = tmp_path / "out"
    T.analyze_treebanks(src, tiny_bert, out, lang="en", progress=False, **OPTIONS)
    raw = pd.read_parquet(out / "report.parquet")
    assert set(raw["treebank"]) == {"=HYPERLINK(1)", "-plain"}  # Parquet keeps the values
    written = _read_csv((out / "report.csv").read_text("utf-8"))
    assert {r["treebank"] for r in written} == {"'=HYPERLINK(1)", "'-plain"}
    _assert_safe(written, raw)


def test_words_csv_neutralises_the_words(tiny_bert, tmp_path):
    words = [("=1+1", "X"), ("-", "PUNCT"), ("+cmd", "X"), ("@home", "NOUN"), ("plain", "ADJ"),
             ("-5", "NUM")]  # fmt: skip
    path = tmp_path / "w.conllu"
    path.write_text(conllu(words, [("The", "DET"), ("cat", "NOUN"), ("sat", "VERB")]), "utf-8")
    report = analyze_corpus(read_conllu(path), tiny_bert, progress=False, **OPTIONS)
    assert report.words["word"].tolist()[:6] == [w for w, _ in words]  # the frame keeps them
    report.words_to_csv(tmp_path / "words.csv")
    written = _read_csv((tmp_path / "words.csv").read_text("utf-8"))
    assert [r["word"] for r in written][:6] == ["'=1+1", "'-", "'+cmd", "'@home", "plain", "'-5"]
    _assert_safe(written, report.words)


def test_report_to_csv_neutralises_text_but_not_negative_numbers(tiny_bert, tmp_path):
    report = analyze_corpus(
        [s.text for s in parse_conllu(SMALL)], tiny_bert, progress=False, **OPTIONS
    )
    report.table = report.table.copy()
    report.table.loc[0, "condition"] = "=cmd|' /C calc'!A0"
    report.table.loc[1, "score"] = "@SUM(A1)"
    report.table.loc[2, "auroc"] = -0.25
    report.table.loc[3, "score"] = "\tTAB"
    report.table.loc[4, "score"] = "\rCR"
    text = report.to_csv()
    written = _read_csv(text)
    assert written[0]["condition"] == "'=cmd|' /C calc'!A0" and written[1]["score"] == "'@SUM(A1)"
    assert float(written[2]["auroc"]) == -0.25  # a number, not "'-0.25"
    _assert_safe(written, report.table)
    report.to_csv(tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes().decode("utf-8") == text


def test_an_interrupted_csv_write_leaves_no_half_file(tmp_path, monkeypatch):
    import pandas as pd

    from afn_widget.corpus.csvfile import write_csv

    target = tmp_path / "report.csv"
    target.write_text("the old file\n", "utf-8")
    real = pd.DataFrame.to_csv

    def interrupted(self, path=None, *a, **k):
        real(self.head(1), path, *a, **k)
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_csv(pd.DataFrame({"a": range(100)}), target)
    assert target.read_text("utf-8") == "the old file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]
