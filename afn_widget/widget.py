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

Recomputation (a new ``text``) runs off the kernel's main thread, in at most one worker thread
per view that exits when idle; the newest request wins and an older one still running is
cancelled at its next window.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

from .engine import OPTION_NAMES, check_options
from .errors import AFNError, AFNInputError, AFNTypeError, AnalysisCancelled
from .hidden import NORMALIZATIONS
from .models import check_model_spec
from .payload import dims_bytes, dims_reply, payload
from .result import SCORES, AFNResult
from .validate import (
    check_choice,
    check_granularity,
    check_layer,
    check_layer_type,
    check_positive_number,
    check_quantile,
    check_text,
    check_word_agg,
)

_STATIC = Path(__file__).parent / "static"

_OWN = ("layer", "quantile", "include_special", "granularity")  # the view's own arguments
VIEW_OPTIONS = (*(n for n in OPTION_NAMES if n not in _OWN), "device", "partial_every")
"""The options of :func:`afn_widget.analyze` a view passes on (the others are its own)."""
FALLBACK_UNITS = 600
"""A displayed view carries a picture of its first this many units (then "…") beside the
widget, for viewers without the widget's JavaScript."""


class InvalidControlError(AFNInputError, t.TraitError):
    """A control (layer, quantile, granularity) got a value it cannot take.

    Also a ``TraitError``, so traitlets rolls the trait back to its last good value."""


def _show_error(view: AFNView, exc: BaseException) -> None:
    """Put an error in the widget; the next valid input clears it (the view stays usable)."""
    name = "InvalidControlError" if isinstance(exc, t.TraitError) else type(exc).__name__
    with view.hold_sync():
        view.error = f"{name}: {exc}"
        view.status = "error"
    view._input_error = True


def _checked(view: AFNView, check, *args: Any) -> Any:
    try:
        return check(*args)
    except AFNError as exc:
        _show_error(view, exc)
        raise InvalidControlError(str(exc)) from None


def _check_options(options: dict[str, Any]) -> None:
    """The analysis options a view takes, checked as :func:`afn_widget.analyze` checks them."""
    from .models import check_device

    unknown = sorted(set(options) - set(VIEW_OPTIONS))
    if unknown:
        raise AFNTypeError(
            f"AFNView got unknown option(s) {unknown}; it takes text, model, layer, quantile, "
            f"granularity, show_special, include_special and {', '.join(VIEW_OPTIONS)}."
        )
    check_options(**{k: v for k, v in options.items() if k in OPTION_NAMES})
    check_device(options.get("device"))
    if "partial_every" in options:
        check_positive_number("partial_every", options["partial_every"])


def check_score(view: AFNView, value: Any, name: str = "score") -> str:
    """A score the view can show: one of :data:`~afn_widget.result.SCORES` that its analysis
    computed (``compare_score`` also takes ``""``, no second pane)."""
    if name == "compare_score" and value == "":
        return value
    score = check_choice(name, value, SCORES)
    if score in view.score_unavailable:
        raise AFNInputError(
            f"{score} is not available for this model: {view.score_unavailable[score]}."
        )
    shown = view.score_names or ["tas", *view._options.get("scores", ())]
    if score not in shown:
        asked = tuple(dict.fromkeys(("tas", *view._options.get("scores", ()), score)))
        raise AFNInputError(
            f"{score} was not computed for this view; ask for it when making the view: "
            f"AFNView(text, scores={asked!r})."
        )
    return score


_CONTROL_CHECKS = {
    "score": lambda view, value: check_score(view, value),
    "compare_score": lambda view, value: check_score(view, value, "compare_score"),
    "word_agg": lambda view, value: check_word_agg(value),
    "normalize": lambda view, value: check_choice("normalize", value, NORMALIZATIONS),
    "quantile": lambda view, value: check_quantile(value),
    "granularity": lambda view, value: check_granularity(value),
    "layer": lambda view, value: (
        check_layer(value, view.n_layers) if view._result is not None else check_layer_type(value)
    ),
}


