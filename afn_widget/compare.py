"""AFNCompare: two analyses side by side, of two texts with one model or one text with two
models, in panes that share their settings.

- **Two texts** (a minimal pair, say): the words are paired by their lower-cased text
  (:func:`pair_words`: in order where the texts agree, then by spelling where words moved;
  specials left out) and the words with no counterpart are marked in both panes.
- **Two models**: the words are aligned by their place in the text (the same characters), and
  the layers by relative depth: layer ``l`` of the first model is shown beside layer
  ``round(l · n_b / n_a)`` of the second; the header says so.

Hovering a unit marks its counterpart in the other pane, and the header gives the overlap of the
two HIGH sets (through the alignment). The analyses run when the view is made (both, one after
the other); the panes re-colour in the browser for every layer, quantile, granularity and score.
"""

from __future__ import annotations

import difflib
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import anywidget
import traitlets as t

from .display import Pictured, picture
from .errors import AFNInputError, AFNTypeError
from .export import save_html, standalone_html
from .models import check_model_spec
from .payload import payload
from .registry import SCORES, TAS
from .result import AFNResult
from .traits import CONTROL_MODES, Choice, Controls, Flag, Granularity, Layer, Quantile, WordAgg
from .validate import check_choice, check_granularity, check_quantile, check_text
from .widget import resend_asked
from .words import SPECIAL

_STATIC = Path(__file__).parent / "static"


def match_layers(n_a: int, n_b: int) -> list[int]:
    """For each layer ``l`` of a model with ``n_a`` layers, the layer of relative depth nearest
    ``l / n_a`` in one with ``n_b`` (embeddings to embeddings, last to last)."""
    if n_a <= 0:
        return [0]
    return [int(round(layer * n_b / n_a)) for layer in range(n_a + 1)]


def pair_words(sa: Sequence[str], sb: Sequence[str]) -> list[int]:
    """For each item of ``sa``, the index of its counterpart in ``sb`` (-1 for none); items pair
    only with equal items, each at most once.

    1. **In order**: the matching blocks of :class:`difflib.SequenceMatcher` (``autojunk`` off),
       the runs the two sequences share in the same order.
    2. **Moved**: each item still unpaired, taken in ``sa``'s order, pairs with the first
       unpaired equal item of ``sb``: the k-th unpaired occurrence of a word in ``sa`` with its
       k-th unpaired occurrence in ``sb``.

    So a word without counterpart is one that occurs more often in its sequence than in the
    other (the surplus occurrences, those left after both steps). Deterministic: the same
    sequences always pair the same way.
    """
    out = [-1] * len(sa)
    for block in difflib.SequenceMatcher(a=sa, b=sb, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            out[block.a + k] = block.b + k
    taken = set(out)
    left: defaultdict[str, deque[int]] = defaultdict(deque)
    for j, w in enumerate(sb):
        if j not in taken:
            left[w].append(j)
    for i, w in enumerate(sa):
        if out[i] < 0 and left[w]:
            out[i] = left[w].popleft()
    return out


class WordAlignment(NamedTuple):
    """The words of two results paired: ``match[j]`` is the counterpart in ``b`` of word ``j``
    of ``a`` (-1 for none); ``differ_a``, ``differ_b`` the words of each with no counterpart
    (specials are neither)."""

    match: list[int]
    differ_a: list[int]
    differ_b: list[int]


def align_words(a: AFNResult, b: AFNResult) -> WordAlignment:
    """The words of ``a`` and ``b`` paired (specials left out). Words of the same text pair by
    their characters' place; words of two texts by their lower-cased text (:func:`pair_words`:
    in order where the texts agree, then by spelling where words moved)."""
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
        for i, m in enumerate(pair_words(sa, sb)):
            if m >= 0:
                match[keep_a[i]] = keep_b[m]
    matched_b = {m for m in match if m >= 0}
    differ_a = [j for j in keep_a if match[j] < 0]
    differ_b = [j for j in keep_b if j not in matched_b]
    return WordAlignment(match, differ_a, differ_b)


def in_order(match: Sequence[int]) -> bool:
    """Whether the pairs keep their order: the counterparts of ``a``'s words, read in ``a``'s
    order, rise. (The pairs :func:`pair_words` makes in its second step, of moved words, always
    cross one of the first's, so this is False exactly when some words moved.)"""
    paired = [m for m in match if m >= 0]
    return all(x < y for x, y in pairwise(paired))


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


def _pairs_note(words: WordAlignment) -> str:
    """How the words of two texts were paired, and how many have no counterpart, in words."""
    how = "Words are paired by their text, in order"
    if not in_order(words.match):
        how += " where the two texts agree and by spelling where words moved"
    na, nb = len(words.differ_a), len(words.differ_b)
    if not na + nb:
        return f"{how}; every word has a counterpart"
    return (
        f"{how}; {na} word(s) of the first text and {nb} of the second have no counterpart "
        "(underlined)"
    )


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
    "score", "word_agg", "controls",
)  # fmt: skip
"""What the browser reads of an :class:`AFNCompare` (its synced traits but anywidget's own)."""


