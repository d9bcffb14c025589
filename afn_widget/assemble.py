"""Rows of statistics to a result: how every run ends, an analysis stitched from its windows
(:class:`afn_widget.engine.Stitcher`) or a text a model writes (:mod:`afn_widget.writing`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from . import registry as R
from .hidden import LAYER_SCALES, SHIFT_METRICS, layer_scale
from .result import AFNResult, TopDims, WordSource

if TYPE_CHECKING:  # pragma: no cover - the engine's options; the engine imports this module
    from .engine import Options

MASSIVE_ROWS = ("massive", "massive_dim", "massive_value")
HIDDEN_ROWS = ("norms", *SHIFT_METRICS, "top_dims", "top_share")
"""The rows every result has, by the names :func:`afn_widget.hidden.hidden_stats` gives."""
EXTRA_SCORES = (*R.ATTENTION_SCORES, *R.LOGIT_SCORES)


def empty_rows(n_rows: int, n: int, k: int, extra: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Rows to fill for ``n`` tokens: :data:`HIDDEN_ROWS` and :data:`MASSIVE_ROWS` at zero
    (``k`` top dimensions), and those of the ``extra`` scores at nan."""
    shape = (n_rows, n)
    return {
        "norms": np.zeros(shape, np.float32),
        **{m: np.zeros(shape, np.float32) for m in SHIFT_METRICS},
        "top_dims": np.zeros((*shape, k), np.int32),
        "top_share": np.zeros((*shape, k), np.float32),
        "massive": np.zeros(shape, bool),
        "massive_dim": np.zeros(shape, np.int32),
        "massive_value": np.zeros(shape, np.float32),
        **{a: np.full(shape, np.nan, np.float32) for a in extra},
    }


class Spelled(NamedTuple):
    """A run's tokens: the text, each token's string, span (``None``: special), word id (or
    no word ids at all) and id."""

    text: str
    tokens: list[str]
    offsets: list[tuple[int, int] | None]
    word_ids: list[int | None] | None
    ids: list[int]


def assemble(
    spelled: Spelled,
    rows: Mapping[str, np.ndarray],
    opts: Options,
    **fields: Any,
) -> AFNResult:
    """The result of ``spelled``'s tokens from their ``rows``: ``[n_layers + 1, n_tokens]``
    arrays (``[..., k]`` for the top dimensions) named as :data:`HIDDEN_ROWS`, the
    :data:`MASSIVE_ROWS` when flags were taken, and any of :data:`EXTRA_SCORES` computed.
    ``opts``: the run's options; ``fields``: the result's other fields (``layer``,
    ``final_layer``, ``unavailable``, ``outlier_dims``, ``model_name``, ...). The norms are put
    on a scale within each layer when ``normalize`` says so
    (:func:`~afn_widget.hidden.layer_scale`)."""
    offsets = spelled.offsets
    special = np.array([o is None for o in offsets], dtype=bool)
    layer_norms = rows["norms"]
    if opts.normalize in LAYER_SCALES:
        layer_norms = layer_scale(layer_norms, special, opts.normalize)
    words = WordSource(
        spelled.text, spelled.tokens, offsets, spelled.word_ids, layer_norms, opts.word_agg
    )
    return AFNResult(
        text=spelled.text,
        tokens=spelled.tokens,
        offsets=offsets,
        special=special,
        layer_norms=layer_norms,
        shifts={m: rows[m] for m in SHIFT_METRICS},
        dims_source=TopDims(rows["top_dims"], rows["top_share"]),
        word_source=words,
        quantile=opts.quantile,
        include_special=opts.include_special,
        high_rule=opts.high,
        extra={a: rows[a] for a in EXTRA_SCORES if a in rows},
        scores=opts.scores,
        massive_rows={k: rows[k] for k in MASSIVE_ROWS} if MASSIVE_ROWS[0] in rows else None,
        include_massive=opts.include_massive,
        granularity=opts.granularity,
        word_agg=opts.word_agg,
        normalize=opts.normalize,
        ids=spelled.ids,
        **fields,
    )
