"""Figures of a result for papers and slides: SVG, PNG and PDF, made in Python, no browser.

The text is drawn as prose: each unit (word or token) on its colour at the chosen score, layer
and quantile, HIGH units outlined, the original spacing and line breaks kept, wrapped at
``width`` pixels; a legend (model, layer, score, threshold, the colour scale) above it, and on
request the layer × unit heatmap and the ranking below. Text stays text: ``<text>`` elements
in the SVG and embedded TrueType text in the PDF, so it can be selected and searched. At a layer
where the score is undefined (attention and the shifts at layer 0) the text is drawn uncoloured,
nothing is outlined or ranked, and the legend and the ranking say why
(:func:`afn_widget.buckets.undefined_note`).

matplotlib draws all three formats from one layout (it is already the corpus report's figure
library, writes SVG with real text and PDF with embedded fonts, and needs no system library).
The colours are the frontend's: viridis at 256 entries, indexed ``min(255, floor(t · 256))``
over the eligible units' range, text black or white by WCAG contrast (:data:`PALETTE`; a test
pairs it with ``js/colors.js``).
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import buckets as B
from .errors import AFNInputError
from .files import check_output, write
from .registry import HIDDEN_SCORES, SCORES, TAS
from .words import aggregate_words

if TYPE_CHECKING:  # pragma: no cover - a result's exports import this module
    from .result import AFNResult

THEMES = {
    "light": {"bg": "#ffffff", "fg": "#1f1f1f", "muted": "#666666", "high": "#111111"},
    "dark": {"bg": "#1e1e1e", "fg": "#e8e8e8", "muted": "#a0a0a0", "high": "#ffffff"},
    "print": {"bg": "#ffffff", "fg": "#000000", "muted": "#444444", "high": "#000000"},
}
FONT_SIZE = 13.0  # points; the layout is in points, 1 pt = 1 px at scale 1
PAD, GAP, LINE = 2.0, 4.0, 22.0  # box padding, a space between units, line height
DEFAULT_UNITS = 1500
"""The most units a figure draws unless ``max_units`` says otherwise (``None``: all). A figure
is for a page or a slide; matplotlib draws about 1 ms a unit, and a 20,000-word text would make
a figure 900 lines tall in 30 s. A cut figure ends in "…" and says how many it shows."""


def _palette() -> np.ndarray:
    from matplotlib import colormaps

    lut = np.asarray(colormaps["viridis"](np.arange(256)))[:, :3]
    return np.rint(lut * 255).astype(np.uint8)


PALETTE = _palette()
"""uint8 ``[256, 3]``: viridis at its 256 entries, as the frontend's ``LUT``."""


def color_index(t: float) -> int:
    """The palette entry of ``t`` in ``[0, 1]`` (matplotlib's rule, as ``colorIndex`` in JS)."""
    return int(min(255, max(0, math.floor(t * 256))))


def text_color(rgb: np.ndarray) -> str:
    """Black or white, whichever contrasts more with ``rgb`` (WCAG)."""
    c = rgb / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    lum = float(0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2])
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


@dataclass(frozen=True)
class Units:
    """What a figure draws: the units, their spans, values at every layer and buckets; ``note``
    says why the score is undefined at the figure's layer ("" where it is defined)."""

    text: list[str]
    spans: list[tuple[int, int]]
    values: np.ndarray  # [n_layers + 1, n]
    buckets: np.ndarray  # at the figure's layer
    threshold: float
    noun: str
    note: str = ""


