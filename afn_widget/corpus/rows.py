"""The table's rows: one per (condition, score, layer) and the frequency baseline, and each
sentence's scores laid out in that order."""

from __future__ import annotations

import numpy as np

from ..words import CONTENT, FUNCTION, PUNCTUATION
from .collect import Collected
from .counts import SentenceRows
from .names import BASELINE, FREQUENCY, SCORES, RowKey


def row_keys(conditions: tuple[str, ...], want: tuple[str, ...], n_layers: int) -> list[RowKey]:
    """Every condition's scores at every layer, then the frequency baseline (no layer)."""
    keys: list[RowKey] = [
        (c, s, l_) for c in conditions for s in want for l_ in range(n_layers + 1)
    ]
    keys.append((BASELINE, FREQUENCY, None))
    return keys


def sentence_rows(
    collected: Collected, roles: list[list[str]], zipfs: np.ndarray, want: tuple[str, ...]
) -> list[SentenceRows]:
    """Per kept sentence, its scored words' values in :func:`row_keys` order (the frequency
    row: ``−zipf``; its specials: nan) and its words' roles. A word is scored when it has
    subword pieces."""
    sel = [SCORES.index(x) for x in want]
    starts = np.concatenate([[0], np.cumsum([len(s.words) for s in collected.sentences])])
    return [
        _sentence(collected, si, sel, -zipfs[starts[si] : starts[si + 1]], role)
        for si, role in enumerate(roles)
    ]


def _sentence(
    collected: Collected, si: int, sel: list[int], rarity: np.ndarray, roles: list[str]
) -> SentenceRows:
    ok = collected.scored[si]
    words = [_by_row(collected.words[c][si][sel])[:, ok] for c in collected.conditions]
    specials = [_by_row(collected.specials[c][si][sel]) for c in collected.conditions]
    n_special = specials[0].shape[1]
    r = np.array(roles, dtype=object)[ok]
    return SentenceRows(
        np.concatenate([*words, rarity[None, ok]]),
        np.concatenate([*specials, np.full((1, n_special), np.nan)]),
        r == CONTENT,
        r == FUNCTION,
        r == PUNCTUATION,
    )


def _by_row(scores: np.ndarray) -> np.ndarray:
    """``[scores, L+1, n]`` → ``[scores · (L+1), n]``, score-major like :func:`row_keys`."""
    k, l1, n = scores.shape
    return scores.reshape(k * l1, n)
