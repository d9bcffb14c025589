"""The ``ray`` engine: the forward passes of :class:`~.collect.Passes` on a Ray cluster.

Only the collection step changes. The driver reads and tokenizes the corpus chunk by chunk,
skips what the model cannot read and checks the tokenizer's fit exactly as the local engine
does, and cuts each run's sentences into the same length-sorted batches of at most
``token_budget`` padded tokens (:func:`~.inputs.batches`). Those batches, a few to a row, go
through a Ray Data ``map_batches`` over a pool of actors, each of which loads the model once (by
name or path, or from the object store when the model was passed as objects), builds the random
twins of the controls itself (:func:`~.twin.random_twin` is seeded, so every actor builds the
same ones) and returns each sentence's per-word and per-special scores. The driver puts them
back in input order in a :class:`~.collect.Collected`, and everything downstream (counts,
regression, bootstrap, table) is the local engine's own code: the same batches through the
same model give the same scores, and so the same table for the same seed.

The pool outlives the call. Starting it (a worker process per actor, torch and transformers
imported there, the model loaded) takes seconds, as long as a small treebank's forward passes;
every ``analyze_corpus`` call (every treebank of :mod:`.treebanks`) would pay it again. So the
Dataset's source is a queue (a Ray queue actor; one read task takes rows off it for as long as
the pool lives) and the actors stay up between calls: a call puts its rows on the queue and
takes its own results back (rows carry the call's number). A call reuses the pool when the
model is given by name or path (the same one, its files unchanged), the same runs and scores
are asked for, on the same device, threads and number of workers; anything else closes the
pool and starts one to fit. A pool left idle for ``keep_workers`` seconds (default 300; ``0``:
closed at the end of each call, the actors' start paid by every call) hands its CPUs or GPUs
back; :func:`close_workers` does so at once, and so does the end of the process.

Faults: Ray Data restarts an actor that dies and retries its rows (its actor pools' defaults,
``max_restarts=-1`` and ``max_task_retries=-1``); a row is a pure function of its content, so a
retried row gives the same scores. Should the pipeline itself fail (its queue or its read task
lost, Ray shut down under it), the call starts a new pool and sends the rows it still lacks,
once. :func:`last_timeline` says where a call's time went (the actors' start and model load,
each row's time on its actor, the collection).

Memory on the driver: the inputs of one ``analyze_corpus`` call (token ids, the rows it puts
on the queue) and its kept scores, which the statistics need in full; :mod:`.treebanks` runs
one treebank at a time, so a run over many treebanks holds one treebank's worth, never the
whole corpus's.
"""

from __future__ import annotations

import atexit
import itertools
import math
import os
import pickle
import queue
import threading
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AFNError, AFNInputError
from ..models import LoadedModel, load_model
from ..validate import check_positive_int
from .collect import Collected, Passes, WordAndSpecials, _to_words
from .conllu_reader import Sentence
from .inputs import Item, batches, chunks, default_token_budget
from .language import TokenFit
from .options import Options

INSTALL = 'pip install "afn-widget[ray]"'


class RayUnavailableError(AFNError, ImportError):
    """``engine="ray"`` was asked for and Ray Data is not installed."""