def units_of(result: AFNResult, granularity: str, score: str) -> Units:
    """The non-special units at ``granularity`` with the values of ``score``."""
    matrix = result.score(score)
    if granularity == "word":
        w = result.words
        values = (
            w.layer_norms
            if score == TAS.name
            else aggregate_words(matrix, w.pieces, result.word_agg)
        )
        text, spans, roles = w.text, w.spans, w.roles
    else:
        values, spans, roles = matrix, result.offsets, result.roles
        pairs = zip(result.tokens, spans, strict=True)
        text = [result.text[sp[0] : sp[1]] if sp else tok for tok, sp in pairs]
    keep = [
        i
        for i, (s, r) in enumerate(zip(spans, roles, strict=True))
        if s is not None and r != "special"
    ]
    values = np.asarray(values, dtype=np.float64)[:, keep]
    apart = None  # massive activations, set apart as the widget does (for hidden-state scores)
    if score in HIDDEN_SCORES and not result.include_massive and result.massive[result.layer].any():
        flagged = result.massive[result.layer]
        per_unit = (
            np.array([flagged[p].any() for p in result.words.pieces])
            if granularity == "word"
            else flagged
        )
        apart = per_unit[keep]
    eligible = np.ones(len(keep), bool)
    split = B.split(values[result.layer], eligible, result.quantile, result.high_rule, apart)
    note = ""
    if B.undefined_at(values[result.layer], eligible):
        name = result.score_name if score == TAS.name else score
        defined = B.defined_layers(values, eligible)
        note = B.undefined_note(score, result.layer, defined, result.n_layers, name)
    return Units(
        [text[i] for i in keep], [spans[i] for i in keep], values, split.buckets,
        split.threshold, "word" if granularity == "word" else "token", note,
    )  # fmt: skip


def to_svg(result: AFNResult, **options: Any) -> str:
    """The figure as an SVG document (see :func:`render` for the options)."""
    return render(result, "svg", **options).decode("utf-8")


def render(
    result: AFNResult,
    fmt: str = "svg",
    *,
    granularity: str | None = None,
    score: str = TAS.name,
    width: int = 720,
    theme: str = "light",
    heatmap: bool = False,
    ranking: bool = False,
    max_units: int | None = DEFAULT_UNITS,
    scale: float = 1.0,
    progress: Callable[[int, int], Any] | None = None,
) -> bytes:
    """The figure of ``result`` at its layer and quantile as ``fmt`` (``"svg"``, ``"png"`` or
    ``"pdf"``) bytes: ``granularity`` (default the result's), ``score`` (one of
    :data:`~afn_widget.result.SCORES` the result has), ``width`` in pixels, ``theme``
    (``"light"``, ``"dark"`` or ``"print"``), the ``heatmap`` and the ``ranking`` below the
    text, at most ``max_units`` units (default :data:`DEFAULT_UNITS`; ``None`` for all; a cut
    figure ends in "…" and says how many units it shows), and ``scale`` (PNG pixels per point).
    ``progress(done, total)``, if given, is called as the units are laid out and drawn (``total``
    the units shown, twice: laid out, then drawn; ``(total, total)`` once the file is made)."""
    from .validate import check_choice, check_granularity, check_positive_int

    fmt = check_choice("format", fmt, ("svg", "png", "pdf"))
    gran = check_granularity(granularity or result.granularity)
    score = check_choice("score", score, SCORES)
    colors = THEMES[check_choice("theme", theme, tuple(THEMES))]
    width = check_positive_int("width", width)
    if not (isinstance(scale, (int, float)) and 0 < scale <= 16):
        raise AFNInputError(f"scale must be a number in (0, 16], not {scale!r}.")
    if max_units is not None:
        max_units = check_positive_int("max_units", max_units)
    units = units_of(result, gran, score)
    shown = len(units.text) if max_units is None else min(len(units.text), max_units)
    tick = _Ticks(progress, 2 * shown)
    layout = _layout(result.text, units, shown, width, tick)
    out = _draw(result, units, layout, colors, fmt, width, heatmap, ranking, scale, score, tick)
    tick.done()
    return out


class _Ticks:
    """``progress(done, total)``: at the start, every 500 units, and at the end."""

    def __init__(self, progress: Callable[[int, int], Any] | None, total: int) -> None:
        self.progress, self.total, self.n = progress, total, 0
        if progress is not None:
            progress(0, total)

    def add(self, n: int = 1) -> None:
        self.n += n
        if self.progress is not None and self.n % 500 == 0 and self.n < self.total:
            self.progress(self.n, self.total)

    def done(self) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total)


@dataclass(frozen=True)
class _Box:
    unit: int  # index into Units, -1 for the "…", -2 for the line saying what was cut
    x: float
    y: float  # top of its line
    w: float


