"""Watch a decoder write, in a view: :class:`Watching`, the writing methods of
:class:`~afn_widget.widget.AFNView`.

``AFNView(prompt, model=..., generate=N, **options)`` and ``view.generate(N)`` let the model
write ``N`` tokens after the view's text, ``AFNView(messages=[...], model=..., generate=N)``
reply to a chat (:func:`afn_widget.generate`), in the view's background worker
(:mod:`afn_widget.worker`: one request at a time, the newest wins). After each token written
the view shows the text read so far, each token with its colour and tooltip, the written ones
marked; the threshold and ranks are those of the tokens so far. ``view.stop()``, or the view's
Stop button (it sets the ``writing`` trait to False), ends the writing after the token being
written; what was written is then the view's result (``finish_reason`` ``"stopped"``), as a
finished writing's is.

While the model writes, the view's ``status`` is ``"writing"`` and its ``progress`` the share of
the ``N`` tokens written; its ``text`` follows the text written (the view's own change: nothing
is analysed for it). A text set by the user (``view.text = ...``) is analysed as usual, and ends
a writing under way.

Options of the writing (:data:`WRITE_OPTIONS`): ``generate`` (how many tokens), ``messages``
(a chat instead of the view's text), ``do_sample``, ``temperature``, ``top_p``, ``seed`` and
``stop`` as :func:`afn_widget.generate` takes them; the view's own options (``layer``,
``quantile``, ``scores``, ...) go to the writing as they go to an analysis. Bad ones are refused
with their typed error before anything runs.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import partial as bind
from typing import Any, NamedTuple

import traitlets as t

from . import validate as V
from .chat import check_messages
from .engine import OPTION_NAMES
from .errors import AFNInputError, AFNTypeError, NoLMHeadError
from .models import check_device, load_model
from .registry import LOGIT_SCORES
from .result import AFNResult
from .worker import Task
from .writing import check_generate_options, check_generator, check_sampling, generate

WRITE_OPTIONS = ("generate", "messages", "do_sample", "temperature", "top_p", "seed", "stop")
"""The options of a view that ask it to write (:func:`afn_widget.generate`'s, ``generate``
being its ``max_new_tokens``)."""
EXAMPLE_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"


class Asked(NamedTuple):
    """A writing asked of a view: how many tokens, the chat to reply to (``None``: write after
    the view's text), and the sampling options for :func:`afn_widget.generate`."""

    max_new_tokens: int
    messages: list[dict[str, str]] | None
    sampling: dict[str, Any]


def writing_asked(options: dict[str, Any]) -> Asked | None:
    """Take the :data:`WRITE_OPTIONS` out of ``options`` (a view's keyword arguments) and
    return them checked, or ``None`` when they ask for no writing. Sampling options or
    ``messages`` without ``generate`` are refused: they would do nothing."""
    given = {k: options.pop(k) for k in WRITE_OPTIONS if k in options}
    if not given:
        return None
    if "generate" not in given:
        raise AFNTypeError(
            f"{sorted(given)} are options of writing: give generate=N too, the number of tokens "
            "the model writes, e.g. AFNView('Once upon a time', model=..., generate=32)."
        )
    n = V.check_positive_int("generate", given.pop("generate"))
    messages = given.pop("messages", None)
    check_sampling(max_new_tokens=n, **given)
    return Asked(n, None if messages is None else check_messages(messages), given)


def check_writer(model: Any, device: Any = None) -> None:
    """A typed error unless ``model`` can write: a decoder with its LM head. A model given as
    objects is checked now; a name or a path is loaded with its head in the background (where
    a model that cannot write is said in the view)."""
    if model is None:
        raise NoLMHeadError(
            "writing needs a decoder with its LM head and there is no default one: pass "
            f"model='{EXAMPLE_MODEL}' (a hub name or a path), or a (model, tokenizer) pair "
            "from AutoModelForCausalLM."
        )
    if isinstance(model, (str, os.PathLike)):
        return
    check_generator(load_model(model, check_device(device), head=True, warn=False))


def check_writing(text: str, model: Any, options: dict[str, Any]) -> None:
    """A view's arguments that ask it to write, checked before anything runs: the writing's own
    options, a prompt or a chat (one of the two), a model that can write, and the view's
    analysis options as :func:`afn_widget.generate` takes them (no ``normalize`` that needs the
    whole text, no attention scores)."""
    asked = writing_asked(dict(options))
    if asked is None:
        return
    if (asked.messages is None) == (not text):
        raise AFNTypeError(
            "the model writes after a text or replies to a chat: give the prompt as the text, "
            "AFNView('Once upon a time', model=..., generate=32), or messages=[{'role': "
            "'user', 'content': ...}] with no text; one of the two."
        )
    check_writer(model, options.get("device"))
    check_generate_options({k: v for k, v in options.items() if k in OPTION_NAMES})


class Watching(t.HasTraits):
    """The writing methods of a view (mixed in before the widget class), and its traits for a
    text written: ``writing`` (a control: True while the model writes; the browser's Stop button
    sets it to False, which stops the writing) and the data ``generated``, ``chat_roles``,
    ``chat_role_names`` and ``finish_reason`` (:func:`afn_widget.payload.written_columns`).
    The view provides ``_options``, ``_model``, ``_worker``, ``_show``, ``_fail`` and
    ``_analyse_again``; its text observer calls :meth:`_text_set`."""

    writing = t.Bool(False).tag(sync=True, group="control")
    generated = t.Bytes(b"").tag(sync=True, group="data")  # uint8: 1 = written by the model
    chat_roles = t.Bytes(b"").tag(sync=True, group="data")  # uint16: index in chat_role_names
    chat_role_names = t.List(t.Unicode()).tag(sync=True, group="data")
    finish_reason = t.Unicode("").tag(sync=True, group="data")  # why writing ended

    _asked: Asked | None = None  # the writing the constructor asked for, until its text is set
    _writes = False  # asked to write: the LM head's scores are the view's
    _messages: list[dict[str, str]] | None = None  # the chat the view replies to
    _own_text: str | None = None  # the text the view is setting itself (the text written)

    def __init__(self, **traits: Any) -> None:
        asked = writing_asked(self._options)  # checked by the constructor already
        self._writes = asked is not None
        self._stopping = threading.Event()  # set: the current writing is to stop
        self._write_lock = threading.Lock()  # which writing is current, and its writing trait
        super().__init__(**traits)
        self.observe(self._on_writing, names="writing")
        self.observe(self._on_status, names="status")
        if asked is not None and asked.messages is not None:
            self._write(asked)  # a chat: no text to wait for
        else:
            self._asked = asked  # written once the constructor sets the text

    # -- what Python users call ------------------------------------------------------------------
    def generate(self, max_new_tokens: int = 32, **options: Any) -> Watching:
        """Let the model write ``max_new_tokens`` tokens after the view's text (a view of a chat:
        its reply to the chat again; ``messages=[...]``: a reply to another chat), in the
        background, the view following each token (module docstring). ``options``:
        ``do_sample``, ``temperature``, ``top_p``, ``seed``, ``stop`` as
        :func:`afn_widget.generate` takes them. Returns the view (``view.wait()`` waits for the
        end, ``view.result`` is what was written)."""
        options = {"generate": max_new_tokens, **options}
        unknown = sorted(set(options) - set(WRITE_OPTIONS))
        if unknown:
            raise AFNTypeError(
                f"generate got unknown option(s) {unknown}; it takes max_new_tokens and "
                f"{', '.join(WRITE_OPTIONS[1:])}."
            )
        if "messages" not in options and self._messages is not None:
            options["messages"] = self._messages
        text = "" if "messages" in options else self.text
        if not text and "messages" not in options:
            raise AFNInputError(
                "this view has no text to write after: set view.text to a prompt first, or "
                "pass messages=[{'role': 'user', 'content': ...}]."
            )
        check_writing(text, self._model, {**self._options, **options})
        self._writes = True
        self._write(writing_asked(options))
        return self

    def stop(self) -> Watching:
        """Stop the writing under way after the token being written: what was written is the
        view's result (``finish_reason`` ``"stopped"``). Nothing when the view is not writing.
        Returns the view (``view.stop().wait()`` waits for the result)."""
        self._stopping.set()
        return self

    # -- the writing, in the view's worker -----------------------------------------------------
    def _write(self, asked: Asked) -> None:
        """Say the view is writing, and ask the worker for it (it replaces any other request).
        Each writing has its own stop flag, which also tells whether it is still the view's."""
        with self._write_lock:
            self._stopping = stopping = threading.Event()
            self._messages = asked.messages
            self._input_error = False
            with self.hold_sync():
                self.status, self.progress, self.error = "writing", 0.0, ""
                self.writing = True
        run = bind(self._run_writing, asked, stopping)
        show, fail = bind(self._show_written, stopping), bind(self._writing_failed, stopping)
        self._worker.request(Task(run, show, fail))

    @staticmethod
    def _run_writing(asked: Asked, stopping: threading.Event, text: str, model: Any,
                     options: dict[str, Any], progress: Callable[[int, int], Any],
                     partial: Callable[[AFNResult], bool]) -> AFNResult:  # fmt: skip
        """The worker's :class:`~afn_widget.worker.Task`: :func:`afn_widget.generate` with the
        view's settings (``options``, read when it starts), each token shown as soon as it is
        read (``partial_every`` 0 unless the view says otherwise); it stops once ``stopping``
        is set."""
        lm = load_model(model, options.get("device"), head=True, warn=False)

        def shown(result: AFNResult) -> bool:
            return partial(result) and not stopping.is_set()

        prompt = None if asked.messages is not None else text
        return generate(
            prompt, lm, max_new_tokens=asked.max_new_tokens, messages=asked.messages,
            progress=progress, partial=shown, **asked.sampling, **{"partial_every": 0.0, **options},
        )  # fmt: skip

    def _show_written(self, stopping: threading.Event, result: AFNResult, final: bool) -> None:
        """Show a result of the writing: its text (the view's own change) and its data, in one
        message to the browser; the last one also ends the writing."""
        with self.hold_sync():
            self._own_text = result.text
            try:
                self.text = result.text
            finally:
                self._own_text = None
            self._show(result, final)
            if final:
                self._writing_ended(stopping)

    def _writing_failed(self, stopping: threading.Event, exc: Exception) -> None:
        with self.hold_sync():
            self._fail(exc)
            self._writing_ended(stopping)

    def _writing_ended(self, stopping: threading.Event) -> None:
        """The writing of ``stopping`` has ended: the view is no longer writing, unless another
        writing has started since."""
        with self._write_lock:
            if self._stopping is stopping:
                self.writing = False

    # -- hooks of the view ---------------------------------------------------------------------
    def _text_set(self, change: dict[str, Any]) -> None:
        """The view's text changed: the text written (nothing to do), the prompt of the writing
        the constructor asked for (it starts), or a text to analyse (a chat is forgotten)."""
        if self._own_text is not None and change["new"] == self._own_text:
            return
        asked, self._asked = self._asked, None
        if asked is not None:
            self._write(asked)
            return
        self._messages = None
        self._analyse_again()

    def _on_status(self, change: dict[str, Any]) -> None:
        """An analysis asked for (a new text, model or normalization): a writing under way
        ends (the newest request wins)."""
        if change["new"] == "computing":
            self._writing_ended(self._stopping)

    def _on_writing(self, change: dict[str, Any]) -> None:
        """``writing`` set to False (by the browser's Stop button, or at the end): stop."""
        if not change["new"]:
            self._stopping.set()

    def _written_scores(self) -> tuple[str, ...]:
        """The scores a writing adds to the view's (the LM head's), once it is asked for."""
        return LOGIT_SCORES if self._writes or "generate" in self._options else ()
