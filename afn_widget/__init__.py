"""afn-widget: see which tokens a transformer carries.

Token Activation Strength (TAS) is the L2 norm of a token's hidden state at a layer; tokens are
ranked by it and split into HIGH / LOW at the upper quartile. ``analyze`` computes it,
``generate`` as a decoder writes, ``AFNView`` draws it in a notebook.

Importing this package is light: torch and transformers load when a model is first needed.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "analyze": "engine",
    "generate": "writing",
    "load_model": "models",
    "LoadedModel": "models",
    "AFNResult": "result",
    "AFNView": "widget",
    "AFNCompare": "compare",
    "analyze_corpus": "corpus",
    "read_conllu": "corpus.conllu_reader",
    "AFNError": "errors",
    "AFNInputError": "errors",
    "AFNTypeError": "errors",
    "ModelUnavailableError": "errors",
    "TokenizerError": "errors",
    "NoHiddenStatesError": "errors",
    "NonFiniteActivationError": "errors",
    "AnalysisCancelled": "errors",
    "NoLMHeadError": "errors",
}

__all__ = sorted(_LAZY)

if TYPE_CHECKING:  # pragma: no cover
    from .compare import AFNCompare
    from .engine import analyze
    from .errors import (
        AFNError,
        AFNInputError,
        AFNTypeError,
        AnalysisCancelled,
        ModelUnavailableError,
        NoHiddenStatesError,
        NoLMHeadError,
        NonFiniteActivationError,
        TokenizerError,
    )
    from .models import LoadedModel, load_model
    from .result import AFNResult
    from .writing import generate


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'afn_widget' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