def require_ray() -> Any:
    """The ``ray`` module with Ray Data, or :class:`RayUnavailableError` saying what to install."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise RayUnavailableError(
            f'engine="ray" needs Ray Data and pyarrow ({exc}); install them with {INSTALL}, '
            'or use engine="local".'
        ) from None
    return ray


@dataclass(frozen=True)
class RaySettings:
    """Where and how wide: ``address`` of the cluster (``None``: the Ray already initialised in
    this process, else a new local one; ``"auto"``: the cluster this machine belongs to),
    ``workers`` actors (default: one per GPU when ``gpus_per_worker`` > 0, else one per CPU of
    the cluster), each with ``cpus_per_worker`` CPUs (its torch threads) and
    ``gpus_per_worker`` GPUs; the actors kept for the next call until idle ``keep_workers``
    seconds (``0``: closed at the end of each call)."""

    address: str | None = None
    workers: int | None = None
    cpus_per_worker: int = 1
    gpus_per_worker: float = 0.0
    keep_workers: float = 300.0


def check_settings(
    address: object = None,
    workers: object = None,
    cpus_per_worker: object = 1,
    gpus_per_worker: object = 0.0,
    keep_workers: object = 300.0,
) -> RaySettings:
    """The settings ready to use, or the error that names what to change (Ray not needed)."""
    if address is not None and not isinstance(address, str):
        raise AFNInputError(
            f"address must be a string such as 'auto' or 'ray://host:10001', not {address!r}."
        )
    if workers is not None:
        workers = check_positive_int("workers", workers)
    cpus = check_positive_int("cpus_per_worker", cpus_per_worker)
    if not isinstance(gpus_per_worker, (int, float)) or gpus_per_worker < 0:
        raise AFNInputError(f"gpus_per_worker must be a number >= 0, not {gpus_per_worker!r}.")
    if (
        isinstance(keep_workers, bool)
        or not isinstance(keep_workers, (int, float))
        or not keep_workers >= 0
    ):
        raise AFNInputError(
            f"keep_workers must be a number of seconds >= 0 (0: close the actors at the end "
            f"of each call), not {keep_workers!r}."
        )
    return RaySettings(address, workers, cpus, float(gpus_per_worker), float(keep_workers))


def connect(settings: RaySettings) -> Any:
    """Ray, initialised: the running one if any, else ``ray.init(address)``."""
    ray = require_ray()
    if not ray.is_initialized():
        ray.init(address=settings.address, logging_level="WARNING", log_to_driver=False)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False  # the run has one bar of its own
    ctx.print_on_execution_start = False
    return ray


def _workers(ray: Any, settings: RaySettings) -> int:
    if settings.workers is not None:
        return settings.workers
    res = ray.cluster_resources()
    if settings.gpus_per_worker > 0:
        return max(1, int(res.get("GPU", 0) / settings.gpus_per_worker))
    return max(1, int(res.get("CPU", 1) // settings.cpus_per_worker))


class _Forward:
    """A Ray Data actor: the model loaded once, then rows of model batches (token ids) to
    per-word scores. Each result row carries its call's number, when the actor started and
    took to start (its first row only), and when it began and ended the row (wall clock)."""

    def __init__(self, model: Any, opts: Options, device: str | None, threads: int) -> None:
        t0 = time.time()
        import torch

        torch.set_num_threads(threads)
        if not isinstance(model, str):
            import ray

            model = _rebuilt(*ray.get(model))  # from the object store
        lm = load_model(model, device)
        self.passes = Passes(lm, opts)
        self.started: tuple[float, float] | None = (t0, time.time())

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out, times = [], []
        p = self.passes
        n_head, n_tail = len(p.head), len(p.tail)
        for row in batch["task"]:
            t0 = time.time()
            i, tasks = pickle.loads(row)
            done = []
            for run_k, items in tasks:
                runner = p.runners[p.runs[run_k]]
                scores = runner.run([p.head + ids + p.tail for _, ids, _ in items], p.pad_id)
                words = [
                    (index, _to_words(m, _Pieces(pieces), n_head, n_tail))
                    for (index, _, pieces), m in zip(items, scores, strict=True)
                ]
                done.append((run_k, words))
            out.append(pickle.dumps((i, done), protocol=pickle.HIGHEST_PROTOCOL))
            times.append(pickle.dumps((os.getpid(), self.started, t0, time.time())))
            self.started = None
        return {
            "call": batch["call"],
            "result": np.array(out, dtype=object),
            "times": np.array(times, dtype=object),
        }


def _shippable(lm: LoadedModel) -> tuple[Any, Any, dict[str, Any], Any]:
    """The model as its class, config and weights (on the CPU), and its tokenizer: what pickles
    whatever the live module holds (hooks, context variables)."""
    mdl = lm.model
    state = {k: v.detach().cpu() for k, v in mdl.state_dict().items()}
    return type(mdl), mdl.config, state, lm.tokenizer


def _rebuilt(cls: Any, config: Any, state: dict[str, Any], tokenizer: Any) -> tuple[Any, Any]:
    """The ``(model, tokenizer)`` pair of :func:`_shippable`'s parts, in eval mode."""
    mdl = cls(config)
    mdl.load_state_dict(state)
    return mdl.eval(), tokenizer


@dataclass
class _Pieces:
    """What :func:`~.collect._to_words` reads of an item."""

    pieces: list[list[int]]


