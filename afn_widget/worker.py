"""A view's analyses in the background: the newest request only, off the kernel's main thread.

Each :meth:`Worker.request` replaces the ones before it. One thread runs them: an analysis that a
newer request replaced while it ran learns so at its next window, when its progress callback
calls :meth:`Job.check`, which raises :class:`~afn_widget.errors.AnalysisCancelled`; the thread
then takes the newest request, and exits once none is left. So however fast requests come, one
analysis runs at a time, the last one asked for is the one that finishes, and a view that waits
holds no thread.

While it is the newest, an analysis reports to its view: its progress, the tokens done so far,
then the result or the error.

A request may be a :class:`Task` instead of the view's analysis (a decoder writing,
:mod:`afn_widget.watch`): the same thread, the same rule (the newest request wins), its own way
of computing and of showing its results.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, NamedTuple

from .engine import analyze
from .errors import AnalysisCancelled
from .models import load_model
from .result import AFNResult

Ask = Callable[[], tuple[str, Any, dict[str, Any]]]
"""What to analyse, read when an analysis starts: ``(text, model, options)`` for
:func:`~afn_widget.analyze` (``options["device"]`` also says where the model loads)."""
Show = Callable[[AFNResult, bool], None]
"""``show(result, final)``: the tokens done so far (``final=False``), then the result."""


class Task(NamedTuple):
    """A request other than the view's analysis.

    ``run(text, model, options, progress, partial)`` computes it from what ``ask()`` says, as
    :func:`~afn_widget.analyze` would with those callbacks: ``progress(done, total)`` raises
    :class:`AnalysisCancelled` once a newer request has come, and ``partial(result)`` shows the
    tokens done so far and returns whether the request is still the newest. ``show`` and
    ``fail`` show its results and its error in place of the worker's own."""

    run: Callable[..., AFNResult]
    show: Show
    fail: Callable[[Exception], None]


class Job:
    """One request, as the worker runs it."""

    def __init__(self, worker: Worker, generation: int) -> None:
        self._worker, self._generation = worker, generation

    @property
    def current(self) -> bool:
        """No newer request has come since this one."""
        return self._generation == self._worker._wanted

    def check(self) -> None:
        """Raise :class:`AnalysisCancelled` if a newer request has replaced this one."""
        if not self.current:
            raise AnalysisCancelled("a newer request replaced this one")


class Worker:
    """Analyses what ``ask()`` says, for the newest request, in one thread named ``name``.

    While an analysis is the newest it calls ``progress(fraction)`` as windows are done,
    ``show(result, final)`` with the tokens done so far (``final=False``) and then with the
    result (``final=True``), or ``fail(error)``.
    """

    def __init__(
        self,
        ask: Ask,
        *,
        show: Show,
        fail: Callable[[Exception], None],
        progress: Callable[[float], None],
        name: str,
    ) -> None:
        self._ask, self._show, self._fail, self._progress = ask, show, fail, progress
        self._name = name
        self._lock = threading.Lock()
        self._wanted = 0  # the generation of the newest request
        self._task: Task | None = None  # the newest request's task (None: an analysis)
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    def request(self, task: Task | None = None) -> None:
        """Ask for an analysis, or for ``task``; it replaces any request not yet finished."""
        with self._lock:
            self._wanted += 1
            self._task = task
            self._idle.clear()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()

    @property
    def idle(self) -> bool:
        """Every request has been analysed (or replaced)."""
        return self._idle.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until idle or ``timeout`` seconds have passed; whether it is idle."""
        return self._idle.wait(timeout)

    def _loop(self) -> None:
        done = 0
        while True:
            with self._lock:
                if done == self._wanted:
                    self._thread = None
                    self._idle.set()
                    return
                done, task = self._wanted, self._task
            try:
                self._run(Job(self, done), task)
            except AnalysisCancelled:
                pass  # a newer request replaced it: the loop takes that one

    def _run(self, job: Job, task: Task | None) -> None:
        """One analysis (or ``task``), reported while it is current (a cancelled one is not)."""
        text, model, options = self._ask()
        show, fail = (self._show, self._fail) if task is None else (task.show, task.fail)

        def progress(done: int, total: int) -> None:
            job.check()
            if total:
                self._progress(done / total)

        def partial(result: AFNResult) -> bool:
            current = job.current
            if current:
                show(result, False)
            return current

        try:
            if task is not None:
                result = task.run(text, model, options, progress, partial)
            else:
                # the view's header says when the offline fallback is used: no warning printed
                # under whichever cell happens to run while this thread loads the model
                lm = load_model(model, options.get("device"), warn=False)
                result = analyze(text, lm, progress=progress, partial=partial, **options)
        except Exception as exc:  # the view shows it and stays usable
            if job.current:
                fail(exc)
            return
        if job.current:
            show(result, True)