class AFNCompare(Pictured, anywidget.AnyWidget):
    """Two analyses side by side: ``AFNCompare(text_a, text_b, model=...)`` (two texts, one
    model) or ``AFNCompare(text, models=(m1, m2))`` (one text, two models).

    ``layer`` is the first pane's layer (the second shows the layer of the same relative depth),
    ``quantile``, ``granularity``, ``score``, ``word_agg``, ``show_special`` and
    ``include_special`` are shared; ``options`` go to :func:`afn_widget.analyze` for both
    (``scores=`` for attention and the shifts, ``normalize``, ...); ``controls="simple"`` is
    classroom mode, as :class:`~afn_widget.widget.AFNView`'s. ``results`` are the two
    results at the current settings. Shown in a notebook, it carries beside the widget one
    picture of the two panes, the first above the second (:mod:`afn_widget.display`).
    """

    # the bundle's text, not its path: anywidget ties a path to every instance through a
    # file-watch signal, and a view so tied is never freed
    _esm = (_STATIC / "widget.js").read_text(encoding="utf-8")
    _css = (_STATIC / "widget.css").read_text(encoding="utf-8")

    pane_a = t.Dict().tag(sync=True)  # the first analysis, as a view's data traits
    pane_b = t.Dict().tag(sync=True)
    layer_map = t.List(t.Int()).tag(sync=True)  # the second pane's layer for each of the first's
    word_match = t.List(t.Int()).tag(sync=True)  # each word of a: its counterpart in b, or -1
    token_match = t.List(t.Int()).tag(sync=True)
    differ_a = t.List(t.Int()).tag(sync=True)  # words with no counterpart (a minimal pair's)
    differ_b = t.List(t.Int()).tag(sync=True)
    compare_note = t.Unicode("").tag(sync=True)  # how the panes are matched, in words

    # the settings check their own values (afn_widget.traits); the layer is the first model's
    layer = Layer(0, depth=lambda c: c._results[0].n_layers).tag(sync=True)
    quantile = Quantile(0.75).tag(sync=True)
    granularity = Granularity("word").tag(sync=True)
    show_special = Flag(False).tag(sync=True)
    include_special = Flag(False).tag(sync=True)
    score = Choice(TAS.name, SCORES).tag(sync=True)
    word_agg = WordAgg("mean").tag(sync=True)
    controls = Controls("full").tag(sync=True)  # "simple": classroom mode (traits.CONTROL_MODES)

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
        score: str = TAS.name,
        controls: str = "full",
        **options: Any,
    ) -> None:
        from .engine import analyze, check_options

        ta, tb, ma, mb = _pair(text_a, text_b, model, models)
        quantile = check_quantile(quantile)
        granularity = check_granularity(granularity)
        score = check_choice("score", score, SCORES)
        controls = check_choice("controls", controls, CONTROL_MODES)
        check_options(**options)
        scores = tuple(dict.fromkeys((TAS.name, *options.pop("scores", ()), score)))
        ra = analyze(ta, ma, layer=layer, quantile=quantile, scores=scores, **options)
        rb = analyze(tb, mb, quantile=quantile, scores=scores, **options)
        for r in (ra, rb):
            if score in r.unavailable:
                raise AFNInputError(
                    f"{score} is not available for {r.model_name}: {r.unavailable[score]}."
                )
        self._results = (ra, rb)
        words = align_words(ra, rb)
        super().__init__(
            pane_a={**payload(ra), "text": ra.text},
            pane_b={**payload(rb), "text": rb.text},
            layer_map=match_layers(ra.n_layers, rb.n_layers),
            word_match=words.match,
            token_match=align_tokens(ra, rb, words.match),
            differ_a=words.differ_a,
            differ_b=words.differ_b,
            compare_note=self._note(ra, rb, words),
            layer=ra.layer,
            quantile=quantile,
            granularity=granularity,
            score=score,
            word_agg=ra.word_agg,
            controls=controls,
        )
        self.on_msg(self._on_msg)

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
        """A request from the browser: the two analyses again, when their bytes were lost on the
        way (:data:`~afn_widget.widget.RESEND_DATA`); anything else is ignored."""
        if resend_asked(content):
            self.send_state(["pane_a", "pane_b"])

    @staticmethod
    def _note(ra: AFNResult, rb: AFNResult, words: WordAlignment) -> str:
        parts = []
        if ra.text != rb.text:
            parts.append(_pairs_note(words))
        if ra.n_layers != rb.n_layers:
            parts.append(
                f"layers matched by relative depth: layer l of {ra.n_layers} beside layer "
                f"round(l·{rb.n_layers}/{ra.n_layers}) of {rb.n_layers}"
            )
        return "; ".join(parts)

    def to_html(self, title: str = "AFN comparison") -> str:
        """A standalone page of the two panes (script, styles and data inlined; no network)."""
        return standalone_html({name: getattr(self, name) for name in STATE}, title=title)

    def save_html(self, path: str | Path, title: str = "AFN comparison") -> Path:
        """Write :meth:`to_html` to ``path`` (:func:`afn_widget.export.save_html`: the path
        checked first, the file written whole)."""
        return save_html(path, lambda: self.to_html(title=title))

    @property
    def results(self) -> tuple[AFNResult, AFNResult]:
        """The two results at the current settings (the second at the matched layer)."""
        ra, rb = self._results
        lb = self.layer_map[self.layer]
        a = ra.at(self.layer, self.quantile, self.include_special).with_word_agg(self.word_agg)
        b = rb.at(lb, self.quantile, self.include_special).with_word_agg(self.word_agg)
        return replace(a, granularity=self.granularity), replace(b, granularity=self.granularity)

    def _picture(self, settled: bool) -> tuple[bytes, str]:
        """The two panes' figures, the first above the second, and their text."""
        return picture(self.results, self.granularity, self.score)
