"""The corpus report: statistics against independent computations, batching against the engine.

Runs on a small sample of UD EWT dev (the notebook ``notebooks/paper_claim.ipynb`` runs all
2,001 sentences).
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import itertools  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from afn_widget import buckets as B  # noqa: E402
from afn_widget.corpus import (  # noqa: E402
    SCORES,
    analyze_corpus,
    random_twin,
    word_pieces,
)
from afn_widget.corpus import stats as S  # noqa: E402
from afn_widget.corpus.conllu_reader import read_conllu  # noqa: E402
from afn_widget.errors import AFNInputError  # noqa: E402

N_BOOT = 300


# -- pure statistics --------------------------------------------------------------------------


def brute_wins(pos, neg) -> float:
    return sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)


small_values = st.lists(st.integers(-3, 3).map(float), min_size=1, max_size=12)


def wins(pos, neg) -> float:
    """stats.grouped_wins of one group holding the positives, then the negatives."""
    values = np.concatenate([np.asarray(pos, float), np.asarray(neg, float)])
    is_pos = np.arange(values.size) < len(pos)
    return float(S.grouped_wins(values[None, None], is_pos[None], ~is_pos[None])[0, 0])


@settings(max_examples=150, deadline=None)
@given(small_values, small_values)
def test_wins_equal_pairwise_count(pos, neg):
    assert wins(pos, neg) == brute_wins(pos, neg)


def test_wins_match_mann_whitney_u():
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    pos, neg = rng.normal(1, 1, 40).round(1), rng.normal(0, 1, 30).round(1)
    u = scipy_stats.mannwhitneyu(pos, neg).statistic
    assert wins(pos, neg) == pytest.approx(u)

    def auroc(p, n):
        return wins(p, n) / (len(p) * len(n))

    assert auroc([1, 2], [3]) == 0 and auroc([3], [1, 2]) == 1 and auroc([2], [2]) == 0.5


def test_grouped_wins_rows_and_nan():
    values = np.array([[[1.0, 2.0, 0.0, 2.0, 5.0], [np.nan, 0.0, 1.0, 1.0, 1.0]]])
    is_pos = np.array([[True, True, False, False, False]])
    w = S.grouped_wins(values, is_pos, ~is_pos)
    assert w[0, 0] == brute_wins([1, 2], [0, 2, 5]) and np.isnan(w[0, 1])


@settings(max_examples=150, deadline=None)
@given(st.data(), st.integers(1, 3), st.integers(1, 3), st.integers(0, 7))
def test_grouped_wins_is_pairwise_wins_per_sentence(data, n_s, rows, n):
    # several sentences of n words, several score rows each, ties and nan included
    vals = data.draw(st.lists(st.sampled_from([0.0, 1.0, 2.0, np.nan]), min_size=n_s * rows * n,
                              max_size=n_s * rows * n))  # fmt: skip
    values = np.array(vals, dtype=np.float64).reshape(n_s, rows, n)
    roles = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n_s * n, max_size=n_s * n)))
    pos, neg = (roles.reshape(n_s, n) == k for k in (0, 1))
    got = S.grouped_wins(values, pos, neg)
    assert got.shape == (n_s, rows)
    for i in range(n_s):
        for r in range(rows):
            v = values[i, r]
            if np.isnan(v).any():
                assert np.isnan(got[i, r])
            else:
                assert got[i, r] == brute_wins(v[pos[i]], v[neg[i]])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(0, 4).map(float), min_size=5, max_size=5), min_size=1, max_size=4
    ),
    st.sampled_from([0.25, 0.5, 0.7, 0.75, 0.9]),
    st.sampled_from(B.HIGH_RULES),
)
def test_high_rows_is_buckets_split(rows, q, rule):
    values = np.array(rows)
    high = S.high_rows(values, q, rule)
    for r, v in enumerate(values):
        assert (high[r] == B.split(v, np.ones(v.size, bool), q, rule).high).all()


def test_high_rows_nan_row_has_no_high():
    h = S.high_rows(np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]]), 0.75)
    assert not h[0].any() and h[1].tolist() == [False, False, True]


def test_ratio_replicates_is_explicit_resampling():
    rng = np.random.default_rng(1)
    num, den = rng.integers(0, 5, (30, 2)).astype(float), rng.integers(5, 9, (30, 2)).astype(float)
    w = S.bootstrap_weights(30, 50, seed=4)
    assert (w.sum(1) == 30).all()
    reps = S.ratio_replicates(num, den, w)
    for b in range(50):
        drawn = np.repeat(np.arange(30), w[b].astype(int))  # the sentences of resample b
        assert reps[b] == pytest.approx(num[drawn].sum(0) / den[drawn].sum(0))
    lo, hi = S.percentile_ci(reps)
    assert (lo <= num.sum(0) / den.sum(0)).all() and (num.sum(0) / den.sum(0) <= hi).all()


def test_word_pieces():
    offsets = [(0, 3), (3, 4), (4, 5), (6, 9), (9, 11)]  # "didn't fooba" as did|n|'|t ...
    spans = [(0, 3), (3, 6), (6, 11), (11, 12)]
    assert word_pieces(spans, offsets) == [[0], [1, 2], [3, 4], []]
    # A word with no piece starting inside it takes the pieces overlapping it.
    assert word_pieces([(0, 2), (2, 4)], [(0, 4)]) == [[0], [0]]


def _pieces_by_definition(spans, offsets):
    out = []
    for s, e in spans:
        inside = [i for i, (a, _) in enumerate(offsets) if s <= a < e]
        out.append(inside or [i for i, (a, b) in enumerate(offsets) if a < e and b > s])
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 4)), max_size=8),
       st.lists(st.tuples(st.integers(0, 20), st.integers(1, 6)), max_size=6))  # fmt: skip
def test_word_pieces_is_its_definition(tokens, words):
    # any token offsets (in order or not, overlapping or not), any word spans
    offsets = [(a, a + n) for a, n in tokens]
    spans = [(a, a + n) for a, n in words]
    assert word_pieces(spans, offsets) == _pieces_by_definition(spans, offsets)


def test_word_pieces_on_the_treebank(minilm, ud_dev_path):
    for sent in list(read_conllu(ud_dev_path))[:300]:
        enc = minilm.tokenizer(sent.text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = [tuple(o) for o in enc["offset_mapping"]]
        assert word_pieces(sent.spans, offsets) == _pieces_by_definition(sent.spans, offsets)


# -- the report on a sample of UD EWT ----------------------------------------------------------


@pytest.fixture(scope="module")
def sample(ud_dev_path):
    corpus = read_conllu(ud_dev_path)
    # A mix of lengths, including a multi-word token ("didn't") and long sentences.
    picks = list(range(0, 2001, 50)) + [i for i, s in enumerate(corpus) if "didn't" in s.text][:2]
    return corpus, [corpus[i] for i in sorted(set(picks))]


@pytest.fixture(scope="module")
def report(minilm, sample):
    return analyze_corpus(sample[1], model=minilm, n_boot=N_BOOT, seed=7, seeds=2, progress=False)


def _cols(report, sentence_pos: int) -> np.ndarray:
    sentences = report.words["sentence"].unique()
    return np.flatnonzero(report.words["sentence"].to_numpy() == sentences[sentence_pos])


def _recompute(report, condition, score, layer, values=None):
    """Every statistic of one table row, from the per-word scores, with buckets.split; a
    control's counts summed over its seeds."""
    words = report.words
    names = ["wins", "pairs", "hi", "hic", "hip", "n", "nc", "np", "hu", "hus", "nu", "ns"]
    tot = dict.fromkeys(names, 0.0)
    seeds = [None] if condition == "trained" or values is not None else report.meta["seeds"]
    for seed, si in itertools.product(seeds, range(report.meta["n_sentences"])):
        cols = _cols(report, si)
        v = report.scores(condition, score, seed)[layer, cols] if values is None else values[cols]
        roles = words["role"].to_numpy()[cols]
        ok = np.isfinite(v)
        v, roles = v[ok], roles[ok]
        high = B.split(v, np.ones(v.size, bool), report.meta["quantile"]).high
        c, f, p = roles == "content", roles == "function", roles == "punctuation"
        tot["wins"] += brute_wins(v[c], v[f])
        tot["pairs"] += c.sum() * f.sum()
        tot["hi"] += high.sum()
        tot["hic"] += (high & c).sum()
        tot["hip"] += (high & p).sum()
        tot["n"] += v.size
        tot["nc"] += c.sum()
        tot["np"] += p.sum()
        if values is None:
            sp = report.specials(condition, score, seed)[layer, si]
            units = np.concatenate([v, sp])
            hu = B.split(units, np.ones(units.size, bool), report.meta["quantile"]).high
            tot["hu"] += hu.sum()
            tot["hus"] += hu[v.size :].sum()
            tot["nu"] += units.size
            tot["ns"] += sp.size
    out = {
        "auroc": tot["wins"] / tot["pairs"],
        "content_share": tot["hic"] / tot["hi"],
        "base_rate": tot["nc"] / tot["n"],
        "high_share": tot["hi"] / tot["n"],
        "punct_share": tot["hip"] / tot["hi"],
        "punct_base": tot["np"] / tot["n"],
    }
    out["lift"] = out["content_share"] / out["base_rate"]
    if values is None:
        out["special_share"] = tot["hus"] / tot["hu"]
        out["special_base"] = tot["ns"] / tot["nu"]
    return out


