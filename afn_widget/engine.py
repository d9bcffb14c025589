"""Tokenize, run one forward pass per window, keep the norms of every layer.

This is the only module that runs torch. For each window of at most the model's maximum length
it runs ``model(input_ids, attention_mask, output_hidden_states=True)`` under
``torch.inference_mode()`` and keeps, for every layer ``l`` and token ``i``:

* ``‖h_l[i]‖₂`` (``torch.linalg.vector_norm(hidden_states[l], dim=-1)``) after ``normalize``;
* the three shifts ``delta_norm``, ``displacement`` and ``cos_change`` against layer ``l − 1``;
* the ``top_k`` hidden dimensions contributing most to ``‖h_l[i]‖²`` and their shares
  (:class:`~afn_widget.result.TopDims`).

Hidden states themselves are dropped window by window, so memory is bounded by one window batch
whatever the length of the text. The exception is a text of one window: it keeps its hidden
states (up to ``KEEP_HIDDEN_BYTES``) and computes the top dimensions and the shifts when they are
first asked for (the top dimensions one token at a time for the widget's tooltip, or all at once
for ``result.top_dims``), not inside ``analyze``.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import buckets as B
from .errors import AFNInputError, AFNTypeError, NoHiddenStatesError, NonFiniteActivationError
from .models import load_model
from .result import (
    SHIFT_METRICS,
    WORD_AGGREGATIONS,
    AFNResult,
    LazyShifts,
    TopDims,
    WordSource,
    check_granularity,
    check_layer,
    default_layer,
)

NORMALIZATIONS = ("raw", "drop_outlier_dims", "standardize")
KEEP_HIDDEN_BYTES = 256 * 2**20
"""A text that runs in one window keeps its hidden states (float32), and its top dimensions and
shifts are computed when first asked for (one token's top dimensions for the widget's tooltip,
all of them for :attr:`AFNResult.top_dims`, the shifts for :attr:`AFNResult.shifts`), not
inside ``analyze``. The results alive keep at most this many bytes of hidden states in all:
beyond it, the oldest compute whatever they still owe and let their hidden states go."""
OUTLIER_K = 5.0
"""A dimension is an outlier at a layer when its mean |activation| over the input's tokens is
more than ``OUTLIER_K`` times the median over all dimensions (``normalize="drop_outlier_dims"``)."""

Progress = Callable[[int, int], Any]


def check_text(text: object) -> str:
    if text is None:
        raise AFNTypeError(
            "text is None; pass the text to analyse as a string, e.g. analyze('The cat sat.')."
        )
    if isinstance(text, (bytes, bytearray)):
        raise AFNTypeError("text is bytes; decode it first, e.g. analyze(data.decode('utf-8')).")
    if not isinstance(text, str):
        raise AFNTypeError(
            f"text must be a string, not {type(text).__name__}; convert it with str(...) "
            "if you really mean its printed form."
        )
    return text


@dataclass
class _Windows:
    starts: list[int]
    length: int  # content tokens per window
    owner: np.ndarray  # for each content token, the window it takes its values from


def plan_windows(n: int, length: int, overlap: int) -> _Windows:
    """Overlapping windows over ``n`` tokens; each token belongs to the window where it has the
    most context (the largest distance to a window edge that cuts the text), earliest on ties."""
    if length < 1:
        raise AFNInputError(f"window length must be positive (got {length}); raise max_length.")
    if not 0 <= overlap < length:
        raise AFNInputError(
            f"stride (the overlap between windows) must be in 0..{length - 1}, got {overlap}."
        )
    if n <= length:
        return _Windows([0], n, np.zeros(n, dtype=np.int64))
    step = length - overlap
    starts = list(range(0, n - length, step)) + [n - length]
    pos = np.arange(n)
    best = np.full(n, -1, dtype=np.int64)
    owner = np.zeros(n, dtype=np.int64)
    big = n + 1
    for w, s in enumerate(starts):
        e = s + length
        idx = pos[s:e]
        left = idx - s if s > 0 else np.full(idx.size, big)
        right = e - 1 - idx if e < n else np.full(idx.size, big)
        ctx = np.minimum(left, right)
        better = ctx > best[s:e]
        best[s:e][better] = ctx[better]
        owner[s:e][better] = w
    return _Windows(starts, length, owner)


def _encode(tokenizer: Any, text: str | list[str]) -> Any:
    """The tokenizer's encoding of ``text`` (or of each of a list of texts): no special tokens
    added, special-token strings in the text split like any other text, with offsets."""
    kwargs = dict(add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    try:
        return tokenizer(text, split_special_tokens=True, **kwargs)
    except TypeError:
        return tokenizer(text, **kwargs)


def _offsets(mapping: Any) -> list[tuple[int, int]]:
    return [(int(s), int(e)) for s, e in mapping]


def _tokenize(
    tokenizer: Any, text: str
) -> tuple[list[int], list[tuple[int, int]], list | None, list[str]]:
    """Ids, character offsets, word ids (None without a fast tokenizer) and token strings."""
    enc = _encode(tokenizer, text)
    ids = list(enc["input_ids"])
    offsets = _offsets(enc["offset_mapping"])
    try:
        word_ids, tokens = enc.word_ids(), enc.tokens()
    except (AttributeError, ValueError):
        word_ids, tokens = None, None
    if tokens is None or len(tokens) != len(ids):
        tokens = tokenizer.convert_ids_to_tokens(ids)
    return ids, offsets, word_ids, list(tokens)


def _tokenize_many(
    tokenizer: Any, texts: list[str]
) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """Ids and character offsets of each text (as :func:`_tokenize`), in one tokenizer call."""
    if not texts:
        return []
    enc = _encode(tokenizer, texts)
    return [
        (list(ids), _offsets(offs))
        for ids, offs in zip(enc["input_ids"], enc["offset_mapping"], strict=True)
    ]


_FRAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def special_frame(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The special token ids the tokenizer puts before and after a single text (remembered
    per tokenizer object)."""
    try:
        head, tail = _FRAMES[tokenizer]
    except (KeyError, TypeError):
        head, tail = _find_frame(tokenizer)
        try:
            _FRAMES[tokenizer] = (tuple(head), tuple(tail))
        except TypeError:  # not weakly referenceable: found again next time
            pass
    return list(head), list(tail)


