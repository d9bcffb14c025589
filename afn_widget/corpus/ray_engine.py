"""The ``ray`` engine: the forward passes of :class:`~.collect.Passes` on a Ray cluster.

Only the collection step changes. The driver reads and tokenizes the corpus chunk by chunk,
skips what the model cannot read and checks the tokenizer's fit exactly as the local engine
does, and cuts each run's sentences into the same length-sorted batches of at most
``token_budget`` padded tokens (:func:`~.inputs.batches`). Those batches become the rows of a
Ray Dataset; ``map_batches`` sends them through a pool of actors, each of which loads the model
once (by name or path, or from the object store when the model was passed as objects), builds
the random twins of the controls itself (:func:`~.twin.random_twin` is seeded, so every actor
builds the same ones) and returns each sentence's per-word and per-special scores. The driver
puts them back in input order in a :class:`~.collect.Collected`, and everything downstream
(counts, regression, bootstrap, table) is the local engine's own code: the same batches through
the same model give the same scores, and so the same table for the same seed.

Faults: Ray Data restarts an actor that dies and retries its batch (its actor pools'
defaults, ``max_restarts=-1`` and ``max_task_retries=-1``); a batch is a pure function of its
row, so a retried batch gives the same scores.

Memory on the driver: the inputs of one ``analyze_corpus`` call (token ids, the rows of its
Dataset) and its kept scores, which the statistics need in full; :mod:`.treebanks` runs one
treebank at a time, so a run over many treebanks holds one treebank's worth, never the whole
corpus's.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..conllu import Sentence
from ..errors import AFNError, AFNInputError
from ..models import LoadedModel, load_model
from ..validate import check_positive_int
from .collect import Collected, Passes, WordAndSpecials, _to_words
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
    ``gpus_per_worker`` GPUs."""

    address: str | None = None
    workers: int | None = None
    cpus_per_worker: int = 1
    gpus_per_worker: float = 0.0


def check_settings(
    address: object = None,
    workers: object = None,
    cpus_per_worker: object = 1,
    gpus_per_worker: object = 0.0,
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
    return RaySettings(address, workers, cpus, float(gpus_per_worker))


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
    """A Ray Data actor: the model loaded once, then batches of token ids to per-word scores."""

    def __init__(self, model: Any, opts: Options, device: str | None, threads: int) -> None:
        import torch

        torch.set_num_threads(threads)
        if not isinstance(model, str):
            import ray

            model = _rebuilt(*ray.get(model))  # from the object store
        lm = load_model(model, device)
        self.passes = Passes(lm, opts)
        for r in {id(r): r for r in self.passes.runners.values()}.values():
            r.__enter__()  # eager attention and hooks for the actor's lifetime

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = []
        p = self.passes
        n_head, n_tail = len(p.head), len(p.tail)
        for task in batch["task"]:
            run_k, items = pickle.loads(task)
            runner = p.runners[p.runs[run_k]]
            scores = runner.run([p.head + ids + p.tail for _, ids, _ in items], p.pad_id)
            done = [
                (index, _to_words(m, _Pieces(pieces), n_head, n_tail))
                for (index, _, pieces), m in zip(items, scores, strict=True)
            ]
            out.append(pickle.dumps((run_k, done), protocol=pickle.HIGHEST_PROTOCOL))
        return {"result": np.array(out, dtype=object)}


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

    def collect(self, corpus: Iterable[Sentence | str], bar: Any) -> Collected:
        """Every sentence through every run on the actors; ``bar`` counts sentence passes."""
        out = Collected(self.runs, fit=TokenFit(self.tokenizer.unk_token_id))
        kept: list[list[Item]] = []  # per chunk, as the local engine batches them
        for k, chunk in enumerate(chunks(corpus, self.tokenizer, self.chunk_size)):
            items = self.read(k, chunk, out, bar)
            if items:
                kept.append(items)
        scores = self._forward(self._tasks(kept), bar) if kept else {}
        for it in (it for items in kept for it in items):
            out.add(it, {r: scores[k, it.index] for k, r in enumerate(self.runs)})
        return out

    def _tasks(self, kept: list[list[Item]]) -> list[dict[str, bytes]]:
        """One Dataset row per batch: ``(run number, [(index, ids, pieces), ...])``, each chunk
        of each run cut as the local engine cuts it, the widest batches first (the slowest
        start first)."""
        n_special = len(self.head) + len(self.tail)
        rows = []
        for k, run in enumerate(self.runs):
            for items in kept:
                for batch in batches(self.inputs(run, items), n_special, self.token_budget):
                    task = (k, [(it.index, it.ids, it.pieces) for it in batch])
                    rows.append((max(len(it.ids) for it in batch), pickle.dumps(task)))
        rows.sort(key=lambda r: -r[0])
        return [{"task": t} for _, t in rows]

    def _forward(
        self, tasks: list[dict[str, bytes]], bar: Any
    ) -> dict[tuple[int, int], WordAndSpecials]:
        ray = self.ray
        s = self.settings
        n = _workers(ray, s)
        ds = ray.data.from_items(tasks)
        threads = s.cpus_per_worker
        ds = ds.map_batches(
            _Forward,
            fn_constructor_args=(self.model_ref, self.opts, self.device, threads),
            batch_size=8,  # model batches per call: fewer round trips
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=n),
            num_cpus=s.cpus_per_worker,
            num_gpus=s.gpus_per_worker or None,
        )
        out: dict[tuple[int, int], WordAndSpecials] = {}
        for row in ds.iter_rows():
            run_k, done = pickle.loads(row["result"])
            for index, ws in done:
                out[run_k, index] = ws
            bar.update(len(done))
        return out


def ray_passes(
    lm: LoadedModel, opts: Options, model: Any, device: str | None, settings: RaySettings
) -> RayPasses:
    """The Ray engine's passes (Ray initialised if it is not)."""
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    return RayPasses(lm, opts, model, device, settings)