@pytest.mark.parametrize(
    ("condition", "score", "layer"),
    [
        ("trained", "tas", 4),
        ("trained", "tas", 0),
        ("trained", "attention", 2),
        ("trained", "attn_norm", 6),
        ("trained", "cos_change", 3),
        ("shuffled", "tas_drop_outliers", 4),
        ("random_init", "tas", 4),
        ("random_init", "attention", 1),
    ],
)
def test_table_equals_independent_computation(report, condition, score, layer):
    row = report.row(condition, score, layer)
    for stat, value in _recompute(report, condition, score, layer).items():
        assert row[stat] == pytest.approx(value, abs=1e-9), stat


def test_frequency_baseline_row(report):
    values = -report.words["zipf"].to_numpy()
    row = report.row("baseline", "frequency", None)
    for stat, value in _recompute(report, "trained", "tas", 0, values=values).items():
        assert row[stat] == pytest.approx(value, abs=1e-9), stat
    assert np.isnan(row["special_share"])
    from wordfreq import zipf_frequency

    w = report.words
    word = w[w["role"] == "content"].iloc[0]["word"]
    assert w[w["word"] == word]["zipf"].iloc[0] == zipf_frequency(word, "en")
    # wordfreq does not count punctuation: it gets the corpus' most frequent value, not 0.
    assert (w[w["word"] == ","]["zipf"] == w["zipf"].max()).all()


