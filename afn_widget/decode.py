"""Token ids to text: the text they spell and each token's span in it, as the ids come.

A model writes ids, not text; :func:`afn_widget.analyze` also takes ids (``result.ids``). The
text is the tokenizer's own ``decode``, grown one token at a time (:class:`Detokenizer`): each
new token's text is ``decode(context + [token])`` minus ``decode(context)``, the context being
the few tokens before it, so that a SentencePiece ``▁`` or a byte-level ``Ġ`` turns into the
space it stands for. A token that ends inside a character (a byte-level piece of an emoji)
spells nothing yet: it waits, and the token that completes the character gives the pieces
that make it the character's span, as a fast tokenizer's offsets do for such pieces (bytes
that never make a character are taken as U+FFFD after :data:`MAX_WAIT` tokens).

Special tokens (the tokenizer's, the BOS, the EOS, a chat template's markers) spell nothing
and have no span (``None``). Spans are a reader's: without whitespace at their ends
(:func:`afn_widget.tokens.strip_spans`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import AFNInputError, AFNTypeError
from .tokens import Tokenized, strip_spans

CONTEXT = 6
"""Tokens decoded before a new one, so that its text reads as it does after them."""
MAX_WAIT = 4
"""A character is at most 4 bytes: tokens that still spell no whole character after 4 of them
are taken as they read (U+FFFD for bytes that make no character)."""


def is_ids(value: Any) -> bool:
    """Whether ``value`` is given as token ids: a list, tuple, numpy array or torch tensor."""
    kind = type(value).__name__
    return isinstance(value, (list, tuple, np.ndarray)) or kind == "Tensor"


def check_ids(value: Any) -> tuple[int, ...]:
    """Token ids as a tuple of ints (a 1-D list, tuple, array or tensor of integers), or a typed
    error; their range is checked against the tokenizer (:func:`check_vocab`)."""
    kind = type(value).__name__
    if kind == "Tensor":
        value = value.detach().cpu().numpy()
    arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
    if arr.ndim != 1:
        raise AFNTypeError(
            f"token ids must be one sequence (1-D), not an array of shape {arr.shape}; "
            "for a batch, analyse each sequence on its own."
        )
    ints = [x for x in arr.tolist() if isinstance(x, int) and not isinstance(x, bool)]
    if len(ints) != len(arr):
        raise AFNTypeError(
            f"text must be a string, not {kind}; or token ids, all integers, e.g. "
            "analyze([1, 450, 6635], model)."
        )
    return tuple(ints)


def check_vocab(ids: Sequence[int], tokenizer: Any) -> None:
    """Every id is one of the tokenizer's (``0 <= id < len(tokenizer)``), or a typed error."""
    n = len(tokenizer)
    bad = [x for x in ids if not 0 <= x < n]
    if bad:
        raise AFNInputError(
            f"token ids {bad[:5]} are not in the tokenizer's vocabulary (0..{n - 1}); pass ids "
            "this model's tokenizer wrote."
        )


def special_ids(tokenizer: Any) -> frozenset[int]:
    """The ids of the tokenizer's special tokens: its named ones (BOS, EOS, pad, ...) and every
    added token marked special (a chat template's markers)."""
    ids = set(getattr(tokenizer, "all_special_ids", ()) or ())
    added = getattr(tokenizer, "added_tokens_decoder", None) or {}
    ids.update(i for i, tok in added.items() if getattr(tok, "special", False))
    return frozenset(ids)


class Detokenizer:
    """The text of ids fed one at a time (:meth:`push`), after ``text``; ``context``: the ids
    that spelled the end of ``text`` (a prompt's), so that the first new token reads as it does
    after them. :attr:`offsets` holds each pushed token's span in :attr:`text` (``None`` for a
    special token; the empty span at the end for one that waits for the rest of its
    character), :attr:`tokens` the tokenizer's strings."""

    def __init__(
        self,
        tokenizer: Any,
        text: str = "",
        context: Sequence[int] = (),
        special: frozenset[int] | None = None,
    ) -> None:
        self.tokenizer = tokenizer
        self.special = special_ids(tokenizer) if special is None else special
        self.text = text
        self.offsets: list[tuple[int, int] | None] = []
        self.tokens: list[str] = []
        self._ids = [x for x in context if x not in self.special][-CONTEXT:]
        self._read = len(self._ids)  # self._ids[:_read] is spelled in the text already
        self._waiting: list[int] = []  # tokens (indices into offsets) that spell nothing yet

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(
            ids, skip_special_tokens=True, clean_up_tokenization_spaces=False
        )

    def push(self, token_id: int) -> str:
        """Add one token; returns the text it completed (``""`` when it spells nothing yet)."""
        self.tokens.append(self.tokenizer.convert_ids_to_tokens(int(token_id)))
        if token_id in self.special:
            self.offsets.append(None)
            return ""
        at = len(self.text)
        self.offsets.append((at, at))
        self._waiting.append(len(self.offsets) - 1)
        self._ids.append(int(token_id))
        before = self._decode(self._ids[: self._read])
        after = self._decode(self._ids)
        grew = len(after) > len(before)
        if (not grew or after.endswith("\ufffd")) and len(self._waiting) < MAX_WAIT:
            return ""  # inside a character, or nothing to show yet
        piece = after[len(os.path.commonprefix([before, after])) :] if grew else ""
        self.text += piece
        span = strip_spans(self.text, [(at, at + len(piece))])[0]
        for i in self._waiting:
            self.offsets[i] = span
        self._waiting.clear()
        self._ids = self._ids[-CONTEXT:]
        self._read = len(self._ids)
        return piece


def decode_ids(tokenizer: Any, ids: Sequence[int]) -> tuple[str, Tokenized]:
    """The text ``ids`` spell and their tokens (:class:`~afn_widget.tokens.Tokenized`, special
    tokens with no span and every token with no word id: words are grouped from the spans)."""
    check_vocab(ids, tokenizer)
    d = Detokenizer(tokenizer)
    for x in ids:
        d.push(x)
    return d.text, Tokenized(list(ids), d.offsets, None, d.tokens)