def _find_frame(tokenizer: Any) -> tuple[list[int], list[int]]:
    probe = "a"
    bare = list(tokenizer(probe, add_special_tokens=False)["input_ids"])
    full = list(tokenizer(probe, add_special_tokens=True)["input_ids"])
    k = len(bare)
    for p in range(len(full) - k + 1):
        if full[p : p + k] == bare:
            return full[:p], full[p + k :]
    raise AFNTypeError(
        f"{type(tokenizer).__name__}: the special tokens it adds could not be located around "
        "the text; pass a standard Hugging Face fast tokenizer."
    )


class _Moments:
    """Per-layer, per-dimension sums over the tokens of the text, each token counted once."""

    def __init__(self) -> None:
        self.n = 0
        self.abs = self.sum = self.sq = None

    def add(self, x) -> None:  # x: [L+1, N, d]
        x = x.double()
        if self.sum is None:
            self.abs = x.abs().sum(1)
            self.sum = x.sum(1)
            self.sq = x.square().sum(1)
        else:
            self.abs += x.abs().sum(1)
            self.sum += x.sum(1)
            self.sq += x.square().sum(1)
        self.n += x.shape[1]


def _keep_given(dims: list[int], n_rows: int, d: int):
    import torch

    bad = [x for x in dims if not 0 <= x < d]
    if bad:
        raise AFNInputError(
            f"outlier_dims {bad} are out of range: this model's hidden states have {d} "
            f"dimensions (0..{d - 1})."
        )
    keep = torch.ones(n_rows, d, dtype=torch.bool)
    keep[:, dims] = False
    return keep


def _normalizer(normalize: str, m: _Moments, outlier_k: float) -> dict[str, Any]:
    """What ``normalize`` applies, from statistics over the whole text (see ``analyze``)."""
    mean_abs = (m.abs / m.n).cpu().numpy()
    if normalize == "drop_outlier_dims":
        med = np.median(mean_abs, axis=-1, keepdims=True)  # numpy's median: mean of middle two
        import torch

        return {"keep": torch.from_numpy(~(mean_abs > outlier_k * med))}
    mean = m.sum / m.n
    std = (m.sq / m.n - mean.square()).clamp_min(0).sqrt().clamp_min(1e-6)
    return {"mean": mean.float(), "std": std.float()}


