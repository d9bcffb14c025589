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

from tests.golden.make_golden import HERE, NEW_SCORES, analyze_arrays, corpus_arrays, plain

pytestmark = pytest.mark.slow
RTOL, ATOL = 2e-5, 2e-6


@pytest.fixture(scope="module")
def golden():
    with np.load(HERE / "golden.npz") as z:
        return {k: z[k] for k in z.files}


def _same(name: str, got: np.ndarray, want: np.ndarray, atol: float = ATOL) -> None:
    assert got.shape == want.shape, name
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=atol, equal_nan=True, err_msg=name)
    else:
        np.testing.assert_array_equal(got, want, err_msg=name)


def _atol(name: str, golden: dict[str, np.ndarray]) -> float:
    """A difference of two norms (``delta_norm``) is as precise as the norms themselves: a
    last-bit change of a norm of 16 moves it by 2e-6 however small it is."""
    norms = golden.get(name.replace("delta_norm", "layer_norms"))
    if not name.endswith("delta_norm") or norms is None:
        return ATOL
    return max(ATOL, RTOL * float(np.nanmax(np.abs(norms))))


def test_analyze_matches_golden(minilm, golden):
    got = analyze_arrays(minilm)
    assert sorted(got) == sorted(k for k in golden if not k.startswith("corpus/"))
    for name, value in got.items():
        _same(name, plain(value), golden[name], _atol(name, golden))


def test_analyze_corpus_matches_golden(minilm, golden, ud_dev_path):
    from afn_widget.corpus.names import SCORES

    got = corpus_arrays(minilm)
    assert sorted(got) == sorted(k for k in golden if k.startswith("corpus/"))
    recorded = [name for name in SCORES if name not in NEW_SCORES]  # the word arrays' first axis
    delta, tas = recorded.index("delta_norm"), recorded.index("tas")
    for name, value in got.items():
        value, want = plain(value), golden[name]
        if "_scores/" in name:  # [score, layer, word]: delta_norm as precise as the norms
            scale = float(np.nanmax(np.abs(want[tas]), initial=0.0))
            _same(f"{name}[delta_norm]", value[delta], want[delta], max(ATOL, RTOL * scale))
            value, want = np.delete(value, delta, 0), np.delete(want, delta, 0)
        _same(name, value, want)