def test_table_shape_lift_and_cis(report):
    t = report.table
    L = report.meta["n_layers"]
    assert L == 6 and report.layer == 4 and report.role_source == "gold UPOS"
    assert set(t["condition"]) == {"trained", "shuffled", "random_init", "baseline"}
    for cond in ("trained", "shuffled", "random_init"):
        sub = t[t["condition"] == cond]
        for score in ("tas", "tas_drop_outliers"):
            assert sorted(sub[sub["score"] == score]["layer"]) == list(range(L + 1))
        for score in ("attention", "attn_norm", "delta_norm", "displacement", "cos_change"):
            # Undefined at layer 0 (no attention block / no previous layer): no row.
            assert sorted(sub[sub["score"] == score]["layer"]) == list(range(1, L + 1))
    assert np.allclose(t["lift"], t["content_share"] / t["base_rate"])
    stats = ("auroc", "content_share", "lift", "punct_share", "special_share", "auroc_matched",
             "auroc_binned", "high_share", "lr_gain")  # fmt: skip
    for stat in stats:
        ok = t[stat].notna()
        assert (t.loc[ok, f"{stat}_lo"] <= t.loc[ok, stat] + 1e-12).all(), stat
        assert (t.loc[ok, stat] <= t.loc[ok, f"{stat}_hi"] + 1e-12).all(), stat
        if stat in ("auroc", "content_share", "lift"):
            assert (t.loc[ok, f"{stat}_hi"] > t.loc[ok, f"{stat}_lo"]).all(), stat
    assert t["n_sentences"].eq(report.meta["n_sentences"]).all()
    assert t["base_rate"].nunique() == 1  # the same words in every row
    assert t["n_pairs_matched"].nunique() == 1 and t["n_pairs_matched"].iloc[0] > 0
    controls = t["condition"].isin(["shuffled", "random_init"])
    assert t.loc[controls, "n_seeds"].eq(2).all() and t.loc[~controls, "n_seeds"].eq(1).all()


