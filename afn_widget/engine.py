"""Tokenize, run one forward pass per window, keep the norms of every layer.

This is the only module that runs the model. :func:`analyze` is a pipeline:

1. **check** the options (:class:`Options`, before any model loads);
2. **plan** (:class:`Plan`): the tokens, the special tokens around each window, the windows of
   a long text and the batches they run in;
3. **normalize**: where ``normalize`` needs statistics of the whole text, a pass that gathers
   them (:class:`~afn_widget.hidden.Moments`);
4. **run** the batches: ``model(input_ids, attention_mask, output_hidden_states=True)`` under
   ``torch.inference_mode()``, and per layer and token the norms, shifts and top dimensions
   (:func:`~afn_widget.hidden.hidden_stats`);
5. **stitch** (:class:`Stitcher`): each token takes its values from the window where it has the
   most context, and the result is assembled (:class:`~afn_widget.result.AFNResult`).

Every statistic the result holds is computed inside the call, and hidden states are dropped
batch by batch, so memory is bounded by one batch of windows whatever the length of the text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from . import validate as V
from .anatomy import hidden_size
from .assemble import HIDDEN_ROWS, Spelled, assemble, empty_rows
from .attention import ATTENTION_SCORES, AttentionScores, attn_norm_unavailable
from .buckets import HIGH_RULES
from .decode import check_ids, decode_ids, is_ids
from .decoders import FINAL_LAYERS, last_residual, resolve_final_layer, with_residual
from .errors import AFNInputError, AFNTypeError, NoHiddenStatesError
from .hidden import (
    MASSIVE_ABS,
    MASSIVE_RATIO,
    NORMALIZATIONS,
    OUTLIER_K,
    RAW,
    SHIFT_METRICS,
    Moments,
    Normalization,
    given_outliers,
    hidden_stats,
)
from .logits import LOGIT_SCORES, layer_rows, logits_unavailable, token_scores
from .models import LoadedModel, load_model
from .models import forward as run_model
from .registry import TAS, VALUE_HOOKS, needing
from .result import SCORES, AFNResult, default_layer
from .tokens import EMPTY, Frame, Tokenized, special_frame, tokenize
from .windows import Windows, plan_windows

Progress = Callable[[int, int], Any]
MAX_WINDOW = 4096
"""The longest window ``analyze`` runs unless ``max_length`` says otherwise: a model that takes
65k positions would take a 60k-token text as one pass, with no progress to show and no point
at which to cancel; windows of at most this many tokens stream and can be stopped."""
check_text = V.check_text  # the engine's first check, also used by the widget


# -- 1. check ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """``analyze``'s options and their defaults (see :func:`analyze` for their meaning); the
    instances :func:`check_options` returns are checked."""

    layer: int | None = None
    quantile: float = 0.75
    include_special: bool = False
    granularity: str = "token"
    word_agg: str = "mean"
    normalize: str = "raw"
    outlier_dims: list[int] | None = None
    outlier_k: float = OUTLIER_K
    top_k: int = 3
    max_length: int | None = None
    stride: int | None = None
    batch_windows: int = 4
    high: str = "quantile"
    scores: tuple[str, ...] = (TAS.name,)
    include_massive: bool = False
    massive_abs: float = MASSIVE_ABS
    massive_ratio: float = MASSIVE_RATIO
    final_layer: str = "auto"

    @property
    def needs_statistics(self) -> bool:
        """Whether ``normalize`` needs statistics of the whole text."""
        return self.normalize == "standardize" or (
            self.normalize == "drop_outlier_dims" and self.outlier_dims is None
        )


OPTION_NAMES = tuple(f.name for f in fields(Options))


def check_options(**given: Any) -> Options:
    """``given`` options (the others at their defaults) as :class:`Options`, or a typed error
    naming the fix. ``layer`` is checked against the model once it is loaded."""
    unknown = sorted(set(given) - set(OPTION_NAMES))
    if unknown:
        raise AFNTypeError(f"unknown option(s) {unknown}; the options are {OPTION_NAMES}.")
    o = Options(**given)
    return replace(
        o,
        quantile=V.check_quantile(o.quantile),
        include_special=bool(o.include_special),
        granularity=V.check_granularity(o.granularity),
        word_agg=V.check_word_agg(o.word_agg),
        normalize=V.check_choice("normalize", o.normalize, NORMALIZATIONS),
        top_k=V.check_positive_int("top_k", o.top_k),
        outlier_dims=V.check_outlier_dims(o.outlier_dims),
        outlier_k=V.check_positive_number("outlier_k", o.outlier_k),
        batch_windows=V.check_positive_int("batch_windows", o.batch_windows),
        max_length=V.check_token_count("max_length", o.max_length),
        stride=V.check_token_count("stride", o.stride),
        high=V.check_choice("high", o.high, HIGH_RULES),
        scores=V.check_subset("scores", o.scores, SCORES),
        include_massive=bool(o.include_massive),
        massive_abs=V.check_positive_number("massive_abs", o.massive_abs),
        massive_ratio=V.check_positive_number("massive_ratio", o.massive_ratio),
        final_layer=V.check_choice("final_layer", o.final_layer, FINAL_LAYERS),
    )


# -- 2. plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What runs: the text's tokens, the specials around each window, windows and batches."""

    text: str
    tokens: Tokenized
    frame: Frame
    windows: Windows
    batches: list[range]
    layer: int
    n_rows: int  # layers + 1 (the embeddings)
    top_k: int
    device: Any
    final_layer: str = "block output"  # what the last row holds (decoders.resolve_final_layer)
    attention: tuple[str, ...] = ()  # the attention scores to compute
    logits: tuple[str, ...] = ()  # the LM head's scores to compute (the model runs with it)
    unavailable: dict[str, str] = field(default_factory=dict)  # score -> why it cannot be

    @property
    def extra(self) -> tuple[str, ...]:
        """The scores beyond the hidden states' own: attention's and the LM head's."""
        return self.attention + self.logits

    @property
    def n(self) -> int:
        """Tokens of the text, specials not counted."""
        return len(self.tokens.ids)

    @property
    def n_windows(self) -> int:
        return len(self.windows.starts) if self.n else 0

    def input_ids(self, w: int) -> list[int]:
        """Window ``w``'s token ids, framed by the specials."""
        s = self.windows.starts[w]
        return self.frame.head + self.tokens.ids[s : s + self.windows.length] + self.frame.tail

    def owned(self, w: int) -> np.ndarray:
        """Positions in window ``w``'s content whose values the text takes from it."""
        s = self.windows.starts[w]
        return np.flatnonzero(self.windows.owner[s : s + self.windows.length] == w)

    def stitched(self, w: int) -> np.ndarray:
        """Positions in window ``w`` (specials included) of the tokens of the stitched text:
        the first window's leading specials, the owned tokens, the last window's trailing ones."""
        p, length = len(self.frame.head), self.windows.length
        parts = [np.arange(p)] if w == 0 else []
        parts.append(p + self.owned(w))
        if w == self.n_windows - 1:
            parts.append(np.arange(p + length, p + length + len(self.frame.tail)))
        return np.concatenate(parts)


