"""The report's controls recomputed independently on a dev subset: the frequency-matched and
binned AUROCs with plain numpy over ``report.words``, the regression gain with a direct
scikit-learn call, the seeds' two-stage bootstrap, the layer contrasts, the breakdowns by UPOS
tag, role mapping and Zipf bin, and the ``top_k`` HIGH rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from afn_widget import buckets as B
from afn_widget.corpus import analyze_corpus
from afn_widget.corpus import stats as S
from afn_widget.corpus.conllu_reader import read_conllu
from afn_widget.corpus.mappings import adv_split_role
from afn_widget.corpus.pool import Pool, Resamples
from afn_widget.errors import AFNInputError

N_BOOT, SEED, WIDTH = 200, 5, 0.5


@pytest.fixture(scope="module")
def subset(ud_dev_path):
    corpus = read_conllu(ud_dev_path)
    return [corpus[i] for i in range(0, len(corpus), 40)]  # 51 sentences of every length


@pytest.fixture(scope="module")
def report(minilm, subset):
    return analyze_corpus(
        subset,
        minilm,
        scores=("tas", "attention"),
        seeds=2,
        n_boot=N_BOOT,
        seed=SEED,
        match_width=WIDTH,
        progress=False,
    )


def _sentences(report):
    """Per sentence: the positions of its words in report.words."""
    s = report.words["sentence"].to_numpy()
    return [np.flatnonzero(s == k) for k in np.unique(s)]


def _wins(v, pos, neg, pair_ok):
    """Σ over pairs (i ∈ pos, j ∈ neg) with pair_ok[i, j] of [v_i > v_j] + ½[v_i = v_j]."""
    i, j = np.nonzero(pos[:, None] & neg[None, :] & pair_ok)
    return float(((v[i] > v[j]) + 0.5 * (v[i] == v[j])).sum()), i.size


def _auroc(report, values, pair_rule, roles=None):
    """Within-sentence AUROC of content over function words, over the pairs ``pair_rule(z)``
    accepts, pooled over sentences as a ratio of sums."""
    w = report.words
    roles = w["role"].to_numpy() if roles is None else roles
    zipf = w["zipf"].to_numpy()
    wins = pairs = 0.0
    for cols in _sentences(report):
        v, r, z = values[cols], roles[cols], zipf[cols]
        ok = np.isfinite(v)
        v, r, z = v[ok], r[ok], z[ok]
        a, n = _wins(v, r == "content", r == "function", pair_rule(z[:, None], z[None, :]))
        wins, pairs = wins + a, pairs + n
    return wins / pairs, pairs


def _matched(za, zb):
    return np.abs(za - zb) < WIDTH


def _same_bin(za, zb):
    return np.clip(np.floor(za), 0, 7) == np.clip(np.floor(zb), 0, 7)


def test_auroc_matched_is_plain_numpy_over_the_words(report):
    w = report.words
    for layer in range(report.meta["n_layers"] + 1):
        tas = w[f"tas_{layer}"].to_numpy()
        row = report.row("trained", "tas", layer)
        want, pairs = _auroc(report, tas, _matched)
        assert row["auroc_matched"] == pytest.approx(want, abs=1e-9)
        assert row["n_pairs_matched"] == pairs == report.meta["n_pairs_matched"]
        want, pairs = _auroc(report, tas, _same_bin)
        assert row["auroc_binned"] == pytest.approx(want, abs=1e-9)
        assert row["n_pairs_binned"] == pairs
        assert row["auroc_matched_lo"] <= row["auroc_matched"] <= row["auroc_matched_hi"]
    freq = report.row("baseline", "frequency", None)
    want, _ = _auroc(report, -w["zipf"].to_numpy(), _matched)
    assert freq["auroc_matched"] == pytest.approx(want, abs=1e-9)
    # every pair is matched at a width wider than any difference: the plain AUROC again
    everything, _ = _auroc(report, w["tas_4"].to_numpy(), lambda a, b: np.abs(a - b) < 99)
    assert everything == pytest.approx(report.row("trained", "tas", 4)["auroc"], abs=1e-9)


def test_auroc_matched_pools_the_seeds_of_a_control(report):
    seeds = report.meta["seeds"]
    assert seeds == [SEED, SEED + 1]
    wins = pairs = 0.0
    for seed in seeds:
        a, n = _auroc(report, report.scores("random_init", "tas", seed)[3], _matched)
        wins, pairs = wins + a * n, pairs + n
        one = report.seeds[(report.seeds["condition"] == "random_init")
                           & (report.seeds["seed"] == seed) & (report.seeds["layer"] == 3)
                           & (report.seeds["score"] == "tas")]  # fmt: skip
        assert one["auroc_matched"].iloc[0] == pytest.approx(a, abs=1e-9)
    row = report.row("random_init", "tas", 3)
    assert row["auroc_matched"] == pytest.approx(wins / pairs, abs=1e-9)


def test_matched_replicate_is_the_explicitly_drawn_sentences(report):
    n = report.meta["n_sentences"]
    w = S.bootstrap_weights(n, N_BOOT, seed=SEED)
    tas = report.words["tas_4"].to_numpy()
    roles, zipf = report.words["role"].to_numpy(), report.words["zipf"].to_numpy()
    wins = pairs = 0.0
    sentences = _sentences(report)
    for si in np.repeat(np.arange(n), w[7].astype(int)):
        cols = sentences[si]
        r, z = roles[cols], zipf[cols]
        a, k = _wins(tas[cols], r == "content", r == "function", _matched(z[:, None], z[None]))
        wins, pairs = wins + a, pairs + k
    k = report.row_keys.index(("trained", "tas", 4))
    assert report.replicates["auroc_matched"][7, k] == pytest.approx(wins / pairs, rel=1e-6)
    d = report.compare(("trained", "tas", 4), ("baseline", "frequency", None), "auroc_matched")
    assert d["lo"] <= d["diff"] <= d["hi"]


def _features(report, score_values):
    """The regression's words and features, from report.words alone."""
    w = report.words
    n_words = w.groupby("sentence")["word_index"].transform("size").to_numpy()
    position = w["word_index"].to_numpy() / np.maximum(n_words - 1, 1)
    x = np.column_stack([w["zipf"], w["word"].str.len(), w["n_pieces"], position]).astype(
        np.float64
    )
    keep = w["role"].isin(["content", "function"]).to_numpy() & np.isfinite(score_values)
    y = (w["role"].to_numpy() == "content").astype(int)
    return x, y, w["sentence"].to_numpy(), keep


