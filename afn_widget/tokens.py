"""Text to tokens: ids, character offsets, word ids and the special tokens a tokenizer adds.

The engine and the corpus report tokenize through these functions only, so both read a text the
same way: no special tokens added (the caller frames each window with :func:`special_frame`),
special-token strings inside the text split like any other text, offsets always asked for.
"""

from __future__ import annotations

import weakref
from typing import Any, NamedTuple

from .errors import AFNTypeError

Offsets = list[tuple[int, int]]


class Tokenized(NamedTuple):
    """One text, tokenized without special tokens."""

    ids: list[int]
    offsets: Offsets  # (start, end) character span of each token
    word_ids: list[int | None] | None  # the tokenizer's word of each token; None without one
    tokens: list[str]  # the token strings


class Frame(NamedTuple):
    """The special token ids a tokenizer puts before and after a single text."""

    head: list[int]
    tail: list[int]


EMPTY = Tokenized([], [], [], [])


def encode(tokenizer: Any, text: str | list[str]) -> Any:
    """The tokenizer's encoding of ``text`` (or of each of a list of texts): no special tokens
    added, special-token strings in the text split like any other text, with offsets."""
    kwargs = dict(add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    try:
        return tokenizer(text, split_special_tokens=True, **kwargs)
    except TypeError:  # a tokenizer that does not know split_special_tokens
        return tokenizer(text, **kwargs)


def _offsets(mapping: Any) -> Offsets:
    return [(int(s), int(e)) for s, e in mapping]


_BACKENDS: dict[type, bool] = {}


def fast_backend(tokenizer: Any) -> Any:
    """The ``tokenizers.Tokenizer`` behind a transformers fast tokenizer whose class encodes a
    text as the base class does (no method of its own on that path), else ``None``.

    :func:`tokenize` calls it directly, as transformers' wrapper would for these arguments (no
    truncation, no padding, no special tokens added, special-token strings split): the same
    encoding without the wrapper's Python around it, about 0.3 ms of a 1 ms call with the
    caches as a forward pass leaves them."""
    cls = type(tokenizer)
    ok = _BACKENDS.get(cls)
    if ok is None:
        try:
            from transformers.tokenization_utils_base import PreTrainedTokenizerBase as Base
            from transformers.tokenization_utils_tokenizers import TokenizersBackend as Fast
        except ImportError:
            ok = False
        else:
            ok = (
                issubclass(cls, Fast)
                and cls.__call__ is Base.__call__
                and cls._encode_plus is Fast._encode_plus
                and cls.set_truncation_and_padding is Fast.set_truncation_and_padding
                and not hasattr(cls, "_switch_to_input_mode")
            )
        _BACKENDS[cls] = ok
    return getattr(tokenizer, "_tokenizer", None) if ok else None


def tokenize(tokenizer: Any, text: str) -> Tokenized:
    """Ids, offsets, word ids and token strings of ``text`` (all empty for a blank text)."""
    if not text.strip():
        return EMPTY
    backend = fast_backend(tokenizer)
    if backend is not None:
        if backend.truncation is not None:
            backend.no_truncation()
        if backend.padding is not None:
            backend.no_padding()
        backend.encode_special_tokens = True
        enc = backend.encode(text, add_special_tokens=False)
        return Tokenized(enc.ids, enc.offsets, enc.word_ids, enc.tokens)
    return through_wrapper(tokenizer, text)


def through_wrapper(tokenizer: Any, text: str) -> Tokenized:
    """:func:`tokenize` through the tokenizer's own call (any tokenizer; a non-blank text)."""
    enc = encode(tokenizer, text)
    ids = list(enc["input_ids"])
    offsets = _offsets(enc["offset_mapping"])
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
            out[i] = (list(ids), _offsets(offs))
    return out


_FRAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def special_frame(tokenizer: Any) -> Frame:
    """The special token ids the tokenizer puts before and after a single text (found once per
    tokenizer object)."""
    try:
        head, tail = _FRAMES[tokenizer]
    except (KeyError, TypeError):
        head, tail = _find_frame(tokenizer)
        try:
            _FRAMES[tokenizer] = (tuple(head), tuple(tail))
        except TypeError:  # not weakly referenceable: found again next time
            pass
    return Frame(list(head), list(tail))


def _find_frame(tokenizer: Any) -> tuple[list[int], list[int]]:
    probe = "a"
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
