"""AFNCompare: two analyses side by side, of two texts with one model or one text with two
models, in panes that share their settings.

- **Two texts** (a minimal pair, say): the words are aligned (:class:`difflib.SequenceMatcher`
  over the words' lower-cased text, specials left out) and the words that differ are marked in
  both panes.
- **Two models**: the words are aligned by their place in the text (the same characters), and
  the layers by relative depth: layer ``l`` of the first model is shown beside layer
  ``round(l · n_b / n_a)`` of the second; the header says so.

Hovering a unit marks its counterpart in the other pane, and the header gives the overlap of the
two HIGH sets (through the alignment). The analyses run when the view is made (both, one after
the other); the panes re-colour in the browser for every layer, quantile, granularity and score.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

from .errors import AFNInputError, AFNTypeError
from .models import check_model_spec
from .payload import payload
from .result import AFNResult
from .validate import check_granularity, check_layer, check_quantile, check_text
from .words import SPECIAL

_STATIC = Path(__file__).parent / "static"


def match_layers(n_a: int, n_b: int) -> list[int]:
    """For each layer ``l`` of a model with ``n_a`` layers, the layer of relative depth nearest
    ``l / n_a`` in one with ``n_b`` (embeddings to embeddings, last to last)."""
    if n_a <= 0:
        return [0]
    return [int(round(layer * n_b / n_a)) for layer in range(n_a + 1)]


def align_words(a: AFNResult, b: AFNResult) -> tuple[list[int], list[int], list[int]]:
    """``(match, differ_a, differ_b)``: for each word of ``a`` its counterpart in ``b`` (-1 for
    none), and the words of each that have no counterpart (specials are neither). Words of the
    same text are matched by their characters' place, words of two texts by their sequence
    (:class:`difflib.SequenceMatcher`, case-insensitive)."""
    wa, wb = a.words, b.words
    keep_a = [j for j in range(len(wa)) if wa.roles[j] != SPECIAL]
    keep_b = [j for j in range(len(wb)) if wb.roles[j] != SPECIAL]
    match = [-1] * len(wa)
    if a.text == b.text:
        where = {wb.spans[j]: j for j in keep_b}
        for j in keep_a:
            match[j] = where.get(wa.spans[j], -1)
    else:
        sa = [wa.text[j].lower() for j in keep_a]
        sb = [wb.text[j].lower() for j in keep_b]
        sm = difflib.SequenceMatcher(a=sa, b=sb, autojunk=False)
        for block in sm.get_matching_blocks():
            for k in range(block.size):
                match[keep_a[block.a + k]] = keep_b[block.b + k]
    matched_b = {m for m in match if m >= 0}
    differ_a = [j for j in keep_a if match[j] < 0]
    differ_b = [j for j in keep_b if j not in matched_b]
    return match, differ_a, differ_b


def align_tokens(a: AFNResult, b: AFNResult, word_match: Sequence[int]) -> list[int]:
    """For each token of ``a`` its counterpart in ``b`` (-1 for none): the token of the same
    characters in the same text, else the token at the same position within the matched word
    (when both words have as many tokens)."""
    out = [-1] * len(a.tokens)
    if a.text == b.text:
        where = {s: i for i, s in enumerate(b.offsets) if s is not None}
        for i, s in enumerate(a.offsets):
            if s is not None:
                out[i] = where.get(s, -1)
        return out
    pieces_a, pieces_b = a.words.pieces, b.words.pieces
    for j, m in enumerate(word_match):
        if m >= 0 and len(pieces_a[j]) == len(pieces_b[m]):
            for p, q in zip(pieces_a[j], pieces_b[m], strict=True):
                out[int(p)] = int(q)
    return out


def _pair(text_a: Any, text_b: Any, model: Any, models: Any) -> tuple[str, str, Any, Any]:
    """The two texts and the two models of a comparison, checked before anything is computed."""
    if models is not None:
        if text_b is not None or model is not None:
            raise AFNTypeError(
                "AFNCompare takes two texts and one model (AFNCompare(text_a, text_b, model=m)) "
                "or one text and two models (AFNCompare(text, models=(m1, m2))), not both."
            )
        if isinstance(models, (str, bytes)) or not isinstance(models, Sequence) or len(models) != 2:
            raise AFNTypeError(
                f"models must be a pair of models, e.g. models=('bert-base-uncased', "
                f"'distilbert-base-uncased'); got {models!r}."
            )
        ma, mb = models
        text = check_text(text_a)
        check_model_spec(ma)
        check_model_spec(mb)
        return text, text, ma, mb
    if text_b is None:
        raise AFNTypeError(
            "AFNCompare needs a second text (AFNCompare(text_a, text_b, model=m)) or two models "
            "(AFNCompare(text, models=(m1, m2)))."
        )
    check_model_spec(model)
    return check_text(text_a), check_text(text_b), model, model


STATE = (
    "pane_a", "pane_b", "layer_map", "word_match", "token_match", "differ_a", "differ_b",
    "compare_note", "layer", "quantile", "granularity", "show_special", "include_special",
    "score", "word_agg",
)  # fmt: skip
"""What the browser reads of an :class:`AFNCompare` (its synced traits but anywidget's own)."""


class AFNCompare(anywidget.AnyWidget):
    """Two analyses side by side: ``AFNCompare(text_a, text_b, model=...)`` (two texts, one
    model) or ``AFNCompare(text, models=(m1, m2))`` (one text, two models).

    ``layer`` is the first pane's layer (the second shows the layer of the same relative depth),
    ``quantile``, ``granularity``, ``score``, ``word_agg``, ``show_special`` and
    ``include_special`` are shared; ``options`` go to :func:`afn_widget.analyze` for both
    (``scores=`` for attention and the shifts, ``normalize``, ...). ``results`` are the two
    results at the current settings.
    """

    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"

    pane_a = t.Dict().tag(sync=True)  # the first analysis, as a view's data traits
    pane_b = t.Dict().tag(sync=True)
    layer_map = t.List(t.Int()).tag(sync=True)  # the second pane's layer for each of the first's
    word_match = t.List(t.Int()).tag(sync=True)  # each word of a: its counterpart in b, or -1
    token_match = t.List(t.Int()).tag(sync=True)
    differ_a = t.List(t.Int()).tag(sync=True)  # words with no counterpart (a minimal pair's)
    differ_b = t.List(t.Int()).tag(sync=True)
    compare_note = t.Unicode("").tag(sync=True)  # how the panes are matched, in words

    layer = t.Int(0).tag(sync=True)
    quantile = t.Float(0.75).tag(sync=True)
    granularity = t.Unicode("word").tag(sync=True)
    show_special = t.Bool(False).tag(sync=True)
    include_special = t.Bool(False).tag(sync=True)
    score = t.Unicode("tas").tag(sync=True)
    word_agg = t.Unicode("mean").tag(sync=True)

    def __init__(
        self,
        text_a: str,
        text_b: str | None = None,
        *,
        model: Any = None,
        models: Sequence[Any] | None = None,
        layer: int | None = None,
        quantile: float = 0.75,
        granularity: str = "word",
        score: str = "tas",
        **options: Any,
    ) -> None:
        from .engine import analyze, check_options
        from .result import SCORES
        from .validate import check_choice

        ta, tb, ma, mb = _pair(text_a, text_b, model, models)
        quantile = check_quantile(quantile)
        granularity = check_granularity(granularity)
        score = check_choice("score", score, SCORES)
        check_options(**options)
        scores = tuple(dict.fromkeys(("tas", *options.pop("scores", ()), score)))
        ra = analyze(ta, ma, layer=layer, quantile=quantile, scores=scores, **options)
        rb = analyze(tb, mb, quantile=quantile, scores=scores, **options)
        for r in (ra, rb):
            if score in r.unavailable:
                raise AFNInputError(
                    f"{score} is not available for {r.model_name}: {r.unavailable[score]}."
                )
        self._results = (ra, rb)
        word_match, differ_a, differ_b = align_words(ra, rb)
        super().__init__(
            pane_a={**payload(ra), "text": ra.text},
            pane_b={**payload(rb), "text": rb.text},
            layer_map=match_layers(ra.n_layers, rb.n_layers),
            word_match=word_match,
            token_match=align_tokens(ra, rb, word_match),
            differ_a=differ_a,
            differ_b=differ_b,
            compare_note=self._note(ra, rb, differ_a, differ_b),
            layer=ra.layer,
            quantile=quantile,
            granularity=granularity,
            score=score,
            word_agg=ra.word_agg,
        )

    @staticmethod
    def _note(ra: AFNResult, rb: AFNResult, differ_a: list[int], differ_b: list[int]) -> str:
        parts = []
        if ra.text != rb.text:
            n = len(differ_a) + len(differ_b)
            parts.append(
                f"{len(differ_a)} word(s) of the first text and {len(differ_b)} of the second "
                "have no counterpart (marked)"
                if n
                else "the two texts have the same words"
            )
        if ra.n_layers != rb.n_layers:
            parts.append(
                f"layers matched by relative depth: layer l of {ra.n_layers} beside layer "
                f"round(l·{rb.n_layers}/{ra.n_layers}) of {rb.n_layers}"
            )
        return "; ".join(parts)

    @t.validate("layer")
    def _valid_layer(self, proposal: Any) -> int:
        return check_layer(proposal["value"], self._results[0].n_layers)

    @t.validate("quantile")
    def _valid_quantile(self, proposal: Any) -> float:
        return check_quantile(proposal["value"])

    @t.validate("granularity")
    def _valid_granularity(self, proposal: Any) -> str:
        return check_granularity(proposal["value"])

    def to_html(self, title: str = "AFN comparison") -> str:
        """A standalone page of the two panes (script, styles and data inlined; no network)."""
        from .export import standalone_html

        return standalone_html({name: getattr(self, name) for name in STATE}, title=title)

    def save_html(self, path: str | Path, title: str = "AFN comparison") -> Path:
        """Write :meth:`to_html` to ``path``."""
        path = Path(path)
        path.write_text(self.to_html(title=title), encoding="utf-8")
        return path

    @property
    def results(self) -> tuple[AFNResult, AFNResult]:
        """The two results at the current settings (the second at the matched layer)."""
        ra, rb = self._results
        lb = self.layer_map[self.layer]
        a = ra.at(self.layer, self.quantile, self.include_special).with_word_agg(self.word_agg)
        b = rb.at(lb, self.quantile, self.include_special).with_word_agg(self.word_agg)
        return replace(a, granularity=self.granularity), replace(b, granularity=self.granularity)