def _within_sentence_auroc(p, y, groups):
    wins = pairs = 0.0
    for g in np.unique(groups):
        sel = groups == g
        a, n = _wins(p[sel], y[sel] == 1, y[sel] == 0, True)
        wins, pairs = wins + a, pairs + n
    return wins / pairs


def test_regression_gain_is_a_direct_scikit_learn_call(report):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.model_selection import GroupKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def oof(x, y, groups):
        model = make_pipeline(StandardScaler(), LogisticRegression(solver="newton-cholesky"))
        return cross_val_predict(
            model, x, y, groups=groups, cv=GroupKFold(5), method="predict_proba"
        )[:, 1]

    base_auroc = None
    for layer in (0, 4):
        tas = report.words[f"tas_{layer}"].to_numpy()
        x, y, groups, keep = _features(report, tas)
        x, y, groups, tas = x[keep], y[keep], groups[keep], tas[keep]
        p_base = oof(x, y, groups)
        p_with = oof(np.column_stack([x, tas]), y, groups)
        base_auroc = _within_sentence_auroc(p_base, y, groups)
        with_auroc = _within_sentence_auroc(p_with, y, groups)
        row = report.row("trained", "tas", layer)
        assert row["lr_auroc"] == pytest.approx(with_auroc, abs=1e-9)
        assert row["lr_gain"] == pytest.approx(with_auroc - base_auroc, abs=1e-9)
        ll_gain = log_loss(y, p_base) - log_loss(y, p_with)
        assert row["lr_ll_gain"] == pytest.approx(ll_gain, abs=1e-9)
        assert row["lr_gain_lo"] <= row["lr_gain"] <= row["lr_gain_hi"]
    controls = report.row("baseline", "controls", None)
    assert controls["auroc"] == pytest.approx(base_auroc, abs=1e-9)
    # the lexical controls row is a score like any other: its HIGH bucket is counted too
    assert 0 < controls["content_share"] <= 1 and math.isnan(controls["lr_gain"])
    # regressed: the trained model's every score and TAS under the controls, nothing else
    t = report.table
    done = t["lr_gain"].notna()
    assert done[(t["condition"] == "trained") & (t["layer"] >= 1)].all()
    assert not done[(t["condition"] != "trained") & (t["score"] == "attention")].any()
    assert done[(t["condition"] == "random_init") & (t["score"] == "tas")].all()


