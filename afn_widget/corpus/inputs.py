"""Sentences to model inputs: words to subword pieces, plain strings to sentences, length-sorted
batches of at most a token budget, the corpus in chunks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import AFNTypeError
from ..tokens import tokenize, tokenize_many
from ..words import group_words, word_span
from .conllu_reader import Sentence


@dataclass
class Item:
    """One sentence ready for the model."""

    index: int  # position in the input
    sentence: Sentence
    ids: list[int]  # subword ids, no specials
    pieces: list[list[int]]  # per word: indices into ids
    offsets: list[tuple[int, int]]  # per id: its characters in the sentence's text


def word_pieces(
    spans: Iterable[tuple[int, int]], offsets: list[tuple[int, int]]
) -> list[list[int]]:
    """For each word span, the subword tokens whose first character lies inside it (failing
    that, the tokens overlapping it)."""
    starts = np.array([o[0] for o in offsets], dtype=np.int64)
    ends = np.array([o[1] for o in offsets], dtype=np.int64)
    spans = list(spans)
    if spans and (starts.size == 0 or bool((np.diff(starts) >= 0).all())):
        # tokens in text order: those starting inside a span are one run, found by bisection
        bounds = np.array(spans, dtype=np.int64).reshape(-1, 2)
        lo = np.searchsorted(starts, bounds[:, 0], side="left").tolist()
        hi = np.searchsorted(starts, bounds[:, 1], side="left").tolist()
        if all(a < b for a, b in zip(lo, hi, strict=True)):
            return [list(range(a, b)) for a, b in zip(lo, hi, strict=True)]
    out = []
    for s, e in spans:
        p = np.flatnonzero((starts >= s) & (starts < e))
        if p.size == 0:
            p = np.flatnonzero((starts < e) & (ends > s))
        out.append(p.tolist())
    return out


def sentence_from_text(text: str, tokenizer: Any) -> Sentence:
    """A plain string as a :class:`Sentence` of the engine's words (no UPOS)."""
    if not isinstance(text, str):
        raise AFNTypeError(
            "corpus items must be strings or the Sentence objects of read_conllu, not "
            f"{type(text).__name__}."
        )
    _ids, offsets, word_ids, _ = tokenize(tokenizer, text)
    groups = group_words(offsets, word_ids, text)
    spans = [word_span(offsets, g) for g in groups]
    return Sentence(tuple(text[s:e] for s, e in spans), tuple(spans), text)


def prepare(pairs: list[tuple[int, Sentence]], tokenizer: Any) -> list[Item]:
    """Items for ``(index, sentence)`` pairs, the texts tokenized in one call."""
    encoded = tokenize_many(tokenizer, [s.text for _, s in pairs])
    return [
        Item(index, sentence, ids, word_pieces(sentence.spans, offsets), offsets)
        for (index, sentence), (ids, offsets) in zip(pairs, encoded, strict=True)
    ]


def default_token_budget(device: Any) -> int:
    """Padded tokens per batch when none is given: 512 on a CPU, whose caches hold a batch
    that size (measured in BENCHMARKS.md, section 3), 4,096 on an accelerator."""
    return 512 if str(device).startswith("cpu") else 4096


def batches(items: list[Item], n_special: int, token_budget: int) -> Iterator[list[Item]]:
    """Items sorted by length, cut into batches of at most ``token_budget`` padded tokens."""
    order = sorted(items, key=lambda it: len(it.ids))
    batch: list[Item] = []
    for it in order:
        width = len(it.ids) + n_special  # the longest so far, since sorted
        if batch and (len(batch) + 1) * width > token_budget:
            yield batch
            batch = []
        batch.append(it)
    if batch:
        yield batch


def chunks(
    corpus: Iterable[Sentence | str], tokenizer: Any, size: int
) -> Iterator[list[tuple[int, Sentence]]]:
    """The corpus as ``(index, sentence)`` pairs, ``size`` at a time (plain strings become the
    engine's words)."""
    buf: list[tuple[int, Sentence]] = []
    for i, s in enumerate(corpus):
        sent = s if isinstance(s, Sentence) else sentence_from_text(s, tokenizer)
        buf.append((i, sent))
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf
