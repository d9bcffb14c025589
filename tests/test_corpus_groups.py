"""Heterogeneity: the per-sentence mean AUROC beside the pooled one, and the main figures by
genre and by sentence length, against plain numpy over the words frame."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from afn_widget.corpus import analyze_corpus  # noqa: E402
from afn_widget.corpus import stats as S  # noqa: E402
from afn_widget.corpus.conllu_reader import read_conllu  # noqa: E402
from afn_widget.corpus.groups import genre, length_bin  # noqa: E402

SEED, N_BOOT, LAYER = 4, 60, 4


def test_genre_and_length_bin():
    assert genre("GUM_academic_exposure-1") == "academic"
    assert genre("GUM_conversation_grounded-12") == "conversation"
    assert genre("email-enronsent00_01-0001") == "email"
    assert genre("weblog-juancole.com_juancole_20051126063000_ENG_20051126_063000-0001") == (
        "weblog"
    )
    assert genre("s1") is None and genre(None) is None and genre("email") is None
    assert [length_bin(n) for n in (1, 9, 10, 19, 20, 39, 40, 100)] == [
        "< 10", "< 10", "10–19", "10–19", "20–29", "30–39", "≥ 40", "≥ 40",
    ]  # fmt: skip


@pytest.fixture(scope="module")
def report(minilm, ud_dev_path):
    corpus = read_conllu(ud_dev_path)
    sample = [corpus[i] for i in range(0, 2001, 40)]
    return analyze_corpus(
        sample, model=minilm, controls=(), scores=("tas",), n_boot=N_BOOT, seed=SEED,
        progress=False,
    )  # fmt: skip


def _per_sentence(report, matched: bool):
    """Per kept sentence: (wins, pairs) of TAS at LAYER, from the words frame."""
    words = report.words
    v = report.scores("trained", "tas")[LAYER].astype(np.float64)
    out = []
    for _, w in words.groupby("sentence", sort=False):
        idx = w.index.to_numpy()
        ok = np.isfinite(v[idx])
        role, z, x = w["role"].to_numpy()[ok], w["zipf"].to_numpy()[ok], v[idx][ok]
        wins = pairs = 0.0
        for i in np.flatnonzero(role == "content"):
            for j in np.flatnonzero(role == "function"):
                if matched and not abs(z[i] - z[j]) < 0.5:
                    continue
                wins += 1.0 if x[i] > x[j] else 0.5 if x[i] == x[j] else 0.0
                pairs += 1
        out.append((wins, pairs))
    return np.array(out)


@pytest.mark.parametrize("matched", [False, True])
def test_per_sentence_mean_auroc(report, matched):
    wp = _per_sentence(report, matched)
    has = wp[:, 1] > 0
    want = np.mean(wp[has, 0] / wp[has, 1])
    stat = "auroc_matched_per_sentence" if matched else "auroc_per_sentence"
    row = report.row("trained", "tas", LAYER)
    assert row[stat] == pytest.approx(want, abs=1e-9)
    pooled = "auroc_matched" if matched else "auroc"
    assert row[pooled] == pytest.approx(wp[:, 0].sum() / wp[:, 1].sum(), abs=1e-9)
    assert row[f"{stat}_lo"] <= row[stat] <= row[f"{stat}_hi"]


def test_groups_equal_the_restricted_bootstrap(report):
    wp = _per_sentence(report, matched=True)
    g = report.groups
    sub = g[(g["condition"] == "trained") & (g["score"] == "tas") & (g["layer"] == LAYER)]
    assert set(sub["by"]) == {"genre", "length"}
    kept = report.words.groupby("sentence", sort=False)
    ids = [w["sent_id"].iloc[0] for _, w in kept]
    lengths = [len(w) for _, w in kept]
    labels = {"genre": [genre(s) for s in ids], "length": [length_bin(n) for n in lengths]}
    weights = S.bootstrap_weights(len(ids), N_BOOT, SEED)  # the table's sentence draws
    for _, r in sub.iterrows():
        members = np.flatnonzero(np.array(labels[r["by"]], dtype=object) == r["group"])
        assert r["n_sentences"] == members.size
        num, den = wp[members, 0], wp[members, 1]
        if den.sum() == 0:
            assert np.isnan(r["auroc_matched"])
            continue
        assert r["auroc_matched"] == pytest.approx(num.sum() / den.sum(), abs=1e-9)
        reps = S.ratio_replicates(num, den, weights[:, members])
        lo, hi = S.percentile_ci(reps)
        assert r["auroc_matched_lo"] == pytest.approx(lo, abs=1e-9)
        assert r["auroc_matched_hi"] == pytest.approx(hi, abs=1e-9)
    assert set(labels["genre"]) == set(sub[sub["by"] == "genre"]["group"])
    text = report.summary()
    assert "by genre, TAS layer 4, matched AUROC: answers" in text
    assert "mean of the sentences' own AUROCs" in text
    assert any(title.startswith("By genre") for title, _ in report.sections())


def test_plain_text_has_no_genre(minilm):
    rep = analyze_corpus(
        ["The cat sat on the mat.", "A dog slept."], model=minilm, controls=(),
        scores=("tas",), n_boot=10, progress=False,
    )  # fmt: skip
    assert set(rep.groups["by"]) == {"length"}