@lru_cache(maxsize=65536)  # a text repeats its words
def _text_width(s: str) -> float:
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    w, _, _ = TextToPath().get_text_width_height_descent(s, FontProperties(size=FONT_SIZE), False)
    return float(w)


def _layout(text: str, units: Units, shown: int, width: int, tick: _Ticks) -> list[_Box]:
    """Units as prose: a space where the text has one, a new line where it has one, wrapped;
    after the first ``shown`` units, "…" and a line that says so."""
    boxes: list[_Box] = []
    x, y, prev_end = 0.0, 0.0, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a glyph the font lacks is measured as a box
        for i in range(shown):
            start, end = units.spans[i]
            between = text[prev_end:start] if prev_end is not None else ""
            w = _text_width(units.text[i].replace("\n", " ")) + 2 * PAD
            if "\n" in between and boxes:
                x, y = 0.0, y + LINE * (1 + 0.5 * (between.count("\n") > 1))
            elif between.strip() == "" and between and boxes:
                x += GAP
            if x > 0 and x + w > width:
                x, y = 0.0, y + LINE
            boxes.append(_Box(i, x, y, w))
            x += w
            prev_end = end
            tick.add()
        if shown < len(units.text):
            boxes.append(_Box(-1, x + GAP, y, _text_width("…") + 2 * PAD))
            boxes.append(_Box(-2, 0.0, y + LINE, float(width)))
    return boxes


def cut_note(units: Units, shown: int) -> str:
    """The line under a figure cut after ``shown`` of its units."""
    return (
        f"showing the first {shown:,} of {len(units.text):,} {units.noun}s "
        "(max_units=None draws them all)"
    )


def _scale01(v: float, lo: float, hi: float) -> float:
    """As ``scale01`` in ``js/colors.js``: ``v``'s place in ``[lo, hi]``, clamped; 0.5 for an
    empty range; nan for nan."""
    if math.isnan(v) or math.isnan(lo) or math.isnan(hi):
        return math.nan
    if not hi > lo:
        return 0.5
    return min(1.0, max(0.0, (v - lo) / (hi - lo)))


def unit_colors(values: np.ndarray) -> list[tuple[str, str] | None]:
    """``(background, text)`` hex colours of each value over the values' range (None for nan)."""
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (math.nan, math.nan)
    out: list[tuple[str, str] | None] = []
    for v in values:
        t = _scale01(float(v), lo, hi)
        if math.isnan(t):
            out.append(None)
            continue
        rgb = PALETTE[color_index(t)]
        out.append((_hex(rgb), text_color(rgb)))
    return out


def _hex(rgb: Any) -> str:
    return "#" + "".join(f"{int(c):02x}" for c in rgb)


MARGIN = 12.0
HEADER = 64.0


def _draw(
    result: AFNResult,
    units: Units,
    boxes: list[_Box],
    colors: dict[str, str],
    fmt: str,
    width: int,
    heatmap: bool,
    ranking: bool,
    scale: float,
    score: str,
    tick: _Ticks,
) -> bytes:
    import matplotlib
    from matplotlib.figure import Figure

    text_h = (boxes[-1].y + LINE) if boxes else LINE
    heat_h = 24.0 + 10.0 * (result.n_layers + 1) if heatmap and boxes else 0.0
    listed = 2 if units.note else min(10, len(units.text))  # undefined: the sentence, no list
    rank_h = 18.0 * (listed + 1) if ranking and units.text else 0.0
    total_w, total_h = width + 2 * MARGIN, HEADER + text_h + heat_h + rank_h + 2 * MARGIN
    with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42, "svg.hashsalt": "afn"}):
        fig = Figure(figsize=(total_w / 72, total_h / 72), dpi=72, facecolor=colors["bg"])
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, total_w)
        ax.set_ylim(total_h, 0)
        ax.axis("off")
        values = units.values[result.layer].copy()
        values[units.buckets == B.MASSIVE] = np.nan  # drawn apart, outside the colour scale
        _legend(ax, result, units, values, colors, score, width)
        _prose(ax, units, boxes, values, colors, MARGIN + HEADER, tick)
        y = MARGIN + HEADER + text_h
        if heat_h:
            _heatmap(ax, result, units, sum(b.unit >= 0 for b in boxes), y, width, colors)
            y += heat_h
        if rank_h:
            _ranking(ax, units, values, y, colors)
        buf = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # glyphs the font lacks
            fig.savefig(buf, format=fmt, dpi=72 * scale, facecolor=colors["bg"])
    return buf.getvalue()


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _label(ax: Any, x: float, y: float, s: str, color: str, size: float = 10.0, **kw: Any) -> None:
    """Text as text: no math parsing ("$x$" stays as typed), and the characters XML cannot hold
    (NUL, other controls, lone surrogates) drawn as U+FFFD, so the SVG stays well-formed."""
    s = _NOT_XML.sub("\ufffd", s)
    ax.text(x, y, s, color=color, fontsize=size, parse_math=False, va="baseline", **kw)