def test_bootstrap_resamples_sentences(report):
    """Replicate 0 of the report equals the statistic on the explicitly drawn sentences."""
    n = report.meta["n_sentences"]
    w = S.bootstrap_weights(n, N_BOOT, seed=7)
    drawn = np.repeat(np.arange(n), w[0].astype(int))
    wins = pairs = 0.0
    v_all = report.scores("trained", "tas")[4]
    roles = report.words["role"].to_numpy()
    for si in drawn:
        cols = _cols(report, si)
        v, r = v_all[cols], roles[cols]
        wins += brute_wins(v[r == "content"], v[r == "function"])
        pairs += (r == "content").sum() * (r == "function").sum()
    k = report.row_keys.index(("trained", "tas", 4))
    assert report.replicates["auroc"][0, k] == pytest.approx(wins / pairs, rel=1e-6)


def test_compare_is_paired_difference(report):
    a, b = ("trained", "tas", 4), ("baseline", "frequency", None)
    d = report.compare(a, b, "auroc")
    assert d["diff"] == pytest.approx(report.row(*a)["auroc"] - report.row(*b)["auroc"])
    assert d["lo"] <= d["diff"] <= d["hi"]
    with pytest.raises(AFNInputError):
        report.compare(a, ("trained", "tas", 99))


def test_words_frame(report, sample):
    w = report.words
    sentences = sample[1]
    assert len(w) == sum(len(s) for s in sentences) == report.meta["n_words"]
    assert w["word"].tolist() == [x for s in sentences for x in s.words]
    assert w["upos"].tolist() == [x for s in sentences for x in s.upos]
    assert {f"tas_{i}" for i in range(7)} <= set(w.columns)
    assert np.allclose(w["tas_4"], report.scores("trained", "tas")[4])
    assert w["sent_id"].iloc[0] == sentences[0].sent_id
    # The HIGH column is buckets.split per sentence at the highlighted layer.
    for si in range(3):
        cols = _cols(report, si)
        v = w["tas_4"].to_numpy()[cols]
        assert (w["high_4"].to_numpy()[cols] == B.split(v, np.ones(v.size, bool), 0.75).high).all()


def _pieces(minilm, text):
    enc = minilm.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    return enc["input_ids"], [tuple(o) for o in enc["offset_mapping"]]