_NONFINITE = (
    "the model's hidden states contain NaN or infinity (often a float16/bfloat16 overflow); "
    "run the model in float32: model.float(), or load it with torch_dtype=torch.float32."
)


def _normalized(x: Any, layer: int, normalize: str, params: dict[str, Any]) -> Any:
    """``x`` (one layer's hidden states, ``[..., d]``) in float32, after ``normalize``."""
    x = x.float()
    if normalize == "drop_outlier_dims":
        return x * params["keep"][layer].to(device=x.device, dtype=x.dtype)
    if normalize == "standardize":
        return (x - params["mean"][layer].to(x.device)) / params["std"][layer].to(x.device)
    return x


def _top(x: Any, k: int, norms: Any) -> tuple[Any, Any]:
    """The ``k`` dimensions with the largest ``|x|`` along the last axis and their shares of
    ``‖x‖²`` (``norms`` = ``‖x‖``)."""
    import torch

    top, dims = torch.topk(x.abs(), k, dim=-1)
    return dims, _share(top, norms)


def _share(top: Any, norms: Any) -> Any:
    """``(top / ‖x‖)²``: the share of ``‖x‖²`` of each of the top dimensions."""
    return (top / norms.clamp_min(1e-6).unsqueeze(-1)).square_()


def _stats(
    hs: Sequence[Any], normalize: str, params: dict[str, Any], top_k: int, shifts: bool = True
):
    """Per-layer numbers for a batch of windows. ``hs``: the model's hidden states, ``L+1``
    tensors ``[B, T, d]``; ``params`` from :func:`_normalizer` / :func:`_keep_given`.
    ``top_k = 0`` leaves the top dimensions out and ``shifts=False`` the three shifts (a
    one-window text computes them from its kept hidden states when asked: :class:`_HiddenTop`).

    Only what needs the full vectors runs per layer, straight into preallocated outputs (no
    stacked copy of the hidden states): the norm, the ``top_k`` largest ``|x|``, and against
    the layer before, ``‖x − prev‖``. Everything else is arithmetic on the small
    ``[L+1, B, T]`` arrays, the cosine included (from the three norms). A NaN or infinity
    anywhere in a vector makes its norm non-finite, so checking the norms checks every
    activation."""
    import torch

    n_rows = len(hs)
    b, t, d = hs[0].shape
    k = min(top_k, d)
    dev = hs[0].device
    norms = torch.empty(n_rows, b, t, device=dev)
    disp = torch.empty(n_rows, b, t, device=dev) if shifts else None
    top = torch.empty(n_rows, b, t, k, device=dev)
    dims = torch.empty(n_rows, b, t, k, dtype=torch.int64, device=dev)
    prev = None
    for layer, x in enumerate(hs):
        x = _normalized(x, layer, normalize, params)
        torch.linalg.vector_norm(x, dim=-1, out=norms[layer])
        if k:
            torch.topk(x.abs(), k, dim=-1, out=(top[layer], dims[layer]))
        if shifts and prev is not None:
            torch.linalg.vector_norm(x - prev, dim=-1, out=disp[layer])
        prev = x
    if not torch.isfinite(norms).all():
        raise NonFiniteActivationError(_NONFINITE)
    out = {"norms": norms}
    if shifts:
        nan_row = torch.full_like(norms[:1], float("nan"))
        # cos from the sides of the triangle (x, prev, x − prev), in float64: its error is a
        # few float32 roundings of the norms, wherever the angle; no pass for x · prev
        a, c = norms.double(), disp[1:].double()
        cos = (a[1:].square() + a[:-1].square() - c.square()) / (2 * a[1:] * a[:-1]).clamp_min(
            1e-16
        )
        out["delta_norm"] = torch.diff(norms, dim=0, prepend=nan_row)
        out["displacement"] = torch.cat([nan_row, disp[1:]])
        out["cos_change"] = torch.cat([nan_row, (1.0 - cos).clamp_(0.0, 2.0).float()])
    if k:
        out["top_dims"] = dims.to(torch.int32)
        out["top_share"] = _share(top, norms)
    return {key: v.cpu().numpy() for key, v in out.items()}


