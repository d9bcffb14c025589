"""Sensitivity: the content share in HIGH over quantiles and the matched AUROC over match widths,
against the report's own table at its settings and plain numpy loops over the words elsewhere."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from afn_widget.corpus import analyze_corpus  # noqa: E402
from afn_widget.corpus.conllu_reader import read_conllu  # noqa: E402
from afn_widget.errors import AFNInputError  # noqa: E402

LAYER = 4


@pytest.fixture(scope="module")
def report(minilm, ud_dev_path):
    corpus = read_conllu(ud_dev_path)
    sample = [corpus[i] for i in range(0, 2001, 50)]
    return analyze_corpus(
        sample, model=minilm, controls=(), scores=("tas", "attention"), n_boot=20,
        match_on=["zipf", "zipf+chars"], progress=False,
    )  # fmt: skip


def _values(report, score):
    if score == "frequency":
        return -report.words["zipf"].to_numpy(np.float64)
    if score == "controls":
        return report.words["controls"].to_numpy(np.float64)
    return report.scores("trained", score)[LAYER].astype(np.float64)


def _by_sentence(report, v):
    """Per sentence: its scored words' values, roles, Zipf values and lengths."""
    scored = np.isfinite(report.words["tas_0"].to_numpy())
    for _, w in report.words.groupby("sentence", sort=False):
        idx = w.index.to_numpy()
        ok = scored[idx] & np.isfinite(v[idx])
        yield (
            v[idx][ok],
            w["role"].to_numpy()[ok],
            w["zipf"].to_numpy()[ok],
            (w["word"].str.len().to_numpy()[ok]),
        )


def _share(report, v, q):
    num = den = 0
    for x, role, _, _ in _by_sentence(report, v):
        if len(x):
            high = x >= np.quantile(x, q)
            num, den = num + int((high & (role == "content")).sum()), den + int(high.sum())
    return num / den


def _auroc(report, v, width, chars):
    wins = pairs = 0.0
    for x, role, z, n in _by_sentence(report, v):
        for i in np.flatnonzero(role == "content"):
            for j in np.flatnonzero(role == "function"):
                if abs(z[i] - z[j]) >= width or (chars and abs(n[i] - n[j]) > 1):
                    continue
                wins += 1.0 if x[i] > x[j] else 0.5 if x[i] == x[j] else 0.0
                pairs += 1
    return wins / pairs


def _get(frame, score, stat, at):
    sel = (frame["score"] == score) & (frame["stat"] == stat) & np.isclose(frame["at"], at)
    assert sel.sum() == 1
    return float(frame.loc[sel, "value"].iloc[0])


def test_at_the_reports_settings_it_is_the_table(report):
    s = report.sensitivity(layers=[LAYER], quantiles=[0.75], widths=[0.5])
    rows = [("trained", "tas", LAYER), ("trained", "attention", LAYER),
            ("baseline", "frequency", None), ("baseline", "controls", None)]  # fmt: skip
    for cond, score, layer in rows:
        row = report.row(cond, score, layer)
        for stat, at in [("content_share", 0.75), ("auroc_matched", 0.5),
                         ("auroc_matched_zipf_chars", 0.5)]:  # fmt: skip
            assert _get(s, score, stat, at) == pytest.approx(row[stat], abs=1e-9)


@pytest.mark.parametrize("score", ["tas", "attention", "frequency", "controls"])
def test_over_the_grid_against_numpy(report, score):
    s = report.sensitivity(layers=[LAYER], quantiles=[0.5, 0.9], widths=[0.25, 1.0])
    v = _values(report, score)
    for q in (0.5, 0.9):
        assert _get(s, score, "content_share", q) == pytest.approx(_share(report, v, q), abs=1e-12)
    for w in (0.25, 1.0):
        for stat, chars in (("auroc_matched", False), ("auroc_matched_zipf_chars", True)):
            want = _auroc(report, v, w, chars)
            assert _get(s, score, stat, w) == pytest.approx(want, abs=1e-12)


def test_defaults_and_bad_input(report):
    s = report.sensitivity()
    assert set(s["layer"].dropna()) == {report.layer}
    assert set(s.loc[s["param"] == "quantile", "at"]) >= {0.5, 0.75, 0.95}
    with pytest.raises(AFNInputError, match="quantiles"):
        report.sensitivity(quantiles=[1.0])
    with pytest.raises(AFNInputError, match="layers"):
        report.sensitivity(layers=[99])
