"""The options of :func:`~afn_widget.corpus.analyze_corpus`, checked before any model loads."""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..buckets import HIGH_RULES
from ..engine import Options as EngineOptions
from ..engine import check_options as check_engine_options
from ..errors import AFNInputError, AFNTypeError
from ..validate import (
    check_choice,
    check_distinct_ints,
    check_positive_int,
    check_positive_number,
    check_quantile,
    check_subset,
)
from .language import check_language
from .matching import MATCH_CHARS, MATCH_POSITION, Matching, check_match_on
from .names import CONTROLS, SCORES, Run

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class Options:
    quantile: float
    conditions: tuple[str, ...]  # "trained", then the controls asked for, in CONDITIONS order
    scores: tuple[str, ...]  # those asked for, in SCORES order
    n_boot: int
    seed: int  # of the bootstrap
    lang: str
    token_budget: int | None  # None: default_token_budget of the model's device
    chunk_size: int
    outlier_k: float
    seeds: tuple[int, ...] = (0,)  # of the controls: one run of each control per seed
    match_width: float = 0.5
    high: str = "quantile"
    engine: str = "local"  # where the forward passes run: "local" or "ray"
    include_massive: bool = EngineOptions.include_massive
    massive_abs: float = EngineOptions.massive_abs
    massive_ratio: float = EngineOptions.massive_ratio
    match_on: tuple[Matching, ...] = ()  # () : "zipf" alone, at match_width

    @property
    def matchings(self) -> tuple[Matching, ...]:
        """The matchings of ``match_on`` (:mod:`.matching`); the first is ``auroc_matched``'s."""
        return self.match_on or (Matching(("zipf",), self.match_width),)

    @property
    def massive(self) -> tuple[float, float]:
        """The thresholds of a massive activation, ``(abs, ratio)`` (:mod:`afn_widget.hidden`)."""
        return (self.massive_abs, self.massive_ratio)

    @property
    def runs(self) -> tuple[Run, ...]:
        """The trained model, then every control at every seed."""
        controls = [Run(c, s) for c in self.conditions[1:] for s in self.seeds]
        return (Run("trained"), *controls)


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
    seeds: object = 1,
    match_width: object = 0.5,
    high: object = "quantile",
    engine: object = "local",
    include_massive: object = EngineOptions.include_massive,
    massive_abs: object = EngineOptions.massive_abs,
    massive_ratio: object = EngineOptions.massive_ratio,
    match_on: object = "zipf",
    match_chars: object = MATCH_CHARS,
    match_position: object = MATCH_POSITION,
) -> Options:
    """The options ready to use, or the error that names what to change. ``seeds``: a number
    of seeds (``seed, seed + 1, ...``) or the seeds themselves. The massive-activation options
    are checked by the engine's own check (:func:`afn_widget.engine.check_options`)."""
    q = check_quantile(quantile)
    asked_controls = tuple(check_choice("controls", c, CONTROLS) for c in controls)
    want = check_subset("scores", scores, SCORES)
    n_boot = check_positive_int("n_boot", n_boot)
    if isinstance(corpus, (str, bytes)):
        raise AFNTypeError(
            "corpus is a single string; pass a list of sentences, or read_conllu(path) for a file."
        )
    if hasattr(corpus, "__len__") and len(corpus) == 0:  # before any model loads
        raise AFNInputError("no sentence could be analysed (the corpus is empty).")
    if token_budget is not None:
        token_budget = check_positive_int("token_budget", token_budget)
    conditions = ("trained",) + tuple(c for c in CONTROLS if c in asked_controls)
    massive = check_engine_options(
        include_massive=include_massive, massive_abs=massive_abs, massive_ratio=massive_ratio
    )
    width = check_positive_number("match_width", match_width)
    return Options(
        q, conditions, want, n_boot, seed, check_language(lang), token_budget, chunk_size,
        outlier_k, _check_seeds(seeds, seed), width,
        check_choice("high", high, HIGH_RULES), check_choice("engine", engine, ENGINES),
        massive.include_massive, massive.massive_abs, massive.massive_ratio,
        check_match_on(match_on, width, match_chars, match_position),
    )  # fmt: skip


def _check_seeds(seeds: object, seed: int) -> tuple[int, ...]:
    """``n`` seeds from ``seed`` on, or the seeds given."""
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        n = check_positive_int("seeds", seeds)
        return tuple(range(seed, seed + n))
    return check_distinct_ints("seeds", seeds)