def _engine_word_scores(minilm, sentence, **kw):
    """Word scores from the engine's analyze() of the sentence alone: mean of the pieces."""
    from afn_widget import analyze

    res = analyze(sentence.text, model=minilm, **kw)
    _, offsets = _pieces(minilm, sentence.text)
    assert len(res.tokens) == len(offsets) + 2  # [CLS] ... [SEP]
    pieces = word_pieces(sentence.spans, offsets)
    out = {"tas": np.stack([res.layer_norms[:, [p + 1 for p in ps]].mean(1) for ps in pieces], 1)}
    for m in ("delta_norm", "displacement", "cos_change"):
        out[m] = np.stack([res.shifts[m][:, [p + 1 for p in ps]].mean(1) for ps in pieces], 1)
    out["specials"] = res.layer_norms[:, [0, -1]]
    return out


def test_batched_equals_engine_unbatched(minilm, report, sample):
    """Padding never leaks: every word's scores equal the engine on the sentence alone."""
    sentences = sample[1]
    for si in (0, 5, len(sentences) - 1):
        cols = _cols(report, si)
        raw = _engine_word_scores(minilm, sentences[si])
        drop = _engine_word_scores(minilm, sentences[si], normalize="drop_outlier_dims")

        def got(score, cols=cols):
            return report.scores("trained", score)[:, cols]

        np.testing.assert_allclose(got("tas"), raw["tas"], rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(got("tas_drop_outliers"), drop["tas"], rtol=1e-4, atol=1e-4)
        for m in ("delta_norm", "displacement", "cos_change"):
            np.testing.assert_allclose(got(m)[1:], raw[m][1:], rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(
            report.specials("trained", "tas")[:, si], raw["specials"], rtol=1e-4, atol=1e-4
        )


def test_batch_size_does_not_change_anything(minilm, sample):
    few = sample[1][:5]
    one = analyze_corpus(few, model=minilm, n_boot=20, token_budget=1, seeds=1, progress=False)
    many = analyze_corpus(
        few, model=minilm, n_boot=20, token_budget=100_000, seeds=1, progress=False
    )
    for cond, score in itertools.product(("trained", "shuffled", "random_init"), SCORES):
        np.testing.assert_allclose(
            one.scores(cond, score), many.scores(cond, score), rtol=1e-4, atol=1e-5
        )
        np.testing.assert_allclose(
            one.specials(cond, score), many.specials(cond, score), rtol=1e-4, atol=1e-5
        )
    pd.testing.assert_frame_equal(one.table, many.table, atol=1e-6)
    # Streaming in chunks from a generator gives the same again.
    gen = analyze_corpus(
        (s for s in few), model=minilm, n_boot=20, chunk_size=3, controls=(), progress=False
    )
    np.testing.assert_allclose(
        gen.scores("trained", "tas"), one.scores("trained", "tas"), atol=1e-5
    )


def test_a_subset_of_scores_gives_the_same_rows(minilm, report, sample):
    seen = []  # the attention implementation each forward pass runs with
    hook = minilm.model.register_forward_pre_hook(
        lambda mod, args: seen.append(mod.config._attn_implementation)
    )
    try:
        sub = analyze_corpus(
            sample[1],
            model=minilm,
            n_boot=N_BOOT,
            seed=7,
            seeds=2,
            scores=("cos_change", "tas"),
            progress=False,
        )
    finally:
        hook.remove()
    assert seen and "eager" not in seen  # no attention asked for: the model's own kernel
    assert sub.meta["scores"] == ["tas", "cos_change"]
    assert "not computed" in sub.meta["attention"] and "not computed" in sub.meta["attn_norm"]
    assert set(sub.table["score"]) == {"tas", "cos_change", "frequency", "controls"}
    full = report.table[report.table["score"].isin(["tas", "cos_change", "frequency", "controls"])]
    pd.testing.assert_frame_equal(sub.table, full.reset_index(drop=True), atol=1e-3)
    for cond, score in itertools.product(("trained", "shuffled", "random_init"), SCORES):
        got = sub.scores(cond, score)
        if score in ("tas", "cos_change"):
            np.testing.assert_allclose(got, report.scores(cond, score), rtol=1e-4, atol=1e-4)
        else:
            assert np.isnan(got).all()
    assert "TAS, layer 4" in sub.summary() and "attention received" not in sub.summary()
    assert set(sub.table["score"]) == {"tas", "cos_change", "frequency", "controls"}
    with pytest.raises(AFNInputError, match="unknown: \\['tass'\\]"):
        analyze_corpus(["a b"], model=minilm, scores=("tass",))
    with pytest.raises(AFNInputError, match="got none"):
        analyze_corpus(["a b"], model=minilm, scores=())


def test_scores_without_tas_give_the_same_rows(minilm, report, sample):
    # Which words are scored (those with pieces) does not depend on the scores asked for.
    sub = analyze_corpus(
        sample[1],
        model=minilm,
        n_boot=N_BOOT,
        seed=7,
        scores="cos_change",
        controls=(),
        progress=False,
    )
    keep = report.table["condition"].isin(["trained", "baseline"])
    full = report.table[keep & report.table["score"].isin(["cos_change", "frequency", "controls"])]
    assert len(sub.table) == len(full) == report.meta["n_layers"] + 2
    pd.testing.assert_frame_equal(sub.table, full.reset_index(drop=True), atol=1e-3)


def test_attention_scores_against_explicit_computation(minilm, report, sample):
    """Attention received and Kobayashi's ‖αf(x)‖ from output_attentions and f(x) spelled out."""
    import torch

    model = minilm.model
    sentence = sample[1][3]
    ids, offsets = _pieces(minilm, sentence.text)
    pieces = word_pieces(sentence.spans, offsets)
    old = model.config._attn_implementation
    model.set_attn_implementation("eager")
    try:
        with torch.inference_mode():
            x = torch.tensor([[101] + ids + [102]])
            out = model(input_ids=x, output_hidden_states=True, output_attentions=True)
            recv, knorm = [], []
            for layer in range(1, 7):
                alpha = out.attentions[layer - 1][0]  # [H, T(query), T(key)]
                recv.append(alpha.sum(1).mean(0))
                att = model.encoder.layer[layer - 1].attention
                h_in = out.hidden_states[layer - 1][0]
                v = att.self.value(h_in)  # x W_V + b_V, [T, d]
                wo = att.output.dense.weight  # [d_out, d_in]
                heads = att.self.num_attention_heads
                dh = v.shape[1] // heads
                total = torch.zeros(v.shape[0])
                for h in range(heads):
                    f = v[:, h * dh : (h + 1) * dh] @ wo[:, h * dh : (h + 1) * dh].T  # f^h(x_j)
                    total += alpha[h].sum(0) * f.norm(dim=1)  # Σ_i α_ij ‖f(x_j)‖
                knorm.append(total)
    finally:
        model.set_attn_implementation(old)
    assert model.config._attn_implementation == old
    cols = _cols(report, 3)
    for name, per_token in (("attention", recv), ("attn_norm", knorm)):
        tokens = torch.stack(per_token).numpy()[:, 1:-1]
        want = np.stack([tokens[:, ps].mean(1) for ps in pieces], 1)
        got = report.scores("trained", name)[1:, cols]
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
        assert np.isnan(report.scores("trained", name)[0]).all()


def test_shuffled_scores_belong_to_their_words(minilm, report, sample):
    """The shuffled run, mapped back to the original order, matches analyze() on the shuffled
    text word for word."""
    si = 2
    sentence = sample[1][si]
    position = int(report.words["sentence"].unique()[si])
    shuffled = sentence.shuffled(np.random.default_rng([7, position]))
    assert shuffled.text != sentence.text
    eng = _engine_word_scores(minilm, shuffled)["tas"]
    got = report.scores("shuffled", "tas")[:, _cols(report, si)]
    checked = 0
    for k, w in enumerate(shuffled.words):
        if sentence.words.count(w) == 1:  # words that occur once: identity is unambiguous
            j = sentence.words.index(w)
            np.testing.assert_allclose(got[:, j], eng[:, k], rtol=1e-4, atol=1e-4)
            checked += 1
    assert checked >= 5


def test_random_twin(minilm):
    import torch

    twin = random_twin(minilm, seed=3)
    trained = dict(minilm.model.named_parameters())
    n_ln = 0
    for name, mod in twin.model.named_modules():
        if isinstance(mod, torch.nn.LayerNorm):
            src = dict(minilm.model.named_modules())[name]
            # γ and β: the trained values permuted — same multiset, not the same order.
            assert torch.equal(mod.weight.sort().values, src.weight.sort().values)
            assert not torch.equal(mod.weight, src.weight)
            n_ln += 1
    assert n_ln == 13  # embeddings + 2 per layer
    q = dict(twin.model.named_parameters())["encoder.layer.0.attention.self.query.weight"]
    assert not torch.allclose(q, trained["encoder.layer.0.attention.self.query.weight"])
    assert torch.equal(
        q,
        dict(random_twin(minilm, seed=3).model.named_parameters())[
            "encoder.layer.0.attention.self.query.weight"
        ],
    )


def test_random_init_norms_vary(report):
    # With untrained LayerNorms every norm would be exactly sqrt(384); the permuted γ/β make
    # the norm a (random) function of the token, so within a sentence words are not tied.
    tas = report.scores("random_init", "tas")
    for layer in (0, 4, 6):
        v = tas[layer][np.isfinite(tas[layer])]
        assert np.abs(v - np.sqrt(384)).max() > 0.1
        assert np.unique(v).size > 0.5 * v.size


def test_plain_strings_use_engine_words_and_roles(minilm):
    from afn_widget import analyze

    texts = ["The cat sat on the mat.", "Photosynthesis converts sunlight into sugar, doesn't it?"]
    rep = analyze_corpus(texts, model=minilm, controls=(), n_boot=20, progress=False)
    assert rep.role_source.startswith("engine")
    assert rep.meta["conditions"] == ["trained"]
    start = 0
    for text in texts:
        res = analyze(text, model=minilm)
        keep = [j for j, r in enumerate(res.words.roles) if r != "special"]
        n = len(keep)
        sub = rep.words.iloc[start : start + n]
        assert sub["word"].tolist() == [res.words.text[j] for j in keep]
        assert sub["role"].tolist() == [res.words.roles[j] for j in keep]
        np.testing.assert_allclose(
            rep.scores("trained", "tas")[:, start : start + n],
            res.words.layer_norms[:, keep],
            rtol=1e-4,
            atol=1e-4,
        )
        assert sub["high_4"].tolist() == [res.words.buckets[j] == "HIGH" for j in keep]
        start += n


def test_other_architectures_get_attention_and_attn_norm(tiny_models):
    texts = ["The cat sat on the mat.", "A dog slept by the door, and the farmer watched."]
    for name in ("distilbert", "gpt2"):
        rep = analyze_corpus(texts, model=tiny_models[name], n_boot=20, progress=False)
        t = rep.table
        assert "attn_norm" in set(t["score"]), name
        assert "Kobayashi" in rep.meta["attn_norm"]
        for score in ("attention", "attn_norm"):
            assert np.isfinite(rep.scores("trained", score)[1:]).all(), (name, score)
            assert (t[t["score"] == score]["layer"] >= 1).all()


def test_too_long_texts_are_skipped(tiny_bert):
    long = " ".join(["word"] * 100)
    with pytest.warns(UserWarning, match="1 texts were skipped"):
        rep = analyze_corpus(
            ["A short one.", long, "Another short one."],
            model=tiny_bert,
            controls=(),
            n_boot=10,
            progress=False,
        )
    assert rep.meta["skipped"] == [1] and rep.meta["n_sentences"] == 2
    assert rep.words["sentence"].unique().tolist() == [0, 2]


def test_bad_arguments(minilm):
    with pytest.raises(AFNInputError, match="controls"):
        analyze_corpus(["a b"], model=minilm, controls=("nope",))
    with pytest.raises(TypeError, match="single string"):
        analyze_corpus("The cat sat.", model=minilm)
    with pytest.raises(AFNInputError, match="quantile"):
        analyze_corpus(["a b"], model=minilm, quantile=1.5)
    with pytest.raises(AFNInputError, match="empty"):
        analyze_corpus([], model=minilm, progress=False)


def test_exports(report, tmp_path):
    csv = tmp_path / "r.csv"
    report.to_csv(csv)
    back = pd.read_csv(csv)
    assert len(back) == len(report.table)
    assert np.allclose(back["auroc"], report.table["auroc"], equal_nan=True)
    page = report.to_html(tmp_path / "r.html")
    assert page.startswith("<!doctype html>") and "data:image/png;base64," in page
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == page
    assert "gold UPOS" in page
    fig = report.plot()
    assert len(fig.axes) == 3  # AUROC, frequency-matched AUROC, lift
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert {"tas", "attention", "attn_norm", "tas, shuffled", "tas, random_init"} <= set(labels)
    assert {"word frequency", "lexical controls (regression)"} <= set(labels)
    text = report.summary()
    assert "TAS, layer 4" in text and "word frequency" in text and "is layer 4 special?" in text
    assert "Is layer 4 special?" in page and "HIGH rate per gold UPOS tag" in page


def test_cli(minilm_path, sample, tmp_path):
    from afn_widget.cli import main

    src = Path(sample[0].source)
    lines = src.read_text(encoding="utf-8").split("\n\n")[:6]
    small = tmp_path / "small.conllu"
    small.write_text("\n\n".join(lines) + "\n\n", encoding="utf-8")
    out, words = tmp_path / "t.csv", tmp_path / "w.csv"
    code = main(
        [
            "corpus",
            str(small),
            "--model",
            str(minilm_path),
            "--out",
            str(out),
            "--words",
            str(words),
            "--n-boot",
            "20",
            "--controls",
            "none",
            "--quiet",
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    assert set(table["condition"]) == {"trained", "baseline"}
    assert len(pd.read_csv(words)) == sum(len(s) for s in read_conllu(small))
    assert main(["corpus", str(small), "--model", str(minilm_path), "--out", "x.txt"]) == 2
    base = ["corpus", str(small), "--model", str(minilm_path), "--n-boot", "20", "--quiet"]
    assert main([*base, "--out", str(out), "--controls", "none", "--scores", "tas"]) == 0
    assert set(pd.read_csv(out)["score"]) == {"tas", "frequency", "controls"}
    assert main([*base, "--out", str(out), "--scores", "tas,nope"]) == 2


def test_a_decoders_rows_are_those_of_analyze_the_last_one_too(tiny_models):
    """GPT-2 returns its last hidden state after the final norm, every other one before it;
    the corpus reads the last row before that norm, as ``analyze`` does by default."""
    from afn_widget import analyze

    lm = tiny_models["gpt2"]
    texts = ["The cat sat on the mat.", "A dog slept by the door, and the farmer watched."]
    rep = analyze_corpus(texts, model=lm, controls=(), n_boot=10, progress=False)
    tas = rep.scores("trained", "tas")
    start = 0
    for text in texts:
        res = analyze(text, model=lm)
        assert res.final_layer == "residual"
        keep = [j for j, r in enumerate(res.words.roles) if r != "special"]
        got = tas[:, start : start + len(keep)]
        np.testing.assert_allclose(got, res.words.layer_norms[:, keep], rtol=1e-4, atol=1e-4)
        normed = analyze(text, model=lm, final_layer="normed").words.layer_norms[-1, keep]
        assert np.abs(got[-1] - normed).max() > 1e-2  # the two readings differ here
        start += len(keep)
