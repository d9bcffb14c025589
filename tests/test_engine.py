"""analyze(): norms, buckets, windows, shifts, normalisations, words, exports, progress.

Every number is checked against an independent computation (tests/afn_reference.py): our own
forward pass with ``output_hidden_states=True``, numpy quantiles, windows rebuilt from the
documented rule.
"""

from __future__ import annotations

import json
import random
import time

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget.errors import AnalysisCancelled
from tests.afn_reference import buckets as ref_buckets
from tests.afn_reference import (
    encode,
    hidden_states,
    layer_norms,
    special_frame,
    stripped,
    window_plan,
)

TEXT = (
    "The committee postponed its decision, although the evidence was overwhelming. "
    "Unbelievably, nobody asked why 3 of the 12 samples went missing on Tuesday!"
)
SHORT = "Unbelievably, nobody asked why 3 samples went missing! Naïve café 😀."
ARCHS = ["bert", "distilbert", "electra", "roberta", "gpt2"]
TOL = dict(rtol=1e-5, atol=1e-5)


def _lm(request, name):
    if name == "minilm":
        return request.getfixturevalue("minilm")
    return request.getfixturevalue("tiny_models")[name]


def _long_text(n_words: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    vocab = (
        "the a of and to in river mountain quickly extraordinary tokenization was were "
        "committee evidence 1984 cats dog's unbelievably , . ; ! ? running ran transformer"
    ).split()
    return " ".join(rng.choice(vocab) for _ in range(n_words))


# -- the LayerNorm trap --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ARCHS)
def test_fixture_norms_are_not_all_equal(request, name):
    """Untrained LayerNorms (weight 1, bias 0) would give every token norm sqrt(d) exactly."""
    lm = _lm(request, name)
    r = analyze(TEXT, lm)
    d = lm.model.config.hidden_size
    for layer in range(r.n_layers + 1):
        row = r.layer_norms[layer, ~r.special]
        assert np.ptp(row) > 1e-2 * row.mean(), (name, layer, row[:5])
    # and specifically not the sqrt(d) of an untrained LayerNorm
    assert not np.allclose(r.layer_norms[1:], np.sqrt(d), rtol=1e-3)


# -- norms equal an independent forward pass ------------------------------------------------------
@pytest.mark.parametrize("name", ["minilm", *ARCHS])
def test_layer_norms_equal_independent_forward_pass(request, name):
    lm = _lm(request, name)
    tok = lm.tokenizer
    head, tail = special_frame(tok)
    text = TEXT if len(encode(tok, TEXT)[0]) + 2 <= lm.max_length else SHORT
    ids, offsets = encode(tok, text)
    full = head + ids + tail
    assert len(full) <= lm.max_length
    r = analyze(text, lm)
    assert r.tokens == tok.convert_ids_to_tokens(full)
    assert r.offsets == [None] * len(head) + stripped(text, offsets) + [None] * len(tail)
    assert r.special.tolist() == [True] * len(head) + [False] * len(ids) + [True] * len(tail)
    ref = layer_norms(lm.model, full)
    assert r.layer_norms.shape == ref.shape == (lm.n_layers + 1, len(full))
    assert r.layer_norms.dtype == np.float32
    np.testing.assert_allclose(r.layer_norms, ref, **TOL)
    assert r.n_windows == 1


@pytest.mark.parametrize("name", ["minilm", "bert"])
@pytest.mark.parametrize("q", [0.5, 0.75, 0.9])
@pytest.mark.parametrize("include_special", [False, True])
def test_threshold_buckets_ranks_percentiles_equal_numpy(request, name, q, include_special):
    lm = _lm(request, name)
    for layer in (0, lm.n_layers // 2, -1):
        r = analyze(TEXT, lm, layer=layer, quantile=q, include_special=include_special)
        values = r.layer_norms[layer]
        eligible = np.ones(len(r), bool) if include_special else ~r.special
        thr, high, ranks = ref_buckets(values, eligible, q)
        assert r.threshold == pytest.approx(thr, rel=1e-12)
        assert r.high.tolist() == high.tolist()
        expected = np.where(high, "HIGH", np.where(eligible, "LOW", "SPECIAL"))
        assert list(r.buckets) == expected.tolist()
        assert r.ranks.tolist() == ranks.tolist()
        n_el = int(eligible.sum())
        pct = np.where(eligible, 100.0 * (n_el - ranks) / max(n_el - 1, 1), np.nan)
        np.testing.assert_allclose(r.percentiles, pct, equal_nan=True)
        assert np.nanmax(r.percentiles) == 100.0 and np.nanmin(r.percentiles) == 0.0


def test_default_layer_and_negative_layers_resolve_like_python(tiny_models, minilm):
    # the paper's layer 8 of 12, the same relative depth elsewhere: round(2/3 * n_layers)
    assert analyze(TEXT, minilm).layer == 4
    assert analyze(TEXT, tiny_models["bert"]).layer == 1
    assert analyze(TEXT, tiny_models["electra"]).layer == 2  # 3 layers
    lm = tiny_models["electra"]
    n = lm.n_layers
    for neg in range(-(n + 1), 0):
        r = analyze(TEXT, lm, layer=neg)
        assert r.layer == list(range(n + 1))[neg]
        np.testing.assert_array_equal(r.tas, r.layer_norms[neg])
    assert analyze(TEXT, lm, layer=np.int64(-1)).layer == n


# -- windows --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,stride", [("bert", None), ("bert", 0), ("bert", 30), ("roberta", None), ("gpt2", 7)]
)
def test_window_stitching_matches_direct_window_passes(request, name, stride):
    lm = _lm(request, name)
    tok = lm.tokenizer
    head, tail = special_frame(tok)
    length = lm.max_length - len(head) - len(tail)
    text = _long_text(160)
    ids, offsets = encode(tok, text)
    assert len(ids) >= 3 * lm.max_length, "the text must need several windows"
    st = length // 4 if stride is None else stride
    starts, owner = window_plan(len(ids), length, st, causal=name == "gpt2")

    progress = []
    r = analyze(
        text, lm, stride=stride, batch_windows=2, progress=lambda d, t: progress.append((d, t))
    )

    # every token exactly once, in order, offsets as the tokenizer gives them for the whole text
    # (stripped of whitespace at their ends)
    assert r.tokens == tok.convert_ids_to_tokens(head + ids + tail)
    body = [o for o in r.offsets if o is not None]
    assert body == stripped(text, offsets)
    assert r.special.sum() == len(head) + len(tail)
    assert all(a[0] <= b[0] for a, b in zip(body, body[1:], strict=False))
    covered = np.zeros(len(text), bool)
    for s, e in body:
        covered[s:e] = True
    assert all(covered[i] or text[i].isspace() for i in range(len(text)))
    assert r.n_windows == len(starts)
    assert progress[-1] == (len(starts), len(starts))

    # each value equals a direct forward pass over the window the rule assigns the token to
    win = [layer_norms(lm.model, head + ids[s : s + length] + tail) for s in starts]
    got = r.layer_norms[:, len(head) : len(head) + len(ids)]
    expected = np.stack(
        [win[owner[i]][:, len(head) + i - starts[owner[i]]] for i in range(len(ids))], axis=1
    )
    np.testing.assert_allclose(got, expected, **TOL)
    # specials: the leading ones from the first window, the trailing ones from the last
    if head:
        np.testing.assert_allclose(r.layer_norms[:, : len(head)], win[0][:, : len(head)], **TOL)
    if tail:
        np.testing.assert_allclose(r.layer_norms[:, -len(tail) :], win[-1][:, -len(tail) :], **TOL)

    # the test can tell windows apart: a token's value from another window differs
    if st > 0:
        diffs = []
        for i in range(len(ids)):
            for w, s in enumerate(starts):
                if w != owner[i] and s <= i < s + length:
                    diffs.append(np.abs(win[w][:, len(head) + i - s] - expected[:, i]).max())
        assert diffs and np.mean(np.array(diffs) > 1e-4) > 0.9


def test_window_rule_prefers_most_context_and_earliest_on_ties():
    """The reference plan itself, on a case worked by hand (so the reference is not circular)."""
    starts, owner = window_plan(10, 6, 2)  # step 4: windows [0,6) [4,10)
    assert starts == [0, 4]
    # token 4: window 0 right-cut distance 1, window 1 left-cut distance 0 -> window 0
    # token 5: distances 0 vs 1 -> window 1
    assert owner == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    starts, owner = window_plan(11, 6, 3)  # step 3: [0,6) [3,9) [5,11)
    assert starts == [0, 3, 5]
    # token 4: w0 right 1, w1 min(1, 4)=1 -> tie -> earliest (w0)
    assert owner[4] == 0
    # token 6: w1 min(3, 2)=2, w2 left 1 -> w1
    assert owner[6] == 1


def test_window_plan_matches_engine_plan():
    from afn_widget.windows import plan_windows

    for n in range(1, 80):
        for length in (5, 8, 13):
            for stride in range(0, length):
                for causal in (False, True):
                    starts, owner = window_plan(n, length, stride, causal)
                    plan = plan_windows(n, length, stride, causal)
                    assert plan.starts == starts, (n, length, stride, causal)
                    assert plan.owner.tolist() == owner, (n, length, stride, causal)


def test_max_length_argument_windows_minilm(minilm):
    text = _long_text(50, seed=3)
    tok = minilm.tokenizer
    ids, _ = encode(tok, text)
    head, tail = special_frame(tok)
    r = analyze(text, minilm, max_length=24)
    length = 24 - len(head) - len(tail)
    starts, owner = window_plan(len(ids), length, length // 4)
    assert r.n_windows == len(starts) > 2
    win = [layer_norms(minilm.model, head + ids[s : s + length] + tail) for s in starts]
    expected = np.stack(
        [win[owner[i]][:, len(head) + i - starts[owner[i]]] for i in range(len(ids))], axis=1
    )
    np.testing.assert_allclose(r.layer_norms[:, len(head) : -len(tail)], expected, **TOL)


# -- shifts, top dims, normalisations --------------------------------------------------------------
@pytest.mark.parametrize("name", ["minilm", "gpt2"])
def test_shift_metrics_equal_independent_computation(request, name):
    lm = _lm(request, name)
    head, tail = special_frame(lm.tokenizer)
    text = TEXT if name == "minilm" else SHORT
    h = hidden_states(lm.model, head + encode(lm.tokenizer, text)[0] + tail).astype(np.float64)
    r = analyze(text, lm)
    norms = np.linalg.norm(h, axis=-1)
    delta = norms[1:] - norms[:-1]
    disp = np.linalg.norm(h[1:] - h[:-1], axis=-1)
    cos = (h[1:] * h[:-1]).sum(-1) / (norms[1:] * norms[:-1])
    for metric, ref in (("delta_norm", delta), ("displacement", disp), ("cos_change", 1 - cos)):
        got = r.shift(metric)
        assert got.shape == norms.shape
        assert np.isnan(got[0]).all()
        np.testing.assert_allclose(got[1:], ref, rtol=1e-4, atol=1e-4)
    assert (r.shift("displacement")[1:] >= 0).all()
    assert ((r.shift("cos_change")[1:] >= -1e-6) & (r.shift("cos_change")[1:] <= 2 + 1e-6)).all()
    from afn_widget.errors import AFNInputError

    with pytest.raises(AFNInputError, match="unknown shift 'speed'"):
        r.shift("speed")


def test_top_dims_are_the_largest_squared_components(minilm):
    head, tail = special_frame(minilm.tokenizer)
    h = hidden_states(minilm.model, head + encode(minilm.tokenizer, TEXT)[0] + tail)
    h = h.astype(np.float64)
    r = analyze(TEXT, minilm, top_k=4)
    assert r.top_dims.shape == (*h.shape[:2], 4)
    sq = h**2
    total = sq.sum(-1)
    assert (r.top_share.sum(-1) <= 1 + 1e-5).all()
    np.testing.assert_array_equal(r.top_dims[..., 0], sq.argmax(-1))
    for k in range(4):
        picked = np.take_along_axis(sq, r.top_dims[..., k : k + 1].astype(np.int64), -1)[..., 0]
        np.testing.assert_allclose(r.top_share[..., k], picked / total, rtol=1e-4, atol=1e-6)
    # in decreasing order, and no other dimension beats the k-th
    assert (np.diff(r.top_share, axis=-1) <= 1e-7).all()
    kth = np.sort(sq, axis=-1)[..., -4]
    np.testing.assert_allclose(r.top_share[..., 3], kth / total, rtol=1e-4, atol=1e-6)


def test_massive_dims_are_the_first_largest_component_of_every_token(minilm):
    """Each token's largest |h| at each layer: the first dimension that has it, and its
    signed value, as numpy finds them in the hidden states of an independent pass."""
    head, tail = special_frame(minilm.tokenizer)
    h = hidden_states(minilm.model, head + encode(minilm.tokenizer, TEXT)[0] + tail)
    dims, values = analyze(TEXT, minilm).massive_dims
    want = np.abs(h).argmax(-1)
    np.testing.assert_array_equal(dims, want)
    np.testing.assert_array_equal(values, np.take_along_axis(h, want[..., None], -1)[..., 0])


DROP = [3, 17, 200]
NORMALIZE = {
    "raw": {},
    "drop_outlier_dims": {"outlier_dims": DROP},
    "standardize": {},
}


def _normalized(h: np.ndarray, normalize: str) -> np.ndarray:
    """``h`` ``[L+1, T, d]`` as ``analyze`` normalizes it, in float64 (the given outlier
    dims of :data:`DROP` left out; z-scores over every token of the text)."""
    h = h.astype(np.float64)
    if normalize == "drop_outlier_dims":
        h[..., DROP] = 0.0
    elif normalize == "standardize":
        h = (h - h.mean(axis=1, keepdims=True)) / np.maximum(h.std(axis=1, keepdims=True), 1e-6)
    return h


@pytest.mark.parametrize("normalize", sorted(NORMALIZE))
def test_shifts_top_dims_and_largest_entries_are_plain_arrays_equal_to_numpy(minilm, normalize):
    """Everything analyze promises comes with the result as plain arrays, computed in the call:
    the shifts and the top dims (of the normalized vectors) and each token's largest entry (of
    the raw ones), as numpy finds them in the hidden states of an independent pass."""
    head, tail = special_frame(minilm.tokenizer)
    raw = hidden_states(minilm.model, head + encode(minilm.tokenizer, TEXT)[0] + tail)
    h = _normalized(raw, normalize)
    r = analyze(TEXT, minilm, normalize=normalize, top_k=4, **NORMALIZE[normalize])
    assert type(r.shifts) is dict and type(r.massive_rows) is dict
    rows = [*r.shifts.values(), r.top_dims, r.top_share, *r.massive_dims, r.massive]
    assert all(type(a) is np.ndarray for a in rows)

    norms = np.linalg.norm(h, axis=-1)
    cos = (h[1:] * h[:-1]).sum(-1) / (norms[1:] * norms[:-1])
    want = {
        "delta_norm": norms[1:] - norms[:-1],
        "displacement": np.linalg.norm(h[1:] - h[:-1], axis=-1),
        "cos_change": 1 - cos,
    }
    for m, ref in want.items():
        assert np.isnan(r.shifts[m][0]).all()
        np.testing.assert_allclose(r.shifts[m][1:], ref, rtol=1e-4, atol=1e-4, err_msg=m)

    a = np.abs(h)
    largest_four = -np.sort(-a, axis=-1)[..., :4]
    picked = np.take_along_axis(a, r.top_dims.astype(np.int64), -1)
    np.testing.assert_allclose(picked, largest_four, rtol=1e-5, atol=1e-5)
    share = np.square(largest_four / norms[..., None])
    np.testing.assert_allclose(r.top_share, share, rtol=1e-4, atol=1e-6)
    for i in (0, len(r) // 2, len(r) - 1):  # the tooltip's view of one token
        dims, sh = r.top_dims_of(i)
        np.testing.assert_array_equal(dims, r.top_dims[:, i])
        np.testing.assert_array_equal(sh, r.top_share[:, i])

    dim, value = r.massive_dims
    np.testing.assert_array_equal(dim, np.abs(raw).argmax(-1))
    np.testing.assert_array_equal(value, np.take_along_axis(raw, dim[..., None], -1)[..., 0])


def test_a_text_in_windows_takes_its_shifts_and_top_dims_from_the_window_that_owns_it(tiny_bert):
    """Stitching treats every statistic alike: each token's shifts, top dims and largest entry
    come from a direct pass over the window the rule assigns it to."""
    head, tail = special_frame(tiny_bert.tokenizer)
    text = _long_text(120, seed=3)
    ids, _ = encode(tiny_bert.tokenizer, text)
    length = tiny_bert.max_length - len(head) - len(tail)
    starts, owner = window_plan(len(ids), length, length // 4)
    assert len(starts) > 2
    hs = [hidden_states(tiny_bert.model, head + ids[s : s + length] + tail) for s in starts]
    body = np.stack([hs[owner[i]][:, len(head) + i - starts[owner[i]]] for i in range(len(ids))], 1)
    h = np.concatenate([hs[0][:, : len(head)], body, hs[-1][:, len(hs[-1][0]) - len(tail) :]], 1)
    h = h.astype(np.float64)
    r = analyze(text, tiny_bert, batch_windows=2)
    norms = np.linalg.norm(h, axis=-1)
    disp = np.linalg.norm(h[1:] - h[:-1], axis=-1)
    np.testing.assert_allclose(r.shifts["displacement"][1:], disp, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(r.shifts["delta_norm"][1:], np.diff(norms, axis=0), atol=1e-4)
    a = np.abs(h)
    picked = np.take_along_axis(a, r.top_dims.astype(np.int64), -1)
    np.testing.assert_allclose(picked, -np.sort(-a, axis=-1)[..., :3], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(r.massive_dims[0], a.argmax(-1))


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_largest_is_a_dimension_of_the_largest_magnitude(dtype):
    """hidden.largest: for each vector, a dimension where |x_d| is the largest (one of those
    that tie, signs apart), as numpy's max finds it."""
    import torch

    from afn_widget.hidden import largest

    gen = torch.Generator().manual_seed(0)
    x = torch.randint(-3, 4, (3, 17, 64), generator=gen).to(getattr(torch, dtype))
    x[0, 0] = 0.0  # a row all ties
    x[1, :, 7], x[1, :, 2] = 3.0, -3.0  # the extreme tied between signs
    dim = largest(x).numpy()
    a = np.abs(x.float().numpy())
    assert dim.shape == a.shape[:-1]
    np.testing.assert_array_equal(np.take_along_axis(a, dim[..., None], -1)[..., 0], a.max(-1))


def test_a_result_pickles_and_copies_with_its_top_dims_and_shifts(minilm):
    import copy
    import pickle

    r = analyze(SHORT, minilm)
    for other in (pickle.loads(pickle.dumps(r)), copy.deepcopy(r)):
        np.testing.assert_array_equal(other.layer_norms, r.layer_norms)
        np.testing.assert_array_equal(other.top_dims, r.top_dims)
        np.testing.assert_array_equal(other.top_share, r.top_share)
        assert type(other.shifts) is dict and sorted(other.shifts) == sorted(r.shifts)
        for m in r.shifts:
            np.testing.assert_array_equal(other.shifts[m], r.shifts[m])
        assert other.words.text == r.words.text and other.threshold == r.threshold


def test_top_dims_of_checks_the_token(minilm):
    from afn_widget.errors import AFNInputError

    r = analyze(SHORT, minilm)
    for bad in (len(r), -1, 1.0, True, "0", None):
        with pytest.raises(AFNInputError, match="token"):
            r.top_dims_of(bad)


def test_drop_outlier_dims_given_dims_are_excluded(minilm):
    head, tail = special_frame(minilm.tokenizer)
    h = hidden_states(minilm.model, head + encode(minilm.tokenizer, TEXT)[0] + tail)
    drop = [3, 17, 200]
    r = analyze(TEXT, minilm, normalize="drop_outlier_dims", outlier_dims=drop)
    assert r.normalize == "drop_outlier_dims"
    assert r.outlier_dims == [drop] * (minilm.n_layers + 1)
    keep = np.setdiff1d(np.arange(h.shape[-1]), drop)
    np.testing.assert_allclose(r.layer_norms, np.linalg.norm(h[..., keep], axis=-1), **TOL)
    raw = analyze(TEXT, minilm)
    assert (r.layer_norms < raw.layer_norms).all()
    assert not np.isin(r.top_dims, drop).any()


def test_drop_outlier_dims_automatic_detection(tiny_bert):
    """Plant a dimension far above the rest and check the k * median rule finds exactly it."""
    import copy

    import torch

    from afn_widget.engine import OUTLIER_K

    mdl = copy.deepcopy(tiny_bert.model)
    with torch.no_grad():  # every LayerNorm output gets dimension 5 shifted by +40
        for mod in mdl.modules():
            if isinstance(mod, torch.nn.LayerNorm):
                mod.bias[5] = 40.0
    from afn_widget.models import load_model

    lm = load_model((mdl, tiny_bert.tokenizer), "cpu")
    head, tail = special_frame(lm.tokenizer)
    h = hidden_states(mdl, head + encode(lm.tokenizer, TEXT)[0] + tail)
    r = analyze(TEXT, lm, normalize="drop_outlier_dims")
    for layer in range(lm.n_layers + 1):
        mean_abs = np.abs(h[layer]).mean(axis=0)
        expected = np.flatnonzero(mean_abs > OUTLIER_K * np.median(mean_abs)).tolist()
        assert 5 in expected
        assert r.outlier_dims[layer] == expected
        keep = np.setdiff1d(np.arange(h.shape[-1]), expected)
        np.testing.assert_allclose(
            r.layer_norms[layer], np.linalg.norm(h[layer][:, keep], axis=-1), **TOL
        )
    # a stricter k finds nothing more than a looser one
    loose = analyze(TEXT, lm, normalize="drop_outlier_dims", outlier_k=2.0)
    for a, b in zip(r.outlier_dims, loose.outlier_dims, strict=True):
        assert set(a) <= set(b)


def test_drop_outlier_dims_over_several_windows_is_one_consistent_set(tiny_bert):
    """A long text: the dims reported are the dims dropped, for every token of every window."""
    head, tail = special_frame(tiny_bert.tokenizer)
    text = _long_text(160, seed=5)
    ids, _ = encode(tiny_bert.tokenizer, text)
    r = analyze(text, tiny_bert, normalize="drop_outlier_dims", outlier_k=1.5, batch_windows=1)
    assert r.n_windows > 2
    length = tiny_bert.max_length - len(head) - len(tail)
    starts, owner = window_plan(len(ids), length, length // 4)
    hs = [hidden_states(tiny_bert.model, head + ids[s : s + length] + tail) for s in starts]
    # stitched hidden states: each token from its window, specials from the first / last
    body = np.stack([hs[owner[i]][:, len(head) + i - starts[owner[i]]] for i in range(len(ids))], 1)
    h = np.concatenate([hs[0][:, : len(head)], body, hs[-1][:, len(hs[-1][0]) - len(tail) :]], 1)
    for layer in range(tiny_bert.n_layers + 1):
        mean_abs = np.abs(h[layer]).mean(axis=0)
        expected = np.flatnonzero(mean_abs > 1.5 * np.median(mean_abs)).tolist()
        assert r.outlier_dims[layer] == expected
        keep = np.setdiff1d(np.arange(h.shape[-1]), expected)
        np.testing.assert_allclose(
            r.layer_norms[layer], np.linalg.norm(h[layer][:, keep], axis=-1), **TOL
        )
    # batching is an implementation detail: it must not change any number
    r4 = analyze(text, tiny_bert, normalize="drop_outlier_dims", outlier_k=1.5, batch_windows=4)
    np.testing.assert_allclose(r4.layer_norms, r.layer_norms, **TOL)
    assert r4.outlier_dims == r.outlier_dims


@pytest.mark.parametrize("long", [False, True])
def test_standardize_z_scores_every_dimension(tiny_bert, long):
    head, tail = special_frame(tiny_bert.tokenizer)
    text = _long_text(160, seed=6) if long else TEXT
    ids, _ = encode(tiny_bert.tokenizer, text)
    length = tiny_bert.max_length - len(head) - len(tail)
    starts, owner = window_plan(len(ids), length, length // 4)
    hs = [hidden_states(tiny_bert.model, head + ids[s : s + length] + tail) for s in starts]
    body = np.stack([hs[owner[i]][:, len(head) + i - starts[owner[i]]] for i in range(len(ids))], 1)
    h = np.concatenate([hs[0][:, : len(head)], body, hs[-1][:, len(hs[-1][0]) - len(tail) :]], 1)
    h = h.astype(np.float64)
    z = (h - h.mean(axis=1, keepdims=True)) / np.maximum(h.std(axis=1, keepdims=True), 1e-6)
    r = analyze(text, tiny_bert, normalize="standardize", batch_windows=3)
    assert r.n_windows == len(starts)
    np.testing.assert_allclose(r.layer_norms, np.linalg.norm(z, axis=-1), rtol=1e-4, atol=1e-4)
    # z-scores: the mean squared norm over tokens is the number of dimensions
    np.testing.assert_allclose(
        (r.layer_norms.astype(np.float64) ** 2).mean(1), h.shape[-1], rtol=1e-3
    )


# -- words ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("agg", ["mean", "max"])
def test_word_level_aggregates_pieces_and_has_its_own_threshold(minilm, agg):
    text = "Tokenization is unbelievably fun, isn't it? Naïve café-goers disagree."
    r = analyze(text, minilm, word_agg=agg, quantile=0.6)
    w = r.words
    # words are whole words of the text, with their original spelling
    non_special = [t for t, s in zip(w.text, w.spans, strict=True) if s is not None]
    assert non_special[:4] == ["Tokenization", "is", "unbelievably", "fun"]
    assert "Naïve" in non_special and "café" in non_special
    for t, s in zip(w.text, w.spans, strict=True):
        if s is not None:
            assert text[s[0] : s[1]] == t
    # pieces partition the tokens in order; every piece of a word shares the tokenizer word id,
    # but for a contraction, which is one word across the tokenizer's words
    assert [i for p in w.pieces for i in p] == list(range(len(r)))
    word_ids = minilm.tokenizer(text, add_special_tokens=True).word_ids()
    for j, p in enumerate(w.pieces):
        assert len({word_ids[i] for i in p}) == 1 or w.text[j] == "isn't"
        assert all(r.word_index[i] == j for i in p)
    assert max(len(p) for p in w.pieces) > 1, "the text must have multi-piece words"
    fn = np.mean if agg == "mean" else np.max
    expected = np.stack([fn(r.layer_norms[:, p].astype(np.float64), axis=1) for p in w.pieces], 1)
    np.testing.assert_allclose(w.layer_norms, expected, rtol=1e-6)
    eligible = np.array([s is not None for s in w.spans])
    thr, high, ranks = ref_buckets(w.layer_norms[r.layer], eligible, 0.6)
    assert w.threshold == pytest.approx(thr, rel=1e-12)
    assert (w.buckets == "HIGH").tolist() == high.tolist()
    assert w.ranks.tolist() == ranks.tolist()
    assert w.threshold != pytest.approx(r.threshold, rel=1e-9)
    # roles: a piece takes its word's role
    assert r.roles == [w.roles[j] for j in r.word_index]
    roles = dict(zip(w.text, w.roles, strict=True))
    assert roles["is"] == "function" and roles["unbelievably"] == "content"
    assert roles[","] == "punctuation" and roles["[CLS]"] == "special"
    assert roles["isn't"] == "function" and "'" not in roles


# -- .at, exports ---------------------------------------------------------------------------------
def test_at_equals_a_fresh_analysis(minilm):
    base = analyze(TEXT, minilm, granularity="word")
    for kwargs in (dict(layer=2), dict(layer=-1, quantile=0.5), dict(include_special=True)):
        a = base.at(**kwargs)
        fresh = analyze(TEXT, minilm, granularity="word", **kwargs)
        assert a.layer == fresh.layer and a.quantile == fresh.quantile
        np.testing.assert_array_equal(a.tas, fresh.tas)
        assert a.threshold == fresh.threshold
        assert list(a.buckets) == list(fresh.buckets)
        assert a.ranks.tolist() == fresh.ranks.tolist()
        np.testing.assert_array_equal(a.percentiles, fresh.percentiles)
        assert a.words.threshold == fresh.words.threshold
        assert list(a.words.buckets) == list(fresh.words.buckets)
        assert a.words.ranks.tolist() == fresh.words.ranks.tolist()
        assert a.to_dict() == fresh.to_dict()
    assert base.at(layer=2).layer == 2 and base.layer == 4  # the original is unchanged


def test_views_share_one_word_grouping(minilm):
    # the word level is built once per analysis: .at() views reuse its grouping and aggregates
    base = analyze(TEXT, minilm)
    view = base.at(layer=1, quantile=0.5)
    assert view.word_source is base.word_source
    assert view.words.pieces is base.words.pieces
    assert view.words.layer_norms is base.words.layer_norms
    assert view.words.layer == 1 and base.words.layer == 4


def test_to_dataframe_token_and_word(minilm):
    r = analyze(TEXT, minilm)
    df = r.to_dataframe()
    assert len(df) == len(r.tokens)
    assert list(df["token"]) == r.tokens
    np.testing.assert_allclose(df["tas"].to_numpy(), r.tas)
    assert (df["bucket"] == "HIGH").sum() == r.high.sum()
    body = df[df["role"] != "special"]
    for tok_start, tok_end in zip(body["start"], body["end"], strict=True):
        assert 0 <= tok_start < tok_end <= len(TEXT)
    top = df.sort_values("rank").query("rank > 0").iloc[0]
    assert top["tas"] == pytest.approx(r.tas[~r.special].max())
    wdf = r.to_dataframe("word")
    assert len(wdf) == len(r.words)
    assert list(wdf["word"]) == r.words.text
    np.testing.assert_allclose(wdf["tas"].to_numpy(), r.words.tas, rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"include_special": True, "granularity": "word", "word_agg": "max"},
        {"normalize": "drop_outlier_dims"},
        {"normalize": "standardize", "quantile": 0.5},
    ],
)
def test_to_dict_is_strict_json(minilm, kwargs):
    r = analyze(TEXT, minilm, **kwargs)
    s = json.dumps(r.to_dict(), allow_nan=False)
    d = json.loads(s)
    assert d["tokens"] == r.tokens
    assert d["layer"] == r.layer and d["quantile"] == r.quantile
    np.testing.assert_allclose(np.array(d["layer_norms"]), r.layer_norms, rtol=1e-6)
    assert d["shifts"]["delta_norm"][0] == [None] * len(r)
    assert d["threshold"] == pytest.approx(r.threshold)
    json.loads(r.to_json())  # the convenience wrapper too


# -- progress, cancellation, long texts, empty texts -----------------------------------------------
def test_progress_is_called_until_total_and_cancel_stops(tiny_bert):
    text = _long_text(200, seed=2)
    calls = []
    r = analyze(text, tiny_bert, batch_windows=2, progress=lambda d, t: calls.append((d, t)))
    total = r.n_windows
    assert total > 3
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert all(t == total for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)

    forwards = []
    hook = tiny_bert.model.register_forward_hook(lambda *a: forwards.append(1))
    try:

        def cancel(done, total):
            if done >= 2:
                raise AnalysisCancelled("no longer wanted")

        with pytest.raises(AnalysisCancelled, match="no longer wanted"):
            analyze(text, tiny_bert, batch_windows=2, progress=cancel)
        assert len(forwards) == 1  # stopped right after the first batch of two windows
    finally:
        hook.remove()


def test_progress_counts_the_statistics_pass_of_long_normalized_texts(tiny_bert):
    text = _long_text(160, seed=5)
    calls = []
    r = analyze(
        text,
        tiny_bert,
        normalize="standardize",
        batch_windows=1,
        progress=lambda d, t: calls.append((d, t)),
    )
    total = 2 * r.n_windows  # one pass for the statistics, one for the numbers
    assert [d for d, _ in calls] == list(range(total + 1))
    assert {t for _, t in calls} == {total}
    calls.clear()
    r = analyze(
        text,
        tiny_bert,
        normalize="standardize",
        batch_windows=99,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(0, r.n_windows), (r.n_windows, r.n_windows)]  # all in one batch: one pass


@pytest.mark.slow
def test_hundred_thousand_characters(tiny_bert):
    text = (_long_text(2000, seed=9) + "\n\n") * 9
    text = (text + _long_text(3000, seed=10))[:100_000]
    assert len(text) == 100_000
    t0 = time.perf_counter()
    r = analyze(text, tiny_bert)
    elapsed = time.perf_counter() - t0
    ids, offsets = encode(tiny_bert.tokenizer, text)
    assert [o for o in r.offsets if o is not None] == offsets
    assert r.layer_norms.shape == (tiny_bert.n_layers + 1, len(ids) + 2)
    assert np.isfinite(r.layer_norms).all()
    assert r.n_windows > 100
    assert len(r.words) > 10_000
    assert elapsed < 60, f"100,000 characters took {elapsed:.1f} s"


@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n", "\u3000\u00a0"])
def test_empty_or_whitespace_text_gives_an_empty_result(tiny_bert, text):
    calls = []
    r = analyze(text, tiny_bert, progress=lambda d, t: calls.append((d, t)))
    assert len(r) == 0 and len(r.words) == 0
    assert r.layer_norms.shape == (tiny_bert.n_layers + 1, 0)
    assert np.isnan(r.threshold) and np.isnan(r.words.threshold)
    assert r.text == text
    assert len(r.to_dataframe()) == 0 and len(r.to_dataframe("word")) == 0
    json.dumps(r.to_dict(), allow_nan=False)
    assert len(r.at(layer=0)) == 0
    assert calls[-1][0] == calls[-1][1]
    r.summary()
    repr(r)


def test_special_token_strings_in_the_text_are_text(minilm):
    text = "A [SEP] in the middle and [CLS] too."
    r = analyze(text, minilm)
    assert r.tokens[0] == "[CLS]" and r.tokens[-1] == "[SEP]"
    assert int(r.special.sum()) == 2  # only the two the tokenizer adds
    inner = [r.tokens[i] for i in range(1, len(r.tokens) - 1)]
    assert "[SEP]" not in inner and "[CLS]" not in inner
    assert all(r.offsets[i] is not None for i in range(1, len(r.tokens) - 1))
    assert "sep" in inner and "cl" in "".join(inner)


def test_a_result_with_another_word_aggregation_equals_analysing_with_it(tiny_bert):
    text = "Tokenization is unbelievably fun, isn't it?"
    mean = analyze(text, tiny_bert, scores=("tas", "attention"))
    assert mean.scores == ("tas", "attention")
    as_max = mean.with_word_agg("max")
    direct = analyze(text, tiny_bert, word_agg="max", scores=("tas", "attention"))
    np.testing.assert_array_equal(as_max.words.layer_norms, direct.words.layer_norms)
    assert as_max.word_agg == "max" and mean.word_agg == "mean"
    np.testing.assert_array_equal(as_max.layer_norms, mean.layer_norms)
    assert mean.with_word_agg("mean") is mean


def test_options_are_checked_on_every_call():
    """check_options refuses a bad value whatever the others are, and gives analyze's defaults
    for the options not given."""
    from afn_widget.engine import OPTION_NAMES, Options, check_options
    from afn_widget.errors import AFNInputError

    defaults = {k: getattr(Options, k) for k in OPTION_NAMES}
    assert check_options() == check_options(**defaults) == Options()
    with pytest.raises(AFNInputError, match="top_k must be a positive integer"):
        check_options(**{**defaults, "top_k": 3.0})
    assert check_options(**{**defaults, "quantile": 0.9}).quantile == 0.9


@pytest.mark.parametrize("name", ["minilm", "bert", "gpt2", "roberta"])
def test_analyze_leaves_the_users_tokenizer_as_it_was(request, name):
    """A tokenizer whose backend the user left truncating, padding and reading special-token
    strings as specials: analyze reads the whole text, splits those strings, and leaves the
    three settings as they were (special-token probe included: a fresh tokenizer)."""
    import copy

    from afn_widget.models import load_model

    lm = _lm(request, name)
    tok = copy.deepcopy(lm.tokenizer)
    backend = tok.backend_tokenizer
    backend.enable_truncation(3)
    backend.enable_padding(length=40)
    backend.encode_special_tokens = False
    before = (backend.encode_special_tokens, backend.truncation, backend.padding)
    text = f"{TEXT} [CLS] <s>"
    r = analyze(text, load_model((lm.model, tok)))
    assert (backend.encode_special_tokens, backend.truncation, backend.padding) == before
    head, tail = special_frame(lm.tokenizer)
    assert r.tokens == lm.tokenizer.convert_ids_to_tokens(
        head + encode(lm.tokenizer, text)[0] + tail
    )
