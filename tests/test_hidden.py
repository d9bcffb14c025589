"""afn_widget.hidden: the statistics of hidden states (shifts, top dimensions, each token's
largest entry, massive activations, layer scales) and the normalisations (given and detected
outlier dimensions, standardize).

Checked against numpy over the hidden states of an independent forward pass
(tests/afn_reference.py), and the small functions against plain Python on arrays made by hand.
"""

from __future__ import annotations

import statistics

import numpy as np
import pytest
import torch

from afn_widget import analyze
from afn_widget.errors import NonFiniteActivationError
from afn_widget.hidden import hidden_stats, largest, layer_scale, massive_flags, outlier_keep
from tests.afn_reference import (
    SHORT,
    TEXT,
    TOL,
    encode,
    hidden_states,
    long_text,
    model_named,
    special_frame,
    window_plan,
)


# -- shifts, top dims, largest entries -----------------------------------------------------------
@pytest.mark.parametrize("name", ["minilm", "gpt2"])
def test_shift_metrics_equal_independent_computation(request, name):
    lm = model_named(request, name)
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


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_largest_is_a_dimension_of_the_largest_magnitude(dtype):
    """hidden.largest: for each vector, a dimension where |x_d| is the largest (one of those
    that tie, signs apart), as numpy's max finds it."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(-3, 4, (3, 17, 64), generator=gen).to(getattr(torch, dtype))
    x[0, 0] = 0.0  # a row all ties
    x[1, :, 7], x[1, :, 2] = 3.0, -3.0  # the extreme tied between signs
    dim = largest(x).numpy()
    a = np.abs(x.float().numpy())
    assert dim.shape == a.shape[:-1]
    np.testing.assert_array_equal(np.take_along_axis(a, dim[..., None], -1)[..., 0], a.max(-1))


# -- normalisations ------------------------------------------------------------------------------
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
    text = long_text(160, seed=5)
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
    text = long_text(160, seed=6) if long else TEXT
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


def test_outlier_keep_is_the_k_times_median_rule():
    """Kept: a dimension whose mean |activation| is at most k × the median over the dimensions
    (of an even count, the mean of the middle two), at each layer on its own."""
    rng = np.random.default_rng(0)
    mean_abs = rng.gamma(1.0, 1.0, size=(4, 10))
    mean_abs[1, 3] = 50.0
    mean_abs[2, :] = 1.0  # all equal: nothing is an outlier
    mean_abs[3, :2] = 5 * statistics.median(mean_abs[3])  # exactly k × median: kept
    for k in (2.0, 5.0):
        keep = outlier_keep(mean_abs, k)
        for row, got in zip(mean_abs, keep, strict=True):
            med = statistics.median(row.tolist())
            assert got.tolist() == [v <= k * med for v in row.tolist()]
    keep = outlier_keep(mean_abs, 5.0)
    assert not keep[1, 3] and keep[2].all() and keep[3, :2].all()


def _flags_by_hand(hs, abs_min, ratio):
    """Per layer and token: largest |x_d| above abs_min and above ratio × the layer's median |x|
    (every entry of the layer's tensor)."""
    out = []
    for x in hs:
        a = np.abs(x.numpy())
        med = statistics.median(a.ravel().tolist())
        out.append([[bool(v > abs_min and v > ratio * med) for v in tok.max(-1)] for tok in a])
    return np.array(out)


def test_massive_flags_are_the_two_thresholds_on_hand_made_states():
    rng = np.random.default_rng(1)
    hs = [torch.from_numpy(rng.normal(0, 1, (1, 5, 7)).astype(np.float32)) for _ in range(3)]
    hs[0][0, 0, 4] = 3000.0  # above both
    hs[1][0, 2, 1] = -150.0  # above the absolute one only: the layer's median is about 0.7
    hs[2][0, 3, 6] = 90.0  # above neither
    hs[1][0, 4, 0] = -5000.0  # above both, negative
    peak = np.stack([np.abs(x.numpy()).max(-1) for x in hs])
    for abs_min, ratio in ((100.0, 1000.0), (100.0, 10.0), (50.0, 1.0)):
        got = massive_flags(hs, peak.copy(), abs_min, ratio)
        np.testing.assert_array_equal(got, _flags_by_hand(hs, abs_min, ratio))
    got = massive_flags(hs, peak.copy(), 100.0, 1000.0)
    assert np.argwhere(got).tolist() == [[0, 0, 0], [1, 0, 4]]


def _scaled_by_hand(row, special, kind):
    base = [v for v, s in zip(row, special, strict=True) if not s]
    if kind == "layer_zscore":
        mean, std = statistics.fmean(base), statistics.pstdev(base)
        return [(v - mean) / std if std > 0 else 0.0 for v in row]
    return [sum(b < v for b in base) / max(len(base) - 1, 1) for v in row]


@pytest.mark.parametrize("kind", ["layer_zscore", "layer_rank"])
def test_layer_scale_on_hand_made_norms(kind):
    """z-scores (population std) or ranks as a fraction over each row's non-special tokens,
    equal values the same rank; the specials scaled with the same numbers."""
    norms = np.array(
        [
            [9.0, 1.0, 4.0, 4.0, 2.0, 7.0, 30.0],
            [5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0],  # no spread
            [0.5, 8.0, 3.0, 6.0, 1.0, 2.0, 0.0],
        ],
        dtype=np.float32,
    )
    special = np.array([True, False, False, False, False, False, True])
    got = layer_scale(norms, special, kind)
    assert got.dtype == np.float32 and got.shape == norms.shape
    for row, out in zip(norms.tolist(), got, strict=True):
        np.testing.assert_allclose(out, _scaled_by_hand(row, special, kind), rtol=1e-6, atol=1e-6)
    if kind == "layer_rank":
        assert got[0, 2] == got[0, 3]  # a tie shares its rank
        assert got[0, 1:6].min() == 0.0 and got[0, 1:6].max() == 1.0
    assert layer_scale(norms, np.ones(7, bool), kind) is norms  # nothing to scale by


def test_a_non_finite_activation_is_refused_only_where_a_real_token_has_it():
    rng = np.random.default_rng(2)
    hs = [torch.from_numpy(rng.normal(0, 1, (2, 4, 6)).astype(np.float32)) for _ in range(2)]
    hs[1][1, 3, 2] = float("nan")  # the last token of the second sequence
    mask = torch.ones(2, 4, dtype=torch.bool)
    with pytest.raises(NonFiniteActivationError, match="float32"):
        hidden_stats(hs, mask=mask)
    mask[1, 3] = False  # padding: its numbers are never read
    norms = hidden_stats(hs, mask=mask)["norms"]
    want = np.stack([np.linalg.norm(x.numpy().astype(np.float64), axis=-1) for x in hs])
    np.testing.assert_allclose(norms[:, mask.numpy()], want[:, mask.numpy()], rtol=1e-6)
