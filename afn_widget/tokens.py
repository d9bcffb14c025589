"""Text to tokens: ids, character offsets, word ids and the special tokens a tokenizer adds;
and each token as a reader sees it.

The engine and the corpus report tokenize through these functions only, so both read a text the
same way: no special tokens added (the caller frames each window with :func:`special_frame`),
special-token strings inside the text split like any other text, offsets always asked for, the
tokenizer's own call with its settings left as they were (:func:`as_found`), and every span a
reader's (:func:`strip_spans`): byte-level BPE and SentencePiece keep the space before a word in
its token (``Ġslept``, ``▁slept``), the span of that token is ``slept``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from .errors import AFNTypeError

Offsets = list[tuple[int, int]]


class Tokenized(NamedTuple):
    """One text, tokenized without special tokens."""

    ids: list[int]
    offsets: Offsets  # (start, end) character span of each token, stripped (strip_spans)
    word_ids: list[int | None] | None  # the tokenizer's word of each token; None without one
    tokens: list[str]  # the token strings


class Frame(NamedTuple):
    """The special token ids a tokenizer puts before and after a single text."""

    head: list[int]
    tail: list[int]


EMPTY = Tokenized([], [], [], [])


@contextmanager
def as_found(tokenizer: Any) -> Iterator[None]:
    """Calls of a transformers fast tokenizer inside the block leave it as it was found. Such a
    call sets its backend (``backend_tokenizer``) for itself: no truncation, no padding, special
    tokens split or not, and leaves it so; on leaving the block the three are put back."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        yield
        return
    split, truncation, padding = backend.encode_special_tokens, backend.truncation, backend.padding
    try:
        yield
    finally:
        backend.encode_special_tokens = split
        if backend.truncation != truncation:
            if truncation is None:
                backend.no_truncation()
            else:
                backend.enable_truncation(**truncation)
        if backend.padding != padding:
            if padding is None:
                backend.no_padding()
            else:
                backend.enable_padding(**padding)


