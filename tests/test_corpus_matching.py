"""``match_on=``: the matched AUROC under other matchings than Zipf frequency, against plain numpy
over the words' scores, Zipf values, lengths, pieces and positions."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from afn_widget.corpus import analyze_corpus  # noqa: E402
from afn_widget.corpus.conllu_reader import read_conllu  # noqa: E402
from afn_widget.corpus.matching import check_match_on  # noqa: E402
from afn_widget.errors import AFNInputError  # noqa: E402

WIDTH, CHARS, POSITION = 0.5, 1, 0.2
MATCH_ON = [("zipf", "chars"), "zipf", "pieces", "position+chars"]


@pytest.fixture(scope="module")
def sample(ud_dev_path):
    corpus = read_conllu(ud_dev_path)
    return [corpus[i] for i in range(0, 2001, 80)]


@pytest.fixture(scope="module")
def report(minilm, sample):
    return analyze_corpus(
        sample, model=minilm, controls=(), scores=("tas",), n_boot=50, seed=3,
        match_on=MATCH_ON, match_chars=CHARS, match_position=POSITION, progress=False,
    )  # fmt: skip


def numpy_matched_auroc(words: pd.DataFrame, values: np.ndarray, on: tuple[str, ...]) -> float:
    """Σ over sentences of content-over-function wins (ties ½) / pairs, over the pairs that meet
    every criterion of ``on``, written out from the words frame."""
    wins = pairs = 0.0
    for _, w in words.groupby("sentence", sort=False):
        idx = w.index.to_numpy()
        v = values[idx]
        n = len(w)
        pos = w["word_index"].to_numpy() / max(n - 1, 1)
        ok = np.isfinite(v)
        v, z, pos = v[ok], w["zipf"].to_numpy()[ok], pos[ok]
        chars = np.array([len(x) for x in w["word"]])[ok]
        pieces = w["n_pieces"].to_numpy()[ok]
        role = w["role"].to_numpy()[ok]
        ci, fj = np.flatnonzero(role == "content"), np.flatnonzero(role == "function")
        a, b = np.meshgrid(ci, fj, indexing="ij")
        keep = np.ones(a.shape, dtype=bool)
        if "zipf" in on:
            keep &= np.abs(z[a] - z[b]) < WIDTH
        if "chars" in on:
            keep &= np.abs(chars[a] - chars[b]) <= CHARS
        if "pieces" in on:
            keep &= pieces[a] == pieces[b]
        if "position" in on:
            keep &= np.abs(pos[a] - pos[b]) <= POSITION
        va, vb = v[a][keep], v[b][keep]
        wins += float((va > vb).sum() + 0.5 * (va == vb).sum())
        pairs += keep.sum()
    return wins / pairs


COLUMNS = {
    "auroc_matched": ("zipf", "chars"),
    "auroc_matched_zipf": ("zipf",),
    "auroc_matched_pieces": ("pieces",),
    "auroc_matched_chars_position": ("chars", "position"),
}


@pytest.mark.parametrize("layer", [0, 4, 6])
def test_matched_aurocs_equal_numpy(report, layer):
    words = report.words
    row = report.row("trained", "tas", layer)
    values = report.scores("trained", "tas")[layer].astype(np.float64)
    assert not report.words[f"massive_{report.layer}"].any()  # nothing left out
    for col, on in COLUMNS.items():
        assert row[col] == pytest.approx(numpy_matched_auroc(words, values, on), abs=1e-9), col


def test_frequency_baseline_under_zipf_and_chars(report):
    row = report.row("baseline", "frequency", None)
    minus_zipf = -report.words["zipf"].to_numpy()
    want = numpy_matched_auroc(report.words, minus_zipf, ("zipf", "chars"))
    assert row["auroc_matched"] == pytest.approx(want, abs=1e-9)


def test_the_first_matching_is_the_default_columns(minilm, sample, report):
    """``auroc_matched_zipf`` (a further matching) equals the default run's ``auroc_matched``,
    CIs and all, and each further matching is a statistic of ``contrasts()``."""
    plain = analyze_corpus(
        sample, model=minilm, controls=(), scores=("tas",), n_boot=50, seed=3, progress=False
    )
    assert "auroc_matched_zipf" not in plain.table
    for col in ("auroc_matched", "auroc_matched_lo", "auroc_matched_hi", "n_pairs_matched"):
        np.testing.assert_allclose(
            report.table[col.replace("matched", "matched_zipf")], plain.table[col], atol=1e-9
        )
    assert report.meta["match_on"] == ["zipf+chars", "zipf", "pieces", "chars+position"]
    c = report.contrasts()
    assert set(COLUMNS) <= set(c["stat"])
    assert set(COLUMNS) - {"auroc_matched"} <= set(report.replicates)
    text = report.summary()
    assert "|Δlength in characters| ≤ 1" in text and "matched on pieces" in text
    table = report.summary_table()
    assert "AUROC, matched on chars+position" in table.columns


def test_matched_pairs_counted(report):
    words, t = report.words, report.row("baseline", "frequency", None)
    assert t["n_pairs_matched"] < t["n_pairs_matched_zipf"] <= t["n_pairs"]
    assert report.meta["n_pairs_matched_pieces"] == t["n_pairs_matched_pieces"] > 0
    assert len(words)


@pytest.mark.parametrize(
    ("match_on", "kw", "message"),
    [
        ("size", {}, "unknown matching criterion 'size'"),
        ([], {}, "match_on must be"),
        (("zipf", 3), {}, "a matching is"),
        ("chars", {"chars": -1}, "match_chars"),
        ("position", {"position": 0}, "match_position"),
    ],
)
def test_bad_match_on(match_on, kw, message):
    with pytest.raises(AFNInputError, match=message):
        check_match_on(match_on, 0.5, **kw)


def test_match_on_forms():
    one = check_match_on(("chars", "zipf"), 0.5)
    assert [m.name for m in one] == ["zipf+chars"]
    assert check_match_on("chars+zipf", 0.5) == one
    assert [m.name for m in check_match_on(["zipf", "zipf", "pieces"], 0.5)] == ["zipf", "pieces"]


def test_cli_match_on(minilm_path, ud_dev_path, tmp_path):
    from afn_widget.cli import main

    lines = Path(ud_dev_path).read_text(encoding="utf-8").split("\n\n")[:6]
    small = tmp_path / "small.conllu"
    small.write_text("\n\n".join(lines) + "\n\n", encoding="utf-8")
    out = tmp_path / "t.csv"
    args = ["corpus", str(small), "--model", str(minilm_path), "--out", str(out), "--n-boot",
            "20", "--controls", "none", "--scores", "tas", "--quiet"]  # fmt: skip
    assert main([*args, "--match-on", "zipf+chars", "--match-on", "pieces"]) == 0
    table = pd.read_csv(out)
    assert "auroc_matched_pieces" in table and "n_pairs_matched_pieces" in table
    assert main([*args, "--match-on", "length"]) == 2
