"""What a view sends to the browser: its data traits for a result, the tooltip's replies.

Numbers, spans and roles travel as little-endian binary columns (``bytes`` the browser reads as
typed arrays), the token strings as one JSON list (and the tokens as a reader sees them, where
those differ: :func:`shown_pieces`); spans in UTF-16 code units, the indices JavaScript strings
use. A text a decoder wrote (:func:`afn_widget.generate`) also says which tokens it wrote and,
for a chat, each token's role (:func:`written_columns`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import AFNError
from .models import model_label
from .registry import ROLE_CODES, TAS

if TYPE_CHECKING:  # pragma: no cover - a result's exports import this module
    from .result import AFNResult


def utf16_index(text: str) -> np.ndarray:
    """``out[i]`` = the UTF-16 position of code point ``i`` (``out[len(text)]`` = UTF-16 length)."""
    if text.isascii():
        return np.arange(len(text) + 1, dtype=np.int64)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    return np.concatenate([[0], np.cumsum(1 + (codes > 0xFFFF), dtype=np.int64)])


def percent(share: np.ndarray) -> np.ndarray:
    """Shares of the squared norm in whole percent (0..100), as the tooltip shows them."""
    return np.minimum(np.maximum(np.rint(share * 100.0), 0), 100).astype("<u1")


def dims_bytes(result: AFNResult) -> dict[str, bytes]:
    """The top dimensions of every token at every layer as the ``top_dims`` (uint16) and
    ``top_share`` (uint8 percent) traits, for a page with no kernel to ask."""
    return {
        "top_dims": np.minimum(np.maximum(result.top_dims, 0), 65535).astype("<u2").tobytes(),
        "top_share": percent(result.top_share).tobytes(),
    }


def dims_reply(result: AFNResult | None, content: Any) -> dict[str, Any] | None:
    """The answer to a browser's request for one token's top dimensions (see the module
    docstring); ``None`` for a message that is not such a request. ``result`` is the one the
    browser's data came from, or ``None`` when the browser holds older data."""
    if not isinstance(content, dict) or content.get("kind") != "top_dims":
        return None
    token, version = content.get("token"), content.get("version")
    reply = {"kind": "top_dims", "token": token, "version": version}
    if result is None:
        return {**reply, "stale": True}
    try:
        dims, share = result.top_dims_of(token)
    except AFNError as exc:
        return {**reply, "error": f"{type(exc).__name__}: {exc}"}
    return {**reply, "dims": dims.tolist(), "share": percent(share).tolist()}


def score_names(result: AFNResult) -> list[str]:
    """The scores a view of ``result`` can show: ``"tas"`` first, then the others it was asked
    for (``analyze(..., scores=)``) that could be computed for its model."""
    asked = [s for s in result.scores if s != TAS.name and s not in result.unavailable]
    return [TAS.name, *asked]


def massive_entries(result: AFNResult) -> list[list[float]]:
    """``[layer, token, dim, value]`` for every token with a massive activation at a layer
    (few, usually: the first token and early delimiters of a decoder), for the tooltip."""
    flagged = np.argwhere(result.massive)
    if not len(flagged):
        return []
    dims, values = result.massive_dims
    return [
        [int(layer), int(i), int(dims[layer, i]), float(values[layer, i])] for layer, i in flagged
    ]


def spans_bytes(spans: Sequence[tuple[int, int] | None], pos: np.ndarray) -> bytes:
    """Character spans as int32 ``[n, 2]`` bytes in UTF-16 positions, ``-1, -1`` for none."""
    out = np.full((len(spans), 2), -1, dtype="<i4")
    some = [i for i, s in enumerate(spans) if s is not None]
    if some:
        out[some] = pos[np.array([spans[i] for i in some], dtype=np.int64)]
    return out.tobytes()


def role_bytes(roles: Sequence[str]) -> bytes:
    """Roles as uint8 codes: their index in :data:`~afn_widget.registry.ROLE_CODES`."""
    code = {r: k for k, r in enumerate(ROLE_CODES)}
    return np.fromiter((code[r] for r in roles), dtype="<u1", count=len(roles)).tobytes()