def _legend(ax: Any, result: AFNResult, units: Units, values: np.ndarray, colors, score, width):
    from .models import model_label

    name = result.score_name if score == TAS.name else score
    n_high = int((units.buckets == B.HIGH).sum())
    title = (
        f"{model_label(result.model_name)} · layer {result.layer} of {result.n_layers} "
        f"(hidden_states[{result.layer}]) · {name}"
    )
    _label(ax, MARGIN, MARGIN + 12, title, colors["fg"], 11.0)
    if units.note:  # no threshold, no HIGH, no colours: say why instead, in the scale's place
        for k, line in enumerate(_wrap(f"{units.note}; the text is shown uncoloured", width)):
            _label(ax, MARGIN, MARGIN + 28 + 14 * k, line, colors["fg"])
        return
    rule = "top k" if result.high_rule == "top_k" else f"≥ quantile {result.quantile:g}"
    thr = "—" if math.isnan(units.threshold) else f"{units.threshold:.4g}"
    high = f"HIGH (outlined): {rule} = {thr}; {n_high} of {len(units.text)}"
    _label(ax, MARGIN, MARGIN + 28, f"{high} {units.noun}s", colors["muted"])
    finite = values[np.isfinite(values)]
    if not finite.size:
        return
    bar_w, steps, top = min(240.0, width / 2), 48, MARGIN + 36
    for k in range(steps):
        rgb = PALETTE[color_index((k + 0.5) / steps)]
        ax.add_patch(_rect(MARGIN + k * bar_w / steps, top, bar_w / steps + 0.3, 10, rgb))
    _label(ax, MARGIN, top + 22, f"{finite.min():.3g}", colors["muted"], 9.0)
    _label(ax, MARGIN + bar_w, top + 22, f"{finite.max():.3g}", colors["muted"], 9.0, ha="right")


def _wrap(s: str, width: float, size: float = 10.0, most: int = 3) -> list[str]:
    """``s`` broken at spaces into lines of at most ``width`` points at ``size`` (a word longer
    than a line stays whole), ``most`` lines at most, the last taking the rest."""
    lines: list[str] = []
    for word in s.split(" "):
        wider = lines and _text_width(f"{lines[-1]} {word}") * size / FONT_SIZE > width
        if not lines or (wider and len(lines) < most):
            lines.append(word)
        else:
            lines[-1] += f" {word}"
    return lines


def _rect(x: float, y: float, w: float, h: float, rgb: Any, **kw: Any) -> Any:
    from matplotlib.patches import Rectangle

    face = rgb if isinstance(rgb, str) else _hex(rgb)
    return Rectangle((x, y), w, h, facecolor=face, edgecolor="none", **kw)