def test_two_stage_bootstrap_is_explicit_resampling():
    rng = np.random.default_rng(2)
    n_s, k = 30, 3
    num = rng.integers(0, 5, (n_s, 4)).astype(float)
    counts = {"n_words": np.ones((n_s, 4)), "num": num, "den": num + rng.integers(1, 4, (n_s, 4))}
    res = Resamples(counts, 40, seed=9, n_seeds=k)
    pool = Pool(np.array([[0, 1, 2], [3, 3, 3]]))  # a control's three seeds; one run repeated
    point, reps = res.estimate({"r": ("num", "den")}, pool)
    assert point["r"][0] == pytest.approx(num[:, :3].sum() / counts["den"][:, :3].sum())
    assert point["r"][1] == pytest.approx(num[:, 3].sum() / counts["den"][:, 3].sum())
    w, v = S.bootstrap_weights(n_s, 40, 9), S.bootstrap_weights(k, 40, [9, 1])
    for b in range(40):
        sentences = np.repeat(np.arange(n_s), w[b].astype(int))
        seeds = np.repeat(np.arange(k), v[b].astype(int))
        n_ = sum(num[sentences, s].sum() for s in seeds)
        d_ = sum(counts["den"][sentences, s].sum() for s in seeds)
        assert reps["r"][b, 0] == pytest.approx(n_ / d_)
        assert reps["r"][b, 1] == pytest.approx(
            num[sentences, 3].sum() / counts["den"][sentences, 3].sum()
        )


def test_one_seed_is_the_plain_sentence_bootstrap(minilm, subset):
    one = analyze_corpus(subset[:30], minilm, scores="tas", seeds=(8,), controls=("random_init",),
                         n_boot=50, seed=1, progress=False)  # fmt: skip
    row = one.row("random_init", "tas", 2)
    s = one.seeds[(one.seeds["layer"] == 2) & (one.seeds["score"] == "tas")].iloc[0]
    assert int(s["seed"]) == 8 and row["n_seeds"] == 1
    for stat in ("auroc", "auroc_matched", "content_share", "lift", "high_share"):
        assert row[stat] == pytest.approx(s[stat], abs=1e-12)
        assert row[f"{stat}_lo"] == pytest.approx(s[f"{stat}_lo"], abs=1e-12)
    assert "random init, seed 8" not in one.meta["model"]
    with pytest.raises(AFNInputError, match="seed 0"):
        one.scores("random_init", "tas", 0)


def test_layer_contrasts_are_paired_differences(report):
    c = report.contrasts()
    lay = report.layer
    for stat in ("auroc", "auroc_matched"):
        sub = c[c["stat"] == stat].set_index("against")
        for against, other in (("below", lay - 1), ("above", lay + 1)):
            d = report.compare(("trained", "tas", lay), ("trained", "tas", other), stat)
            assert sub.loc[against, "diff"] == pytest.approx(d["diff"], abs=1e-9)
            assert sub.loc[against, "lo"] == pytest.approx(d["lo"], abs=1e-9)
            assert sub.loc[against, "hi"] == pytest.approx(d["hi"], abs=1e-9)
        t = report.table
        tas = t[(t["condition"] == "trained") & (t["score"] == "tas") & (t["layer"] != lay)]
        best = int(tas.loc[tas[stat].idxmax(), "layer"])
        assert sub.loc["best other", "other_layer"] == best
        assert sub.loc["best other", "diff"] == pytest.approx(
            report.row("trained", "tas", lay)[stat] - tas[stat].max(), abs=1e-9
        )
        # the best other layer is chosen within each resample: the CI is that of the maximum
        idx = [report.row_keys.index(("trained", "tas", k)) for k in tas["layer"]]
        rep = report.replicates[stat]
        d = rep[:, report.row_keys.index(("trained", "tas", lay))] - rep[:, idx].max(axis=1)
        lo, hi = S.percentile_ci(d[:, None])
        assert sub.loc["best other", "lo"] == pytest.approx(lo[0], abs=1e-6)
        assert sub.loc["best other", "hi"] == pytest.approx(hi[0], abs=1e-6)
        verdict = sub["verdict"].tolist()
        assert set(verdict) <= {"higher", "lower", "no clear difference"}
    assert "is layer 4 special?" in report.summary()


def test_high_rate_per_upos_is_the_words_high_column(report):
    w = report.words
    lay = report.layer
    cat = report.categories
    sub = cat[(cat["condition"] == "trained") & (cat["score"] == "tas") & (cat["layer"] == lay)]
    scored = np.isfinite(w[f"tas_{lay}"].to_numpy())
    for _, r in sub.iterrows():
        sel = (w["upos"] == r["upos"]).to_numpy() & scored
        assert r["n_words"] == sel.sum()
        assert r["high_rate"] == pytest.approx(w[f"high_{lay}"].to_numpy()[sel].mean(), abs=1e-12)
        assert r["high_rate_lo"] <= r["high_rate"] <= r["high_rate_hi"]
    assert set(sub["upos"]) == set(w.loc[scored, "upos"])
    # the breakdown covers the trained model, the baselines and TAS under the controls
    assert set(cat["condition"]) == {"trained", "baseline", "shuffled", "random_init"}
    assert set(cat.loc[cat["condition"] == "shuffled", "score"]) == {"tas"}


def test_role_mappings(report):
    m = report.mappings
    lay = report.layer
    t = report.row("trained", "tas", lay)

    def at(mapping):
        sel = (m["mapping"] == mapping) & (m["condition"] == "trained") & (m["score"] == "tas")
        return m[sel & (m["layer"] == lay)].iloc[0]

    for stat in ("auroc", "auroc_matched", "content_share", "base_rate", "lift", "high_share"):
        assert at("upos")[stat] == pytest.approx(t[stat], abs=1e-12)
    w = report.words
    tas = w[f"tas_{lay}"].to_numpy()
    split = np.array([adv_split_role(a, b) for a, b in zip(w["word"], w["upos"], strict=True)])
    assert at("adv_split")["auroc"] == pytest.approx(_auroc(report, tas, lambda a, b: True,
                                                            split)[0], abs=1e-9)  # fmt: skip
    assert "other" in set(split) and at("adv_split")["base_rate"] < t["base_rate"]
    # punctuation out of the units: HIGH among the other words, their own base rate
    hic = hi = nc = n = 0
    roles = w["role"].to_numpy()
    for cols in _sentences(report):
        keep = cols[(roles[cols] != "punctuation") & np.isfinite(tas[cols])]
        high = B.split(tas[keep], np.ones(keep.size, bool), 0.75).high
        c = roles[keep] == "content"
        hic, hi, nc, n = hic + (high & c).sum(), hi + high.sum(), nc + c.sum(), n + keep.size
    assert at("no_punct")["content_share"] == pytest.approx(hic / hi, abs=1e-12)
    assert at("no_punct")["base_rate"] == pytest.approx(nc / n, abs=1e-12)
    assert at("no_punct")["auroc"] == pytest.approx(t["auroc"], abs=1e-12)


def test_auroc_per_zipf_bin(report):
    zb = report.zipf_bins
    sub = zb[(zb["condition"] == "trained") & (zb["score"] == "tas") & (zb["layer"] == 2)]
    tas = report.words["tas_2"].to_numpy()
    total_wins = 0.0
    for _, r in sub.iterrows():
        k = ["< 1", "1–2", "2–3", "3–4", "4–5", "5–6", "6–7", "≥ 7"].index(r["zipf_bin"])

        def in_bin(a, b, k=k):
            return (np.clip(np.floor(a), 0, 7) == k) & (np.clip(np.floor(b), 0, 7) == k)

        want, pairs = _auroc(report, tas, in_bin)
        assert r["auroc"] == pytest.approx(want, abs=1e-9) and r["n_pairs"] == pairs
        total_wins += want * pairs
    row = report.row("trained", "tas", 2)
    assert total_wins / sub["n_pairs"].sum() == pytest.approx(row["auroc_binned"], abs=1e-9)


def test_top_k_rule_in_the_corpus_report(minilm, subset):
    few = subset[:25]
    rep = analyze_corpus(few, minilm, scores="tas", controls=(), high="top_k", n_boot=20,
                         progress=False)  # fmt: skip
    q = analyze_corpus(few, minilm, scores="tas", controls=(), n_boot=20, progress=False)
    assert rep.meta["high"] == "top_k" and "top_k" in rep.meta["buckets"]
    w = rep.words
    high = w["high_4"].to_numpy()
    n_high = n = 0
    for cols in _sentences(rep):
        v = w["tas_4"].to_numpy()[cols]
        ok = np.isfinite(v)
        assert high[cols].tolist() == (B.top_k_high(v, ok, 0.75)).tolist()
        n_high, n = n_high + B.top_k_count(int(ok.sum()), 0.75), n + int(ok.sum())
    for layer in range(7):
        assert rep.row("trained", "tas", layer)["high_share"] == pytest.approx(n_high / n)
    # the quantile rule puts at least as many words in HIGH (every tie with the threshold)
    assert (q.table["high_share"] >= rep.table["high_share"] - 1e-12).all()
    assert q.row("trained", "tas", 4)["high_share"] > 0.25
    np.testing.assert_array_equal(rep.scores("trained", "tas"), q.scores("trained", "tas"))


@pytest.mark.parametrize(
    ("score", "layer", "sides"),
    [("tas", 0, {"above", "best other"}), ("tas", 6, {"below", "best other"}),
     ("attention", 1, {"above", "best other"})],
)  # fmt: skip
def test_contrasts_at_the_edges(report, score, layer, sides):
    c = report.contrasts(score=score, layer=layer)
    assert set(c.loc[c["stat"] == "auroc", "against"]) == sides
