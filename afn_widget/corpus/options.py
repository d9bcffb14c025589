"""The options of :func:`~afn_widget.corpus.analyze_corpus`, checked before any model loads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import AFNInputError, AFNTypeError
from ..validate import check_choice, check_positive_int, check_quantile
from .names import CONTROLS, SCORES


@dataclass(frozen=True)
class Options:
    quantile: float
    conditions: tuple[str, ...]  # "trained", then the controls asked for, in CONDITIONS order
    scores: tuple[str, ...]  # those asked for, in SCORES order
    n_boot: int
    seed: int
    lang: str
    token_budget: int | None  # None: default_token_budget of the model's device
    chunk_size: int
    outlier_k: float


def check_options(
    corpus: Any,
    *,
    quantile: object,
    controls: Iterable[str],
    scores: Iterable[str] | str,
    n_boot: object,
    token_budget: object,
    seed: int,
    lang: str,
    chunk_size: int,
    outlier_k: float,
) -> Options:
    """The options ready to use, or the error that names what to change."""
    q = check_quantile(quantile)
    asked_controls = tuple(check_choice("controls", c, CONTROLS) for c in controls)
    want = _check_scores(scores)
    n_boot = check_positive_int("n_boot", n_boot)
    if isinstance(corpus, (str, bytes)):
        raise AFNTypeError(
            "corpus is a single string; pass a list of sentences, or read_conllu(path) for a file."
        )
    if token_budget is not None:
        token_budget = check_positive_int("token_budget", token_budget)
    conditions = ("trained",) + tuple(c for c in CONTROLS if c in asked_controls)
    return Options(q, conditions, want, n_boot, seed, lang, token_budget, chunk_size, outlier_k)


def _check_scores(scores: Iterable[str] | str) -> tuple[str, ...]:
    """A non-empty selection of :data:`SCORES` (one name alone is a selection of one)."""
    asked = {scores} if isinstance(scores, str) else set(scores)
    unknown = sorted(asked - set(SCORES))
    if unknown:
        raise AFNInputError(
            f"scores must be a non-empty selection of {SCORES}; unknown: {unknown}."
        )
    if not asked:
        raise AFNInputError(f"scores must be a non-empty selection of {SCORES}; got none.")
    return tuple(x for x in SCORES if x in asked)
