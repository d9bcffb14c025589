"""Does a score say anything about content vs function words that the words' lexical properties
do not? A cross-validated logistic regression, with and without the score.

The words are the scored content and function words of the kept sentences (punctuation left
out, as in the AUROC). The lexical controls (:data:`FEATURES`) of a word: its Zipf frequency
(the frequency baseline's value), its length in characters, its number of subword pieces and
its relative position in the sentence (``word_index / (n_words − 1)``, 0 for a one-word
sentence). The model: scikit-learn's ``make_pipeline(StandardScaler(),
LogisticRegression(solver="newton-cholesky"))`` (L2, ``C = 1``), target 1 for content; the
folds: ``GroupKFold(5)`` over those words grouped by sentence, so that no sentence is in the
training and the test fold at once. Each word gets the out-of-fold ``P(content)`` of the fold
its sentence was tested in (punctuation too, from the same fit, for the baseline row).

* The ``controls`` baseline row of the table is the out-of-fold ``P(content)`` of the controls
  alone, treated as a score like word frequency (its AUROC, its HIGH bucket).
* For a score row: ``lr_auroc``, the within-sentence AUROC (as ``auroc``) of the out-of-fold
  ``P(content)`` of the controls *plus the score*; ``lr_gain = lr_auroc − auroc(controls)``,
  paired over the same resamples; ``lr_ll_gain``, the mean out-of-fold log-likelihood gain per
  word, ``log p_with(y) − log p_without(y)`` in nats (probabilities clipped to ``[1e-15, 1 −
  1e-15]``). The CIs resample sentences with the fitted models held fixed.

It runs for the trained model's every score and for TAS under the controls (about 25 ms a row
on a CPU for 13,000 words); a corpus with fewer than 5 sentences holding both content and
function words gets nan. The words left out of a row as massive activations (:mod:`.counts`)
are left out of its fit and of its counts; the controls alone keep every word.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..registry import TAS
from ..words import CONTENT, FUNCTION
from . import stats as S
from .collect import Collected
from .counts import equal_length_groups
from .names import BASELINE, SCORES, Run

FEATURES = ("zipf", "length", "pieces", "position")
N_FOLDS = 5
CLIP = 1e-15
LR_COUNTS = ("lr_wins", "lr_pairs", "lr_ll", "lr_n")


class Words(NamedTuple):
    """Every word of the kept sentences, side by side (the order of ``report.words``)."""

    sentence: np.ndarray  # int: index of its kept sentence
    features: np.ndarray  # float [n, len(FEATURES)]
    target: np.ndarray  # int: 1 content, 0 function, -1 neither
    scored: np.ndarray  # bool: it has pieces


def lexical_words(collected: Collected, roles: list[list[str]], zipfs: np.ndarray) -> Words:
    """The regression's words and their :data:`FEATURES`."""
    lengths = [len(s.words) for s in collected.sentences]
    position = np.concatenate([np.arange(n) / max(n - 1, 1) for n in lengths])
    features = np.column_stack(
        [
            zipfs,
            [len(w) for s in collected.sentences for w in s.words],
            np.concatenate(collected.n_pieces),
            position,
        ]
    ).astype(np.float64)
    flat = [r for rs in roles for r in rs]
    target = np.array([1 if r == CONTENT else 0 if r == FUNCTION else -1 for r in flat])
    sentence = np.repeat(np.arange(len(lengths)), lengths)
    return Words(sentence, features, target, np.concatenate(collected.scored))


