"""The entry point: :func:`analyze_corpus`, as the steps it takes."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..engine import Options as EngineOptions
from ..errors import AFNInputError
from ..hidden import OUTLIER_K
from ..models import LoadedModel, load_model
from ..registry import TAS
from ..result import default_layer
from ..validate import check_layer
from .breakdowns import detail_frame, mapping_frame, seed_frame
from .clustered import clustered_columns
from .collect import Collected, Passes
from .conllu_reader import Corpus, Sentence
from .counts import RATIOS, count_sentences, matched_ratios
from .frames import pool_of, table_estimates, table_frame, table_keys, words_frame
from .groups import group_frame, sentence_groups
from .language import treebank_language, warn_if_other_language
from .logistic import Regression, lexical_words, regressed_rows, regression_counts
from .matching import MATCH_CHARS, MATCH_POSITION
from .meta import clustered_meta, extra_meta, report_meta
from .names import BASELINE, LEXICAL, SCORES, RowKey, Run
from .options import Options, check_options
from .pool import Pool, Resamples
from .report import CorpusReport
from .roles import GOLD, sentence_roles, zipf
from .rows import run_row_keys, sentence_massive, sentence_rows


def analyze_corpus(
    corpus: Corpus | Iterable[Sentence | str],
    model: Any = None,
    *,
    quantile: float = 0.75,
    layer: int | None = None,
    controls: Iterable[str] = ("shuffled", "random_init"),
    scores: Iterable[str] = SCORES,
    n_boot: int = 1000,
    seed: int = 0,
    seeds: int | Iterable[int] = 3,
    match_width: float = 0.5,
    match_on: Any = "zipf",
    match_chars: int = MATCH_CHARS,
    match_position: float = MATCH_POSITION,
    high: str = "quantile",
    lang: str | None = None,
    roles: Any = None,
    token_budget: int | None = None,
    chunk_size: int = 1024,
    outlier_k: float = OUTLIER_K,
    include_massive: bool = EngineOptions.include_massive,
    massive_abs: float = EngineOptions.massive_abs,
    massive_ratio: float = EngineOptions.massive_ratio,
    device: str | None = None,
    progress: bool | Any = True,
    engine: str = "local",
    ray: dict[str, Any] | None = None,
) -> CorpusReport:
    """Per layer and score, how strongly the HIGH bucket is filled with content words, and
    whether that survives holding word frequency fixed.

    ``corpus``: a :class:`~.conllu_reader.Corpus` (from :func:`read_conllu`), or any
    iterable of :class:`~.conllu_reader.Sentence` or plain strings (one sentence or short
    text each; consumed once, in chunks). ``model``: as for :func:`analyze`. ``layer``: the
    layer the summary and figure highlight (default: the paper's 8 of 12, ``round(2/3 ·
    n_layers)``). ``controls``: any of ``"shuffled"``, ``"random_init"``, each run at every seed
    of ``seeds`` (a number of seeds ``seed, seed + 1, ...``, default 3, or the seeds
    themselves). ``scores``: which of :data:`SCORES` to compute (default all; ``("tas",)`` keeps
    the model's own attention implementation and registers no hook, the fast path).
    ``match_width``: the largest Zipf difference (exclusive) of a frequency-matched pair.
    ``match_on``: which pairs are matched (:mod:`.matching`): ``"zipf"`` (the default),
    ``"chars"`` (word-form lengths within ``match_chars`` characters, ``<=``), ``"pieces"`` (the
    same number of pieces), ``"position"`` (relative positions within ``match_position``,
    ``<=``), a combination (``("zipf", "chars")`` or ``"zipf+chars"``: pairs meet all), or a list
    of such matchings: the first is ``auroc_matched``, each further one
    ``auroc_matched_<criteria>`` (``auroc_matched_zipf_chars``), a column of the table and a
    statistic of ``contrasts()``.
    ``high``: ``"quantile"`` (``>=`` the quantile, the paper's) or ``"top_k"`` (exactly
    ``ceil(n · (1 − quantile))`` words). ``lang``: the language of the word frequencies and of
    the function-word list (checked first; default: the one a UD file name or ``sent_id`` of
    the corpus gives, else ``"en"``; a treebank in another language than one given is warned
    about). ``roles``: for plain text, how a word's role is told — a function of the word form
    or a collection of function words (:func:`~.function_words.role_rule`); default the
    function-word list of ``lang`` (English, German, French; other languages warn). ``seed``: the
    bootstrap's. All definitions are in the docstring of :mod:`afn_widget.corpus`. Texts
    longer than the model's maximum length are skipped (counted in ``meta["skipped"]``) —
    split them into sentences first.

    Massive activations (the engine's rule and defaults, :func:`~afn_widget.analyze`: a hidden
    value ``> massive_abs`` and ``> massive_ratio`` × the median ``|value|`` of the layer, here
    over the sentence's tokens): at each layer, the words (any of whose pieces) and special
    tokens flagged there are left out of the units every statistic of that layer's rows is
    computed from, unless ``include_massive``; the table's ``massive_share`` and
    ``massive_special_share`` give the share of words and of special tokens flagged.

    ``engine``: where the forward passes run, ``"local"`` (this process) or ``"ray"`` (actors
    of a Ray cluster, :mod:`.ray_engine`; ``pip install "afn-widget[ray]"``): the same batches
    and the same statistics, so the same table. ``ray``: the Ray engine's settings,
    ``address``, ``workers``, ``cpus_per_worker``, ``gpus_per_worker``
    (:class:`~.ray_engine.RaySettings`). ``progress``: a bar of sentences (``True``), none
    (``False``), or an object with ``update(n)`` to count them on (a run over many corpora).

    The steps: check the options and the language, load the model, run every condition at
    every seed over the corpus in chunks, the words' roles and frequencies, the regression on
    the lexical controls, the per-sentence counts, the resamples, the table and its breakdowns,
    the words frame, the choices made.
    """
    lang = _language(corpus, lang)
    opts = check_options(
        corpus, quantile=quantile, controls=controls, scores=scores, n_boot=n_boot,
        token_budget=token_budget, seed=seed, lang=lang, chunk_size=chunk_size,
        outlier_k=outlier_k, seeds=seeds, match_width=match_width, match_on=match_on,
        match_chars=match_chars, match_position=match_position, high=high, engine=engine,
        include_massive=include_massive, massive_abs=massive_abs, massive_ratio=massive_ratio,
    )  # fmt: skip
    settings = _ray_settings(opts, ray)
    treebank = warn_if_other_language(corpus, opts.lang)
    lm = load_model(model, device)
    lay = default_layer(lm.n_layers) if layer is None else check_layer(layer, lm.n_layers)
    if settings is None:
        passes = Passes(lm, opts)
    else:
        from .ray_engine import ray_passes

        passes = ray_passes(lm, opts, model, device, settings)
    collected = _collect(corpus, passes, opts, progress)
    return _report(collected, passes, lm, opts, lay, treebank, roles)


def _language(corpus: Any, lang: str | None) -> str:
    """``lang``, or the language the corpus names (:func:`~.language.treebank_language`), or
    ``"en"``."""
    if lang is not None:
        return lang
    found = treebank_language(corpus)
    return "en" if found is None else found[0]


def _report(
    collected: Collected,
    passes: Any,  # Passes, or the Ray engine's
    lm: LoadedModel,
    opts: Options,
    lay: int,
    treebank: str | None,
    given_roles: Any = None,
) -> CorpusReport:
    """The report of what every run collected: roles, frequencies, the per-sentence counts,
    their bootstrap, the table and the word table."""
    roles = sentence_roles(collected.sentences, opts.lang, given_roles)
    zipfs = zipf([w for s in collected.sentences for w in s.words], opts.lang)
    run_keys = run_row_keys(opts.runs, opts.scores, lm.n_layers)
    run_scores, run_specials = collected.word_scores(), collected.special_scores()
    run_massive = collected.word_massive()
    left_out = None if opts.include_massive else run_massive
    reg = Regression(lexical_words(collected, roles.per_sentence, zipfs))
    lexical = reg.predict()
    rows = sentence_rows(collected, roles.per_sentence, zipfs, opts.scores, lexical, opts.lang)
    massive = sentence_massive(collected, opts.scores)
    counts = count_sentences(
        rows, len(run_keys), opts.quantile, opts.high, opts.matchings, massive,
        opts.include_massive,
    )  # fmt: skip
    counts |= regression_counts(
        reg, lexical, regressed_rows(reg, run_keys, run_scores, left_out),
        _scored_words(collected), len(run_keys),
    )  # fmt: skip
    resamples = Resamples(counts, opts.n_boot, opts.seed, len(opts.seeds))
    keys = table_keys(opts.conditions, opts.scores, lm.n_layers)
    pool = pool_of(keys, run_keys, opts.seeds)
    more = matched_ratios(opts.matchings)
    est = table_estimates(resamples, pool, keys, more)
    table = table_frame(keys, est, counts, pool, tuple(more))
    cl, types = clustered_columns(
        table.frame, table.keys, run_keys, rows, _scored_forms(collected), opts.matchings,
        resamples.sentences, opts.seed, None if opts.include_massive else massive,
    )  # fmt: skip
    for name, col in cl.items():
        table.frame[name] = col
    defined = [k in set(table.keys) for k in keys]
    detail = _detail_rows(keys, pool, defined)
    gold = roles.source == GOLD
    trained = Run("trained")
    tas = run_scores[trained][SCORES.index(TAS.name)]
    words = words_frame(
        collected, roles.per_sentence, zipfs, tas, lay, opts.quantile, opts.high,
        run_massive[trained], opts.include_massive,
    )  # fmt: skip
    words[LEXICAL] = lexical  # the controls baseline's out-of-fold P(content), per word
    specials = lm.tokenizer.convert_ids_to_tokens(passes.special_ids)
    meta = report_meta(lm, opts, lay, collected, roles.source, specials, passes.hooked)
    meta |= extra_meta(opts, table, treebank, collected, reg.ok)
    meta |= clustered_meta(types)
    return CorpusReport(
        table.frame,
        words,
        meta,
        _first_seeds(run_scores),
        _first_seeds(run_specials),
        table.replicates,
        table.keys,
        run_scores=run_scores,
        run_specials=run_specials,
        run_massive=run_massive,
        seeds=seed_frame(resamples, run_keys, RATIOS),
        mappings=mapping_frame(resamples, pool, keys, defined, gold),
        categories=detail_frame("upos", resamples, *detail) if gold else None,
        zipf_bins=detail_frame("zipf_bin", resamples, *detail),
        groups=group_frame(_groups(collected), resamples, *detail),
    )


def _ray_settings(opts: Options, ray: dict[str, Any] | None) -> Any:
    """The Ray engine's checked settings (Ray imported, not started), ``None`` for the local
    engine."""
    if opts.engine == "local":
        if ray:
            raise AFNInputError('ray= settings are for engine="ray"; drop them or set engine.')
        return None
    from .ray_engine import check_settings, require_ray

    require_ray()
    return check_settings(**(ray or {}))


def _detail_rows(
    keys: list[RowKey], pool: Pool, defined: list[bool]
) -> tuple[Pool, list[RowKey], list[bool]]:
    """The rows broken down by UPOS tag and Zipf bin: the trained model's every score, the
    baselines and TAS under the controls."""
    rows = [i for i, k in enumerate(keys) if k[0] in ("trained", BASELINE) or k[1] == TAS.name]
    return Pool(pool.members[rows]), [keys[i] for i in rows], [defined[i] for i in rows]


def _first_seeds(by_run: dict[Run, np.ndarray]) -> dict[str, np.ndarray]:
    """Each condition's values at its first seed."""
    out: dict[str, np.ndarray] = {}
    for run, v in by_run.items():
        out.setdefault(run.condition, v)
    return out


def _groups(collected: Collected) -> dict[str, list[str]]:
    """Each kept sentence's length bin and, where the treebank names it, genre."""
    kept = collected.sentences
    return sentence_groups([s.sent_id for s in kept], [len(s.words) for s in kept])


def _scored_forms(collected: Collected) -> list[list[str]]:
    """Each kept sentence's scored words' forms."""
    return [
        [w for w, ok in zip(s.words, scored, strict=True) if ok]
        for s, scored in zip(collected.sentences, collected.scored, strict=True)
    ]


def _scored_words(collected: Collected) -> list[np.ndarray]:
    """Each kept sentence's scored words, as indices among all the words."""
    starts = np.cumsum([0] + [len(s) for s in collected.scored])
    return [np.flatnonzero(ok) + a for ok, a in zip(collected.scored, starts, strict=False)]


def _collect(corpus: Any, passes: Passes, opts: Options, progress: bool | Any) -> Collected:
    """Every run over the corpus, with a progress bar of sentences (a sentence counts once every
    run has read it); a warning for the texts skipped, an error naming why when none is left."""
    from tqdm import tqdm

    total = len(corpus) if hasattr(corpus, "__len__") else None
    n_runs = len(opts.runs)
    desc = "analyze_corpus" + (f" ({n_runs} runs)" if n_runs > 1 else "")
    if isinstance(progress, bool):
        with tqdm(total=total, desc=desc, unit="sentence", disable=not progress) as bar:
            collected = passes.collect(corpus, _PerSentence(bar, n_runs))
    else:  # the caller's bar
        collected = passes.collect(corpus, _PerSentence(progress, n_runs))
    n_long, window = len(collected.too_long), passes.max_length
    n_empty = len(collected.skipped) - n_long
    if collected.skipped:
        warnings.warn(
            f"{len(collected.skipped)} texts were skipped: {n_long} longer than the model's "
            f"window of {window} tokens (split them into sentences), {n_empty} empty.",
            stacklevel=3,
        )
    if collected.sentences:
        return collected
    if n_long:
        raise AFNInputError(
            f"no sentence could be analysed: {n_long} sentences were skipped because they are "
            f"longer than the model's window of {window} tokens (special tokens included)"
            f"{f', and {n_empty} are empty' if n_empty else ''}. Split the texts into shorter "
            "sentences (one sentence an item), or use a model with a longer window."
        )
    raise AFNInputError(
        f"no sentence could be analysed: the corpus' {n_empty} texts are all empty (no token)."
    )


class _PerSentence:
    """A bar of sentences fed with sentence passes (one per condition and sentence)."""

    def __init__(self, bar: Any, per_sentence: int) -> None:
        self.bar, self.per_sentence, self.passes = bar, per_sentence, 0

    def update(self, passes: int) -> None:
        before = self.passes // self.per_sentence
        self.passes += passes
        self.bar.update(self.passes // self.per_sentence - before)
