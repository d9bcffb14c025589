"""The entry point: :func:`analyze_corpus`, as the steps it takes."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

from ..conllu import Corpus, Sentence
from ..errors import AFNInputError
from ..hidden import OUTLIER_K
from ..models import load_model
from ..result import default_layer
from ..validate import check_layer
from .collect import Collected, Passes
from .counts import count_sentences, estimates
from .frames import table_frame, words_frame
from .meta import report_meta
from .names import SCORES
from .options import Options, check_options
from .report import CorpusReport
from .roles import sentence_roles, zipf
from .rows import row_keys, sentence_rows


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
    lang: str = "en",
    token_budget: int | None = None,
    chunk_size: int = 1024,
    outlier_k: float = OUTLIER_K,
    device: str | None = None,
    progress: bool = True,
) -> CorpusReport:
    """Per layer and score, how strongly the HIGH bucket is filled with content words.

    ``corpus``: a :class:`~afn_widget.conllu.Corpus` (from :func:`read_conllu`), or any
    iterable of :class:`~afn_widget.conllu.Sentence` or plain strings (one sentence or short
    text each; consumed once, in chunks). ``model``: as for :func:`analyze`. ``layer``: the
    layer the summary and figure highlight (default: the paper's 8 of 12, ``round(2/3 ·
    n_layers)``). ``controls``: any of ``"shuffled"``, ``"random_init"``. ``scores``: which of
    :data:`SCORES` to compute (default all; ``("tas",)`` keeps the model's own attention
    implementation and registers no hook, the fast path). All definitions are in the
    docstring of :mod:`afn_widget.corpus`. Texts longer than the model's maximum length are
    skipped (counted in ``meta["skipped"]``) — split them into sentences first.

    The steps: check the options, load the model, run every condition over the corpus in
    chunks, the words' roles and frequencies, the per-sentence counts, the bootstrap, the
    table, the words frame, the choices made.
    """
    opts = check_options(
        corpus,
        quantile=quantile,
        controls=controls,
        scores=scores,
        n_boot=n_boot,
        token_budget=token_budget,
        seed=seed,
        lang=lang,
        chunk_size=chunk_size,
        outlier_k=outlier_k,
    )
    lm = load_model(model, device)
    lay = default_layer(lm.n_layers) if layer is None else check_layer(layer, lm.n_layers)
    passes = Passes(lm, opts)
    collected = _collect(corpus, passes, opts, progress)
    roles = sentence_roles(collected.sentences)
    zipfs = zipf([w for s in collected.sentences for w in s.words], opts.lang)
    keys = row_keys(opts.conditions, opts.scores, lm.n_layers)
    rows = sentence_rows(collected, roles.per_sentence, zipfs, opts.scores)
    counts = count_sentences(rows, len(keys), opts.quantile)
    table = table_frame(keys, estimates(counts, opts.n_boot, opts.seed), counts)
    word_scores = collected.word_scores()
    tas = word_scores["trained"][SCORES.index("tas")]
    words = words_frame(collected, roles.per_sentence, zipfs, tas, lay, opts.quantile)
    specials = lm.tokenizer.convert_ids_to_tokens(passes.special_ids)
    meta = report_meta(lm, opts, lay, collected, roles.source, specials, passes.hooked)
    return CorpusReport(
        table.frame,
        words,
        meta,
        word_scores,
        collected.special_scores(),
        table.replicates,
        table.keys,
    )


def _collect(corpus: Any, passes: Passes, opts: Options, progress: bool) -> Collected:
    """Every condition over the corpus, with a progress bar of sentences (a sentence counts
    once every condition has read it); a warning for the texts skipped, an error when none is
    left."""
    from tqdm import tqdm

    total = len(corpus) if hasattr(corpus, "__len__") else None
    n_cond = len(opts.conditions)
    desc = "analyze_corpus" + (f" ({n_cond} conditions)" if n_cond > 1 else "")
    with tqdm(total=total, desc=desc, unit="sentence", disable=not progress) as bar:
        collected = passes.collect(corpus, _PerSentence(bar, n_cond))
    if collected.skipped:
        warnings.warn(
            f"{len(collected.skipped)} texts were skipped: empty, or longer than the model's "
            f"{passes.max_length} tokens (split them into sentences).",
            stacklevel=3,
        )
    if not collected.sentences:
        raise AFNInputError("no sentence could be analysed (the corpus is empty).")
    return collected


class _PerSentence:
    """A bar of sentences fed with sentence passes (one per condition and sentence)."""

    def __init__(self, bar: Any, per_sentence: int) -> None:
        self.bar, self.per_sentence, self.passes = bar, per_sentence, 0

    def update(self, passes: int) -> None:
        before = self.passes // self.per_sentence
        self.passes += passes
        self.bar.update(self.passes // self.per_sentence - before)