def model() -> Any:
    """The regression: standardised features, L2 logistic regression (``C = 1``)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(solver="newton-cholesky"))


class Regression:
    """The folds, fixed once, and out-of-fold predictions with or without an extra feature."""

    def __init__(self, words: Words) -> None:
        self.words = words
        self.train = np.flatnonzero(words.scored & (words.target >= 0))
        self.folds = self._folds()

    def _folds(self) -> list[tuple[np.ndarray, np.ndarray]] | None:
        """Per fold: the training words (content and function, other sentences) and every
        scored word of its test sentences (a sentence without content or function words is
        tested in fold ``sentence % 5``)."""
        from sklearn.model_selection import GroupKFold

        w, cf = self.words, self.train
        y, groups = w.target[cf], w.sentence[cf]
        if np.unique(groups).size < N_FOLDS or np.unique(y).size < 2:
            return None
        n_sentences = int(w.sentence.max()) + 1
        fold_of = np.arange(n_sentences) % N_FOLDS
        splits = list(GroupKFold(N_FOLDS).split(cf, y, groups))
        for f, (_, te) in enumerate(splits):
            fold_of[groups[te]] = f
        folds = []
        for f, (tr, _) in enumerate(splits):
            if np.unique(y[tr]).size < 2:
                return None
            folds.append((cf[tr], np.flatnonzero((fold_of[w.sentence] == f) & w.scored)))
        return folds

    @property
    def ok(self) -> bool:
        return self.folds is not None

    def predict(
        self, extra: np.ndarray | None = None, leave_out: np.ndarray | None = None
    ) -> np.ndarray:
        """Out-of-fold ``P(content)`` of every word (nan for the unscored and where the fit is
        impossible), from the controls and ``extra`` (one value per word) when given; the
        words ``leave_out`` (bool) names are neither fitted on nor predicted (nan)."""
        w = self.words
        out = np.full(w.target.shape[0], np.nan)
        used = w.scored if leave_out is None else w.scored & ~leave_out
        if self.folds is None or (extra is not None and not np.isfinite(extra[used]).all()):
            return out
        x = w.features if extra is None else np.column_stack([w.features, extra])
        for train, test in self.folds:
            if leave_out is not None:
                train, test = train[~leave_out[train]], test[~leave_out[test]]
            fit = model().fit(x[train], w.target[train])
            out[test] = fit.predict_proba(x[test])[:, 1]
        return out


def regressed_rows(
    reg: Regression,
    run_keys: list[Any],
    run_scores: dict[Run, np.ndarray],
    left_out: dict[Run, np.ndarray] | None = None,
) -> dict[int, np.ndarray]:
    """Out-of-fold ``P(content)`` with the score, by run row: the trained model's every score
    and TAS under the controls (the other rows are not regressed). ``left_out``: per run, bool
    ``[L+1, n_words]``, the words each layer's rows leave out (nan for them)."""
    out: dict[int, np.ndarray] = {}
    if not reg.ok:
        return out
    for i, (run, score, layer) in enumerate(run_keys):
        if run.condition == BASELINE or (run.condition != "trained" and score != TAS.name):
            continue
        drop = None if left_out is None else left_out[run][layer]
        extra = run_scores[run][SCORES.index(score), layer].astype(np.float64)
        out[i] = reg.predict(extra, drop if drop is not None and drop.any() else None)
    return out


def regression_counts(
    reg: Regression,
    base: np.ndarray,
    predictions: dict[int, np.ndarray],
    sentence_words: list[np.ndarray],
    n_rows: int,
) -> dict[str, np.ndarray]:
    """Per sentence and row: :data:`LR_COUNTS` — the within-sentence wins of the predictions
    with the score (``predictions``: row -> per word), their pairs, the log-likelihood gain over
    ``base`` (the controls alone) and the words it sums. ``sentence_words``: each sentence's
    indices among the words, scored words only. Rows not predicted count nothing; a row's
    words left out of its fit (nan among words the controls predict) are left out of its
    counts."""
    n_s = len(sentence_words)
    out = {name: np.zeros((n_s, n_rows)) for name in LR_COUNTS}
    scored = reg.words.scored
    if not np.isfinite(base[scored]).all():
        return out
    every, some = [], []  # the rows predicted for every scored word, or for some
    for r, p in sorted(predictions.items()):
        done = np.isfinite(p[scored])
        if done.all():
            every.append(r)
        elif done.any():
            some.append(r)
    if every:
        _count_rows(out, reg, base, predictions, sentence_words, every)
    for r in some:  # each with the words it predicts
        have = np.isfinite(predictions[r])
        _count_rows(out, reg, base, predictions, [ix[have[ix]] for ix in sentence_words], [r])
    return out


def _count_rows(
    out: dict[str, np.ndarray],
    reg: Regression,
    base: np.ndarray,
    predictions: dict[int, np.ndarray],
    sentence_words: list[np.ndarray],
    rows: list[int],
) -> None:
    """:data:`LR_COUNTS` of ``rows`` over each sentence's ``sentence_words``, into ``out``."""
    y = reg.words.target
    preds = np.stack([predictions[r] for r in rows])  # [R, n_words]
    gain = _log_likelihood(preds, y) - _log_likelihood(base[None], y)
    for group in equal_length_groups([len(ix) for ix in sentence_words], len(rows)):
        idx = np.stack([sentence_words[i] for i in group])  # [S, n]
        content, function = y[idx] == 1, y[idx] == 0
        values = preds[:, idx].transpose(1, 0, 2)  # [S, R, n]
        cf = (content | function)[:, None, :]
        sel = np.ix_(group, rows)
        out["lr_wins"][sel] = S.grouped_wins(values, content, function)
        out["lr_pairs"][sel] = (content.sum(1) * function.sum(1))[:, None]
        out["lr_ll"][sel] = (gain[:, idx].transpose(1, 0, 2) * cf).sum(2)
        out["lr_n"][sel] = cf.sum(2)


def _log_likelihood(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``log p`` for content words, ``log (1 − p)`` for function words, 0 for the others."""
    p = np.clip(p, CLIP, 1 - CLIP)
    with np.errstate(invalid="ignore"):
        ll = np.where(y == 1, np.log(p), np.where(y == 0, np.log1p(-p), 0.0))
    return np.nan_to_num(ll)
