"""The rows scores are counted in: one per (run, score, layer) and the two baselines, and each
sentence's words laid out in that order with what the counts need to know about them."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..words import CONTENT, FUNCTION, PUNCTUATION
from .collect import Collected
from .mappings import adv_split_roles, upos_index
from .names import BASELINE, FREQUENCY, LEXICAL, SCORES, Run

RunRowKey = tuple[Run, str, int | None]  # (run, score, layer); layer None: no layer
BASELINE_RUN = Run(BASELINE)


class SentenceRows(NamedTuple):
    """One sentence's score rows (or ``S`` sentences' of equal length, stacked in front)."""

    values: np.ndarray  # [rows, n]: the scores of its ``n`` scored words
    specials: np.ndarray  # [rows, n_special]: its special tokens' scores
    content: np.ndarray  # bool [n]
    function: np.ndarray  # bool [n]
    punct: np.ndarray  # bool [n]
    zipf: np.ndarray  # float [n]: the frequency baseline's Zipf value
    upos: np.ndarray  # int [n]: index in mappings.UPOS_TAGS, −1 without gold UPOS
    content_b: np.ndarray  # bool [n]: content under the adv_split mapping
    function_b: np.ndarray  # bool [n]: function under the adv_split mapping
    chars: np.ndarray  # int [n]: the word form's length in characters
    pieces: np.ndarray  # int [n]: its number of subword pieces
    position: np.ndarray  # float [n]: word_index / (n_words − 1) in the sentence, 0 for one word


def run_row_keys(runs: tuple[Run, ...], want: tuple[str, ...], n_layers: int) -> list[RunRowKey]:
    """Every run's scores at every layer, then the baselines (no layer): word frequency and the
    regression on the lexical controls."""
    keys: list[RunRowKey] = [(r, s, l_) for r in runs for s in want for l_ in range(n_layers + 1)]
    keys += [(BASELINE_RUN, FREQUENCY, None), (BASELINE_RUN, LEXICAL, None)]
    return keys


def sentence_rows(
    collected: Collected,
    roles: list[list[str]],
    zipfs: np.ndarray,
    want: tuple[str, ...],
    lexical: np.ndarray,
    lang: str = "en",
) -> list[SentenceRows]:
    """Per kept sentence, its scored words' values in :func:`run_row_keys` order (frequency:
    ``−zipf``; the lexical baseline: ``lexical``, per word; the baselines' specials: nan). A
    word is scored when it has subword pieces; ``lang``: of the ``adv_split`` mapping."""
    sel = [SCORES.index(x) for x in want]
    starts = np.concatenate([[0], np.cumsum([len(s.words) for s in collected.sentences])])
    out = []
    for si, role in enumerate(roles):
        words = slice(starts[si], starts[si + 1])
        baselines = np.stack([-zipfs[words], lexical[words]])
        out.append(_sentence(collected, si, sel, baselines, role, zipfs[words], lang))
    return out


def _sentence(
    collected: Collected,
    si: int,
    sel: list[int],
    baselines: np.ndarray,
    roles: list[str],
    zipf: np.ndarray,
    lang: str,
) -> SentenceRows:
    ok = collected.scored[si]
    words = [_by_row(collected.words[r][si][sel])[:, ok] for r in collected.runs]
    specials = [_by_row(collected.specials[r][si][sel]) for r in collected.runs]
    n_special = specials[0].shape[1]
    r = np.array(roles, dtype=object)[ok]
    sentence = collected.sentences[si]
    split = adv_split_roles(sentence, lang)
    rb = r if split is None else np.array(split, dtype=object)[ok]
    n = len(sentence.words)
    return SentenceRows(
        np.concatenate([*words, baselines[:, ok]]),
        np.concatenate([*specials, np.full((len(baselines), n_special), np.nan)]),
        r == CONTENT,
        r == FUNCTION,
        r == PUNCTUATION,
        zipf[ok],
        upos_index(sentence)[ok],
        rb == CONTENT,
        rb == FUNCTION,
        np.array([len(w) for w in sentence.words], dtype=np.int64)[ok],
        collected.n_pieces[si][ok],
        (np.arange(n) / max(n - 1, 1))[ok],
    )


class SentenceMassive(NamedTuple):
    """Which of one sentence's units carry a massive activation, per row of
    :func:`run_row_keys` (a run's flags at the row's layer, the same for all its scores; the
    baselines none)."""

    words: np.ndarray  # bool [rows, n]: its scored words
    specials: np.ndarray  # bool [rows, n_special]


def sentence_massive(collected: Collected, want: tuple[str, ...]) -> list[SentenceMassive]:
    """Per kept sentence, the massive flags of its scored words and special tokens in
    :func:`run_row_keys` order."""
    out = []
    for si, ok in enumerate(collected.scored):
        words = [np.tile(collected.massive[r][si][:, ok], (len(want), 1)) for r in collected.runs]
        specials = [np.tile(collected.massive_specials[r][si], (len(want), 1))
                    for r in collected.runs]  # fmt: skip
        n, n_special = int(ok.sum()), specials[0].shape[1]
        out.append(
            SentenceMassive(
                np.concatenate([*words, np.zeros((2, n), bool)]),
                np.concatenate([*specials, np.zeros((2, n_special), bool)]),
            )
        )
    return out


def _by_row(scores: np.ndarray) -> np.ndarray:
    """``[scores, L+1, n]`` → ``[scores · (L+1), n]``, score-major like :func:`run_row_keys`."""
    k, l1, n = scores.shape
    return scores.reshape(k * l1, n)
