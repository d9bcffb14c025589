"""Each word's role (content, function, punctuation) and its frequency baseline."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..words import word_role
from .conllu_reader import Sentence

GOLD = "gold UPOS"
ENGINE = "engine word list (afn_widget.words.word_role)"


class Roles(NamedTuple):
    per_sentence: list[list[str]]
    source: str  # GOLD or ENGINE


def sentence_roles(sentences: list[Sentence]) -> Roles:
    """Roles from gold UPOS when every sentence has it, else the engine's word list."""
    if all(s.upos is not None for s in sentences):
        return Roles([s.roles for s in sentences], GOLD)  # type: ignore[misc]
    return Roles([[word_role(w) for w in s.words] for s in sentences], ENGINE)


def zipf(words: list[str], lang: str = "en") -> np.ndarray:
    """``wordfreq.zipf_frequency(word, lang)`` per word.

    wordfreq counts no punctuation or symbols (it gives them 0, which would make ``,`` the
    rarest word of all); a word it reads as no token at all gets the highest zipf value among
    ``words`` instead — punctuation marks are among the most frequent tokens of any text.
    """
    try:
        from wordfreq import tokenize, zipf_frequency
    except ImportError as exc:
        raise ImportError(
            "the frequency baseline needs wordfreq: pip install 'afn-widget[corpus]'"
        ) from exc
    cache: dict[str, float] = {}
    out = np.empty(len(words))
    for i, w in enumerate(words):
        if w not in cache:
            cache[w] = zipf_frequency(w, lang) if tokenize(w, lang) else np.nan
        out[i] = cache[w]
    unknown = np.isnan(out)
    if unknown.any():
        out[unknown] = np.nanmax(out) if (~unknown).any() else 0.0
    return out