class RayPasses(Passes):
    """:class:`Passes` whose forward passes run on Ray actors; ``collect`` gives the same
    :class:`Collected`."""

    def __init__(
        self, lm: LoadedModel, opts: Options, model: Any, device: str | None, settings: RaySettings
    ) -> None:
        self.ray = connect(settings)
        self.settings = settings
        if opts.token_budget is None and settings.gpus_per_worker > 0:
            opts = replace(opts, token_budget=default_token_budget("cuda"))
        super().__init__(lm, opts)
        self.opts = opts
        self.device = device or ("cuda" if settings.gpus_per_worker > 0 else "cpu")
        # by name or path, each actor loads it itself; objects go through the object store
        self.model_ref = model if isinstance(model, str) else self.ray.put(_shippable(lm))
        self.n_workers = _workers(self.ray, settings)
        self.pool_key = _pool_key(model, opts, self.device, settings, self.n_workers)
        self.timeline: dict[str, Any] = {"rows_done": [], "actor_starts": []}
        _LAST["timeline"] = self.timeline
        # started (or kept) now: the actors start while the driver reads the corpus
        _ensure_pool(self, self.timeline)

    def collect(self, corpus: Iterable[Sentence | str], bar: Any) -> Collected:
        """Every sentence through every run on the actors; ``bar`` counts sentence passes."""
        out = Collected(self.runs, fit=TokenFit(self.tokenizer.unk_token_id))
        kept: list[list[Item]] = []  # per chunk, as the local engine batches them
        t0 = time.time()
        for k, chunk in enumerate(chunks(corpus, self.tokenizer, self.chunk_size)):
            items = self.read(k, chunk, out, bar)
            if items:
                kept.append(items)
        self.timeline["read_s"] = time.time() - t0
        try:
            scores = self._forward(self._tasks(kept), bar) if kept else {}
        finally:
            if self.pool_key is None or self.settings.keep_workers <= 0:
                close_workers()
        for it in (it for items in kept for it in items):
            out.add(it, {r: scores[k, it.index] for k, r in enumerate(self.runs)})
        return out

    def _tasks(self, kept: list[list[Item]]) -> list[tuple[int, Any]]:
        """The model batches: ``(run number, [(index, ids, pieces), ...])``, each chunk of each
        run cut as the local engine cuts it, the widest batches first (the slowest start
        first), each with its widest sentence's length."""
        n_special = len(self.head) + len(self.tail)
        tasks = []
        for k, run in enumerate(self.runs):
            for items in kept:
                for batch in batches(self.inputs(run, items), n_special, self.token_budget):
                    task = (k, [(it.index, it.ids, it.pieces) for it in batch])
                    tasks.append((max(len(it.ids) for it in batch), task))
        tasks.sort(key=lambda t: -t[0])
        return tasks

    def _forward(
        self, tasks: list[tuple[int, Any]], bar: Any
    ) -> dict[tuple[int, int], WordAndSpecials]:
        """The tasks through the pool, a few model batches to a row: about four rows per
        worker (the widest together, at most 8 batches a row: fewer round trips) so that the
        workers finish close together."""
        n = self.n_workers
        per_row = max(1, min(8, math.ceil(len(tasks) / (4 * n))))
        rows = [[t for _, t in tasks[i : i + per_row]] for i in range(0, len(tasks), per_row)]
        out: dict[tuple[int, int], WordAndSpecials] = {}

        def take(done: list[tuple[int, list]]) -> None:
            for run_k, words in done:
                for index, ws in words:
                    out[run_k, index] = ws
                bar.update(len(words))

        self.timeline.update(tasks=len(tasks), rows=len(rows), workers=n)
        _run_on_pool(self, rows, take)
        return out

    def new_pool(self) -> _Pool:
        """A pool of actors for these passes' model, runs and device."""
        s = self.settings
        return _Pool(
            self.ray,
            self.n_workers,
            _Forward,
            (self.model_ref, self.opts, self.device, s.cpus_per_worker),
            num_cpus=s.cpus_per_worker,
            num_gpus=s.gpus_per_worker or None,
        )


# ---------------------------------------------------------------------------------------------
# the pool kept between calls
# ---------------------------------------------------------------------------------------------
_STOP = b""  # put on the queue: the read task ends, and with it the Dataset and its actors
_LOCK = threading.RLock()  # guards _POOL; held by a call while its rows are out
_POOL: dict[str, Any] = {"key": None, "pool": None, "timer": None, "uses": 0}
_LAST: dict[str, Any] = {"timeline": None}


class PipelineLost(RuntimeError):
    """The pool's pipeline failed (its queue or read task lost, Ray shut down under it); the
    second argument lists the rows of the call still undone."""


def _queue_source(q: Any) -> Any:
    """A Ray Data source of one read task that yields the rows put on ``q``, a block each,
    until :data:`_STOP`."""
    from ray.data.block import BlockMetadata
    from ray.data.datasource import Datasource, ReadTask

    class QueueSource(Datasource):
        def estimate_inmemory_data_size(self) -> None:
            return None

        def get_read_tasks(self, parallelism: int, **_: Any) -> list[Any]:
            return [ReadTask(lambda: _read(q), BlockMetadata(None, None, None, None))]

    return QueueSource()