class _KeptHidden:
    """The hidden states kept by results alive, oldest first, within ``KEEP_HIDDEN_BYTES``."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # a result collected inside add() calls drop()
        self._refs: OrderedDict[int, tuple[weakref.ref, int]] = OrderedDict()
        self.nbytes = 0

    def add(self, source: _HiddenTop, nbytes: int) -> None:
        key = id(source)
        with self._lock:
            self._refs[key] = (weakref.ref(source, lambda _, key=key: self.drop(key)), nbytes)
            self.nbytes += nbytes
            victims = []
            while self.nbytes > KEEP_HIDDEN_BYTES and len(self._refs) > 1:
                _, (ref, size) = self._refs.popitem(last=False)
                self.nbytes -= size
                victims.append(ref())
        for victim in victims:
            if victim is not None:
                victim.settle()

    def drop(self, key: int) -> None:
        with self._lock:
            item = self._refs.pop(key, None)
            if item is not None:
                self.nbytes -= item[1]


_KEPT = _KeptHidden()


class _HiddenTop(TopDims):
    """Top dimensions and shifts computed from the kept hidden states of a one-window text: the
    top dimensions for one token when asked (the widget's tooltip), for all when
    :attr:`AFNResult.top_dims` is read; the shifts when :attr:`AFNResult.shifts` is read. Once
    both are computed the hidden states are let go."""

    def __init__(
        self, hs: Sequence[Any], normalize: str, params: dict[str, Any], k: int, norms: np.ndarray
    ) -> None:
        super().__init__(None, None)
        self.k = k
        self._hs, self._normalize, self._params, self._norms = hs, normalize, params, norms
        self._shifts: dict[str, np.ndarray] | None = None
        self._lock = threading.Lock()
        _KEPT.add(self, sum(x[0].numel() * x.element_size() for x in hs))

    def _rows(self, token: int | slice) -> tuple[np.ndarray, np.ndarray]:
        import torch

        norms = torch.from_numpy(self._norms[:, token])
        with torch.inference_mode():
            rows = [
                _normalized(x[0, token], layer, self._normalize, self._params)
                for layer, x in enumerate(self._hs)
            ]
            dims, share = _top(torch.stack(rows), self.k, norms.to(rows[0].device))
        return dims.to(torch.int32).cpu().numpy(), share.cpu().numpy()

    def __reduce__(self) -> tuple[type, tuple[np.ndarray, np.ndarray]]:
        """Pickled and copied as the computed arrays (the hidden states stay here)."""
        return TopDims, self.full()

    def full(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._dims is None:
                self._dims, self._share = self._rows(slice(None))
                self._let_go()
        return self._dims, self._share

    def shifts(self) -> dict[str, np.ndarray]:
        """The three shifts of every token, ``[n_layers + 1, n_tokens]`` each."""
        with self._lock:
            if self._shifts is None:
                import torch

                with torch.inference_mode():
                    stats = _stats(self._hs, self._normalize, self._params, 0)
                self._shifts = {m: stats[m][:, 0] for m in SHIFT_METRICS}
                self._let_go()
        return self._shifts

    def settle(self) -> None:
        """Compute everything still owed, and let the hidden states go."""
        self.full()
        self.shifts()

    def _let_go(self) -> None:
        if self._dims is not None and self._shifts is not None:
            self._hs = self._params = None
            _KEPT.drop(id(self))

    def token(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._dims is None:
                return self._rows(i)
        return self._dims[:, i], self._share[:, i]


def analyze(
    text: str,
    model: Any = None,
    *,
    layer: int | None = None,
    quantile: float = 0.75,
    include_special: bool = False,
    granularity: str = "token",
    word_agg: str = "mean",
    normalize: str = "raw",
    outlier_dims: list[int] | None = None,
    outlier_k: float = OUTLIER_K,
    top_k: int = 3,
    max_length: int | None = None,
    stride: int | None = None,
    batch_windows: int = 4,
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
    ``tas >= threshold``. Words (``result.words``) take the ``word_agg`` (``"mean"`` or ``"max"``)
    of their pieces and have a threshold of their own; ``granularity`` says which of the two the
    exports and the widget show by default.

    ``normalize``: ``"raw"`` (the paper), ``"drop_outlier_dims"`` (leave out, per layer, the
    dimensions whose mean |activation| exceeds ``outlier_k`` × the median over all dimensions
    (``numpy.median``), or the given ``outlier_dims`` at every layer) or ``"standardize"``
    (z-score every dimension, population std clamped at 1e-6). Their statistics run over every
    token of the text once, special tokens included, whatever the windows and batches.

    Texts longer than the model's maximum length run in windows that overlap by ``stride``
    tokens (default a quarter of a window); each token takes its values from the window where
    it has the most context; ``partial(result)``, if given, gets the result for the tokens done
    so far at most every ``partial_every`` seconds (results stream in window by window), and
    ``progress(done, total)`` is called with ``(0, total)`` first and
    after each batch of windows, ending at ``(total, total)``; ``total`` counts window passes
    (twice the windows when ``normalize`` needs statistics of a text longer than one batch).
    Raise :class:`~afn_widget.errors.AnalysisCancelled` from it to stop.
    """
    import torch

    text = check_text(text)
    q = B.check_quantile(quantile)
    gran = check_granularity(granularity)
    if word_agg not in WORD_AGGREGATIONS:
        raise AFNInputError(f"word_agg must be 'mean' or 'max', not {word_agg!r}.")
    if normalize not in NORMALIZATIONS:
        raise AFNInputError(f"normalize must be one of {NORMALIZATIONS}, not {normalize!r}.")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise AFNInputError(f"top_k must be a positive integer, not {top_k!r}.")
    if outlier_dims is not None:
        try:
            dims = list(outlier_dims)
        except TypeError:
            dims = [outlier_dims]
        if any(isinstance(x, bool) or not isinstance(x, (int, np.integer)) for x in dims):
            raise AFNTypeError(f"outlier_dims must be a list of integers, not {outlier_dims!r}.")
        outlier_dims = sorted({int(x) for x in dims})
    if (
        isinstance(outlier_k, bool)
        or not isinstance(outlier_k, (int, float, np.integer, np.floating))
        or not (0 < outlier_k < float("inf"))
    ):
        raise AFNInputError(f"outlier_k must be a positive number, not {outlier_k!r}.")
    if isinstance(batch_windows, bool) or not isinstance(batch_windows, int) or batch_windows < 1:
        raise AFNInputError(f"batch_windows must be a positive integer, not {batch_windows!r}.")
    for arg, value in (("max_length", max_length), ("stride", stride)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, np.integer))
        ):
            raise AFNTypeError(f"{arg} must be an integer number of tokens, not {value!r}.")
    lm = load_model(model, device)
    tok = lm.tokenizer
    n_layers = lm.n_layers
    lay = default_layer(n_layers) if layer is None else check_layer(layer, n_layers)

    ids, offsets, word_ids, token_strs = _tokenize(tok, text) if text.strip() else ([],) * 4
    head, tail = special_frame(tok)
    n_special = len(head) + len(tail)
    limit = lm.max_length if max_length is None else int(max_length)
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
    overlap = length // 4 if stride is None else int(stride)
    plan = plan_windows(len(ids), length, overlap)
    n = len(ids)
    d = _hidden_size(lm.model)
    k = min(top_k, d)
    L1 = n_layers + 1
    # A text of one window keeps its hidden states for the top dimensions (see _HiddenTop).
    keep_hidden = (
        n > 0 and len(plan.starts) == 1 and L1 * (n + n_special) * d * 4 <= KEEP_HIDDEN_BYTES
    )
    norms = np.zeros((L1, n), np.float32)
    shifts = {} if keep_hidden else {m: np.zeros((L1, n), np.float32) for m in SHIFT_METRICS}
    top_dims = None if keep_hidden else np.zeros((L1, n, k), np.int32)
    top_share = None if keep_hidden else np.zeros((L1, n, k), np.float32)
    kept: TopDims | None = None
    prefix: dict[str, np.ndarray] = {}
    suffix: dict[str, np.ndarray] = {}
    prefix_tokens: list[str] = []
    suffix_tokens: list[str] = []
    mdl = lm.model
    first_param = next(iter(mdl.parameters()), None)
    dev = "cpu" if first_param is None else first_param.device
    total = len(plan.starts) if n else 0
    batches = [range(i, min(i + batch_windows, total)) for i in range(0, total, batch_windows)]
    p = len(head)

    def run(batch: range):
        wrapped = [head + ids[plan.starts[w] : plan.starts[w] + plan.length] + tail for w in batch]
        input_ids = torch.tensor(wrapped, dtype=torch.long, device=dev)
        mask = torch.ones_like(input_ids)
        with torch.inference_mode():
            out = mdl(
                input_ids=input_ids,
                attention_mask=mask,
                output_hidden_states=True,
                return_dict=True,
            )
        hs = getattr(out, "hidden_states", None)
        if hs is None:
            raise NoHiddenStatesError(
                f"{type(mdl).__name__} returned no hidden_states; use a transformers model that "
                "supports output_hidden_states=True (AutoModel.from_pretrained(name))."
            )
        if len(hs) != L1:
            raise NoHiddenStatesError(
                f"{type(mdl).__name__} returned {len(hs)} hidden states, expected {L1} "
                "(embeddings + one per layer)."
            )
        return hs

    def owned(w: int) -> np.ndarray:
        """Positions in window ``w``'s content whose values the text takes from it."""
        s = plan.starts[w]
        return np.flatnonzero(plan.owner[s : s + plan.length] == w)

    def stitched(w: int) -> np.ndarray:
        """Positions in window ``w`` (specials included) of the tokens of the stitched text."""
        parts = [np.arange(p)] if w == 0 else []
        parts.append(p + owned(w))
        if w == total - 1:
            parts.append(np.arange(p + plan.length, p + plan.length + len(tail)))
        return np.concatenate(parts)

    # Statistics for normalize run over the whole text, each token once (the stitched sequence):
    # one pass more when the windows do not fit in one batch, so no number depends on batching.
    needs_stats = normalize == "standardize" or (
        normalize == "drop_outlier_dims" and outlier_dims is None
    )
    passes = 2 if needs_stats and len(batches) > 1 else 1
    steps = total * passes
    done = 0

    def tick(n_windows: int) -> None:
        nonlocal done
        done += n_windows
        if progress is not None:
            progress(done, steps)

    if progress is not None:
        progress(0, steps)
    params: dict[str, Any] = {}
    first = None
    if needs_stats and total:
        moments = _Moments()
        for batch in batches:
            h = run(batch)
            for b, w in enumerate(batch):
                idx = torch.from_numpy(stitched(w)).to(h[0].device)
                moments.add(torch.stack([x[b, idx].float() for x in h]))
            if passes == 2:
                tick(len(batch))
            else:
                first = h
        params = _normalizer(normalize, moments, outlier_k)
    if normalize == "drop_outlier_dims" and "keep" in params:
        outliers = [np.flatnonzero(~row).tolist() for row in params["keep"].cpu().numpy()]
    elif normalize == "drop_outlier_dims" and outlier_dims is not None:
        outliers = [list(outlier_dims) for _ in range(L1)]
    else:
        outliers = [[] for _ in range(L1)] if normalize == "drop_outlier_dims" else []

    settings = {
        "layer": lay,
        "quantile": q,
        "include_special": bool(include_special),
        "granularity": gran,
        "word_agg": word_agg,
        "normalize": normalize,
        "model_name": lm.name,
        "note": lm.note,
        "n_windows": total,
    }

    def assemble(upto: int, complete: bool) -> AFNResult:
        done_suffix = complete and n > 0
        return _assemble(
            text, token_strs, offsets, word_ids, upto, prefix_tokens if n else [],
            suffix_tokens if done_suffix else [], prefix, suffix if done_suffix else {}, norms,
            shifts, kept or (top_dims, top_share), settings, outliers,
        )  # fmt: skip

    shown = time.monotonic()
    for batch in batches:
        h = first if first is not None else run(batch)
        if normalize == "drop_outlier_dims" and "keep" not in params:
            params["keep"] = _keep_given(list(outlier_dims), L1, h[0].shape[-1])
        stats = _stats(h, normalize, params, 0 if keep_hidden else k, shifts=not keep_hidden)
        if keep_hidden:
            kept = _HiddenTop(h, normalize, params, k, stats["norms"][:, 0])
            shifts = LazyShifts(kept.shifts)
        for b, w in enumerate(batch):
            sel = owned(w)
            dst = plan.starts[w] + sel
            src = p + sel
            norms[:, dst] = stats["norms"][:, b, src]
            if not keep_hidden:
                for m in SHIFT_METRICS:
                    shifts[m][:, dst] = stats[m][:, b, src]
                top_dims[:, dst] = stats["top_dims"][:, b, src]
                top_share[:, dst] = stats["top_share"][:, b, src]
            if w == 0:
                prefix_tokens = list(tok.convert_ids_to_tokens(head))
                prefix = {key: v[:, b, :p] for key, v in stats.items()}
            if w == total - 1:
                suffix_tokens = list(tok.convert_ids_to_tokens(tail))
                suffix = {key: v[:, b, p + plan.length :] for key, v in stats.items()}
        tick(len(batch))
        if (
            partial is not None
            and batch[-1] < total - 1
            and time.monotonic() - shown >= partial_every
        ):
            w = batch[-1]
            upto = int(plan.starts[w] + owned(w).max() + 1)  # tokens before it are all final
            partial(assemble(upto, complete=False))
            shown = time.monotonic()

    return assemble(n, complete=True)


