"""Checks of user input, in one place: each returns the value ready to use or raises a typed
error (:mod:`afn_widget.errors`) whose message names the fix. Everything that takes options
(``analyze``, ``analyze_corpus``, ``AFNView``, ``from_scores``, the CLI) checks them here, before
any model loads."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import numpy as np

from .errors import AFNInputError, AFNTypeError

GRANULARITIES = ("token", "word")
WORD_AGGREGATIONS = ("mean", "max")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def _is_int(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def check_text(text: object) -> str:
    """``text`` as a string; ``None``, bytes and other objects are refused with the fix."""
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
    return check_unicode("text", text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_unicode(name: str, value: str) -> str:
    """``value`` unless it holds a lone surrogate (``"\\ud800"``: half of a UTF-16 pair, which
    no encoder can write), refused with its position; checked before any model loads."""
    bad = _SURROGATE.search(value)
    if bad is not None:
        i = bad.start()
        raise AFNInputError(
            f"{name} holds a lone surrogate {ascii(bad.group())} at position {i} (half of a "
            "UTF-16 pair, not a character); remove it, or decode the source with "
            "errors='replace'."
        )
    return value


def check_quantile(quantile: object) -> float:
    """``quantile`` as a float strictly between 0 and 1."""
    if isinstance(quantile, bool) or not isinstance(quantile, (int, float, np.floating)):
        raise AFNTypeError(
            f"quantile must be a number between 0 and 1 (got {type(quantile).__name__}); "
            "use e.g. quantile=0.75 for the upper quartile."
        )
    q = float(quantile)
    if not (0.0 < q < 1.0):
        raise AFNInputError(
            f"quantile must lie strictly between 0 and 1 (got {quantile!r}); "
            "use e.g. quantile=0.75 for the upper quartile."
        )
    return q


def check_layer_type(layer: object) -> int:
    """``layer`` as an integer, before the model (and so the range) is known."""
    if not _is_int(layer):
        raise AFNTypeError(
            f"layer must be an integer (0 = embeddings, negative values from the top), "
            f"not {type(layer).__name__}."
        )
    return int(layer)


def check_layer(layer: object, n_layers: int) -> int:
    """``layer`` (``-1`` = top, like Python) as an index in ``0..n_layers``."""
    if not _is_int(layer):
        raise AFNTypeError(
            f"layer must be an integer in 0..{n_layers} (or -{n_layers + 1}..-1 from the top), "
            f"not {type(layer).__name__}."
        )
    lay = int(layer)
    if not -(n_layers + 1) <= lay <= n_layers:
        raise AFNInputError(
            f"layer {lay} is out of range: this model has hidden_states 0..{n_layers} "
            f"(0 = embeddings, {n_layers} = last block); negative values count from the top."
        )
    return lay % (n_layers + 1)


def check_granularity(granularity: object) -> str:
    if granularity not in GRANULARITIES:
        raise AFNInputError(f"granularity must be 'token' or 'word', not {granularity!r}.")
    return str(granularity)


def check_word_agg(word_agg: object) -> str:
    if word_agg not in WORD_AGGREGATIONS:
        raise AFNInputError(f"word_agg must be 'mean' or 'max', not {word_agg!r}.")
    return str(word_agg)


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise AFNInputError(f"{name} must be one of {tuple(choices)}, not {value!r}.")
    return value


def check_subset(name: str, value: object, choices: Sequence[str]) -> tuple[str, ...]:
    """A non-empty selection of ``choices`` (one name alone is a selection of one), in the
    order of ``choices``."""
    if isinstance(value, str):
        asked = {value}
    else:
        try:
            asked = set(value)  # type: ignore[call-overload]
        except TypeError:
            raise AFNTypeError(
                f"{name} must be a selection of {tuple(choices)}, not {value!r}."
            ) from None
    unknown = sorted(map(str, asked - set(choices)))
    if unknown:
        raise AFNInputError(
            f"{name} must be a non-empty selection of {tuple(choices)}; unknown: {unknown}."
        )
    if not asked:
        raise AFNInputError(f"{name} must be a non-empty selection of {tuple(choices)}; got none.")
    return tuple(x for x in choices if x in asked)


def check_distinct_ints(name: str, value: object) -> tuple[int, ...]:
    """A non-empty sequence of distinct integers, in the order given."""
    try:
        items = list(value)  # type: ignore[call-overload]
    except TypeError:
        raise AFNTypeError(f"{name} must be a list of integers, not {value!r}.") from None
    if not all(_is_int(x) for x in items):
        raise AFNTypeError(f"{name} must be a list of integers, not {value!r}.")
    if not items:
        raise AFNInputError(f"{name} must hold at least one integer; got none.")
    if len(set(items)) != len(items):
        raise AFNInputError(f"{name} must not repeat a value: {items!r}.")
    return tuple(int(x) for x in items)


def check_positive_int(name: str, value: object) -> int:
    if not _is_int(value) or value < 1:
        raise AFNInputError(f"{name} must be a positive integer, not {value!r}.")
    return int(value)


def check_positive_number(name: str, value: object) -> float:
    """A finite number above 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not (0 < value < float("inf"))
    ):
        raise AFNInputError(f"{name} must be a positive number, not {value!r}.")
    return float(value)


def check_token_count(name: str, value: object) -> int | None:
    """``None`` or an integer number of tokens (its range is checked against the model)."""
    if value is not None and not _is_int(value):
        raise AFNTypeError(f"{name} must be an integer number of tokens, not {value!r}.")
    return None if value is None else int(value)


def check_outlier_dims(outlier_dims: Any) -> list[int] | None:
    """``None`` or the sorted distinct dimensions (a single integer is a list of one)."""
    if outlier_dims is None:
        return None
    try:
        dims = list(outlier_dims)
    except TypeError:
        dims = [outlier_dims]
    if not all(_is_int(x) for x in dims):
        raise AFNTypeError(f"outlier_dims must be a list of integers, not {outlier_dims!r}.")
    return sorted({int(x) for x in dims})


def printable(text: object, keep: str = "\n\t") -> str:
    """``str(text)`` safe to print to a terminal: every C0 control character (U+0000..U+001F,
    ESC and CR included), DEL (U+007F) and C1 control (U+0080..U+009F) but those in ``keep``
    written as a visible ``\\xNN`` escape, so that a file or model name cannot move the
    cursor, recolour the terminal, retitle it or set its clipboard (``ESC ] 52``)."""
    return _CONTROLS.sub(lambda m: m[0] if m[0] in keep else f"\\x{ord(m[0]):02x}", str(text))


def say(text: object, file: TextIO | None = None) -> None:
    """Print ``text`` (to standard output by default) with its control characters but newlines
    and tabs made visible (:func:`~afn_widget.validate.printable`)."""
    print(printable(text), file=sys.stdout if file is None else file)
