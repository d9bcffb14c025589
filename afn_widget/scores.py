"""Results without a model: precomputed scores, other attribution methods, made-up numbers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import AFNInputError, AFNTypeError
from .hidden import SHIFT_METRICS
from .result import AFNResult, TopDims, WordSource
from .validate import check_layer, check_quantile, check_unicode, check_word_agg


def _locate(tokens: Sequence[str], text: str) -> list[tuple[int, int] | None]:
    """Find each token in ``text`` left to right (``##`` and ``Ġ``/``▁`` markers ignored)."""
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for tok in tokens:
        bare = tok[2:] if tok.startswith("##") else tok.lstrip("\u0120\u2581")
        if not bare:
            spans.append(None)
            continue
        at = text.find(bare, cursor)
        if at < 0:
            at = text.lower().find(bare.lower(), cursor)
        if at < 0:
            spans.append(None)  # not in the text: shown as a special token
            continue
        spans.append((at, at + len(bare)))
        cursor = at + len(bare)
    return spans


def result_from_scores(
    tokens: Sequence[str],
    scores: Sequence[float] | np.ndarray,
    offsets: Sequence[tuple[int, int] | None] | None = None,
    text: str | None = None,
    *,
    layer: int = -1,
    quantile: float = 0.75,
    include_special: bool = False,
    word_agg: str = "mean",
    model_name: str = "scores",
    note: str = "",
    score_name: str = "score",
) -> AFNResult:
    """An :class:`AFNResult` from given scores instead of a forward pass.

    ``scores`` is one value per token, or ``[n_layers + 1, n_tokens]`` for several layers.
    Without ``text`` the tokens are joined with spaces; without ``offsets`` each token is found
    in ``text`` left to right. Tokens without a span (``None``) count as special. Words are
    grouped as the engine's (touching pieces, punctuation on its own, contractions whole).
    ``score_name`` names the scores wherever the result is shown (badge, legend, tooltip).
    """
    if not isinstance(score_name, str) or not score_name.strip():
        raise AFNTypeError(
            f"score_name must be a non-empty string such as 'attention', not {score_name!r}."
        )
    if isinstance(tokens, str) or not all(isinstance(t, str) for t in tokens):
        raise AFNTypeError("tokens must be a list of strings, e.g. ['The', 'cat', 'sat'].")
    for i, token in enumerate(tokens):
        check_unicode(f"token {i}", token)
    check_unicode("score_name", score_name)
    values = np.asarray(scores, dtype=np.float32)
    if values.ndim == 1:
        values = values[None, :]
    if values.ndim != 2 or values.shape[1] != len(tokens):
        raise AFNInputError(
            f"scores must have one value per token ({len(tokens)}) or shape "
            f"[n_layers + 1, {len(tokens)}]; got shape {np.shape(scores)}."
        )
    if not np.isfinite(values).all():
        raise AFNInputError("scores contain NaN or infinity; replace them with finite numbers.")
    q = check_quantile(quantile)
    word_agg = check_word_agg(word_agg)
    if text is None:
        if offsets is not None:
            raise AFNInputError("offsets need the text they point into: pass text= as well.")
        text = " ".join(tokens)
    check_unicode("text", text)
    if offsets is None:
        offsets = _locate(tokens, text)
    offsets = [None if o is None else (int(o[0]), int(o[1])) for o in offsets]
    if len(offsets) != len(tokens):
        raise AFNInputError(f"got {len(offsets)} offsets for {len(tokens)} tokens.")
    for o in offsets:
        if o is not None and not 0 <= o[0] <= o[1] <= len(text):
            raise AFNInputError(f"offset {o} does not lie inside the text (length {len(text)}).")
    n_layers = values.shape[0] - 1
    lay = check_layer(layer, n_layers)
    n = len(tokens)
    empty = np.full((n_layers + 1, n), np.nan, np.float32)
    return AFNResult(
        text=text,
        tokens=list(tokens),
        offsets=offsets,
        special=np.array([o is None for o in offsets], dtype=bool),
        layer_norms=values,
        shifts=dict.fromkeys(SHIFT_METRICS, empty),
        dims_source=TopDims(
            np.zeros((n_layers + 1, n, 0), np.int32), np.zeros((n_layers + 1, n, 0), np.float32)
        ),
        layer=lay,
        quantile=q,
        include_special=include_special,
        granularity="token",
        word_agg=word_agg,
        normalize="given scores",
        model_name=model_name,
        note=note,
        n_windows=0,
        outlier_dims=[],
        word_source=WordSource(text, list(tokens), offsets, None, values, word_agg),
        score_name=score_name.strip(),
    )
