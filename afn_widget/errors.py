"""Typed errors. Every message says what to do about it."""

from __future__ import annotations


class AFNError(Exception):
    """Base class of every error afn-widget raises on purpose."""


class AFNInputError(AFNError, ValueError):
    """An argument has the right type but a value that cannot be used."""


class AFNTypeError(AFNError, TypeError):
    """An argument has the wrong type."""


class ModelUnavailableError(AFNError, OSError):
    """A model the user asked for cannot be loaded."""


class TokenizerError(AFNError, ValueError):
    """The tokenizer cannot give what the analysis needs (character offsets)."""


class NoHiddenStatesError(AFNError, TypeError):
    """The model returned no hidden states."""


class NonFiniteActivationError(AFNError, FloatingPointError):
    """Hidden states hold NaN or infinity (often half-precision overflow)."""


class AnalysisCancelled(AFNError):
    """Raised from a progress callback to stop an analysis that is no longer wanted."""


class OutputPathError(AFNError, OSError):
    """A file cannot be written where it was asked for (checked before any work starts)."""


class InputFileError(AFNError, ValueError):
    """A file given as input cannot be read as what it should be (named, with the fix)."""


class NoLMHeadError(AFNError, TypeError):
    """The model cannot write text: it is no decoder, or it has no language-model head."""
