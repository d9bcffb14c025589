"""The result of an analysis and its exports (DataFrame, dict, JSON, text summary).

Everything here is numpy; no torch. A result holds the norms of every layer, so looking at
another layer or quantile (:meth:`AFNResult.at`) needs no new forward pass.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from . import buckets as B
from . import registry as R
from .hidden import SHIFT_METRICS
from .tokens import reader_pieces
from .validate import check_choice, check_granularity, check_layer, check_quantile
from .words import CONTENT, SPECIAL, Punctuation, aggregate_words, describe_words, group_words

SCORES = R.SCORES
"""The per-token scores a result can give (:meth:`AFNResult.score`), declared in
:mod:`afn_widget.registry`."""
HIDDEN_SCORES = R.HIDDEN_SCORES
"""The scores of the hidden state itself: a token with a massive activation is set apart from
their ranking (attention received is not a property of the token's vector: its sinks stay)."""


def default_layer(n_layers: int) -> int:
    """The paper's layer 8 of 12 (``hidden_states[8]``), at the same relative depth elsewhere."""
    return int(round(2 * n_layers / 3))


@dataclass(frozen=True)
class WordLevel:
    """The result per whole word: pieces joined, original spelling, its own threshold."""

    text: list[str]
    spans: list[tuple[int, int] | None]
    roles: list[str]
    pieces: list[list[int]]  # token indices of each word
    layer_norms: np.ndarray  # float32 [n_layers + 1, n_words]
    layer: int
    threshold: float
    buckets: np.ndarray
    ranks: np.ndarray
    percentiles: np.ndarray

    @property
    def tas(self) -> np.ndarray:
        return self.layer_norms[self.layer]

    def __len__(self) -> int:
        return len(self.text)


class WordDescription(NamedTuple):
    """The words of a text: what they are, and which tokens make each of them."""

    text: list[str]  # each word's original spelling
    spans: list[tuple[int, int] | None]  # character span, None for a special token
    roles: list[str]
    word_of: list[int]  # for each token, the index of its word
    pieces: list[list[int]]  # for each word, its token indices


class WordSource:
    """What the word level of a result is made from. The words are grouped, described and
    aggregated on first use, once, and shared by every :meth:`AFNResult.at` view."""

    def __init__(
        self,
        text: str,
        tokens: Sequence[str],
        offsets: Sequence[tuple[int, int] | None],
        word_ids: Sequence[int | None] | None,
        layer_norms: np.ndarray,
        word_agg: str,
    ) -> None:
        self.text, self.tokens, self.offsets, self.word_ids = text, tokens, offsets, word_ids
        self.token_norms, self.word_agg = layer_norms, word_agg

    @cached_property
    def described(self) -> WordDescription:
        punct = Punctuation(self.text)
        groups = group_words(self.offsets, self.word_ids, self.text, punct)
        return WordDescription(
            *describe_words(self.text, self.tokens, self.offsets, groups, punct), groups
        )

    @cached_property
    def layer_norms(self) -> np.ndarray:
        return aggregate_words(self.token_norms, self.described.pieces, self.word_agg)

    @cached_property
    def pieces(self) -> list[str]:
        """Each token as a reader sees it (:func:`afn_widget.tokens.reader_pieces`)."""
        return reader_pieces(self.text, self.tokens, self.offsets)

    def level(
        self,
        layer: int,
        quantile: float,
        include_special: bool,
        high: str = "quantile",
        apart: np.ndarray | None = None,
    ) -> WordLevel:
        """The words split at ``layer``: a threshold of their own over the eligible words
        (non-special unless ``include_special``; those marked ``apart`` set apart)."""
        d = self.described
        special = np.array([r == SPECIAL for r in d.roles], dtype=bool)
        eligible = np.ones_like(special) if include_special else ~special
        values = self.layer_norms[layer] if len(d.text) else np.zeros(0)
        s = B.split(values, eligible, quantile, high, apart)
        return WordLevel(
            d.text, d.spans, d.roles, d.pieces, self.layer_norms, layer,
            s.threshold, s.buckets, s.ranks, s.percentiles,
        )  # fmt: skip


class TopDims:
    """The ``k`` hidden dimensions with the largest ``|h_l[i]|`` of each token at each layer, and
    their shares of ``‖h_l[i]‖²``: int32 and float32 ``[n_layers + 1, n_tokens, k]``, in
    decreasing order (:func:`afn_widget.hidden.hidden_stats`). Shared by every
    :meth:`AFNResult.at` view."""

    def __init__(self, dims: np.ndarray, share: np.ndarray) -> None:
        self.dims, self.share = dims, share
        self.k = int(dims.shape[-1])

    def full(self) -> tuple[np.ndarray, np.ndarray]:
        return self.dims, self.share

    def token(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """``(dims, share)`` of token ``i`` at every layer, ``[n_layers + 1, k]`` each."""
        return self.dims[:, i], self.share[:, i]


@dataclass(frozen=True)
class AFNResult:
    """Token activation strength of one text.

    ``layer_norms[l, i]`` is ``‖hidden_states[l][i]‖₂`` (after ``normalize``), ``l = 0`` being
    the embeddings. ``tas = layer_norms[layer]``. ``threshold``, ``buckets``, ``ranks`` and
    ``percentiles`` follow :mod:`afn_widget.buckets` over the eligible tokens (non-special unless
    ``include_special``), HIGH by the rule ``high_rule`` (``"quantile"`` or ``"top_k"``).
    ``words`` holds the same per whole word, a word's value being the ``word_agg`` (mean or max)
    of its pieces' values, with a threshold of its own.

    Where the values are undefined (nan: given scores, say attention, at layer 0), the units
    that would be ranked are bucket ``UNDEFINED`` instead (unranked, out of the quantile, never
    ``SPECIAL``); at a layer where all of them are, the threshold is nan and :meth:`summary`
    says why in place of the threshold (:func:`afn_widget.buckets.undefined_note`).
    """

    text: str
    tokens: list[str]
    offsets: list[tuple[int, int] | None]
    special: np.ndarray  # bool [n_tokens]
    layer_norms: np.ndarray  # float32 [n_layers + 1, n_tokens]
    shifts: Mapping[str, np.ndarray]  # float32 [n_layers + 1, n_tokens]; row 0 is nan
    layer: int
    quantile: float
    include_special: bool
    granularity: str
    word_agg: str
    normalize: str
    model_name: str
    note: str
    n_windows: int
    outlier_dims: list[list[int]]
    word_source: WordSource = field(repr=False, compare=False)
    dims_source: TopDims = field(repr=False, compare=False)
    score_name: str = "TAS"  # what layer_norms holds: TAS, or the name of given scores
    high_rule: str = "quantile"  # buckets.HIGH_RULES: >= the quantile, or exactly the top k
    # the scores beyond the hidden states' own, by name: attention's and the LM head's
    extra: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    unavailable: Mapping[str, str] = field(default_factory=dict)  # score -> why not computed
    scores: tuple[str, ...] = (R.TAS.name,)  # the scores asked for (analyze's scores=)
    massive_rows: Mapping[str, np.ndarray] | None = field(default=None, repr=False, compare=False)
    include_massive: bool = False
    final_layer: str = "block output"  # the last row: "residual", "normed" or "block output"
    ids: list[int] | None = field(default=None, repr=False, compare=False)  # the token ids run
    # written by afn_widget.generate (None for a text analysed): which tokens the model wrote,
    # each token's chat role (a message's role, "template" for the chat template's own), and why
    # it stopped writing
    generated: np.ndarray | None = field(default=None, repr=False, compare=False)  # bool [n]
    chat_roles: list[str] | None = field(default=None, repr=False, compare=False)
    finish_reason: str = ""

    # -- the split at this layer and quantile, made on first use -----------------------------
    @cached_property
    def _split(self) -> B.Split:
        apart = None if self.include_massive else self.massive[self.layer]
        eligible = self._eligible(self.special)
        return B.split(self.tas, eligible, self.quantile, self.high_rule, apart)

    # -- massive activations ------------------------------------------------------------------
    @property
    def massive(self) -> np.ndarray:
        """bool ``[n_layers + 1, n_tokens]``: tokens with a massive activation at each layer
        (:mod:`afn_widget.hidden`); at the result's layer they are bucket ``MASSIVE`` and take
        no part in the quantile unless ``include_massive``."""
        rows = self.massive_rows
        return np.zeros(self.layer_norms.shape, bool) if rows is None else rows["massive"]

    @property
    def massive_dims(self) -> tuple[np.ndarray, np.ndarray]:
        """``(dim, value)`` ``[n_layers + 1, n_tokens]``: each token's largest ``|x_d|``: the
        dimension (int32) and its signed value, before any normalization."""
        rows = self.massive_rows
        if rows is None:
            shape = self.layer_norms.shape
            return np.full(shape, -1, np.int32), np.full(shape, np.nan, np.float32)
        return rows["massive_dim"], rows["massive_value"]

    @property
    def threshold(self) -> float:
        return self._split.threshold

    @property
    def buckets(self) -> np.ndarray:
        return self._split.buckets

    @property
    def ranks(self) -> np.ndarray:
        return self._split.ranks

    @property
    def percentiles(self) -> np.ndarray:
        return self._split.percentiles

    # -- the word level, made on first use ----------------------------------------------------
    @cached_property
    def words(self) -> WordLevel:
        apart = None
        if not self.include_massive and self.massive[self.layer].any():
            flagged = self.massive[self.layer]
            apart = np.array([flagged[p].any() for p in self.word_source.described.pieces])
        return self.word_source.level(
            self.layer, self.quantile, self.include_special, self.high_rule, apart
        )

    @cached_property
    def word_index(self) -> np.ndarray:
        """int ``[n_tokens]``: the word each token belongs to."""
        return np.asarray(self.word_source.described.word_of, dtype=np.int64)

    @cached_property
    def roles(self) -> list[str]:
        """The role of each token: the role of its word."""
        d = self.word_source.described
        return [d.roles[j] for j in d.word_of]

    @property
    def pieces(self) -> list[str]:
        """Each token as a reader sees it, what the widget, the DataFrame and the summary show:
        decoded, its whitespace made visible (``Ġslept`` → ``␣slept``, ``Ċ`` → ``⏎``, a byte
        of a split character ``<0xC3>``); WordPiece tokens and specials as they are
        (:func:`afn_widget.tokens.reader_pieces`). :attr:`tokens` holds the tokenizer's own
        strings."""
        return self.word_source.pieces

    # -- the top hidden dimensions ------------------------------------------------------------
    @property
    def top_dims(self) -> np.ndarray:
        """int32 ``[n_layers + 1, n_tokens, k]``: the ``k`` dimensions with the largest ``|h|``."""
        return self.dims_source.full()[0]

    @property
    def top_share(self) -> np.ndarray:
        """float32 ``[n_layers + 1, n_tokens, k]``: their shares of the squared norm."""
        return self.dims_source.full()[1]

    def top_dims_of(self, token: int) -> tuple[np.ndarray, np.ndarray]:
        """``(dims, share)`` of one token at every layer, ``[n_layers + 1, k]`` each (what the
        widget's tooltip asks for)."""
        from .errors import AFNInputError

        if isinstance(token, bool) or not isinstance(token, (int, np.integer)):
            raise AFNInputError(f"token must be an integer index, not {token!r}.")
        if not 0 <= token < len(self.tokens):
            raise AFNInputError(
                f"token {token} is out of range: this result has {len(self.tokens)} tokens."
            )
        return self.dims_source.token(int(token))

    # -- basic views -------------------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        return self.layer_norms.shape[0] - 1

    @property
    def tas(self) -> np.ndarray:
        return self.layer_norms[self.layer]

    @property
    def high(self) -> np.ndarray:
        return self.buckets == B.HIGH

    def __len__(self) -> int:
        return len(self.tokens)

    def _eligible(self, special: np.ndarray) -> np.ndarray:
        special = np.asarray(special, dtype=bool)
        return np.ones_like(special) if self.include_special else ~special

    def shift(self, metric: str) -> np.ndarray:
        """One of the three named layer-to-layer shifts, ``[n_layers + 1, n_tokens]``.

        ``delta_norm = ‖h_l‖ − ‖h_{l−1}‖``, ``displacement = ‖h_l − h_{l−1}‖``,
        ``cos_change = 1 − cos(h_l, h_{l−1})``; row 0 (no previous layer) is nan.
        """
        from .errors import AFNInputError

        if metric not in self.shifts:
            raise AFNInputError(f"unknown shift {metric!r}; choose one of {SHIFT_METRICS}.")
        return self.shifts[metric]

    def score(self, name: str) -> np.ndarray:
        """float32 ``[n_layers + 1, n_tokens]`` of one of :data:`SCORES`: ``tas`` (the norms),
        the three shifts, ``attention`` / ``attn_norm`` (computed when ``analyze`` was asked
        for them with ``scores=``; :mod:`afn_widget.attention`), or the LM head's ``logprob`` /
        ``entropy`` (the same row at every layer; :mod:`afn_widget.logits`). Nan where undefined
        (layer 0 of the shifts and attention, the first token of the LM head's)."""
        from .errors import AFNInputError

        if name not in SCORES:
            raise AFNInputError(f"unknown score {name!r}; choose one of {SCORES}.")
        if name in self.unavailable:
            raise AFNInputError(
                f"{name} is not available for this model: {self.unavailable[name]}."
            )
        if name == R.TAS.name:
            return self.layer_norms
        if name in SHIFT_METRICS:
            return self.shifts[name]
        if name not in self.extra:
            raise AFNInputError(
                f"{name} was not computed; ask for it: analyze(text, scores=('tas', {name!r}))."
            )
        return self.extra[name]

    def with_word_agg(self, word_agg: str) -> AFNResult:
        """The same result with words aggregated by ``word_agg`` (``"mean"`` or ``"max"``)."""
        from .validate import check_word_agg

        agg = check_word_agg(word_agg)
        if agg == self.word_agg:
            return self
        ws = self.word_source
        source = WordSource(ws.text, ws.tokens, ws.offsets, ws.word_ids, ws.token_norms, agg)
        return replace(self, word_agg=agg, word_source=source)

    def at(
        self,
        layer: int | None = None,
        quantile: float | None = None,
        include_special: bool | None = None,
        high: str | None = None,
    ) -> AFNResult:
        """The same analysis at another layer, quantile or HIGH rule (``"quantile"`` or
        ``"top_k"``), without a new forward pass."""
        lay = self.layer if layer is None else check_layer(layer, self.n_layers)
        q = self.quantile if quantile is None else check_quantile(quantile)
        inc = self.include_special if include_special is None else bool(include_special)
        rule = self.high_rule if high is None else check_choice("high", high, B.HIGH_RULES)
        return replace(self, layer=lay, quantile=q, include_special=inc, high_rule=rule)

    # -- exports -----------------------------------------------------------------------------
    def to_dataframe(self, granularity: str | None = None):
        """One row per token (or per word); ``sort_values('rank')`` lists the strongest first
        and the unranked units (special tokens, and ``UNDEFINED`` ones where the score has no
        value: rank ``<NA>``) last. ``tas`` holds the result's score (:attr:`score_name`); per
        token, the LM head's scores it has (``logprob``, ``entropy``) and, for a generation,
        ``generated``."""
        import pandas as pd

        def ranked(ranks: np.ndarray) -> Any:
            return pd.array([int(r) if r > 0 else None for r in ranks], dtype="Int64")

        gran = check_granularity(granularity or self.granularity)
        if gran == "word":
            w = self.words
            return pd.DataFrame(
                {
                    "word": w.text,
                    "start": [s[0] if s else None for s in w.spans],
                    "end": [s[1] if s else None for s in w.spans],
                    "role": w.roles,
                    "pieces": [[self.pieces[i] for i in p] for p in w.pieces],
                    R.TAS.name: w.tas.astype(np.float64),
                    "bucket": w.buckets,
                    "rank": ranked(w.ranks),
                    "percentile": w.percentiles,
                }
            )
        df = pd.DataFrame(
            {
                "token": self.pieces,
                "start": [s[0] if s else None for s in self.offsets],
                "end": [s[1] if s else None for s in self.offsets],
                "role": self.roles,
                "word": [self.words.text[j] for j in self.word_index],
                R.TAS.name: self.tas.astype(np.float64),
                "bucket": self.buckets,
                "rank": ranked(self.ranks),
                "percentile": self.percentiles,
            }
        )
        for name in (n for n in R.LOGIT_SCORES if n in self.extra):  # one value per token
            df[name] = self.extra[name][self.layer].astype(np.float64)
        if self.generated is not None:
            df["generated"] = self.generated
        return df

    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain JSON-able Python (nan becomes ``None``)."""
        w = self.words
        written = {}
        if self.generated is not None:
            written = {
                "ids": list(self.ids or []),
                "generated": self.generated.tolist(),
                "chat_roles": self.chat_roles,
                "finish_reason": self.finish_reason,
            }
        return written | {
            "text": self.text,
            "model_name": self.model_name,
            "note": self.note,
            "n_layers": self.n_layers,
            "layer": self.layer,
            "quantile": self.quantile,
            "high_rule": self.high_rule,
            "include_special": self.include_special,
            "normalize": self.normalize,
            "word_agg": self.word_agg,
            "score_name": self.score_name,
            "threshold": _nan_none(self.threshold),
            "tokens": list(self.tokens),
            "pieces": list(self.pieces),
            "offsets": [list(s) if s else None for s in self.offsets],
            "roles": list(self.roles),
            "word_index": self.word_index.tolist(),
            "layer_norms": self.layer_norms.tolist(),
            R.TAS.name: self.tas.tolist(),
            "buckets": list(self.buckets),
            "ranks": self.ranks.tolist(),
            "percentiles": [_nan_none(p) for p in self.percentiles],
            "shifts": {
                k: [[_nan_none(x) for x in row] for row in v.tolist()]
                for k, v in self.shifts.items()
            },
            "top_dims": self.top_dims.tolist(),
            "top_share": self.top_share.tolist(),
            "outlier_dims": self.outlier_dims,
            "words": {
                "text": list(w.text),
                "spans": [list(s) if s else None for s in w.spans],
                "roles": list(w.roles),
                "pieces": [list(p) for p in w.pieces],
                "layer_norms": w.layer_norms.tolist(),
                "threshold": _nan_none(w.threshold),
                "buckets": list(w.buckets),
                "ranks": w.ranks.tolist(),
                "percentiles": [_nan_none(p) for p in w.percentiles],
            },
        }

    def to_html(self, title: str = "AFN view", granularity: str | None = None) -> str:
        """A standalone interactive page of the result (the widget's page, script, styles and
        data inlined, no network), without building a widget."""
        from .export import result_html

        return result_html(self, title, granularity)

    def to_svg(self, **options: Any) -> str:
        """The result as a figure for papers and slides, an SVG document with real text
        (:func:`afn_widget.figure.render`: ``granularity``, ``score``, ``width``, ``theme``
        ``"light" | "dark" | "print"``, ``heatmap``, ``ranking``, ``max_units``)."""
        from .figure import to_svg

        return to_svg(self, **options)

    def save_figure(self, path: Any, **options: Any) -> Any:
        """Write the figure to ``path`` as SVG, PNG (``scale=2`` pixels per point by default) or
        PDF, by its suffix; returns the path (:func:`afn_widget.figure.save`)."""
        from .figure import save

        return save(self, path, **options)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    def content_share(self, granularity: str | None = None) -> tuple[float, float]:
        """(share of content units among HIGH, share of content units among the ranked ones:
        neither special nor set apart as massive)."""
        gran = check_granularity(granularity or self.granularity)
        roles = np.asarray(self.words.roles if gran == "word" else self.roles, dtype=object)
        bk = self.words.buckets if gran == "word" else self.buckets
        eligible = (bk == B.HIGH) | (bk == B.LOW)
        high = bk == B.HIGH
        content = roles == CONTENT
        share = float(content[high].mean()) if high.any() else float("nan")
        base = float(content[eligible].mean()) if eligible.any() else float("nan")
        return share, base

    def summary(self, top: int = 10) -> str:
        """A few lines a person can read: model, layer, threshold, the strongest units; control
        characters written as visible escapes (:func:`afn_widget.validate.printable`)."""
        from .validate import printable

        gran = self.granularity
        lines = [
            f"model: {self.model_name}" + (f"  ({self.note})" if self.note else ""),
            f"layer {self.layer} of {self.n_layers} (hidden_states[{self.layer}]), "
            f"normalize={self.normalize}, granularity={gran}"
            + ("" if self.score_name == "TAS" else f", scores: {self.score_name}"),
        ]
        if gran == "word":
            units, vals, bk, ranks = (
                self.words.text,
                self.words.tas,
                self.words.buckets,
                self.words.ranks,
            )
            thr = self.words.threshold
        else:
            units, vals, bk, ranks = self.pieces, self.tas, self.buckets, self.ranks
            thr = self.threshold
        n_el = int(((bk != B.SPECIAL) & (bk != B.UNDEFINED)).sum())
        n_high = int((bk == B.HIGH).sum())
        rule = "" if self.high_rule == "quantile" else f", {self.high_rule}"
        if math.isnan(thr) and (bk == B.UNDEFINED).any():
            lines.append(self._undefined_note(gran) + f"; no {gran} is ranked")
        else:
            shown = "—" if math.isnan(thr) else f"{thr:.4f}"
            lines.append(
                f"threshold (q={self.quantile:g}{rule}) = {shown}; {n_high} of {n_el} {gran}s HIGH"
            )
        share, base = self.content_share(gran)
        if not math.isnan(share):
            lines.append(f"content words: {share:.0%} of HIGH vs {base:.0%} of all {gran}s")
        order = [i for i in np.argsort(ranks) if ranks[i] > 0][:top]
        for i in order:
            lines.append(f"  {ranks[i]:>4}  {vals[i]:9.4f}  {bk[i]:<4}  {units[i]}")
        # a model's folder name or a unit may hold control characters: none reaches a terminal
        return "\n".join(printable(line, keep="") for line in lines)

    def _undefined_note(self, gran: str) -> str:
        """Why the result's scores are undefined at its layer (:func:`B.undefined_note`)."""
        words = gran == "word"
        rows = self.words.layer_norms if words else self.layer_norms
        special = [r == SPECIAL for r in self.words.roles] if words else self.special
        eligible = self._eligible(special)
        defined = B.defined_layers(rows, eligible)
        return B.undefined_note(self.score_name, self.layer, defined, self.n_layers)

    def __repr__(self) -> str:
        thr = "undefined" if math.isnan(self.threshold) else f"{self.threshold:.4f}"
        return (
            f"AFNResult(model={self.model_name!r}, layer={self.layer}/{self.n_layers}, "
            f"tokens={len(self.tokens)}, words={len(self.words)}, "
            f"threshold={thr}, high={int(self.high.sum())})"
        )


def _nan_none(x: float) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x