def make_plan(lm: LoadedModel, source: str | tuple[int, ...], opts: Options) -> Plan:
    """What :func:`analyze` runs for ``source``: a text, framed by the tokenizer's special
    tokens, or token ids, run as they are (:func:`afn_widget.decode.decode_ids`)."""
    layer = default_layer(lm.n_layers) if opts.layer is None else opts.layer
    layer = V.check_layer(layer, lm.n_layers)
    with lm.anatomy.lock:  # the tokenizer is shared too
        if isinstance(source, str):
            text, tokens = source, tokenize(lm.tokenizer, source)
            frame = special_frame(lm.tokenizer)
        else:
            text, tokens = decode_ids(lm.tokenizer, source) if source else ("", EMPTY)
            frame = Frame([], [])
    n_special = len(frame.head) + len(frame.tail)
    limit = min(lm.max_length, MAX_WINDOW) if opts.max_length is None else opts.max_length
    if limit > lm.max_length:
        raise AFNInputError(
            f"max_length={limit} is more than this model takes ({lm.max_length} tokens with "
            "its special tokens); leave it out or lower it."
        )
    length = limit - n_special
    if length < 1:
        raise AFNInputError(
            f"max_length={limit} leaves no room for text next to {n_special} special tokens."
        )
    overlap = length // 4 if opts.stride is None else opts.stride
    n = len(tokens.ids)
    windows = plan_windows(n, length, overlap, causal=lm.anatomy.causal)
    total = len(windows.starts) if n else 0
    step = opts.batch_windows
    unavailable = {}
    hooked = needing(VALUE_HOOKS, opts.scores)  # attn_norm, attn_norm_layer
    if hooked and (why := attn_norm_unavailable(lm.anatomy)):
        unavailable.update(dict.fromkeys(hooked, why))
    logits = tuple(x for x in LOGIT_SCORES if x in opts.scores)
    if logits and (why := logits_unavailable(lm.anatomy)):
        unavailable.update(dict.fromkeys(logits, why))
    return Plan(
        text=text,
        tokens=tokens,
        frame=frame,
        windows=windows,
        batches=[range(i, min(i + step, total)) for i in range(0, total, step)],
        layer=layer,
        n_rows=lm.n_layers + 1,
        top_k=min(opts.top_k, hidden_size(lm.model) or opts.top_k),
        device=_device(lm.anatomy.base),
        final_layer=resolve_final_layer(lm.anatomy, opts.final_layer),
        attention=tuple(x for x in ATTENTION_SCORES if x in opts.scores and x not in unavailable),
        logits=tuple(x for x in logits if x not in unavailable),
        unavailable=unavailable,
    )


