"""afn_widget.windows: the plan of windows over a long text, and analyze's texts in windows.

The plan (starts, and the window each token takes its values from) is checked against the
documented rule rebuilt with plain loops (tests/afn_reference.window_plan), itself checked on
cases worked by hand; a text in windows against direct forward passes over each window.
"""

from __future__ import annotations

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget.errors import AFNInputError
from afn_widget.windows import plan_windows
from tests.afn_reference import (
    TOL,
    encode,
    hidden_states,
    layer_norms,
    long_text,
    model_named,
    special_frame,
    stripped,
    window_plan,
)


# -- the plan -------------------------------------------------------------------------------------
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
    for n in range(1, 80):
        for length in (1, 2, 5, 8, 13):
            for stride in range(0, length):
                for causal in (False, True):
                    starts, owner = window_plan(n, length, stride, causal)
                    plan = plan_windows(n, length, stride, causal)
                    assert plan.starts == starts, (n, length, stride, causal)
                    assert plan.owner.tolist() == owner, (n, length, stride, causal)


@pytest.mark.parametrize("length, overlap", [(0, 0), (-3, 0), (8, 8), (8, -1), (8, 11)])
def test_a_window_length_or_overlap_out_of_range_is_refused(length, overlap):
    with pytest.raises(AFNInputError, match="max_length|stride"):
        plan_windows(40, length, overlap)


def test_every_token_is_owned_by_a_window_that_holds_it():
    """Whatever the rule picks, each token takes its values from a window it is inside, the
    windows cover the text, each one full, and consecutive starts are at most a step apart."""
    for n in range(1, 60):
        for length, overlap in ((4, 0), (4, 3), (9, 2), (16, 5)):
            plan = plan_windows(n, length, overlap)
            starts = np.array(plan.starts)
            assert plan.length == min(n, length)
            assert starts[0] == 0 and starts[-1] + plan.length == n
            assert (np.diff(starts) > 0).all() and (np.diff(starts) <= length - overlap).all()
            own = starts[plan.owner]
            assert ((own <= np.arange(n)) & (np.arange(n) < own + plan.length)).all()


# -- a text in windows ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,stride", [("bert", None), ("bert", 0), ("bert", 30), ("roberta", None), ("gpt2", 7)]
)
def test_window_stitching_matches_direct_window_passes(request, name, stride):
    lm = model_named(request, name)
    tok = lm.tokenizer
    head, tail = special_frame(tok)
    length = lm.max_length - len(head) - len(tail)
    text = long_text(160)
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


def test_max_length_argument_windows_minilm(minilm):
    text = long_text(50, seed=3)
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


def test_a_text_in_windows_takes_its_shifts_and_top_dims_from_the_window_that_owns_it(tiny_bert):
    """Stitching treats every statistic alike: each token's shifts, top dims and largest entry
    come from a direct pass over the window the rule assigns it to."""
    head, tail = special_frame(tiny_bert.tokenizer)
    text = long_text(120, seed=3)
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
