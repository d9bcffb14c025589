"""Which words count as content and which as function: the report's mapping and the two others
its main figures are also given under.

* ``upos`` (the report's own): content = NOUN PROPN VERB ADJ ADV NUM INTJ, punctuation = PUNCT
  SYM, function = the rest (:func:`.conllu_reader.upos_role`), or the engine's word list
  without gold UPOS.
* ``adv_split`` (gold UPOS only): ADV split by the function-word list of the language
  (:func:`.function_words.form_role` of the form — ``not``, ``so``, ``then``, ``how`` ... are
  function words, ``quickly`` is content; ``nicht``, ``ne`` ... in German and French; refused,
  :class:`~.function_words.NoFunctionWordsError`, in a language without a list, where the
  report leaves the mapping out), X and INTJ neither content nor function (``other``:
  left out of the AUROC's pairs, counted among the words), the rest as ``upos``.
* ``no_punct``: the ``upos`` roles with punctuation left out of the units, so that HIGH is the
  top quartile of the sentence's other words and the base rate is the content words' share of
  them; the AUROC does not change (its pairs hold no punctuation).
"""

from __future__ import annotations

import numpy as np

from ..words import CONTENT, FUNCTION, PUNCTUATION
from .conllu_reader import PUNCT_UPOS, Sentence
from .function_words import check_adv_split, form_role, has_function_words

OTHER = "other"
UPOS_TAGS = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN",
    "PUNCT", "SCONJ", "SYM", "VERB", "X",
)  # fmt: skip
_OPEN = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})
_OWN = frozenset({"X", "INTJ"})


def adv_split_role(form: str, upos: str, lang: str = "en") -> str:
    """The role of a gold word under the ``adv_split`` mapping in ``lang`` (a
    :class:`~.function_words.NoFunctionWordsError` for a language without a list)."""
    check_adv_split(lang)
    if upos in PUNCT_UPOS:
        return PUNCTUATION
    if upos in _OPEN:
        return CONTENT
    if upos in _OWN:
        return OTHER
    if upos == "ADV":
        return FUNCTION if form_role(form, lang) == FUNCTION else CONTENT
    return FUNCTION


def adv_split_roles(sentence: Sentence, lang: str = "en") -> list[str] | None:
    """Every word's ``adv_split`` role, ``None`` without gold UPOS; all ``other`` (no pairs, so
    the mapping's rows are undefined) in a language without a function-word list."""
    if sentence.upos is None:
        return None
    if not has_function_words(lang):
        return [OTHER] * len(sentence.words)
    return [adv_split_role(w, u, lang) for w, u in zip(sentence.words, sentence.upos, strict=True)]


def upos_index(sentence: Sentence) -> np.ndarray:
    """int ``[n_words]``: each word's position in :data:`UPOS_TAGS`, −1 without one."""
    if sentence.upos is None:
        return np.full(len(sentence.words), -1, dtype=np.int64)
    pos = {t: i for i, t in enumerate(UPOS_TAGS)}
    return np.array([pos.get(u, -1) for u in sentence.upos], dtype=np.int64)
