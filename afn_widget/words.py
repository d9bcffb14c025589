"""Pieces to words, and the role of every token and word.

Roles, in order of precedence:

* ``special``: the tokenizer's special tokens (``[CLS]``, ``[SEP]``, ``<s>`` ...);
* ``punctuation``: every character of the word is Unicode punctuation (category ``P*``);
* ``function``: the lower-cased word is in :data:`FUNCTION_WORDS`, a closed-class English list
  (determiners, pronouns, prepositions, conjunctions, auxiliaries and modals, particles, and the
  clitic pieces tokenizers split off contractions);
* ``content``: everything else.

A subword piece takes the role of the word it belongs to. A contraction is one word
(:func:`group_words`): it is a function word when its first part is one ("can't", "it's",
"won't"), else content ("John's", "O'Brien").

Words are a reader's: a word's span never starts or ends with whitespace, never holds a line
break or a space between two of its pieces, and takes in every piece of a character a
byte-level tokenizer split into bytes. A token with no text of its own (whitespace only, its
span empty, see :func:`afn_widget.tokens.strip_spans`) is no word: it is part of the word after
it (:func:`group_words`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np

SPECIAL, PUNCTUATION, FUNCTION, CONTENT = "special", "punctuation", "function", "content"
ROLES = (SPECIAL, PUNCTUATION, FUNCTION, CONTENT)

_DETERMINERS = """
a an the this that these those each every either neither some any no all both half several
many much more most few fewer less least enough such what whatever which whichever whose
another other own
"""
_PRONOUNS = """
i me my mine myself you your yours yourself yourselves he him his himself she her hers herself
it its itself we us our ours ourselves they them their theirs themselves one ones oneself
who whom whoever whomever someone somebody something anyone anybody anything everyone everybody
everything nobody nothing none thee thou thy ya y'all
"""
_PREPOSITIONS = """
about above across after against along amid amidst among amongst around as at before behind
below beneath beside besides between beyond by despite down during except for from in inside
into like near of off on onto opposite out outside over past per since than through throughout
till to toward towards under underneath unlike until up upon via with within without versus vs
"""
_CONJUNCTIONS = """
and but or nor so yet because although though while whereas if unless whether once whenever
wherever when where why how then than lest
"""
_AUXILIARIES = """
be am is are was were been being have has had having do does did doing done will would shall
should can could may might must ought need dare wo ca sha
"""
# Stems of negated auxiliaries as word-piece tokenizers split them ("don't" -> don ' t).
_NEGATED = """
don doesn didn isn wasn aren weren couldn shouldn wouldn hasn haven hadn ain mustn needn
"""
_PARTICLES = """
not n't no yes to there here just also too very only even
"""
# Pieces that tokenizers split off English contractions ("don't" -> don ' t, "it's" -> it ' s).
_CLITICS = """
s t d m ll re ve 's 't 'd 'm 'll 're 've
"""

FUNCTION_WORDS: frozenset[str] = frozenset(
    " ".join(
        [
            _DETERMINERS,
            _PRONOUNS,
            _PREPOSITIONS,
            _CONJUNCTIONS,
            _AUXILIARIES,
            _NEGATED,
            _PARTICLES,
            _CLITICS,
        ]
    ).split()
)


def is_punctuation(text: str) -> bool:
    """True when ``text`` is non-empty and every non-space character is Unicode punctuation."""
    chars = [c for c in text if not c.isspace()]
    return bool(chars) and all(unicodedata.category(c).startswith("P") for c in chars)


_SPACE, _PUNCT, _OTHER = 0, 1, 2


def _kind(char: str) -> int:
    return _SPACE if char.isspace() else _PUNCT if is_punctuation(char) else _OTHER


_ASCII_KINDS = np.array([_kind(chr(c)) for c in range(128)], dtype=np.uint8)


class Punctuation:
    """:func:`is_punctuation` of any span ``text[start:end]`` of one text, in constant time:
    from running counts of its characters that are not space, and of those that are neither
    space nor punctuation (each distinct character classified once)."""

    def __init__(self, text: str) -> None:
        if text.isascii():
            kind = _ASCII_KINDS[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
        else:
            codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
            kinds, where = np.unique(codes, return_inverse=True)
            kind = np.array([_kind(chr(c)) for c in kinds.tolist()], dtype=np.uint8)[where]
        self.n = len(text)
        self.shown = np.concatenate([[0], np.cumsum(kind != _SPACE)]).tolist()
        self.other = np.concatenate([[0], np.cumsum(kind == _OTHER)]).tolist()

    def __call__(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` is punctuation (:func:`is_punctuation`)."""
        start, end, _ = slice(start, end).indices(self.n)
        if end <= start:
            return False
        return self.shown[end] > self.shown[start] and self.other[end] == self.other[start]