# -- 3. and 4. normalize and run ---------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One batch of windows through the model: its hidden states (``L+1`` tensors
    ``[B, T, d]``) and the extra scores asked for (``[L+1, B, T]``): attention's (row 0 nan)
    and the LM head's (the same row at every layer)."""

    hidden_states: Sequence[Any]
    extra: dict[str, np.ndarray]


def forward(lm: LoadedModel, plan: Plan, batch: range, attention: AttentionScores) -> Run:
    """Run a batch of windows through the base model (with the attention weights when
    ``attention`` needs them; through the model with its LM head when the plan asks for its
    scores). The pass and its hooks hold the model's lock: calls on one model run one pass at
    a time, and no call sees another's hooks (:mod:`afn_widget.anatomy`)."""
    import torch

    input_ids = torch.tensor([plan.input_ids(w) for w in batch], dtype=torch.long)
    input_ids = input_ids.to(plan.device)
    mask = torch.ones_like(input_ids)
    body = lm.anatomy
    residual_wanted = plan.final_layer == "residual"  # the last row before the final norm
    with (
        body.lock,
        attention.hooked() as values,
        last_residual(body, residual_wanted) as residual,
    ):
        out = run_model(body.model if plan.logits else body.base, input_ids, mask, attention.needed)
    hs = with_residual(getattr(out, "hidden_states", None), residual)
    name = body.name
    if hs is None:
        raise NoHiddenStatesError(
            f"{name} returned no hidden_states; use a transformers model that "
            "supports output_hidden_states=True (AutoModel.from_pretrained(name))."
        )
    if len(hs) != plan.n_rows:
        raise NoHiddenStatesError(
            f"{name} returned {len(hs)} hidden states, expected {plan.n_rows} "
            "(embeddings + one per layer)."
        )
    rows: dict[str, np.ndarray] = {}
    if plan.logits:
        rows = layer_rows(token_scores(out.logits, input_ids, plan.logits), plan.n_rows)
    weights = getattr(out, "attentions", None) if attention.needed else None
    if attention.needed and not weights:
        for score in attention.want:
            plan.unavailable[score] = f"{name} returned no attention weights"
    elif attention.needed:
        nan_row = np.full((1, *input_ids.shape), np.nan, np.float32)
        for key, v in attention.rows(values, weights, mask).items():
            rows[key] = np.concatenate([nan_row, v.astype(np.float32)])
    return Run(hs, rows)


