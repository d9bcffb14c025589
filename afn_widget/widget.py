"""AFNView: the notebook widget. Python computes, the browser draws.

The view's state is a set of synced traitlets. Numbers, spans and roles travel as
little-endian binary columns (``bytes`` traits the browser reads as typed arrays), the token
strings as one JSON list (:mod:`afn_widget.payload`). All layers' values of every score are
sent once, so the browser re-colours for another layer, score, quantile or granularity without
asking Python. Spans are sent in UTF-16 code units, the indices JavaScript strings use.

The tooltip's top hidden dimensions are not sent with the data: the browser asks for those of
one token (every layer) when it shows its tooltip, a custom message
``{"kind": "top_dims", "token": i, "version": v}`` answered with
``{"kind": "top_dims", "token": i, "version": v, "dims": [[...]], "share": [[...]]}`` (shares in
whole percent) or ``{..., "error": "..."}``. ``version`` is the ``dims_version`` trait of the data
the browser holds; a request about older data gets ``"stale": true``. The standalone page
(:meth:`AFNView.to_html`) has no kernel to ask and carries them inline, as ``top_dims`` and
``top_share`` bytes.

The controls check their own values (:mod:`afn_widget.traits`): a bad one, from Python or from
the browser, is refused with its typed error, shown in the view, and the control keeps its last
good value; the next good value clears the error. Recomputation (a new ``text``) runs off the
kernel's main thread (:class:`afn_widget.worker.Worker`): the newest request wins and an older
one still running is cancelled at its next window. The exports are those of
:mod:`afn_widget.export` (the page) and :mod:`afn_widget.figure` (SVG, PNG, PDF).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

from .display import FALLBACK_UNITS, Pictured, picture
from .engine import OPTION_NAMES, check_options
from .errors import AFNError, AFNInputError, AFNTypeError
from .export import save_html, standalone_html
from .figure import save as save_figure
from .figure import to_svg
from .models import check_device, check_model_spec
from .payload import dims_bytes, dims_reply, payload
from .registry import NORMALIZATIONS, SCORES, TAS
from .result import AFNResult
from .traits import (
    Controls,
    Flag,
    Granularity,
    InvalidControlError,
    Layer,
    Name,
    Quantile,
    Text,
    WordAgg,
)
from .validate import (
    check_choice,
    check_granularity,
    check_layer_type,
    check_positive_number,
    check_quantile,
    check_text,
)
from .watch import WRITE_OPTIONS, Watching, check_writing
from .worker import Worker

__all__ = ["AFNView", "InvalidControlError", "VIEW_OPTIONS", "FALLBACK_UNITS", "check_score"]

_STATIC = Path(__file__).parent / "static"

RESEND_DATA = "resend_data"
"""The kind of the browser's request ``{"kind": "resend_data"}`` for the data traits again: a
host that drops the binary buffers of the message creating a model (Colab's widget manager)
leaves the bytes traits of the first state without a value; the answer is an update of every
data trait, whose buffers hosts pass on (``js/resend.js`` asks, once per view)."""


def resend_asked(content: Any) -> bool:
    """Whether a custom message from the browser is the request :data:`RESEND_DATA`."""
    return isinstance(content, dict) and content.get("kind") == RESEND_DATA


_OWN = ("layer", "quantile", "include_special", "granularity")  # the view's own arguments
VIEW_OPTIONS = (*(n for n in OPTION_NAMES if n not in _OWN), "device", "partial_every")
"""The options of :func:`afn_widget.analyze` a view passes on (the others are its own)."""


def _check_arguments(text: Any, model: Any, layer: Any, quantile: Any, granularity: Any,
                     options: dict[str, Any]) -> str:  # fmt: skip
    """A view's arguments, checked as :func:`afn_widget.analyze` checks them, before any model
    loads; the text, ready to use."""
    text = check_text(text)
    check_quantile(quantile)
    check_granularity(granularity)
    if layer is not None:
        check_layer_type(layer)
    unknown = sorted(set(options) - set(VIEW_OPTIONS) - set(WRITE_OPTIONS))
    if unknown:
        raise AFNTypeError(
            f"AFNView got unknown option(s) {unknown}; it takes text, model, layer, quantile, "
            f"granularity, show_special, include_special, {', '.join(VIEW_OPTIONS)} and, for a "
            f"model that writes (afn_widget.watch), {', '.join(WRITE_OPTIONS)}."
        )
    check_options(**{k: v for k, v in options.items() if k in OPTION_NAMES})
    check_device(options.get("device"))
    if "partial_every" in options:
        check_positive_number("partial_every", options["partial_every"])
    check_model_spec(model)
    check_writing(text, model, options)
    return text


def check_score(view: AFNView, value: Any, name: str = "score") -> str:
    """A score the view can show: one of :data:`~afn_widget.registry.SCORES` that its analysis
    computed (``compare_score`` also takes ``""``, no second pane)."""
    if name == "compare_score" and value == "":
        return value
    score = check_choice(name, value, SCORES)
    if score in view.score_unavailable:
        raise AFNInputError(
            f"{score} is not available for this model: {view.score_unavailable[score]}."
        )
    asked_for = (*view._options.get("scores", ()), *view._written_scores())  # a writing's too
    shown = view.score_names or [TAS.name, *asked_for]
    if score not in shown:
        asked = tuple(dict.fromkeys((TAS.name, *view._options.get("scores", ()), score)))
        raise AFNInputError(
            f"{score} was not computed for this view; ask for it when making the view: "
            f"AFNView(text, scores={asked!r})."
        )
    return score


def check_normalize(view: AFNView, value: Any, name: str = "normalize") -> str:
    """One of :data:`~afn_widget.registry.NORMALIZATIONS`, or the one of the result being shown
    (a result made from given scores says ``"given scores"``)."""
    if view._showing is not None and value == view._showing.normalize:
        return value
    return check_choice(name, value, NORMALIZATIONS)


class ViewTraits(anywidget.AnyWidget):
    """A view's synced traits, the contract with the browser, in three groups (their ``group``
    tag): ``"control"``, the settings either side may change, each checking its own values
    (:mod:`afn_widget.traits`) against the view it belongs to; ``"data"``, the text and its
    result, written by Python and only read by the browser; ``"status"``, Python's progress and
    errors. ``js/traits.js`` lists the same names, in the same groups."""

    # the bundle's text, not its path: anywidget ties a path to every instance through a
    # file-watch signal, and a view so tied is never freed
    _esm = (_STATIC / "widget.js").read_text(encoding="utf-8")
    _css = (_STATIC / "widget.css").read_text(encoding="utf-8")

    text = Text("").tag(sync=True, group="data")  # the browser only reads it
    # the layer range is the model's, known once a result is
    layer = Layer(0, depth=lambda v: v.n_layers if v._complete else None).tag(
        sync=True, group="control"
    )
    quantile = Quantile(0.75).tag(sync=True, group="control")
    granularity = Granularity("word").tag(sync=True, group="control")
    show_special = Flag(False).tag(sync=True, group="control")
    include_special = Flag(False).tag(sync=True, group="control")
    score = Name(TAS.name, check_score).tag(sync=True, group="control")  # the text's colours
    compare_score = Name("", check_score).tag(sync=True, group="control")  # a second pane's
    word_agg = WordAgg("mean").tag(sync=True, group="control")  # re-aggregated in the browser
    normalize = Name("raw", check_normalize).tag(sync=True, group="control")  # analyses again
    # which controls are shown: "full", or "simple" (classroom mode: traits.CONTROL_MODES)
    controls = Controls("full").tag(sync=True, group="control")

    tokens = t.List(t.Unicode()).tag(sync=True, group="data")
    pieces = t.List(t.Unicode()).tag(sync=True, group="data")  # as shown; [] when the tokens
    offsets = t.Bytes(b"").tag(sync=True, group="data")  # int32 [n, 2], UTF-16; -1: none
    roles = t.Bytes(b"").tag(sync=True, group="data")  # uint8 codes (registry.ROLE_CODES)
    word_of = t.Bytes(b"").tag(sync=True, group="data")  # int32: each token's word
    word_spans = t.Bytes(b"").tag(sync=True, group="data")  # int32 [n_words, 2], as offsets
    word_roles = t.Bytes(b"").tag(sync=True, group="data")
    n_words = t.Int(0).tag(sync=True, group="data")
    text_check = t.List(t.Int()).tag(sync=True, group="data")  # payload.text_check of the data
    n_layers = t.Int(0).tag(sync=True, group="data")
    n_tokens = t.Int(0).tag(sync=True, group="data")
    norms = t.Bytes(b"").tag(sync=True, group="data")
    top_k = t.Int(0).tag(sync=True, group="data")
    top_dims = t.Bytes(b"").tag(sync=True, group="data")
    top_share = t.Bytes(b"").tag(sync=True, group="data")
    dims_version = t.Int(0).tag(sync=True, group="data")
    model_name = t.Unicode("").tag(sync=True, group="data")
    model_label = t.Unicode("").tag(sync=True, group="data")  # the name shown; the full on hover
    note = t.Unicode("").tag(sync=True, group="data")
    score_name = t.Unicode("TAS").tag(sync=True, group="data")
    score_names = t.List(t.Unicode()).tag(sync=True, group="data")  # "tas" first
    score_values = t.Bytes(b"").tag(sync=True, group="data")  # float32, the others in order
    score_unavailable = t.Dict().tag(sync=True, group="data")  # score -> why it is not computed
    massive = t.List().tag(sync=True, group="data")  # [layer, token, dim, value] of each flag
    include_massive = t.Bool(False).tag(sync=True, group="data")  # flagged tokens still ranked

    status = t.Unicode("empty").tag(sync=True, group="status")
    progress = t.Float(0.0).tag(sync=True, group="status")
    error = t.Unicode("").tag(sync=True, group="status")

    def __init__(self, **traits: Any) -> None:
        self._shown: tuple[int, AFNResult] | None = None  # (dims_version, result) in the browser
        self._complete = False  # a whole result has been sent, not only the tokens done so far
        self._input_error = False  # the error shown is a refused value's, not the analysis's
        super().__init__(**traits)
        self.on_msg(self._on_msg)

    @classmethod
    def traits_of(cls, group: str) -> tuple[str, ...]:
        """The synced traits of one ``group``: ``"control"``, ``"data"`` or ``"status"``."""
        return tuple(cls.class_trait_names(sync=True, group=group))

    # -- values refused (from Python: the traits' hooks; from the browser: set_state) ---------
    def _on_refused(self, exc: BaseException) -> None:
        """Show a refused value in the view; the next valid one clears it."""
        name = "InvalidControlError" if isinstance(exc, t.TraitError) else type(exc).__name__
        with self.hold_sync():
            self.error, self.status = f"{name}: {exc}", "error"
        self._input_error = True

    def _on_accepted(self, name: str = "") -> None:
        """A valid value after a refused one clears its error, once a result is shown (the
        analysis's own errors stay)."""
        if self._input_error and self._complete:
            self._input_error = False
            with self.hold_sync():
                self.error, self.status = "", "ready"

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """State from the browser. A value its trait refuses undoes the whole message; it is
        shown, and the browser gets the last good values back."""
        try:
            super().set_state(sync_data)
        except (AFNError, t.TraitError) as exc:
            self._on_refused(exc)
            self.send_state(list(sync_data))
        else:
            self._on_accepted()

    # -- the data the browser holds ---------------------------------------------------------------
    def _send_data(self, result: AFNResult, data: dict[str, Any], final: bool) -> None:
        """Put ``data``, the :func:`~afn_widget.payload.payload` of ``result``, in the data
        traits, a new ``dims_version`` of them; ``final``: the whole result, not only the tokens
        done so far."""
        self.set_trait("n_layers", data.pop("n_layers"))
        for name, value in data.items():  # set_trait: the result's own settings, quietly
            self.set_trait(name, value)
        self._shown = (self.dims_version + 1, result)
        self.dims_version += 1
        self._complete = self._complete or final

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
        """A request from the browser: the data traits again (:data:`RESEND_DATA`), or the top
        dimensions of one token of the data it holds."""
        if resend_asked(content):
            self.send_state(self.traits_of("data"))
            return
        shown = self._shown
        current = shown is not None and isinstance(content, dict)
        current = current and content.get("version") == shown[0]
        reply = dims_reply(shown[1] if current else None, content)
        if reply is not None:
            self.send(reply)

    def _with_dims(self, state: dict[str, Any]) -> dict[str, Any]:
        """``state`` with the top dimensions of its data inline, for a page with no kernel to
        ask."""
        if self._shown is not None and self._shown[0] == state["dims_version"]:
            state.update(dims_bytes(self._shown[1]))
        return state


class AFNView(Watching, Pictured, ViewTraits):
    """Token activation strength of a text, drawn inline in a notebook.

    ``AFNView(text, model=None, layer=None, quantile=0.75, granularity="word", **options)``;
    ``options`` go to :func:`afn_widget.analyze` (``normalize``, ``word_agg``, ``device``,
    ``max_length``, ``scores``, ...). Setting ``view.text`` recomputes in the background;
    ``layer``, ``quantile``, ``granularity``, ``show_special``, ``include_special``,
    ``word_agg`` and ``score`` only re-colour; ``normalize`` analyses again.

    ``scores=("tas", "attention", ...)`` computes more scores in the same forward pass (any of
    :data:`~afn_widget.registry.SCORES`); ``score`` picks the one the text is coloured by and
    ``compare_score`` a second one shown in a pane beside it (one layer slider for both).
    ``view.result`` is the engine's result at the view's current settings. ``controls="simple"``
    (classroom mode): the layer slider, the legend, what colours mean; the rest behind a button.
    """

    def __init__(self, text: str = "", model: Any = None, layer: int | None = None,
                 quantile: float = 0.75, granularity: str = "word", *, show_special: bool = False,
                 include_special: bool = False, score: str = TAS.name, compare_score: str = "",
                 controls: str = "full", **analyze_options: Any) -> None:  # fmt: skip
        text = _check_arguments(text, model, layer, quantile, granularity, analyze_options)
        self._model = model
        self._options = dict(analyze_options)
        for name, value in (("score", score), ("compare_score", compare_score)):
            check_score(self, value, name)
        self._result: AFNResult | None = None
        self._showing: AFNResult | None = None  # being sent: its trait changes are not the user's
        self._requested_layer = layer
        self._worker = Worker(
            self._what_to_analyse, show=self._show, fail=self._fail, progress=self._set_progress,
            name="afn-view",
        )  # fmt: skip
        self._last_error: BaseException | None = None
        super().__init__(
            quantile=float(quantile), granularity=granularity, show_special=bool(show_special),
            include_special=bool(include_special), score=score, compare_score=compare_score,
            word_agg=analyze_options.get("word_agg", "mean"), controls=controls,
            normalize=analyze_options.get("normalize", "raw"),
        )  # fmt: skip
        self.observe(self._on_text, names="text")
        self.observe(self._on_option, names=["word_agg", "normalize"])
        self.observe(self._on_layer, names="layer")
        self.observe(self._retry, names=["layer", "quantile", "granularity", "include_special"])
        if text:
            self.text = text

    @property
    def model(self) -> Any:
        """The model the view analyses with (as given: a name, a path, a pair, or ``None``).
        Setting it analyses the text again with the new model."""
        return self._model

    @model.setter
    def model(self, value: Any) -> None:
        check_model_spec(value)
        self._model = value
        if self.text:
            self._analyse_again()

    # -- constructors without a model ----------------------------------------------------------
    @classmethod
    def from_result(cls, result: AFNResult, *, layer: int | None = None, **kwargs: Any) -> AFNView:
        """Draw an existing :class:`AFNResult` (at ``layer``, default the result's own).

        ``kwargs`` go to the constructor (``granularity``, ``show_special``, ``model`` for texts
        set later, ...)."""
        if not isinstance(result, AFNResult):
            raise AFNInputError(
                f"from_result needs an AFNResult (from afn_widget.analyze), "
                f"not {type(result).__name__}."
            )
        if layer is not None:
            result = result.at(layer=layer)
        init = {"quantile": result.quantile, "include_special": result.include_special, **kwargs}
        view = cls(**init)
        if init["quantile"] != result.quantile or init["include_special"] != result.include_special:
            result = result.at(quantile=init["quantile"], include_special=init["include_special"])
        view._show(result, final=True)
        view.unobserve(view._on_text, names="text")  # the result's own text: nothing to compute
        try:
            view.text = result.text
        finally:
            view.observe(view._on_text, names="text")
        return view

    @classmethod
    def from_scores(cls, tokens: list[str], scores: Any,
                    offsets: list[tuple[int, int] | None] | None = None, text: str | None = None,
                    *, granularity: str = "word", show_special: bool = False, model: Any = None,
                    **score_options: Any) -> AFNView:  # fmt: skip
        """Draw any per-token scores without a model: one value per token, or
        ``[n_layers + 1, n_tokens]`` to get the layer slider. Tokens without a span are special.
        ``score_options`` (``layer``, ``quantile``, ``score_name``, ...) are those of
        :func:`afn_widget.scores.result_from_scores`; ``model`` analyses texts set later."""
        from .scores import result_from_scores

        result = result_from_scores(tokens, scores, offsets, text, **score_options)
        return cls.from_result(
            result, granularity=granularity, show_special=show_special, model=model
        )

    # -- computing ------------------------------------------------------------------------------
    def _on_text(self, change: dict[str, Any]) -> None:
        self._text_set(change)  # afn_widget.watch: analyse it, or write after it

    def _on_layer(self, change: dict[str, Any]) -> None:
        if self._result is not None or self._showing is None:
            self._requested_layer = change["new"]

    def _retry(self, change: dict[str, Any]) -> None:
        """A control changed after the last analysis failed: analyse again with it (a view built
        with a layer out of range, say, is repaired by the next valid layer)."""
        if self._showing is None and self._last_error is not None and self._worker.idle:
            if self.text:
                self._analyse_again()

    def _on_option(self, change: dict[str, Any]) -> None:
        """Options of the analysis: another ``word_agg`` re-aggregates the result here (as the
        browser does, no forward pass); another ``normalize`` analyses the text again."""
        if self._showing is not None:  # the result's own
            return
        name, value = change["name"], change["new"]
        self._options[name] = value
        if name == "word_agg" and self._result is not None:
            self._result = self._result.with_word_agg(value)
        elif name == "normalize" and self.text:
            self._analyse_again()

    def _analyse_again(self) -> None:
        """Say the view is computing, and ask the worker for an analysis of the text."""
        self._input_error = False
        with self.hold_sync():
            self.status, self.progress, self.error = "computing", 0.0, ""
        self._worker.request()

    def _what_to_analyse(self) -> tuple[str, Any, dict[str, Any]]:
        """The worker's question: the text, the model and the options, as they are now."""
        at = {"layer": self._requested_layer, "quantile": self.quantile}
        at.update(include_special=self.include_special, granularity=self.granularity)
        return self.text, self._model, {**at, **self._options}

    def _set_progress(self, fraction: float) -> None:
        self.progress = fraction

    def _fail(self, exc: Exception) -> None:
        """An analysis failed: said in the widget; the view stays usable."""
        self._last_error = exc
        with self.hold_sync():
            self.error, self.status = f"{type(exc).__name__}: {exc}", "error"

    def _show(self, result: AFNResult, final: bool) -> None:
        """Send a result to the browser: the tokens done so far, or the final one (``result``)."""
        data = payload(result)
        if final:
            self._result = result
        self._showing = result
        try:
            with self.hold_sync():
                self._send_data(result, data, final)
                if self.score not in self.score_names:  # e.g. another model cannot compute it
                    self.score = TAS.name
                if self.compare_score and self.compare_score not in self.score_names:
                    self.compare_score = ""
                self.layer = self._shown_layer(result)
                if final:
                    self._requested_layer = self.layer  # later texts keep the layer looked at
                    self.error, self.progress, self.status = "", 1.0, "ready"
        finally:
            self._showing = None
        if final:
            self._last_error = None
            self._update_display()  # the picture, in the output shown before it was ready

    def _shown_layer(self, result: AFNResult) -> int:
        """The layer to show: the one asked for last (also while this result was computing:
        a slider moved during the first analysis is kept), else the result's own."""
        asked, n = self._requested_layer, result.n_layers
        if isinstance(asked, int) and not isinstance(asked, bool) and -(n + 1) <= asked <= n:
            return asked % (n + 1)
        return result.layer

    def wait(self, timeout: float | None = None) -> AFNView:
        """Block until the newest requested analysis has finished (or ``timeout`` seconds)."""
        if not self._worker.wait(timeout):
            raise TimeoutError(f"the analysis did not finish within {timeout} s.")
        return self

    # -- what Python users read -----------------------------------------------------------------
    @property
    def result(self) -> AFNResult:
        """The engine's result at the view's current layer, quantile and granularity."""
        self.wait()
        if self._last_error is not None:
            raise self._last_error
        if self._result is None:
            raise AFNInputError("this view has no result yet: set view.text to a text first.")
        return self._current()

    def _current(self) -> AFNResult:
        at = self._result.at(self.layer, self.quantile, self.include_special)
        return replace(at, granularity=self.granularity)

    def to_dataframe(self):
        """The result as a DataFrame, per word or per token as the view shows it."""
        return self.result.to_dataframe(self.granularity)

    def state_dict(self) -> dict[str, Any]:
        """Everything the browser gets: controls, data and status (bytes stay bytes)."""
        self.wait()
        names = CONTROL_TRAITS + DATA_TRAITS + STATUS_TRAITS
        return {name: getattr(self, name) for name in names}

    # -- exports: the page (afn_widget.export) and figures (afn_widget.figure) -----------------
    def to_html(self, title: str = "AFN view") -> str:
        """A standalone HTML page (script, styles and data inlined; no network) of this view."""
        return standalone_html(self._with_dims(self.state_dict()), title=title)

    def save_html(self, path: str | Path, title: str = "AFN view") -> Path:
        """Write :meth:`to_html` to ``path``; open it in any browser, share it, put it in slides
        (:func:`afn_widget.export.save_html`: the path checked first, the file written whole)."""
        return save_html(path, lambda: self.to_html(title=title))

    def to_svg(self, **options: Any) -> str:
        """The view as a figure, at its current layer, quantile, granularity and score: an SVG
        document with real text (options: :func:`afn_widget.figure.render`)."""
        return to_svg(self.result, **self._figure(options))

    def save_svg(self, path: str | Path, **options: Any) -> Path:
        """Write :meth:`to_svg` to ``path`` (:func:`afn_widget.figure.save`)."""
        return save_figure(self.result, path, "svg", **self._figure(options))

    def save_png(self, path: str | Path, scale: float = 2.0, **options: Any) -> Path:
        """The figure as a PNG, ``scale`` pixels per point (2: sharp on slides and screens)."""
        return save_figure(self.result, path, "png", **self._figure(options, scale=scale))

    def save_pdf(self, path: str | Path, **options: Any) -> Path:
        """The figure as a PDF with embedded, selectable text (for papers: ``theme="print"``)."""
        return save_figure(self.result, path, "pdf", **self._figure(options))

    def _figure(self, options: dict[str, Any], **defaults: Any) -> dict[str, Any]:
        """Figure options: the view's granularity and score unless ``options`` say otherwise."""
        return {"granularity": self.granularity, "score": self.score, **defaults, **options}

    def _picture(self, settled: bool) -> tuple[bytes, str] | None:
        """The figure and text beside the widget (:mod:`afn_widget.display`), once the result
        is final and no newer analysis is running (``settled``: the analysis just finished)."""
        if self._result is None or not (settled or self._worker.idle):
            return None
        return picture([self._current()], self.granularity, self.score)


# The contract with the browser, declared once above by the traits' ``group`` tags.
CONTROL_TRAITS = AFNView.traits_of("control")
DATA_TRAITS = AFNView.traits_of("data")
STATUS_TRAITS = AFNView.traits_of("status")