def _prose(
    ax: Any, units: Units, boxes: list[_Box], values, colors, top: float, tick: _Ticks
) -> None:
    """The units on their colours, HIGH outlined, massive ones dashed: the boxes in three
    collections (one artist each, not one per unit), the labels as text."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    finite = values[np.isfinite(values)]  # the scale spans every unit, drawn or not
    lo, hi = (finite.min(), finite.max()) if finite.size else (np.nan, np.nan)
    shown = sum(b.unit >= 0 for b in boxes)
    cols = unit_colors(np.concatenate([[lo, hi], values[:shown]]))[2:]
    faces, highs, massive = [], [], []
    for box in boxes:
        x, y = MARGIN + box.x, top + box.y
        if box.unit == -1:
            _label(ax, x + PAD, y + 15, "…", colors["fg"], FONT_SIZE)
            continue
        if box.unit == -2:
            _label(ax, x, y + 15, cut_note(units, shown), colors["muted"], 9.0)
            continue
        pair = cols[box.unit]
        face, ink = pair if pair else (colors["bg"], colors["fg"])
        faces.append(Rectangle((x, y + 1), box.w, LINE - 3, facecolor=face))
        outline = Rectangle((x + 0.75, y + 1.75), box.w - 1.5, LINE - 4.5)
        if units.buckets[box.unit] == B.MASSIVE:  # a dashed outline, as in the widget
            massive.append(outline)
        elif units.buckets[box.unit] == B.HIGH:
            highs.append(outline)
        _label(ax, x + PAD, y + 15, units.text[box.unit].replace("\n", " "), ink, FONT_SIZE)
        tick.add()
    ax.add_collection(PatchCollection(faces, match_original=True, edgecolor="none"))
    for rects, edge, width, style in (
        (massive, colors["muted"], 1.0, "--"),
        (highs, colors["high"], 1.5, "-"),
    ):
        if rects:
            ax.add_collection(
                PatchCollection(rects, facecolor="none", edgecolor=edge, linewidth=width,
                                linestyle=style)
            )  # fmt: skip


def _heatmap(ax: Any, result: AFNResult, units: Units, n: int, top: float, width, colors) -> None:
    rows = units.values[:, :n]
    img = np.full((rows.shape[0], n, 3), 128, np.uint8)  # grey where a layer has no value
    for layer, row in enumerate(rows):
        finite = row[np.isfinite(row)]
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
            for j, v in enumerate(row):
                if np.isfinite(v):
                    img[layer, j] = PALETTE[color_index(_scale01(float(v), lo, hi))]
    h = 10.0 * rows.shape[0]
    _label(ax, MARGIN, top + 12, f"layers 0–{result.n_layers} × {units.noun}s (each layer on "
           "its own range); the frame marks this layer", colors["muted"], 9.0)  # fmt: skip
    ax.imshow(img, extent=(MARGIN, MARGIN + width, top + 18 + h, top + 18), aspect="auto",
              interpolation="nearest")  # fmt: skip
    from matplotlib.patches import Rectangle

    y = top + 18 + 10.0 * result.layer
    ax.add_patch(Rectangle((MARGIN, y), width, 10, facecolor="none", edgecolor=colors["high"]))
    ax.set_xlim(0, width + 2 * MARGIN)


def _ranking(ax: Any, units: Units, values: np.ndarray, top: float, colors) -> None:
    order = [i for i in np.argsort(-values, kind="stable") if np.isfinite(values[i])][:10]
    head = f"strongest {units.noun}s" + (f": none, {units.note}" if units.note else "")
    width = ax.get_xlim()[1] - 2 * MARGIN
    for k, line in enumerate(_wrap(head, width, 9.0)):
        _label(ax, MARGIN, top + 14 + 12 * k, line, colors["muted"], 9.0)
    for k, i in enumerate(order, start=1):
        _label(ax, MARGIN, top + 14 + 18 * k, f"{k:>2}. {units.text[i]}  {values[i]:.4g}",
               colors["fg"], 10.0)  # fmt: skip


def save(result: AFNResult, path: str | Path, fmt: str | None = None, **options: Any) -> Path:
    """Write the figure (:func:`render`) to ``path`` as ``fmt``: ``"svg"``, ``"png"`` (at
    ``scale=2`` pixels per point unless ``options`` say otherwise) or ``"pdf"``; by default
    the path's suffix says which, and when ``fmt`` is given the suffix must be ``.{fmt}``. The
    path is checked before the figure is drawn, the file written whole (:mod:`afn_widget.files`).
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if fmt is not None and suffix != fmt:
        raise AFNInputError(f"{path.name!r}: this method writes .{fmt} files.")
    path = check_output(path, f"{fmt.upper()} figure" if fmt else "figure")
    if suffix == "png":
        options.setdefault("scale", 2.0)
    return write(path, render(result, suffix, **options))