class _Ticker:
    """``progress(done, total)``: ``(0, total)`` first, then after each batch of windows."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0
        if progress is not None:
            progress(0, total)

    def tick(self, n_windows: int) -> None:
        self.done += n_windows
        if self.progress is not None:
            self.progress(self.done, self.total)


def gather_statistics(
    lm: LoadedModel, plan: Plan, opts: Options, ticker: _Ticker, attention: AttentionScores
) -> tuple[Normalization | None, Run | None]:
    """The normalization ``opts.normalize`` asks for, and the run of the only batch when the
    statistics took a pass over it (so that it does not run twice). Statistics run
    over the stitched text, each token once, so no number depends on the batching. Given
    ``outlier_dims`` wait for the model's hidden size: ``None`` is returned."""
    import torch

    if not opts.needs_statistics:
        return (None, None) if opts.normalize == "drop_outlier_dims" else (RAW, None)
    if not plan.n:
        return RAW, None
    moments = Moments()
    run = None
    for batch in plan.batches:
        run = hs = None  # the previous batch's hidden states go before the next batch's come
        run = forward(lm, plan, batch, attention)
        hs = run.hidden_states
        for b, w in enumerate(batch):
            idx = torch.from_numpy(plan.stitched(w)).to(hs[0].device)
            moments.add(torch.stack([x[b, idx].float() for x in hs]))
        if len(plan.batches) > 1:
            ticker.tick(len(batch))
    norm = moments.normalization(opts.normalize, opts.outlier_k)
    return norm, run if len(plan.batches) == 1 else None


# -- 5. stitch ---------------------------------------------------------------------------------


class Stitcher:
    """The text's numbers, filled batch by batch from the windows' statistics, and the result
    for the tokens done so far (:meth:`result`)."""

    def __init__(self, plan: Plan, opts: Options, norm: Normalization | None, lm: LoadedModel):
        self.plan, self.opts, self.norm = plan, opts, norm
        # per statistic of hidden_stats (and extra score), its rows for the text's tokens
        self.body = empty_rows(plan.n_rows, plan.n, plan.top_k, plan.extra)
        self.prefix: dict[str, np.ndarray] = {}  # the first window's leading specials
        self.suffix: dict[str, np.ndarray] = {}  # the last window's trailing ones
        tok = lm.tokenizer
        self.prefix_tokens = list(tok.convert_ids_to_tokens(plan.frame.head)) if plan.n else []
        self.suffix_tokens = list(tok.convert_ids_to_tokens(plan.frame.tail)) if plan.n else []
        self.settings = {"model_name": lm.name, "note": lm.note, "n_windows": plan.n_windows}

    def add(self, batch: range, run: Run) -> None:
        """Take the statistics of a batch of windows, each token from the window that owns it."""
        plan, hs = self.plan, run.hidden_states
        if self.norm is None:
            self.norm = given_outliers(self.opts.outlier_dims, plan.n_rows, hs[0].shape[-1])
        massive = (self.opts.massive_abs, self.opts.massive_ratio)
        stats = hidden_stats(hs, self.norm, shifts=SHIFT_METRICS, top_k=plan.top_k, massive=massive)
        stats.update(run.extra)
        p, length = len(plan.frame.head), plan.windows.length
        for b, w in enumerate(batch):
            sel = plan.owned(w)
            dst, src = plan.windows.starts[w] + sel, p + sel
            for key, v in stats.items():
                self.body[key][:, dst] = v[:, b, src]
            if w == 0:
                self.prefix = {key: v[:, b, :p] for key, v in stats.items()}
            if w == plan.n_windows - 1:
                self.suffix = {key: v[:, b, p + length :] for key, v in stats.items()}

    def done_upto(self, batch: range) -> int:
        """How many tokens are final once ``batch`` ran: those before its last owned token."""
        w = batch[-1]
        return int(self.plan.windows.starts[w] + self.plan.owned(w).max() + 1)

    def outliers(self) -> list[list[int]]:
        if self.opts.normalize != "drop_outlier_dims":
            return []
        if self.norm is not None and self.norm.keep is not None:
            return self.norm.outliers()
        return [list(self.opts.outlier_dims or []) for _ in range(self.plan.n_rows)]

    def result(self, upto: int, complete: bool) -> AFNResult:
        """The result for the first ``upto`` tokens of the text (all once ``complete``), with
        the first window's leading specials, and the last one's trailing specials once
        complete."""
        plan = self.plan
        suffix_tokens = self.suffix_tokens if complete else []

        def join(key: str) -> np.ndarray:
            body = self.body[key]
            parts = [self.prefix[key]] if self.prefix_tokens else []
            parts.append(body[:, :upto])
            if suffix_tokens:
                parts.append(self.suffix[key])
            return np.concatenate(parts, axis=1).astype(body.dtype, copy=False)

        tokens = self.prefix_tokens + plan.tokens.tokens[:upto] + suffix_tokens
        framed = plan.n > 0  # an empty text gets no special tokens either
        ids = (plan.frame.head if framed else []) + plan.tokens.ids[:upto]
        ids += plan.frame.tail if framed and complete else []
        before, after = [None] * len(self.prefix_tokens), [None] * len(suffix_tokens)
        offsets = before + list(plan.tokens.offsets[:upto]) + after
        word_ids = plan.tokens.word_ids
        word_ids = None if word_ids is None else before + list(word_ids[:upto]) + after
        spelled = Spelled(plan.text, tokens, offsets, word_ids, ids)
        rows = {key: join(key) for key in self.prefix or HIDDEN_ROWS}  # no text: no flags
        return assemble(
            spelled,
            rows,
            self.opts,
            outlier_dims=self.outliers(),
            layer=plan.layer,
            unavailable=dict(plan.unavailable),
            final_layer=plan.final_layer,
            **self.settings,
        )


