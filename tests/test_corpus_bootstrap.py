"""The two-way bootstrap over sentences and word types (:mod:`afn_widget.corpus.clustered`),
against a direct implementation that builds each resample by hand."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from afn_widget.corpus import analyze_corpus  # noqa: E402
from afn_widget.corpus.clustered import Pairs, twoway_replicates  # noqa: E402
from afn_widget.corpus.conllu_reader import read_conllu  # noqa: E402

SEED, N_BOOT = 5, 40


def direct_twoway(sentences, n_types, n_boot, seed):
    """Each resample built by hand: draw sentences and types with replacement (the documented
    streams: ``default_rng(seed)`` for sentences, ``default_rng([seed, 2])`` for types, one
    multinomial draw per resample), then walk every drawn copy of a sentence and, for each of its
    pairs, every drawn copy of its content type and of its function type.

    ``sentences``: per sentence a list of ``(content_type, function_type, win)``."""
    n_s = len(sentences)
    rs, rt = np.random.default_rng(seed), np.random.default_rng([seed, 2])
    out = []
    for _ in range(n_boot):
        drawn_s = rs.multinomial(n_s, [1.0 / n_s] * n_s)
        drawn_t = rt.multinomial(n_types, [1.0 / n_types] * n_types)
        num = den = 0.0
        for s, copies in enumerate(drawn_s):
            for _copy in range(copies):
                for c, f, win in sentences[s]:
                    for _cc in range(drawn_t[c]):
                        for _fc in range(drawn_t[f]):
                            num += win
                            den += 1
        out.append(num / den if den else np.nan)
    return np.array(out)


def test_twoway_replicates_equal_direct_resampling():
    rng = np.random.default_rng(0)
    n_types = 7
    sentences = [
        [(int(rng.integers(0, 4)), int(rng.integers(3, 7)), float(rng.choice([0, 0.5, 1])))
         for _ in range(int(rng.integers(1, 5)))]
        for _ in range(6)
    ]  # fmt: skip
    flat = [(s, c, f, w) for s, ps in enumerate(sentences) for c, f, w in ps]
    s, c, f, w = (np.array(x) for x in zip(*flat, strict=True))
    pairs = Pairs(s, c, f, w[:, None].astype(float), np.ones((len(w), 1)))
    sw = np.random.default_rng(SEED).multinomial(6, [1 / 6] * 6, size=N_BOOT).astype(float)
    tw = np.random.default_rng([SEED, 2]).multinomial(n_types, [1 / 7] * 7, size=N_BOOT)
    got = twoway_replicates(pairs, sw, tw.astype(float))[:, 0]
    want = direct_twoway(sentences, n_types, N_BOOT, SEED)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, equal_nan=True)
    assert np.nanstd(got) > 0


@pytest.fixture(scope="module")
def report(minilm, ud_dev_path):
    corpus = read_conllu(ud_dev_path)
    sample = [corpus[i] for i in range(0, 2001, 100)]
    return analyze_corpus(
        sample, model=minilm, controls=("shuffled",), seeds=1, scores=("tas",), n_boot=N_BOOT,
        seed=SEED, progress=False,
    )  # fmt: skip


def _sentences(report, values):
    """The words frame's matched pairs (|Δzipf| < 0.5) per sentence as (content type, function
    type, win), types numbered as documented: sorted distinct lowercased forms of scored words."""
    words = report.words
    scored = words["n_pieces"].to_numpy() > 0
    names = sorted({w.lower() for w in words["word"][scored]})
    index = {w: k for k, w in enumerate(names)}
    out = []
    for _, w in words.groupby("sentence", sort=False):
        idx = w.index.to_numpy()[w["n_pieces"].to_numpy() > 0]
        role = words["role"].to_numpy()[idx]
        z, v = words["zipf"].to_numpy()[idx], values[idx]
        t = [index[x.lower()] for x in words["word"].to_numpy()[idx]]
        pairs = []
        for i in np.flatnonzero(role == "content"):
            for j in np.flatnonzero(role == "function"):
                if abs(z[i] - z[j]) < report.meta["match_width"]:
                    win = 1.0 if v[i] > v[j] else 0.5 if v[i] == v[j] else 0.0
                    pairs.append((t[i], t[j], win))
        out.append(pairs)
    return out, len(names)


@pytest.mark.parametrize(
    ("key", "values"),
    [(("trained", "tas", 4), "tas"), (("baseline", "frequency", None), "zipf")],
)
def test_report_twoway_ci_is_direct_bootstrap(report, key, values):
    v = (
        report.scores("trained", "tas")[4].astype(np.float64)
        if values == "tas"
        else -report.words["zipf"].to_numpy()
    )
    sentences, n_types = _sentences(report, v)
    row = report.row(*key)
    # all weights 1: the table's value
    wins = sum(w for s in sentences for _, _, w in s)
    assert row["auroc_matched"] == pytest.approx(wins / sum(map(len, sentences)), abs=1e-9)
    reps = direct_twoway(sentences, n_types, N_BOOT, SEED)
    lo, hi = np.nanquantile(reps, [0.025, 0.975])
    assert row["auroc_matched_cl_lo"] == pytest.approx(lo, abs=1e-9)
    assert row["auroc_matched_cl_hi"] == pytest.approx(hi, abs=1e-9)


def test_controls_have_no_twoway_ci_and_the_types_are_reported(report):
    assert np.isnan(report.row("shuffled", "tas", 4)["auroc_matched_cl_lo"])
    sentences, _ = _sentences(report, -report.words["zipf"].to_numpy())
    flat = [p for s in sentences for p in s]
    t = report.meta["matched_types"]
    assert t["pairs"] == len(flat) == report.row("baseline", "frequency", None)["n_pairs_matched"]
    for side, k in (("content", 0), ("function", 1)):
        counts = np.sort(np.bincount([p[k] for p in flat]))[::-1]
        counts = counts[counts > 0]
        assert t[f"{side}_types"] == counts.size
        assert t[f"top20_{side}_share"] == pytest.approx(counts[:20].sum() / counts.sum())
    assert "function types; the 20 of each in most pairs carry" in report.summary()
    assert "types too: [" in report.summary()
