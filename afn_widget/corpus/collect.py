"""Every condition's forward passes over the corpus, chunk by chunk, keeping only each word's
and each special token's scores."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..conllu import Sentence
from ..models import LoadedModel
from ..result import aggregate_words
from ..tokens import special_frame
from .inputs import Item, batches, chunks, default_token_budget, prepare
from .options import Options
from .runner import Runner
from .twin import random_twin

WordAndSpecials = tuple[np.ndarray, np.ndarray]  # [K, L+1, n_words], [K, L+1, n_special]


@dataclass
class Collected:
    """The kept sentences in input order and, per condition, their scores (``shuffled`` back
    in the sentence's own word order)."""

    conditions: tuple[str, ...]
    sentences: list[Sentence] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # each kept sentence's input index
    scored: list[np.ndarray] = field(default_factory=list)  # bool per word: it has pieces
    words: dict[str, list[np.ndarray]] = field(default_factory=dict)
    specials: dict[str, list[np.ndarray]] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)
    words_without_pieces: int = 0

    def __post_init__(self) -> None:
        for c in self.conditions:
            self.words.setdefault(c, [])
            self.specials.setdefault(c, [])

    def add(self, item: Item, scores: dict[str, WordAndSpecials], seed: int) -> None:
        self.sentences.append(item.sentence)
        self.positions.append(item.index)
        scored = np.array([bool(p) for p in item.pieces], dtype=bool)
        self.scored.append(scored)
        self.words_without_pieces += int((~scored).sum())
        for cond in self.conditions:
            w, sp = scores[cond]
            if cond == "shuffled":
                w = w[:, :, _unshuffle(item.sentence, seed, item.index)]
            self.words[cond].append(w)
            self.specials[cond].append(sp)

    def word_scores(self) -> dict[str, np.ndarray]:
        """Per condition ``[K, L+1, n_words]``, all sentences' words side by side."""
        return {c: np.concatenate(self.words[c], axis=2) for c in self.conditions}

    def special_scores(self) -> dict[str, np.ndarray]:
        """Per condition ``[K, L+1, n_sentences, n_special]``."""
        return {c: np.stack(self.specials[c]).transpose(1, 2, 0, 3) for c in self.conditions}


class Passes:
    """The runners of every condition (``shuffled`` reuses the trained one; ``random_init``
    runs :func:`random_twin`) and the batching of their inputs."""

    def __init__(self, lm: LoadedModel, opts: Options) -> None:
        self.tokenizer = lm.tokenizer
        self.max_length = lm.max_length
        self.conditions = opts.conditions
        self.seed = opts.seed
        self.chunk_size = opts.chunk_size
        self.token_budget = opts.token_budget
        if self.token_budget is None:
            self.token_budget = default_token_budget(next(lm.model.parameters()).device)
        self.head, self.tail = special_frame(lm.tokenizer)
        pad = lm.tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else 0
        run = (lm.n_layers, opts.outlier_k, opts.scores)
        self.runners = {"trained": Runner(lm.model, *run)}
        if "random_init" in opts.conditions:
            self.runners["random_init"] = Runner(random_twin(lm, opts.seed).model, *run)
        self.runners["shuffled"] = self.runners["trained"]

    @property
    def hooked(self) -> bool:
        """Whether ``attn_norm`` is computed (a BERT-family model, asked for)."""
        return self.runners["trained"].hooked

    @property
    def special_ids(self) -> list[int]:
        return self.head + self.tail

    def collect(self, corpus: Iterable[Sentence | str], bar: Any) -> Collected:
        """Every sentence through every condition; ``bar`` counts sentence passes."""
        out = Collected(self.conditions)
        with contextlib.ExitStack() as stack:
            for r in {id(r): r for r in self.runners.values()}.values():
                stack.enter_context(r)
            for chunk in chunks(corpus, self.tokenizer, self.chunk_size):
                items = self._runnable(prepare(chunk, self.tokenizer), out, bar)
                scores = {c: self._run(c, items, bar) for c in self.conditions}
                for it in items:
                    out.add(it, {c: scores[c][it.index] for c in self.conditions}, self.seed)
        return out

    def _runnable(self, items: list[Item], out: Collected, bar: Any) -> list[Item]:
        """The items the model can read; the others (empty, too long) counted as skipped."""
        n_special = len(self.head) + len(self.tail)
        kept = []
        for it in items:
            if not it.ids or len(it.ids) + n_special > self.max_length:
                out.skipped.append(it.index)
                bar.update(len(self.conditions))
                continue
            kept.append(it)
        return kept

    def _run(self, cond: str, items: list[Item], bar: Any) -> dict[int, WordAndSpecials]:
        """Word and special-token scores of each item under ``cond``, by input index."""
        if cond == "shuffled":
            shuffled = [
                (it.index, it.sentence.shuffled(np.random.default_rng([self.seed, it.index])))
                for it in items
            ]
            items = prepare(shuffled, self.tokenizer)
        runner = self.runners[cond]
        n_head, n_tail = len(self.head), len(self.tail)
        out: dict[int, WordAndSpecials] = {}
        for batch in batches(items, n_head + n_tail, self.token_budget):
            outs = runner.run([self.head + it.ids + self.tail for it in batch], self.pad_id)
            for it, m in zip(batch, outs, strict=True):
                out[it.index] = _to_words(m, it, n_head, n_tail)
            bar.update(len(batch))
        return out


def _to_words(m: np.ndarray, it: Item, n_head: int, n_tail: int) -> WordAndSpecials:
    """Token scores ``[K, L+1, T]`` → word scores ``[K, L+1, n_words]`` (mean of pieces; nan for
    a word without pieces) and special-token scores ``[K, L+1, n_special]``."""
    k, l1, t = m.shape
    flat = m.reshape(k * l1, t)
    n_w = len(it.pieces)
    out = np.full((k * l1, n_w), np.nan, dtype=np.float32)
    have = [j for j, p in enumerate(it.pieces) if p]
    if have:
        groups = [[i + n_head for i in it.pieces[j]] for j in have]
        with np.errstate(invalid="ignore"):
            out[:, have] = aggregate_words(flat, groups, "mean")
    sp = np.concatenate([flat[:, :n_head], flat[:, t - n_tail :]], axis=1)
    return out.reshape(k, l1, n_w), sp.reshape(k, l1, n_head + n_tail)


def _unshuffle(sentence: Sentence, seed: int, index: int) -> np.ndarray:
    """Column order that puts the shuffled sentence's words back in the original order."""
    n = len(sentence.words)
    index_map = np.arange(n)
    shuffled = Sentence(
        tuple(str(i) for i in range(n)),
        sentence.spans,
        sentence.text,
        None,
        None,
        0,
        sentence.token_index,
    ).shuffled(np.random.default_rng([seed, index]))
    order = np.array([int(w) for w in shuffled.words], dtype=np.int64)  # original index per slot
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = index_map
    return inverse