APOSTROPHES = "'\u2019"
# First parts of contractions that are no function word on their own ("won't", "shan't").
_CONTRACTION_STEMS = frozenset({"won", "shan"})


def word_role(text: str, punctuation: bool | None = None) -> str:
    """The role of a (non-special) word, from its surface text (``punctuation``: whether it is
    punctuation, when that is known already)."""
    if is_punctuation(text) if punctuation is None else punctuation:
        return PUNCTUATION
    bare = text.strip().lower().replace("\u2019", "'")
    if bare in FUNCTION_WORDS:
        return FUNCTION
    first = bare.split("'")[0]
    if "'" in bare.strip("'") and (first in FUNCTION_WORDS or first in _CONTRACTION_STEMS):
        return FUNCTION
    return CONTENT


def group_words(
    offsets: Sequence[tuple[int, int] | None],
    word_ids: Sequence[int | None] | None,
    text: str | None = None,
    punctuation: Punctuation | None = None,
) -> list[list[int]]:
    """Group token indices into words, in text order.

    ``word_ids`` is the tokenizer's own word index per token (``Encoding.word_ids()``), ``None``
    for specials. Where the tokenizer gives none, tokens whose spans touch with no gap between
    them form one word. Every special token is a word of its own, and so is any token whose span
    overlaps the previous one's only partly (byte-level pieces of one character stay together).

    A token with an empty span (no text of its own: a ``Ċ``, a lone ``Ġ`` or ``▁``) is part of
    the word after it, as byte-level and SentencePiece tokenizers put a space at the start of
    the word after it (``Ġslept``); with none after it before a special token or the end, of
    the word before it; only with neither (nothing but such tokens between specials) a word of
    its own, with an empty span.

    Given the ``text``, words are what a reader expects: pieces with whitespace between them
    are never one word (SentencePiece's word runs over a line break), a token of punctuation
    alone never joins touching tokens into a word (``"tea."`` is ``tea`` and ``.``), a run of
    touching punctuation is one word (``...``, ``?!``, ``***``), and a contraction is one word:
    words that touch across an apostrophe between two letters are joined (``can ' t`` →
    ``can't``, ``it 's`` → ``it's``, ``O ' Brien`` → ``O'Brien``). ``punctuation``: the text's
    :class:`Punctuation`, when the caller has it.
    """
    blank = [i for i, o in enumerate(offsets) if o is not None and o[0] >= o[1]]
    if blank:
        drop = set(blank)
        kept = [i for i in range(len(offsets)) if i not in drop]
        ids = None if word_ids is None else [word_ids[i] for i in kept]
        sub = group_words([offsets[i] for i in kept], ids, text, punctuation)
        return _place_blanks([[kept[k] for k in g] for g in sub], offsets)
    if text is None:
        return _group(offsets, word_ids, None)
    punctuation = punctuation or Punctuation(text)
    groups = _split_at_spaces(_group(offsets, word_ids, punctuation), offsets, text)
    return _join_for_readers(groups, offsets, text, punctuation)


def _group(
    offsets: Sequence[tuple[int, int] | None],
    word_ids: Sequence[int | None] | None,
    punctuation: Punctuation | None,
) -> list[list[int]]:
    groups: list[list[int]] = []
    prev_key: object = object()
    prev_end = -1
    prev_punct = False
    for i, span in enumerate(offsets):
        if span is None:
            groups.append([i])
            prev_key, prev_end = object(), -1
            continue
        start, end = span
        punct = punctuation is not None and punctuation(start, end)
        if word_ids is not None and word_ids[i] is not None:
            key: object = ("w", word_ids[i])
            same = key == prev_key
        else:
            key = ("touch", i)
            same = (start == prev_end or start < prev_end) and not (punct or prev_punct)
        if same or (start < prev_end and groups):
            groups[-1].append(i)
        else:
            groups.append([i])
        prev_key = key if not same else prev_key
        prev_end = max(prev_end, end)
        prev_punct = punct
    return groups


def _split_at_spaces(
    groups: list[list[int]], offsets: Sequence[tuple[int, int] | None], text: str
) -> list[list[int]]:
    """Each group cut where whitespace lies between two of its pieces (a tokenizer's word can
    run over a line break: SentencePiece splits words at spaces only)."""
    out: list[list[int]] = []
    for g in groups:
        if len(g) == 1:
            out.append(g)
            continue
        word: list[int] = []
        end = -1
        for i in g:
            start, stop = offsets[i]
            if word and start > end and any(c.isspace() for c in text[end:start]):
                out.append(word)
                word = []
            word.append(i)
            end = max(end, stop)
        out.append(word)
    return out


def _place_blanks(
    groups: list[list[int]], offsets: Sequence[tuple[int, int] | None]
) -> list[list[int]]:
    """The words of the tokens with text and the specials (``groups``), with each token left
    out of them (an empty span) put where :func:`group_words` says."""
    owner = [-1] * len(offsets)
    for j, g in enumerate(groups):
        for i in g:
            owner[i] = j
    has_text = [word_span(offsets, g) is not None for g in groups]
    out: list[list[int]] = []
    pending: list[int] = []  # tokens without text, waiting for their word
    last = -1  # the group out[-1] is (-1: none yet, or tokens without text only)

    def settle() -> None:  # pending tokens with no word after them: the word before, if any
        if last >= 0 and has_text[last]:
            out[-1].extend(pending)
        else:
            out.append(list(pending))
        pending.clear()

    for i, j in enumerate(owner):
        if j < 0:
            pending.append(i)
        elif j == last:  # between two pieces of one word
            out[-1].extend([*pending, i])
            pending.clear()
        else:
            if pending and not has_text[j]:
                settle()
            out.append([*pending, i])
            pending.clear()
            last = j
    if pending:
        settle()
    return out


def _join_for_readers(
    groups: list[list[int]],
    offsets: Sequence[tuple[int, int] | None],
    text: str,
    punctuation: Punctuation,
) -> list[list[int]]:
    """Contractions and runs of punctuation joined into one word each."""
    out: list[list[int]] = []
    end, punct = -1, False  # where the last word of out ends (-1: a special), is it punctuation
    for g in groups:
        span = word_span(offsets, g)
        if span is None:
            out.append(g)
            end = -1
            continue
        start, stop = span
        is_punct = punctuation(start, stop)
        touching = bool(out) and end == start
        if touching and ((punct and is_punct) or _apostrophe_between_letters(text, start)):
            out[-1] = out[-1] + g
        else:
            out.append(g)
            punct = is_punct
        end = stop
    return out


def word_span(offsets: Sequence[tuple[int, int] | None], g: list[int]) -> tuple[int, int] | None:
    """The characters the pieces ``g`` cover: from the first character of those with text to
    the last (``None`` when they are special tokens; when none has text, the empty span of the
    first)."""
    if len(g) == 1:
        return None if offsets[g[0]] is None else tuple(offsets[g[0]])
    spans = [offsets[i] for i in g if offsets[i] is not None]
    if not spans:
        return None
    full = [(s, e) for s, e in spans if s < e] or spans[:1]
    return min(s for s, _ in full), max(e for _, e in full)


def _apostrophe_between_letters(text: str, p: int) -> bool:
    """Whether position ``p`` (a boundary between two words) touches an apostrophe that
    stands between two letters."""
    if not 0 < p < len(text):
        return False
    if text[p] in APOSTROPHES:
        return text[p - 1].isalpha() and p + 1 < len(text) and text[p + 1].isalpha()
    return text[p - 1] in APOSTROPHES and p >= 2 and text[p - 2].isalpha() and text[p].isalpha()


def describe_words(
    text: str,
    tokens: Sequence[str],
    offsets: Sequence[tuple[int, int] | None],
    groups: list[list[int]],
    punctuation: Punctuation | None = None,
) -> tuple[list[str], list[tuple[int, int] | None], list[str], list[int]]:
    """For each word of :func:`group_words`: its text (the original spelling, the slice of
    ``text`` its pieces cover), span, role, and for each token the index of its word
    (``punctuation``: the text's :class:`Punctuation`, when the caller has it)."""
    punctuation = punctuation or Punctuation(text)
    w_text: list[str] = []
    w_spans: list[tuple[int, int] | None] = []
    w_roles: list[str] = []
    word_index = [0] * len(tokens)
    for j, g in enumerate(groups):
        for i in g:
            word_index[i] = j
        span = word_span(offsets, g)
        if span is None:
            w_text.append(tokens[g[0]])
            w_spans.append(None)
            w_roles.append(SPECIAL)
            continue
        s0, e0 = span
        w_text.append(text[s0:e0])
        w_spans.append((s0, e0))
        w_roles.append(word_role(text[s0:e0], punctuation(s0, e0)))
    return w_text, w_spans, w_roles, word_index


def aggregate_words(layer_norms: np.ndarray, pieces: list[list[int]], how: str) -> np.ndarray:
    """``[n_layers + 1, n_words]``: each word's value per layer, the mean or max of its pieces."""
    n_rows = layer_norms.shape[0]
    out = np.empty((n_rows, len(pieces)), dtype=np.float32)
    if not pieces:
        return out
    lengths = np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(pieces))
    flat = np.fromiter((i for p in pieces for i in p), dtype=np.int64, count=int(lengths.sum()))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    vals = layer_norms[:, flat].astype(np.float64)
    if how == "max":
        out[:] = np.maximum.reduceat(vals, starts, axis=1)
    else:
        out[:] = np.add.reduceat(vals, starts, axis=1) / lengths
    return out