# -- the pipeline ------------------------------------------------------------------------------


def analyze(
    text: str | Sequence[int],
    model: Any = None,
    *,
    layer: int | None = Options.layer,
    quantile: float = Options.quantile,
    include_special: bool = Options.include_special,
    granularity: str = Options.granularity,
    word_agg: str = Options.word_agg,
    normalize: str = Options.normalize,
    outlier_dims: list[int] | None = Options.outlier_dims,
    outlier_k: float = Options.outlier_k,
    top_k: int = Options.top_k,
    max_length: int | None = Options.max_length,
    stride: int | None = Options.stride,
    batch_windows: int = Options.batch_windows,
    high: str = Options.high,
    scores: Sequence[str] = Options.scores,
    include_massive: bool = Options.include_massive,
    massive_abs: float = Options.massive_abs,
    massive_ratio: float = Options.massive_ratio,
    final_layer: str = Options.final_layer,
    device: str | None = None,
    progress: Progress | None = None,
    partial: Callable[[AFNResult], Any] | None = None,
    partial_every: float = 0.5,
) -> AFNResult:
    """Token activation strength (TAS) of every token of ``text``, at every layer.

    ``TAS = ‖hidden_states[layer]‖₂`` per token, from one forward pass with
    ``output_hidden_states=True`` (index 0 = embeddings). ``layer`` defaults to the paper's
    layer 8 for a 12-layer model (``hidden_states[8]``, the output of ``encoder.layer[7]``) and
    to ``round(2/3 · n_layers)`` for other depths; negative values count from the top.

    Tokens are split at ``threshold = numpy.quantile(tas[eligible], quantile)`` (linear
    interpolation), eligible = non-special tokens unless ``include_special``; HIGH means
    ``tas >= threshold``; ``high="top_k"`` puts exactly ``ceil(n · (1 − quantile))`` of the ``n``
    eligible tokens in HIGH instead, ties broken by position (:mod:`afn_widget.buckets`). Words
    (``result.words``) take the ``word_agg`` (``"mean"`` or ``"max"``) of their pieces and have
    a threshold of their own (and the same rule); ``granularity`` says which of the two the
    exports and the widget show by default.

    ``normalize``: ``"raw"`` (the paper), ``"drop_outlier_dims"`` (leave out, per layer, the
    dimensions whose mean |activation| exceeds ``outlier_k`` × the median over all dimensions
    (``numpy.median``), or the given ``outlier_dims`` at every layer) or ``"standardize"``
    (z-score every dimension, population std clamped at 1e-6). Their statistics run over every
    token of the text once, special tokens included, whatever the windows and batches.

    ``normalize`` also takes ``"layer_zscore"`` and ``"layer_rank"``: the raw norms on a scale
    within each layer (:func:`afn_widget.hidden.layer_scale`), so that layers compare honestly.

    ``text`` may also be token ids (a list, array or tensor, ``result.ids`` of an earlier
    result): they run as they are, no special token added, and the text is what they spell
    (:mod:`afn_widget.decode`).

    ``scores``: besides ``"tas"``, any of ``"attention"``, ``"attn_norm"`` (from the same pass,
    :mod:`afn_widget.attention`), the shifts, and, for a decoder given with its LM head,
    ``"logprob"`` and ``"entropy"`` (:mod:`afn_widget.logits`), read with ``result.score(name)``.

    Massive activations (a hidden value ``> massive_abs`` and ``> massive_ratio`` × the layer's
    median ``|value|``, :mod:`afn_widget.hidden`) are flagged in ``result.massive``; at the
    result's layer such tokens are bucket ``MASSIVE`` and out of the quantile unless
    ``include_massive``. ``final_layer``: for a decoder whose last hidden state comes after the
    final norm, ``"auto"``/``"residual"`` reads the last layer before that norm, as every other
    row is; ``"normed"`` keeps what Hugging Face returns (:mod:`afn_widget.decoders`).

    Texts longer than the window (the model's maximum length, capped at :data:`MAX_WINDOW`
    tokens unless ``max_length`` asks for more, up to that maximum) run in windows that overlap
    by ``stride`` tokens (default a quarter of a window); each token takes its values from the
    window where it has the most context (for a decoder, the most preceding context).
    ``partial(result)``, if given, gets the result for the tokens done so far at most every
    ``partial_every`` seconds (results stream in window by window), and
    ``progress(done, total)`` is called with ``(0, total)`` first and after each batch of
    windows, ending at ``(total, total)``; ``total`` counts window passes (twice the windows
    when ``normalize`` needs statistics of a text longer than one batch).
    Raise :class:`~afn_widget.errors.AnalysisCancelled` from it to stop.
    """
    text = check_ids(text) if is_ids(text) else V.check_text(text)
    opts = check_options(
        layer=layer,
        quantile=quantile,
        include_special=include_special,
        granularity=granularity,
        word_agg=word_agg,
        normalize=normalize,
        outlier_dims=outlier_dims,
        outlier_k=outlier_k,
        top_k=top_k,
        max_length=max_length,
        stride=stride,
        batch_windows=batch_windows,
        high=high,
        scores=scores,
        include_massive=include_massive,
        massive_abs=massive_abs,
        massive_ratio=massive_ratio,
        final_layer=final_layer,
    )
    lm = load_model(model, device)
    return run_plan(lm, make_plan(lm, text, opts), opts, progress, partial, partial_every)


