"""The engine and the corpus report give the numbers they gave before they were re-laid.

``tests/golden/golden.npz`` was written by ``tests/golden/make_golden.py`` from the code as it
stood before the move (bundled MiniLM, eight ``analyze`` cases covering every ``normalize``,
both word aggregations, specials and windows; ``analyze_corpus`` on the first 48 UD EWT dev
sentences and a plain string, every score and control). Floats must agree to float32
precision, everything else exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.golden.make_golden import HERE, analyze_arrays, corpus_arrays, plain

pytestmark = pytest.mark.slow
RTOL, ATOL = 2e-5, 2e-6


@pytest.fixture(scope="module")
def golden():
    with np.load(HERE / "golden.npz") as z:
        return {k: z[k] for k in z.files}


def _same(name: str, got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape, name
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True, err_msg=name)
    else:
        np.testing.assert_array_equal(got, want, err_msg=name)


def test_analyze_matches_golden(minilm, golden):
    got = analyze_arrays(minilm)
    assert sorted(got) == sorted(k for k in golden if not k.startswith("corpus/"))
    for name, value in got.items():
        _same(name, plain(value), golden[name])


def test_analyze_corpus_matches_golden(minilm, golden, ud_dev_path):
    got = corpus_arrays(minilm)
    assert sorted(got) == sorted(k for k in golden if k.startswith("corpus/"))
    for name, value in got.items():
        _same(name, plain(value), golden[name])
