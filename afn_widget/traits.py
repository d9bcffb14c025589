"""Trait types that check their own values: a widget's rules for its settings, in one place.

Each type checks a value with the functions of :mod:`afn_widget.validate`, the ones
:func:`afn_widget.analyze` uses, so a setting is refused in a view with the words a call would
use. A refused value raises :class:`InvalidControlError`, which is both the typed error and
traitlets' ``TraitError``: the trait keeps its last good value, and a message from the browser
that holds it is undone whole. (:class:`Text` raises the error :func:`~afn_widget.analyze`
raises, as a bad text there would.)

A value set from Python (``view.quantile = 2``) raises from the assignment, not from deep inside
traitlets. The widget that owns the trait is told, if it has the method:
``_on_refused(error)`` when a value set from Python is refused, ``_on_accepted(name)`` when
one is taken. A value from the browser is checked by the same ``validate``; the widget's
``set_state`` deals with its refusal, once the message is undone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import traitlets as t

from .errors import AFNError, AFNInputError, AFNTypeError
from .validate import (
    check_choice,
    check_granularity,
    check_layer,
    check_layer_type,
    check_quantile,
    check_text,
    check_word_agg,
)

Check = Callable[[Any, Any, str], Any]
"""``check(owner, value, name)``: the value to keep, or a typed error (:mod:`afn_widget.errors`)."""


class InvalidControlError(AFNInputError, t.TraitError):
    """A control (layer, quantile, granularity, ...) got a value it cannot take.

    Also a ``TraitError``, so traitlets keeps the trait's last good value."""


class Checked(t.TraitType):
    """A trait whose every value passes ``check(owner, value, name)`` (:data:`Check`); given
    here, or a subclass's method. The types below are also the traitlets type of their value
    (``Float``, ``Unicode``, ...), which says what a saved state may hold."""

    info_text = "a value its check accepts"

    def __init__(self, default_value: Any = t.Undefined, check: Check | None = None, **kw: Any):
        super().__init__(default_value, **kw)
        if check is not None:
            self.check = check

    def check(self, owner: Any, value: Any, name: str) -> Any:
        raise NotImplementedError

    def refusal(self, error: AFNError) -> Exception:
        """What a refused value raises: the control's typed error."""
        return InvalidControlError(str(error))

    def validate(self, obj: Any, value: Any) -> Any:
        try:
            return self.check(obj, value, self.name)
        except AFNError as exc:
            raise self.refusal(exc) from None

    def __set__(self, obj: Any, value: Any) -> None:
        __tracebackhide__ = True  # the error reads as raised by the assignment
        try:
            super().__set__(obj, value)
        except AFNError as exc:
            if hasattr(obj, "_on_refused"):
                obj._on_refused(exc)
            raise exc.with_traceback(None) from None
        if hasattr(obj, "_on_accepted"):
            obj._on_accepted(self.name)


class Text(Checked, t.Unicode):
    """A text to analyse: a string (:func:`~afn_widget.validate.check_text`); a bad one raises
    the error :func:`afn_widget.analyze` raises (``None``, bytes, numbers, a lone surrogate)."""

    info_text = "a string"

    def check(self, owner: Any, value: Any, name: str) -> str:
        return check_text(value)

    def refusal(self, error: AFNError) -> Exception:
        return error


class Quantile(Checked, t.Float):
    """A quantile strictly between 0 and 1, as a float."""

    info_text = "a number strictly between 0 and 1"

    def check(self, owner: Any, value: Any, name: str) -> float:
        return check_quantile(value)


class Granularity(Checked, t.Unicode):
    """``"token"`` or ``"word"``."""

    info_text = "'token' or 'word'"

    def check(self, owner: Any, value: Any, name: str) -> str:
        return check_granularity(value)


class WordAgg(Checked, t.Unicode):
    """How a word's value is made from its tokens': ``"mean"`` or ``"max"``."""

    info_text = "'mean' or 'max'"

    def check(self, owner: Any, value: Any, name: str) -> str:
        return check_word_agg(value)


class Name(Checked, t.Unicode):
    """A string that ``check`` accepts (a score the view computed, say)."""

    info_text = "a name"


class Choice(Checked, t.Unicode):
    """One of ``choices`` (strings)."""

    def __init__(self, default_value: str, choices: Sequence[str], **kw: Any) -> None:
        super().__init__(default_value, **kw)
        self.choices = tuple(choices)
        self.info_text = f"one of {self.choices}"

    def check(self, owner: Any, value: Any, name: str) -> str:
        return check_choice(name, value, self.choices)


class Flag(Checked, t.Bool):
    """``True`` or ``False`` (``1`` and ``0`` taken as those, as traitlets' ``Bool`` does)."""

    info_text = "True or False"

    def check(self, owner: Any, value: Any, name: str) -> bool:
        if isinstance(value, (bool, np.bool_, int, np.integer)) and value in (0, 1):
            return bool(value)
        raise AFNTypeError(f"{name} must be True or False, not {value!r}.")


class Layer(Checked, t.Int):
    """A layer index: ``0..n`` or ``-(n + 1)..-1`` from the top, kept as ``0..n``, where
    ``n = depth(owner)`` is the owner's number of layers; only an integer while ``depth``
    gives ``None`` (no model known yet)."""

    info_text = "a layer index"

    def __init__(self, default_value: int, depth: Callable[[Any], int | None], **kw: Any):
        super().__init__(default_value, **kw)
        self.depth = depth

    def check(self, owner: Any, value: Any, name: str) -> int:
        n = self.depth(owner)
        return check_layer_type(value) if n is None else check_layer(value, n)


CONTROL_MODES = ("full", "simple")
"""Which controls a view shows (``js/controls.js`` has the same list): ``"full"``, every one;
``"simple"`` (classroom mode), the layer slider, the colour legend and one sentence saying what
colour and outline mean, with the rest behind a "More settings" button."""


class Controls(Choice):
    """Which controls a view shows: one of :data:`CONTROL_MODES`, ``"full"`` by default."""

    def __init__(self, default_value: str = "full", **kw: Any) -> None:
        super().__init__(default_value, CONTROL_MODES, **kw)