def run_plan(
    lm: LoadedModel,
    plan: Plan,
    opts: Options,
    progress: Progress | None,
    partial: Callable[[AFNResult], Any] | None,
    partial_every: float,
) -> AFNResult:
    """Steps 3 to 5 of :func:`analyze`: the statistics ``normalize`` needs, then the batches of
    windows, each stitched in as it comes."""
    two_passes = opts.needs_statistics and len(plan.batches) > 1
    ticker = _Ticker(progress, plan.n_windows * (2 if two_passes else 1))
    attention = AttentionScores(lm.anatomy, plan.attention)
    norm, first = gather_statistics(lm, plan, opts, ticker, attention)
    stitcher = Stitcher(plan, opts, norm, lm)
    shown = time.monotonic()
    for batch in plan.batches:
        batch_run = first if first is not None else forward(lm, plan, batch, attention)
        first = None
        stitcher.add(batch, batch_run)
        del batch_run  # this batch's hidden states go before the next batch's come
        ticker.tick(len(batch))
        last = batch[-1] == plan.n_windows - 1
        if partial is not None and not last and time.monotonic() - shown >= partial_every:
            partial(stitcher.result(stitcher.done_upto(batch), complete=False))
            shown = time.monotonic()
    return stitcher.result(plan.n, complete=True)


def _device(model: Any) -> Any:
    first = next(iter(model.parameters()), None)
    return "cpu" if first is None else first.device