def _read(q: Any) -> Iterable[Any]:
    import pyarrow as pa

    while True:
        item = q.get(block=True)
        if item == _STOP:
            return
        call, row = item
        yield pa.table({"call": pa.array([call], pa.int64()), "task": pa.array([row], pa.binary())})


class _Pool:
    """A Ray Data pipeline kept running: a queue actor, one read task taking rows off it, a
    ``map_batches`` over ``n`` actors of ``fn``, and a thread on the driver that hands each
    result row to the call that sent it."""

    def __init__(self, ray: Any, n: int, fn: Any, args: tuple, **remote: Any) -> None:
        from ray.util.queue import Queue

        # Ray Data counts the source's one read task as one input and warns that the actors
        # beyond the first have nothing to do; the task yields every row as a block of its own
        warnings.filterwarnings(
            "ignore", message=r"The minimum number of concurrent actors for 'MapBatches\(_Forward"
        )

        self.ray, self.n = ray, n
        self.node = ray.get_runtime_context().get_node_id()
        self.queue = Queue(actor_options={"num_cpus": 0})
        ctx = ray.data.DataContext.get_current()
        saved = ctx.target_max_block_size
        # Each row a block of its own, passed on at once: the read task's output would
        # otherwise wait in a buffer until it made a block of the target size (128 MiB) or the
        # source ended. A Dataset keeps the context as it was when the Dataset was made.
        ctx.target_max_block_size = 1
        try:
            # one read task, its blocks not split further (Ray Data would split a read of
            # fewer tasks than its parallelism, once the task had ended)
            ds = ray.data.read_datasource(
                _queue_source(self.queue), num_cpus=0, override_num_blocks=1
            )
            self.ds = ds.map_batches(
                fn,
                fn_constructor_args=args,
                batch_size=None,  # a row (a block) per call
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=n),
                **{k: v for k, v in remote.items() if v is not None},
            )
        finally:
            ctx.target_max_block_size = saved
        self.calls: dict[int, queue.SimpleQueue] = {}
        self.ids = itertools.count()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._pump, name="afn-ray-pool", daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        try:
            # each block as it comes: any prefetch waits for blocks that may be the next call's
            batches = self.ds.iter_batches(
                batch_size=None, batch_format="numpy", prefetch_batches=0
            )
            for batch in batches:
                got = time.time()
                for call, result, times in zip(
                    batch["call"], batch["result"], batch["times"], strict=True
                ):
                    inbox = self.calls.get(int(call))
                    if inbox is not None:
                        inbox.put((result, pickle.loads(times), got))
        except BaseException as exc:  # noqa: BLE001 (handed to the calls waiting)
            self.error = exc
        else:
            self.error = PipelineLost("the pool's Dataset ended")
        for inbox in list(self.calls.values()):
            inbox.put(None)

    def alive(self) -> bool:
        if self.error is not None or not self.thread.is_alive():
            return False
        try:
            return bool(self.ray.is_initialized()) and (
                self.ray.get_runtime_context().get_node_id() == self.node
            )
        except Exception:  # noqa: BLE001
            return False

    def run(self, rows: list[Any], take: Any, timeline: dict[str, Any]) -> None:
        """Every row through the actors, each result to ``take`` as it comes; raises
        :class:`PipelineLost` with the rows left undone when the pipeline fails."""
        call = next(self.ids)
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.calls[call] = inbox
        todo = set(range(len(rows)))
        try:
            timeline["submitted"] = time.time()
            hi = pickle.HIGHEST_PROTOCOL
            self.queue.put_nowait_batch([(call, pickle.dumps(r, hi)) for r in enumerate(rows)])
            while todo:
                got = inbox.get()
                if got is None:
                    raise PipelineLost(f"the pool's pipeline failed: {self.error!r}", sorted(todo))
                result, (pid, started, t0, t1), received = got
                i, done = pickle.loads(result)
                if i not in todo:  # a retried row answered twice
                    continue
                todo.discard(i)
                take(done)
                timeline["rows_done"].append((pid, t0, t1, received))
                if started is not None:
                    timeline["actor_starts"].append((pid, *started))
            timeline["collected"] = time.time()
        finally:
            self.calls.pop(call, None)

    def close(self, wait: float) -> None:
        """The read task told to end (so the Dataset ends and the actors go), then the queue
        actor."""
        try:
            if self.alive():
                self.queue.put(_STOP)
                self.thread.join(wait)
            self.queue.shutdown(force=True)
        except Exception:  # noqa: BLE001 (Ray gone already: nothing left to close)
            pass