def written_columns(result: AFNResult) -> dict[str, Any]:
    """The ``generated``, ``chat_roles``, ``chat_role_names`` and ``finish_reason`` traits:
    uint8 per token, 1 for a token the model wrote (``b""`` for a text analysed); uint8 per
    token, the index of its chat role in ``chat_role_names`` (the roles in the order they first
    come; ``b""`` and ``[]`` without a chat); why writing ended (``""`` while it goes on)."""
    gen = result.generated
    roles = result.chat_roles or []
    names = list(dict.fromkeys(roles))
    code = {r: k for k, r in enumerate(names)}
    return {
        "generated": b"" if gen is None else np.asarray(gen, dtype="<u1").tobytes(),
        "chat_roles": np.fromiter((code[r] for r in roles), "<u2", len(roles)).tobytes(),
        "chat_role_names": names,
        "finish_reason": result.finish_reason,
    }


def shown_pieces(result: AFNResult) -> list[str]:
    """What the browser shows for each token (:attr:`AFNResult.pieces`: ``␣slept`` for
    ``Ġslept``), or ``[]`` when that is the token strings themselves (WordPiece): the browser
    then shows those."""
    pieces = result.pieces
    return [] if pieces == list(result.tokens) else list(pieces)


def text_check(text: str) -> list[int]:
    """``[UTF-16 length, sum of the UTF-16 code units mod 2**31]`` of a text: the browser tells
    by it whether the data it holds are of the text it shows (a new text arrives before its
    analysis)."""
    units = np.frombuffer(text.encode("utf-16-le"), dtype="<u2")
    return [int(units.size), int(units.sum(dtype=np.int64) % (1 << 31))]


def payload(result: AFNResult) -> dict[str, Any]:
    """The data traits for a result: what the browser needs to draw every layer (the top
    dimensions are asked for token by token, see :func:`dims_reply`). Columnar: numbers and
    spans as binary columns, the token strings as one list; a word's text is its span of the
    text (a special's, its token)."""
    pos = utf16_index(result.text)
    w = result.word_source.described  # the words themselves: their split is the browser's
    return {
        "tokens": list(result.tokens),
        "pieces": shown_pieces(result),
        "offsets": spans_bytes(result.offsets, pos),
        "roles": role_bytes(result.roles),
        "word_of": np.asarray(result.word_index, dtype="<i4").tobytes(),
        "word_spans": spans_bytes(w.spans, pos),
        "word_roles": role_bytes(w.roles),
        "n_words": len(w.text),
        "text_check": text_check(result.text),
        "n_layers": int(result.n_layers),
        "n_tokens": len(result.tokens),
        "norms": np.ascontiguousarray(result.layer_norms, dtype="<f4").tobytes(),
        "top_k": result.dims_source.k,
        "top_dims": b"",
        "top_share": b"",
        "word_agg": result.word_agg,
        "model_name": result.model_name,
        "model_label": model_label(result.model_name),
        "note": result.note,
        "normalize": result.normalize,
        "score_name": result.score_name,
        "score_names": (names := score_names(result)),
        "score_values": b"".join(
            np.ascontiguousarray(result.score(name), dtype="<f4").tobytes() for name in names[1:]
        ),
        "score_unavailable": dict(result.unavailable),
        "massive": massive_entries(result),
        "include_massive": bool(result.include_massive),
        **written_columns(result),
    }


def page_state(
    result: AFNResult,
    granularity: str | None = None,
    show_special: bool = False,
    score: str = TAS.name,
    compare_score: str = "",
    controls: str = "full",
) -> dict[str, Any]:
    """Everything a standalone page of ``result`` needs, as a view's state would give it (the
    controls at the result's settings, its data with the top dimensions inline, a ready
    status), without building a view. ``controls``: ``"full"`` or ``"simple"`` (classroom
    mode, :data:`afn_widget.traits.CONTROL_MODES`)."""
    state = {
        "score": score,
        "compare_score": compare_score,
        "controls": controls,
        "writing": False,  # a page never writes (afn_widget.watch)
        "text": result.text,
        "layer": result.layer,
        "quantile": result.quantile,
        "granularity": granularity or result.granularity,
        "show_special": bool(show_special),
        "include_special": result.include_special,
        "dims_version": 1,
        "status": "ready",
        "progress": 1.0,
        "error": "",
    }
    state.update(payload(result))
    state.update(dims_bytes(result))
    return state
