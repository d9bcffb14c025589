"""Each word's role (content, function, punctuation) and its frequency baseline."""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np

from .conllu_reader import Sentence
from .function_words import has_function_words, role_rule

GOLD = "gold UPOS"
GIVEN = "roles= (given)"
ENGINE = "engine function-word list of the language (afn_widget.corpus.function_words)"


class Roles(NamedTuple):
    per_sentence: list[list[str]]
    source: str  # GOLD or ENGINE


def sentence_roles(sentences: list[Sentence], lang: str = "en", roles: Any = None) -> Roles:
    """Roles from gold UPOS when every sentence has it, else by ``roles`` when given, else from
    the function-word list of ``lang`` (:func:`~.function_words.role_rule`). Without gold UPOS
    in a language with no list every word is content, so no AUROC is defined: a warning names
    the ways out."""
    if all(s.upos is not None for s in sentences):
        return Roles([s.roles for s in sentences], GOLD)  # type: ignore[misc]
    if roles is not None:
        rule = role_rule(lang, roles)
        return Roles([[rule(w) for w in s.words] for s in sentences], GIVEN)
    if not has_function_words(lang):
        warnings.warn(
            f"there is no function-word list for lang={lang!r} (there are for 'en', 'de' and "
            "'fr'), so the plain text's words are all content and the AUROCs are undefined; "
            "give a CoNLL-U file with gold UPOS (read_conllu) or the sentences' roles "
            "(roles=, one list of 'content'/'function'/'punctuation' a sentence).",
            stacklevel=4,
        )
    rule = role_rule(lang)
    return Roles([[rule(w) for w in s.words] for s in sentences], ENGINE)


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