def _pool_key(model: Any, opts: Options, device: str, s: RaySettings, n: int) -> tuple | None:
    """What a pool must match to be reused (``None``: never reused, a model passed as
    objects): the model's name or path (and its files' times), what the actors' passes read
    of the options, the device, the threads and GPUs per actor and their number."""
    if not isinstance(model, str):
        return None
    stamp = None
    path = Path(model)
    if path.is_dir():
        stamp = max((f.stat().st_mtime_ns for f in path.iterdir() if f.is_file()), default=0)
    runs = (opts.conditions, opts.seeds, opts.scores, opts.outlier_k, opts.massive)
    return (model, stamp, runs, device, s.cpus_per_worker, s.gpus_per_worker, n)


def _ensure_pool(passes: RayPasses, timeline: dict[str, Any], after_failure: bool = False):
    """The pool for ``passes``: the one kept if it fits and lives, else a new one (the old
    one closed first, so that its CPUs or GPUs are free for the new actors)."""
    with _LOCK:
        _restart_timer(passes.settings.keep_workers)
        pool, key = _POOL["pool"], passes.pool_key
        if key is not None and _POOL["key"] == key and pool is not None and pool.alive():
            timeline.setdefault("pool", "reused")
            return pool
        close_workers()
        t0 = time.time()
        pool = passes.new_pool()
        timeline["pool"] = "new after a failure" if after_failure else "new"
        timeline["pool_made"] = (t0, time.time())
        _POOL.update(key=key, pool=pool)
        _restart_timer(passes.settings.keep_workers)
        return pool


def _run_on_pool(passes: RayPasses, rows: list[Any], take: Any) -> None:
    """The rows through the pool (a new pool for the rows left when the pipeline fails,
    once); the pool then kept for ``keep_workers`` idle seconds."""
    timeline = passes.timeline
    with _LOCK:
        left = list(range(len(rows)))
        for attempt in range(2):
            pool = _ensure_pool(passes, timeline, after_failure=attempt > 0)
            _cancel_timer()
            try:
                pool.run([rows[i] for i in left], take, timeline)
                break
            except PipelineLost as exc:
                if attempt == 1:
                    raise
                left = [left[j] for j in exc.args[1]]
                close_workers()
        _restart_timer(passes.settings.keep_workers)


def _cancel_timer() -> None:
    timer = _POOL["timer"]
    if timer is not None:
        timer.cancel()
        _POOL["timer"] = None


def _restart_timer(keep: float) -> None:
    """The pool closed after ``keep`` seconds unless it is used again before."""
    _cancel_timer()
    _POOL["uses"] += 1
    if keep > 0 and _POOL["pool"] is not None:
        timer = threading.Timer(keep, _close_if_unused, args=(_POOL["uses"],))
        timer.daemon = True
        _POOL["timer"] = timer
        timer.start()


def _close_if_unused(uses: int) -> None:
    with _LOCK:
        if _POOL["uses"] == uses:
            close_workers()


def close_workers(wait: float = 30.0) -> None:
    """Close the pool of actors kept from the last ``engine="ray"`` call, if any: its CPUs or
    GPUs go back to the cluster now rather than after ``keep_workers`` idle seconds."""
    with _LOCK:
        _cancel_timer()
        pool = _POOL["pool"]
        _POOL.update(key=None, pool=None)
        if pool is not None:
            pool.close(wait)


def last_timeline() -> dict[str, Any] | None:
    """Where the last Ray call's time went, wall-clock seconds (``time.time()``): ``read_s``
    (reading and tokenizing on the driver), ``pool`` (``"new"`` or ``"reused"``) and
    ``pool_made`` (the Dataset set up: start, end), ``submitted`` and ``collected`` (the rows
    put on the queue, the last result taken), ``actor_starts`` (per actor started for the
    call: pid, its constructor's start and end: imports, model load, twins), ``rows_done``
    (per row: the actor's pid, its start and end there, when the driver got it), ``tasks``
    (model batches), ``rows``, ``workers``."""
    return _LAST["timeline"]


atexit.register(close_workers, 5.0)


def ray_passes(
    lm: LoadedModel, opts: Options, model: Any, device: str | None, settings: RaySettings
) -> RayPasses:
    """The Ray engine's passes (Ray initialised if it is not)."""
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    return RayPasses(lm, opts, model, device, settings)