class _Text(t.Unicode):
    """A text trait whose bad values raise the engine's typed errors (None, bytes, numbers)."""

    def validate(self, obj: Any, value: Any) -> str:
        try:
            return check_text(value)
        except AFNError as exc:
            _show_error(obj, exc)
            raise


class AFNView(anywidget.AnyWidget):
    """Token activation strength of a text, drawn inline in a notebook.

    ``AFNView(text, model=None, layer=None, quantile=0.75, granularity="word", **options)``;
    ``options`` go to :func:`afn_widget.analyze` (``normalize``, ``word_agg``, ``device``,
    ``max_length``, ``scores``, ...). Setting ``view.text`` recomputes in the background;
    ``layer``, ``quantile``, ``granularity``, ``show_special``, ``include_special``,
    ``word_agg`` and ``score`` only re-colour; ``normalize`` analyses again.

    ``scores=("tas", "attention", ...)`` computes more scores in the same forward pass (any of
    :data:`~afn_widget.result.SCORES`); ``score`` picks the one the text is coloured by and
    ``compare_score`` a second one shown in a pane beside it (one layer slider for both).
    ``view.result`` is the engine's result at the view's current settings.
    """

    # the bundle's text, not its path: anywidget ties a path to every instance through a
    # file-watch signal, and a view so tied is never freed
    _esm = (_STATIC / "widget.js").read_text(encoding="utf-8")
    _css = (_STATIC / "widget.css").read_text(encoding="utf-8")

    text = _Text("").tag(sync=True, group="data")  # the browser only reads it
    layer = t.Int(0).tag(sync=True, group="control")
    quantile = t.Float(0.75).tag(sync=True, group="control")
    granularity = t.Unicode("word").tag(sync=True, group="control")
    show_special = t.Bool(False).tag(sync=True, group="control")
    include_special = t.Bool(False).tag(sync=True, group="control")
    score = t.Unicode("tas").tag(sync=True, group="control")  # the score the text is coloured by
    compare_score = t.Unicode("").tag(sync=True, group="control")  # a second pane's, "" for none
    word_agg = t.Unicode("mean").tag(sync=True, group="control")  # re-aggregated in the browser
    normalize = t.Unicode("raw").tag(sync=True, group="control")  # a change analyses again

    tokens = t.List(t.Unicode()).tag(sync=True, group="data")
    pieces = t.List(t.Unicode()).tag(sync=True, group="data")  # as shown; [] when the tokens
    offsets = t.Bytes(b"").tag(sync=True, group="data")  # int32 [n, 2], UTF-16; -1: none
    roles = t.Bytes(b"").tag(sync=True, group="data")  # uint8 codes (payload.ROLE_CODES)
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

    def __init__(
        self,
        text: str = "",
        model: Any = None,
        layer: int | None = None,
        quantile: float = 0.75,
        granularity: str = "word",
        *,
        show_special: bool = False,
        include_special: bool = False,
        score: str = "tas",
        compare_score: str = "",
        **analyze_options: Any,
    ) -> None:
        text = check_text(text)
        check_quantile(quantile)
        check_granularity(granularity)
        if layer is not None:
            check_layer_type(layer)
        _check_options(analyze_options)
        check_model_spec(model)
        self._model = model
        self._options = dict(analyze_options)
        for name, value in (("score", score), ("compare_score", compare_score)):
            check_score(self, value, name)
        self._result: AFNResult | None = None
        self._shown: tuple[int, AFNResult] | None = None  # (dims_version, result) in the browser
        self._requested_layer = layer
        self._lock = threading.Lock()
        self._wanted = 0  # generation of the newest request
        self._worker: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._last_error: BaseException | None = None
        self._input_error = False  # the error shown came from a bad input, not the model
        super().__init__(
            quantile=float(quantile),
            granularity=granularity,
            show_special=bool(show_special),
            include_special=bool(include_special),
            score=score,
            compare_score=compare_score,
            word_agg=check_word_agg(analyze_options.get("word_agg", "mean")),
            normalize=analyze_options.get("normalize", "raw"),
        )
        self._showing = False  # a result is being sent: its trait changes are not the user's
        self.observe(self._on_text, names="text")
        self.observe(self._on_word_agg, names="word_agg")
        self.observe(self._on_normalize, names="normalize")
        self.observe(self._on_layer, names="layer")
        self.observe(self._on_control, names=["layer", "quantile", "granularity"])
        self.observe(self._retry, names=["layer", "quantile", "granularity", "include_special"])
        self.on_msg(self._on_msg)
        self._ready = True
        if text:
            self.text = text

    def __setattr__(self, name: str, value: Any) -> None:
        # A bad control value set from Python raises its typed error from here, not from deep
        # inside traitlets' validation (whose traceback is forty lines of its internals).
        check = _CONTROL_CHECKS.get(name)
        if check is not None and self.__dict__.get("_ready"):
            __tracebackhide__ = True
            try:
                check(self, value)
            except AFNError as exc:
                _show_error(self, exc)
                raise InvalidControlError(str(exc)) from None
            super().__setattr__(name, value)
            self._clear_input_error()  # also when the good value equals the one before
            return
        super().__setattr__(name, value)

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
            self._request(self.text)

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
        init = {"quantile": result.quantile, "include_special": result.include_special}
        init.update(kwargs)
        view = cls(**init)
        if init["quantile"] != result.quantile or init["include_special"] != result.include_special:
            result = result.at(quantile=init["quantile"], include_special=init["include_special"])
        view._apply(result)
        view.unobserve(view._on_text, names="text")  # the result's own text: nothing to compute
        try:
            view.text = result.text
        finally:
            view.observe(view._on_text, names="text")
        return view

    @classmethod
    def from_scores(
        cls,
        tokens: list[str],
        scores: Any,
        offsets: list[tuple[int, int] | None] | None = None,
        text: str | None = None,
        *,
        granularity: str = "word",
        show_special: bool = False,
        model: Any = None,
        **score_options: Any,
    ) -> AFNView:
        """Draw any per-token scores without a model: one value per token, or
        ``[n_layers + 1, n_tokens]`` to get the layer slider. Tokens without a span are special.
        ``score_options`` (``layer``, ``quantile``, ``score_name``, ...) are those of
        :func:`afn_widget.scores.result_from_scores`; ``model`` analyses texts set later."""
        from .scores import result_from_scores

        result = result_from_scores(tokens, scores, offsets, text, **score_options)
        return cls.from_result(
            result, granularity=granularity, show_special=show_special, model=model
        )

    # -- validation of controls (from Python or from the browser) -----------------------------
    @t.validate("layer")
    def _valid_layer(self, proposal: Any) -> int:
        if self._result is None:
            return _checked(self, check_layer_type, proposal["value"])
        return _checked(self, check_layer, proposal["value"], self.n_layers)

    @t.validate("quantile")
    def _valid_quantile(self, proposal: Any) -> float:
        return _checked(self, check_quantile, proposal["value"])

    @t.validate("granularity")
    def _valid_granularity(self, proposal: Any) -> str:
        return _checked(self, check_granularity, proposal["value"])

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """State from the browser: a bad value shows as an error and the last good one returns."""
        try:
            super().set_state(sync_data)
        except (AFNError, t.TraitError) as exc:
            _show_error(self, exc)
            self.send_state(list(sync_data))

    # -- computing ------------------------------------------------------------------------------
    def _on_control(self, change: dict[str, Any]) -> None:
        self._clear_input_error()

    def _clear_input_error(self) -> None:
        if self._input_error and self._result is not None:  # a valid value after a bad one
            self._input_error = False
            with self.hold_sync():
                self.error = ""
                self.status = "ready"

    def _on_layer(self, change: dict[str, Any]) -> None:
        if self._result is not None or not self._showing:
            self._requested_layer = change["new"]

    def _retry(self, change: dict[str, Any]) -> None:
        """A control changed after the last analysis failed: analyse again with it (a view built
        with a layer out of range, say, is repaired by the next valid layer)."""
        if self._showing or self._last_error is None or not self._idle.is_set():
            return
        if self.text:
            self._request(self.text)

    def _on_word_agg(self, change: dict[str, Any]) -> None:
        """Words aggregate their tokens another way: the browser re-aggregates what it holds,
        the result here follows (no new forward pass)."""
        if self._showing:
            return
        self._options["word_agg"] = change["new"]
        if self._result is not None:
            self._result = self._result.with_word_agg(change["new"])
        self._clear_input_error()

    def _on_normalize(self, change: dict[str, Any]) -> None:
        """Another normalization changes the norms themselves: the text is analysed again."""
        if self._showing:
            return
        self._options["normalize"] = change["new"]
        self._clear_input_error()
        if self.text:
            self._request(self.text)

    def _on_text(self, change: dict[str, Any]) -> None:
        self._request(change["new"])

    def _request(self, text: str) -> None:
        with self._lock:
            self._wanted += 1
            self._idle.clear()
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="afn-view", daemon=True)
                self._worker.start()
        self._input_error = False
        with self.hold_sync():
            self.status = "computing"
            self.progress = 0.0
            self.error = ""

    def _run(self) -> None:
        from .engine import analyze
        from .models import load_model

        done = 0
        while True:
            with self._lock:
                if done == self._wanted:
                    self._worker = None
                    self._idle.set()
                    return
                gen = self._wanted
                text = self.text

            def progress(i: int, n: int, gen: int = gen) -> None:
                if gen != self._wanted:
                    raise AnalysisCancelled("a newer text replaced this one")
                if n:
                    self.progress = i / n

            def partial(result: AFNResult, gen: int = gen) -> None:
                if gen == self._wanted:
                    self._show(result, final=False)

            try:
                # the view's header says when the offline fallback is used: no warning printed
                # under whichever cell happens to run while this thread loads the model
                lm = load_model(self._model, self._options.get("device"), warn=False)
                result = analyze(
                    text,
                    lm,
                    layer=self._requested_layer,
                    quantile=self.quantile,
                    include_special=self.include_special,
                    granularity=self.granularity,
                    progress=progress,
                    partial=partial,
                    **self._options,
                )
                with self._lock:
                    current = gen == self._wanted
                if current:
                    self._apply(result)
                    self._last_error = None
            except AnalysisCancelled:
                pass
            except Exception as exc:  # shown in the widget; the view stays usable
                with self._lock:
                    current = gen == self._wanted
                if current:
                    self._last_error = exc
                    with self.hold_sync():
                        self.error = f"{type(exc).__name__}: {exc}"
                        self.status = "error"
            done = gen

    def _apply(self, result: AFNResult) -> None:
        self._result = result
        self._show(result, final=True)

    def _show(self, result: AFNResult, final: bool) -> None:
        """Send a result to the browser: the final one, or the tokens done so far."""
        data = payload(result)
        self._showing = True
        try:
            self._send_result(result, data, final)
        finally:
            self._showing = False

    def _send_result(self, result: AFNResult, data: dict[str, Any], final: bool) -> None:
        with self.hold_sync():
            self.set_trait("n_layers", data.pop("n_layers"))
            for name, value in data.items():
                # set_trait: the result's own settings (normalize "given scores" of from_scores)
                self.set_trait(name, value)
            if self.score not in self.score_names:  # e.g. another model cannot compute it
                self.score = "tas"
            if self.compare_score and self.compare_score not in self.score_names:
                self.compare_score = ""
            self._shown = (self.dims_version + 1, result)
            self.dims_version += 1
            self.layer = self._shown_layer(result)
            if final:
                self._requested_layer = self.layer  # later texts keep the layer being looked at
                self.error = ""
                self.progress = 1.0
                self.status = "ready"

    def _shown_layer(self, result: AFNResult) -> int:
        """The layer to show: the one asked for last (also while this result was computing:
        a slider moved during the first analysis is kept), else the result's own."""
        asked, n = self._requested_layer, result.n_layers
        if isinstance(asked, int) and not isinstance(asked, bool) and -(n + 1) <= asked <= n:
            return asked % (n + 1)
        return result.layer

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
        """A request from the browser: the top dimensions of one token."""
        shown = self._shown
        current = shown is not None and isinstance(content, dict)
        current = current and content.get("version") == shown[0]
        reply = dims_reply(shown[1] if current else None, content)
        if reply is not None:
            self.send(reply)

    def wait(self, timeout: float | None = None) -> AFNView:
        """Block until the newest requested analysis has finished (or ``timeout`` seconds)."""
        if not self._idle.wait(timeout):
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

    def to_html(self, title: str = "AFN view") -> str:
        """A standalone HTML page (script, styles and data inlined; no network) of this view."""
        from .export import standalone_html

        state = self.state_dict()
        if self._shown is not None and self._shown[0] == state["dims_version"]:
            state.update(dims_bytes(self._shown[1]))
        return standalone_html(state, title=title)

    def save_html(self, path: str | Path, title: str = "AFN view") -> Path:
        """Write :meth:`to_html` to ``path``; open it in any browser, share it, put it in slides.
        The path is checked first and the file written whole (:mod:`afn_widget.files`)."""
        from .files import check_output, write

        path = check_output(path, "page")
        return write(path, self.to_html(title=title))

    @classmethod
    def traits_of(cls, group: str) -> tuple[str, ...]:
        """The synced traits of one ``group`` of the contract with the browser: ``"control"``
        (settings either side may change), ``"data"`` (the text and its result, written by
        Python, only read by the browser) or ``"status"`` (Python's progress and errors).
        ``js/traits.js`` lists the same names."""
        return tuple(cls.class_trait_names(sync=True, group=group))

    def to_svg(self, **options: Any) -> str:
        """The view as a figure, at its current layer, quantile and granularity: an SVG
        document with real text (options: :func:`afn_widget.figure.render`)."""
        options.setdefault("granularity", self.granularity)
        options.setdefault("score", self.score)
        return self.result.to_svg(**options)

    def save_svg(self, path: str | Path, **options: Any) -> Path:
        """Write :meth:`to_svg` to ``path``."""
        return self._save(path, ".svg", options)

    def save_png(self, path: str | Path, scale: float = 2.0, **options: Any) -> Path:
        """The figure as a PNG, ``scale`` pixels per point (2: sharp on slides and screens)."""
        return self._save(path, ".png", {**options, "scale": scale})

    def save_pdf(self, path: str | Path, **options: Any) -> Path:
        """The figure as a PDF with embedded, selectable text (for papers: ``theme="print"``)."""
        return self._save(path, ".pdf", options)

    def _save(self, path: str | Path, suffix: str, options: dict[str, Any]) -> Path:
        """The figure drawn into ``path``, checked before it is drawn and written whole."""
        from .figure import render
        from .files import check_output, write

        path = Path(path)
        if path.suffix.lower() != suffix:
            raise AFNInputError(f"{path.name!r}: this method writes {suffix} files.")
        path = check_output(path, f"{suffix[1:].upper()} figure")
        options.setdefault("granularity", self.granularity)
        options.setdefault("score", self.score)
        return write(path, render(self.result, suffix[1:], **options))

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget, and beside it a picture for viewers that cannot run it (GitHub, nbviewer,
        a notebook reopened without its kernel): a PNG of at most ``FALLBACK_UNITS`` units. A
        picture rather than the standalone page, because those viewers pick ``text/html`` first
        and strip its iframe and scripts, showing nothing."""
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict) and self._result is not None and self._idle.is_set():
            import base64

            from .figure import render

            try:
                png = render(
                    self.result, "png", granularity=self.granularity, score=self.score,
                    max_units=FALLBACK_UNITS, scale=1.5,
                )  # fmt: skip
            except Exception:  # noqa: BLE001 - a missing picture must never hide the widget
                return bundle
            data["image/png"] = base64.b64encode(png).decode("ascii")
        return bundle


# The contract with the browser, declared once above by the traits' ``group`` tags.
CONTROL_TRAITS = AFNView.traits_of("control")
DATA_TRAITS = AFNView.traits_of("data")
STATUS_TRAITS = AFNView.traits_of("status")
