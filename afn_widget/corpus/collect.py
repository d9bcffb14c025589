"""Every run's forward passes over the corpus (the trained model, each control at each seed),
chunk by chunk, keeping only each word's and each special token's scores."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..models import LoadedModel
from ..tokens import special_frame
from ..words import aggregate_words
from .conllu_reader import Sentence
from .inputs import Item, batches, chunks, default_token_budget, prepare, sentence_from_text
from .language import ENGLISH_REFERENCE, TokenFit
from .names import Run
from .options import Options
from .runner import MASSIVE, Runner
from .twin import random_twin

# [K + 1, L+1, n_words], [K + 1, L+1, n_special]: the scores, then the massive flags (MASSIVE)
WordAndSpecials = tuple[np.ndarray, np.ndarray]


@dataclass
class Collected:
    """The kept sentences in input order and, per run (a condition at a seed), their scores
    (``shuffled`` back in the sentence's own word order) and which of their words and special
    tokens carry a massive activation at each layer (a word: any of its pieces)."""

    runs: tuple[Run, ...]
    sentences: list[Sentence] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # each kept sentence's input index
    scored: list[np.ndarray] = field(default_factory=list)  # bool per word: it has pieces
    n_pieces: list[np.ndarray] = field(default_factory=list)  # int per word
    words: dict[Run, list[np.ndarray]] = field(default_factory=dict)
    specials: dict[Run, list[np.ndarray]] = field(default_factory=dict)
    massive: dict[Run, list[np.ndarray]] = field(default_factory=dict)  # bool [L+1, n_words]
    massive_specials: dict[Run, list[np.ndarray]] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)  # input indices: empty or too long
    too_long: list[int] = field(default_factory=list)  # those of them longer than the window
    words_without_pieces: int = 0
    fit: TokenFit | None = None  # how well the tokenizer reads the words

    def __post_init__(self) -> None:
        for r in self.runs:
            for d in (self.words, self.specials, self.massive, self.massive_specials):
                d.setdefault(r, [])

    def add(self, item: Item, scores: dict[Run, WordAndSpecials]) -> None:
        self.sentences.append(item.sentence)
        self.positions.append(item.index)
        n_pieces = np.array([len(p) for p in item.pieces], dtype=np.int64)
        self.n_pieces.append(n_pieces)
        self.scored.append(n_pieces > 0)
        self.words_without_pieces += int((n_pieces == 0).sum())
        for run in self.runs:
            w, sp = scores[run]
            if run.condition == "shuffled":
                w = w[:, :, _unshuffle(item.sentence, run.seed, item.index)]
            self.words[run].append(w[:MASSIVE])
            self.specials[run].append(sp[:MASSIVE])
            self.massive[run].append(w[MASSIVE] > 0)  # nan (no pieces) > 0 is False
            self.massive_specials[run].append(sp[MASSIVE] > 0)

    def word_scores(self) -> dict[Run, np.ndarray]:
        """Per run ``[K, L+1, n_words]``, all sentences' words side by side."""
        return {r: np.concatenate(self.words[r], axis=2) for r in self.runs}

    def word_massive(self) -> dict[Run, np.ndarray]:
        """Per run bool ``[L+1, n_words]``: the words with a massive activation at each layer."""
        return {r: np.concatenate(self.massive[r], axis=1) for r in self.runs}

    def special_scores(self) -> dict[Run, np.ndarray]:
        """Per run ``[K, L+1, n_sentences, n_special]``."""
        return {r: np.stack(self.specials[r]).transpose(1, 2, 0, 3) for r in self.runs}


class Passes:
    """The runners of every run (``shuffled`` reuses the trained model; ``random_init`` runs
    :func:`random_twin` of each seed, all held at once since the corpus is read once) and the
    batching of their inputs."""

    def __init__(self, lm: LoadedModel, opts: Options) -> None:
        self.tokenizer = lm.tokenizer
        self.model_name = lm.name
        self.max_length = lm.max_length
        self.runs = opts.runs
        self.lang = opts.lang
        self.chunk_size = opts.chunk_size
        self.token_budget = opts.token_budget
        if self.token_budget is None:
            self.token_budget = default_token_budget(next(lm.model.parameters()).device)
        self.head, self.tail = special_frame(lm.tokenizer)
        pad = lm.tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else 0
        run = (lm.n_layers, opts.outlier_k, opts.scores, opts.massive)
        trained = Runner(lm.model, *run)
        self.runners = {
            r: Runner(random_twin(lm, r.seed).model, *run)
            if r.condition == "random_init"
            else trained
            for r in self.runs
        }

    @property
    def hooked(self) -> bool:
        """Whether ``attn_norm`` is computed (asked for, of a model whose attention blocks
        :mod:`afn_widget.attention` knows)."""
        return self.runners[Run("trained")].hooked

    @property
    def special_ids(self) -> list[int]:
        return self.head + self.tail

    def collect(self, corpus: Iterable[Sentence | str], bar: Any) -> Collected:
        """Every sentence through every run; ``bar`` counts sentence passes. The tokenizer's fit
        to the text is checked on the first chunk, before its forward passes."""
        out = Collected(self.runs, fit=TokenFit(self.tokenizer.unk_token_id))
        for k, chunk in enumerate(chunks(corpus, self.tokenizer, self.chunk_size)):
            items = self.read(k, chunk, out, bar)
            scores = {r: self._run(r, items, bar) for r in self.runs}
            for it in items:
                out.add(it, {r: scores[r][it.index] for r in self.runs})
        return out

    def read(self, k: int, chunk: list, out: Collected, bar: Any) -> list[Item]:
        """Chunk ``k``'s items the model can read, their tokenizer fit counted (and judged
        on the first chunk, before its forward passes)."""
        items = self._runnable(prepare(chunk, self.tokenizer), out, bar)
        for it in items:
            out.fit.add(it.sentence.words, it.pieces, it.ids, it.offsets)
        if k == 0:
            english = None if self.lang == "en" else english_pieces_per_word(self.tokenizer)
            out.fit.warn(self.lang, self.model_name, english)
            out.fit.english = english
        return items

    def _runnable(self, items: list[Item], out: Collected, bar: Any) -> list[Item]:
        """The items the model can read; the others (empty, too long) counted as skipped."""
        n_special = len(self.head) + len(self.tail)
        kept = []
        for it in items:
            too_long = len(it.ids) + n_special > self.max_length
            if not it.ids or too_long:
                out.skipped.append(it.index)
                if too_long:
                    out.too_long.append(it.index)
                bar.update(len(self.runs))
                continue
            kept.append(it)
        return kept

    def _run(self, run: Run, items: list[Item], bar: Any) -> dict[int, WordAndSpecials]:
        """Word and special-token scores of each item under ``run``, by input index."""
        items = self.inputs(run, items)
        runner = self.runners[run]
        n_head, n_tail = len(self.head), len(self.tail)
        out: dict[int, WordAndSpecials] = {}
        for batch in batches(items, n_head + n_tail, self.token_budget):
            outs = runner.run([self.head + it.ids + self.tail for it in batch], self.pad_id)
            for it, m in zip(batch, outs, strict=True):
                out[it.index] = _to_words(m, it, n_head, n_tail)
            bar.update(len(batch))
        return out

    def inputs(self, run: Run, items: list[Item]) -> list[Item]:
        """The items as ``run`` reads them: ``shuffled``'s words in a random order (the
        generator seeded with ``[seed, input index]``), the others as they are."""
        if run.condition != "shuffled":
            return items
        shuffled = [
            (it.index, it.sentence.shuffled(np.random.default_rng([run.seed, it.index])))
            for it in items
        ]
        return prepare(shuffled, self.tokenizer)


def english_pieces_per_word(tokenizer: Any) -> float:
    """The tokenizer's pieces per word (:class:`~.language.TokenFit`) over
    :data:`~.language.ENGLISH_REFERENCE`, its words as the engine groups them."""
    fit = TokenFit(tokenizer.unk_token_id)
    for it in prepare([(0, sentence_from_text(ENGLISH_REFERENCE, tokenizer))], tokenizer):
        fit.add(it.sentence.words, it.pieces, it.ids, it.offsets)
    return fit.pieces_per_word


def _to_words(m: np.ndarray, it: Item, n_head: int, n_tail: int) -> WordAndSpecials:
    """Token scores ``[K, L+1, T]`` → word scores ``[K, L+1, n_words]`` (mean of pieces; nan for
    a word without pieces) and special-token scores ``[K, L+1, n_special]`` (every slot alike,
    the massive flags too: a word's mean flag is > 0 when any of its pieces is flagged)."""
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