def encode(tokenizer: Any, text: str | list[str]) -> Any:
    """The tokenizer's encoding of ``text`` (or of each of a list of texts): no special tokens
    added, special-token strings in the text split like any other text, with offsets. The
    tokenizer's own call, its settings left as they were (:func:`as_found`)."""
    kwargs = dict(add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    with as_found(tokenizer):
        try:
            return tokenizer(text, split_special_tokens=True, **kwargs)
        except TypeError:  # a tokenizer that does not know split_special_tokens
            return tokenizer(text, **kwargs)


def _offsets(mapping: Any) -> Offsets:
    return [(int(s), int(e)) for s, e in mapping]


def strip_spans(text: str, offsets: Offsets) -> Offsets:
    """Each span ``(start, end)`` narrowed to the part of ``text[start:end]`` that is not
    whitespace (``str.isspace``). A span of whitespace only (a token ``Ċ``, a lone ``Ġ`` or
    ``▁``) becomes the empty span at its end, ``(end, end)``: the token has no text of its own,
    and the tokenizers library's own ``trim_offsets`` puts such a token there too."""
    out = []
    for s, e in offsets:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        out.append((s, e))
    return out


def tokenize(tokenizer: Any, text: str) -> Tokenized:
    """Ids, offsets, word ids and token strings of ``text`` (all empty for a blank text)."""
    if not text.strip():
        return EMPTY
    enc = encode(tokenizer, text)
    ids = list(enc["input_ids"])
    offsets = strip_spans(text, _offsets(enc["offset_mapping"]))
    try:
        word_ids, tokens = enc.word_ids(), enc.tokens()
    except (AttributeError, ValueError):  # not a fast tokenizer's encoding
        word_ids, tokens = None, None
    if tokens is None or len(tokens) != len(ids):
        tokens = tokenizer.convert_ids_to_tokens(ids)
    return Tokenized(ids, offsets, word_ids, list(tokens))


def tokenize_many(tokenizer: Any, texts: list[str]) -> list[tuple[list[int], Offsets]]:
    """Ids and offsets of each text (as :func:`tokenize`), in one tokenizer call; a blank text
    gets none."""
    full = [i for i, t in enumerate(texts) if t.strip()]
    out: list[tuple[list[int], Offsets]] = [([], []) for _ in texts]
    if full:
        enc = encode(tokenizer, [texts[i] for i in full])
        for i, ids, offs in zip(full, enc["input_ids"], enc["offset_mapping"], strict=True):
            out[i] = (list(ids), strip_spans(texts[i], _offsets(offs)))
    return out


def special_frame(tokenizer: Any) -> Frame:
    """The special token ids the tokenizer puts before and after a single text, found by
    encoding a probe with and without them (asked each time: a user may change the tokenizer's
    settings, ``add_bos_token`` say, between two calls)."""
    head, tail = _find_frame(tokenizer)
    return Frame(list(head), list(tail))


def _find_frame(tokenizer: Any) -> tuple[list[int], list[int]]:
    probe = "a"
    with as_found(tokenizer):
        bare = list(tokenizer(probe, add_special_tokens=False)["input_ids"])
        full = list(tokenizer(probe, add_special_tokens=True)["input_ids"])
    k = len(bare)
    for p in range(len(full) - k + 1):
        if full[p : p + k] == bare:
            return full[:p], full[p + k :]
    raise AFNTypeError(
        f"{type(tokenizer).__name__}: the special tokens it adds could not be located around "
        "the text; pass a standard Hugging Face fast tokenizer."
    )


# -- tokens as a reader sees them -----------------------------------------------------------------


def _byte_chars() -> dict[int, str]:
    """GPT-2's table for byte-level BPE (``bytes_to_unicode``): the character a vocabulary writes
    for each byte. Printable Latin-1 bytes stand for themselves, the other 68 (space, control
    bytes, ...) for U+0100 onwards in byte order, so a space is ``Ġ`` and a newline ``Ċ``.

    Written out here: every byte-level vocabulary (GPT-2, RoBERTa, Llama 3, Qwen) uses this
    table, transformers' copy sits in a module that loads its slow-tokenizer converters (about a
    second), and a tokenizer's own decoder cannot show a byte that is part of a character (it
    gives U+FFFD), which is what the tooltip of a split emoji needs."""
    kept = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    chars = {b: chr(b) for b in kept}
    others = [b for b in range(256) if b not in chars]
    chars.update({b: chr(0x100 + k) for k, b in enumerate(others)})
    return chars


_BYTE_CHARS = _byte_chars()
_BYTE_ALPHABET = frozenset(_BYTE_CHARS.values())
_AS_LATIN1 = str.maketrans({c: chr(b) for b, c in _BYTE_CHARS.items()})
_LINE_BREAKS = "\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# Whitespace made visible: a space is ␣, a tab ⇥, a carriage return ␍, a line break ⏎ (U+3000
# is the last code point str.isspace accepts).
_MARKS = str.maketrans(
    {
        c: "⇥" if c == "\t" else "␍" if c == "\r" else "⏎" if c in _LINE_BREAKS else "␣"
        for c in map(chr, range(0x3001))
        if c.isspace()
    }
)
METASPACE = "\u2581"  # ▁, SentencePiece's space


def reader_pieces(
    text: str, tokens: Sequence[str], offsets: Sequence[tuple[int, int] | None]
) -> list[str]:
    """Each token as a reader sees it: what it stands for in the text, its whitespace shown
    (``␣`` a space, ``⏎`` a line break, ``⇥`` a tab, ``␍`` a carriage return).

    * Byte-level BPE (the tokens' characters all in GPT-2's byte table, their bytes one after
      the other the text's UTF-8, the space some tokenizers put before the text aside): each
      token's bytes read as UTF-8, ``Ġslept`` → ``␣slept``, ``Ċ`` → ``⏎``; a byte of a
      character the token holds only in part is written ``<0xNN>``, as SentencePiece writes a
      byte (``é`` split in two is ``<0xC3>`` ``<0xA9>``).
    * SentencePiece: ``▁`` is a space, ``▁slept`` → ``␣slept`` (unless the text itself holds
      ``▁``: then the tokens are shown as they are).
    * WordPiece and anything else: the token as it is (``##ing`` is readable as it is).

    Special tokens (no span) are shown as they are. Decided from the tokens and the text alone,
    so any result (one built from given scores too) reads the same way."""
    body = [t for t, o in zip(tokens, offsets, strict=True) if o is not None]
    if _byte_level(text, body):
        decode = _from_bytes
    elif METASPACE not in text and any(METASPACE in t for t in body):
        decode = _from_metaspace
    else:
        decode = str
    return [
        t if o is None else decode(t).translate(_MARKS)
        for t, o in zip(tokens, offsets, strict=True)
    ]


def _byte_level(text: str, tokens: list[str]) -> bool:
    """Whether ``tokens`` (a text's, in order, possibly the first ones only) are byte-level BPE
    tokens of ``text`` (or of its NFC form, for a tokenizer that normalizes)."""
    joined = "".join(tokens)
    if not joined or not _BYTE_ALPHABET.issuperset(joined):
        return False
    spelled = joined.translate(_AS_LATIN1).encode("latin-1").lstrip()
    if text.encode("utf-8", "surrogatepass").lstrip().startswith(spelled):
        return True
    nfc = unicodedata.normalize("NFC", text)
    return nfc != text and nfc.encode("utf-8", "surrogatepass").lstrip().startswith(spelled)


def _from_bytes(token: str) -> str:
    raw = token.translate(_AS_LATIN1).encode("latin-1")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        escaped = raw.decode("utf-8", "surrogateescape")
        return "".join(
            f"<0x{ord(c) - 0xDC00:02X}>" if "\udc80" <= c <= "\udcff" else c for c in escaped
        )


def _from_metaspace(token: str) -> str:
    return token.replace(METASPACE, " ")
