"""Thresholds, buckets, ranks and percentiles (afn_widget.buckets) against plain numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from afn_widget.buckets import HIGH, LOW, SPECIAL, split, top_k_count, top_k_high
from afn_widget.errors import AFNInputError, AFNTypeError
from afn_widget.validate import check_quantile
from tests.afn_reference import buckets as ref_buckets

values_and_mask = st.integers(0, 40).flatmap(
    lambda n: st.tuples(
        st.lists(
            # few distinct values, so ties are common
            st.one_of(st.integers(-3, 3).map(float), st.floats(-1e6, 1e6)),
            min_size=n,
            max_size=n,
        ),
        st.lists(st.booleans(), min_size=n, max_size=n),
    )
)


@given(vm=values_and_mask, q=st.floats(0.001, 0.999))
def test_split_equals_numpy(vm, q):
    values, eligible = np.array(vm[0]), np.array(vm[1], dtype=bool)
    s = split(values, eligible, q)
    thr, high, ranks = ref_buckets(values, eligible, q)
    if eligible.any():
        assert s.threshold == thr
    else:
        assert math.isnan(s.threshold)
    expected = [HIGH if h else (LOW if e else SPECIAL) for h, e in zip(high, eligible, strict=True)]
    assert list(s.buckets) == expected
    assert s.high.tolist() == high.tolist()
    assert s.ranks.tolist() == ranks.tolist()
    n = int(eligible.sum())
    for i in range(len(values)):
        if eligible[i]:
            assert s.percentiles[i] == pytest.approx(100 * (n - ranks[i]) / max(n - 1, 1))
        else:
            assert math.isnan(s.percentiles[i])
    if n:
        assert s.high.sum() >= 1  # the maximum is always HIGH (>= threshold)


def test_ties_rank_the_earlier_unit_first_and_are_all_high():
    s = split(np.array([2.0, 5.0, 5.0, 1.0, 5.0]), np.ones(5, bool), 0.75)
    assert s.threshold == 5.0
    assert s.ranks.tolist() == [4, 1, 2, 5, 3]
    assert list(s.buckets) == [LOW, HIGH, HIGH, LOW, HIGH]
    assert s.percentiles.tolist() == [25.0, 100.0, 75.0, 0.0, 50.0]


def test_linear_interpolation_threshold():
    # numpy linear quantile of 1..5 at 0.75 is 4.0; at 0.6 it is 3.4
    assert split(np.arange(1.0, 6.0), np.ones(5, bool), 0.75).threshold == 4.0
    s = split(np.arange(1.0, 6.0), np.ones(5, bool), 0.6)
    assert s.threshold == pytest.approx(3.4)
    assert s.high.tolist() == [False, False, False, True, True]


def test_ineligible_units_are_special_and_unranked():
    s = split(np.array([9.0, 1.0, 2.0, 9.0]), np.array([False, True, True, False]), 0.5)
    assert list(s.buckets) == [SPECIAL, LOW, HIGH, SPECIAL]
    assert s.ranks.tolist() == [0, 2, 1, 0]
    assert s.threshold == 1.5


def test_nothing_or_one_eligible():
    s = split(np.array([1.0, 2.0]), np.zeros(2, bool), 0.75)
    assert math.isnan(s.threshold) and list(s.buckets) == [SPECIAL, SPECIAL]
    assert s.ranks.tolist() == [0, 0] and np.isnan(s.percentiles).all()
    s = split(np.array([3.0]), np.ones(1, bool), 0.75)
    assert s.threshold == 3.0 and list(s.buckets) == [HIGH]
    # the documented formula 100 * (n - rank) / max(n - 1, 1) gives 0 for a lone unit
    assert s.ranks.tolist() == [1] and s.percentiles.tolist() == [0.0]
    s = split(np.zeros(0), np.zeros(0, bool), 0.5)
    assert math.isnan(s.threshold) and len(s.buckets) == 0


# -- high="top_k": exactly ceil(n·(1−q)) units, ties broken by position -------------------------


def _top_k_by_definition(values, eligible, q):
    """The first k eligible units of the list sorted by value (largest first) then position,
    k = ceil(n·(1−q)) computed in exact rational arithmetic."""
    from fractions import Fraction

    idx = [i for i in range(len(values)) if eligible[i]]
    k = math.ceil(len(idx) * (1 - Fraction(str(q)))) if idx else 0
    chosen = sorted(idx, key=lambda i: (-values[i], i))[:k]
    return np.array([i in chosen for i in range(len(values))], dtype=bool)


@given(vm=values_and_mask, q=st.sampled_from([0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95]))
def test_top_k_high_equals_its_definition(vm, q):
    values, eligible = np.array(vm[0]), np.array(vm[1], dtype=bool)
    want = _top_k_by_definition(values, eligible, q)
    assert top_k_high(values, eligible, q).tolist() == want.tolist()
    s = split(values, eligible, q, high="top_k")
    assert s.high.tolist() == want.tolist()
    n = int(eligible.sum())
    assert int(s.high.sum()) == top_k_count(n, q)
    # ranks and percentiles do not depend on the rule; HIGH is the first k ranks
    ref = split(values, eligible, q)
    assert s.ranks.tolist() == ref.ranks.tolist()
    assert np.array_equal(s.percentiles, ref.percentiles, equal_nan=True)
    if n:
        assert s.high.tolist() == ((s.ranks >= 1) & (s.ranks <= top_k_count(n, q))).tolist()
        assert s.threshold == values[s.high].min()
    else:
        assert math.isnan(s.threshold)


def test_top_k_count_is_exact_where_floats_are_not():
    assert 10 * (1 - 0.7) > 3  # float noise that a plain ceil would turn into a fourth unit
    assert top_k_count(10, 0.7) == 3
    assert [top_k_count(n, 0.75) for n in range(9)] == [0, 1, 1, 1, 1, 2, 2, 2, 2]
    assert top_k_count(3, 0.999) == 1


def test_top_k_breaks_ties_by_position_where_quantile_takes_them_all():
    values = np.array([1.0, 5.0, 5.0, 1.0, 5.0, 5.0])
    assert split(values, np.ones(6, bool), 0.75).high.sum() == 4  # all tied with the threshold
    s = split(values, np.ones(6, bool), 0.75, high="top_k")
    assert s.high.tolist() == [False, True, True, False, False, False]
    assert s.threshold == 5.0 and list(s.buckets).count(LOW) == 4


@pytest.mark.parametrize("q", [0.5, np.float64(0.25), np.float32(0.75), 0.999])
def test_check_quantile_accepts_numbers_inside(q):
    assert check_quantile(q) == float(q)
    assert type(check_quantile(q)) is float


@pytest.mark.parametrize("q", [0, 1, -1, 2, float("nan"), float("inf")])
def test_check_quantile_rejects_numbers_outside(q):
    with pytest.raises(AFNInputError, match="strictly between 0 and 1"):
        check_quantile(q)


@pytest.mark.parametrize("q", [True, "0.5", None, [0.5]])
def test_check_quantile_rejects_non_numbers(q):
    with pytest.raises(AFNTypeError, match="quantile must be a number between 0 and 1"):
        check_quantile(q)