def _assemble(
    text: str,
    token_strs: list[str],
    offsets: list,
    word_ids: list | None,
    upto: int,
    prefix_tokens: list[str],
    suffix_tokens: list[str],
    prefix: dict,
    suffix: dict,
    norms: np.ndarray,
    shifts: dict | LazyShifts,
    top: TopDims | tuple[np.ndarray, np.ndarray],
    settings: dict[str, Any],
    outliers: list,
) -> AFNResult:
    """The result for the first ``upto`` text tokens (all of them once the run is complete),
    with the special tokens of the first window before and of the last one after."""

    def join(key: str, body: np.ndarray) -> np.ndarray:
        parts = [prefix[key]] if prefix_tokens else []
        parts.append(body[:, :upto])
        if suffix_tokens:
            parts.append(suffix[key])
        return np.concatenate(parts, axis=1).astype(body.dtype, copy=False)

    if not isinstance(top, TopDims):
        top = TopDims(join("top_dims", top[0]), join("top_share", top[1]))
    if not isinstance(shifts, LazyShifts):
        shifts = {m: join(m, v) for m, v in shifts.items()}
    tokens = prefix_tokens + token_strs[:upto] + suffix_tokens
    none_before, none_after = [None] * len(prefix_tokens), [None] * len(suffix_tokens)
    all_offsets = none_before + list(offsets[:upto]) + none_after
    all_word_ids = None if word_ids is None else none_before + list(word_ids[:upto]) + none_after
    layer_norms = join("norms", norms)
    return AFNResult(
        text=text,
        tokens=tokens,
        offsets=all_offsets,
        special=np.array([o is None for o in all_offsets], dtype=bool),
        layer_norms=layer_norms,
        shifts=shifts,
        dims_source=top,
        outlier_dims=outliers,
        word_source=WordSource(
            text, tokens, all_offsets, all_word_ids, layer_norms, settings["word_agg"]
        ),
        **{k: v for k, v in settings.items() if k not in ("layer", "quantile", "include_special")},
        layer=settings["layer"],
        quantile=settings["quantile"],
        include_special=settings["include_special"],
    )


def _hidden_size(model: Any) -> int:
    cfg = getattr(model, "config", None)
    for attr in ("hidden_size", "n_embd", "dim", "d_model"):
        v = getattr(cfg, attr, None)
        if isinstance(v, int) and v > 0:
            return v
    return 1 << 30
