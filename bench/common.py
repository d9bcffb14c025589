"""What every benchmark shares: machine facts, interleaved timing, texts of N tokens, models.

Timing rule: things compared are measured in one process, interleaved (A B A B ...), and the
statistic reported is the per-round ratio ``A_i / B_i`` (adjacent runs share the machine's load
at that moment), summarised by its median, quartiles and min/max.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no model hub here, ever
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import gc
import platform
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
# the shared UD English-EWT dev split, beside the repository (as the tests find it)
UD_DEV = Path(os.environ.get("AFN_UD_DEV", ROOT.parent / "shared/data/ud_ewt/en_ewt-ud-dev.conllu"))


# ---------------------------------------------------------------------------------------------
# machine
# ---------------------------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict[str, Any]:
    """nproc, CPU model, memory, library versions, torch threads and the load average now."""
    import torch
    import transformers

    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "transformers": transformers.__version__,
        "numpy": np.__version__,
        "loadavg_at_start": list(os.getloadavg()),
    }
    try:
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        info["mem_gib"] = round(int(mem) / 2**20, 1)
    except (OSError, IndexError, ValueError):
        pass
    try:
        info["chromium"] = subprocess.run(
            ["/usr/bin/chromium", "--version"], capture_output=True, text=True, timeout=20
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        info["chromium"] = None
    try:
        info["git_head"] = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "afn_widget", "js"],
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout.strip()
        info["worktree_dirty"] = bool(dirty)
    except (OSError, subprocess.SubprocessError):
        pass
    return info


# ---------------------------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------------------------
def summary(xs: list[float] | np.ndarray) -> dict[str, float]:
    """Median, quartiles (numpy 'linear'), min, max and count of ``xs``."""
    a = np.asarray(xs, dtype=float)
    if a.size == 0:
        return {"n": 0}
    q1, med, q3 = np.quantile(a, [0.25, 0.5, 0.75])
    return {
        "median": float(med),
        "q1": float(q1),
        "q3": float(q3),
        "min": float(a.min()),
        "max": float(a.max()),
        "n": int(a.size),
    }


def ratio(a: list[float], b: list[float]) -> dict[str, float]:
    """Summary of the per-round ratios ``a[i] / b[i]``."""
    return summary(np.asarray(a, float) / np.asarray(b, float))


def interleave(
    fns: dict[str, Callable[[], Any]],
    rounds: int,
    warmup: int = 1,
    between: Callable[[], Any] | None = None,
) -> dict[str, list[float]]:
    """Seconds per call of each function, run in turn ``A B C A B C ...`` for ``rounds`` rounds
    after ``warmup`` untimed rounds. The order inside a round alternates (``A B C``, ``C B A``)
    so that neither side always runs right after the other's garbage. ``between`` runs untimed
    before every call (e.g. clearing a cache)."""
    names = list(fns)
    out: dict[str, list[float]] = {n: [] for n in names}
    # Everything alive now (models, modules) goes to the permanent generation: a full
    # collection costs ~0.3 s with transformers loaded; young ones are cheap.
    gc.collect()
    gc.freeze()
    for r in range(warmup + rounds):
        order = names if r % 2 == 0 else names[::-1]
        for n in order:
            if between is not None:
                between()
            gc.collect(1)
            t0 = time.perf_counter()
            fns[n]()
            dt = time.perf_counter() - t0
            if r >= warmup:
                out[n].append(dt)
    return out


def ms(xs: list[float]) -> dict[str, float]:
    return summary(np.asarray(xs) * 1e3)


# ---------------------------------------------------------------------------------------------
# texts
# ---------------------------------------------------------------------------------------------
@cache
def ud_sentences() -> tuple[str, ...]:
    """The 2,001 sentence texts of UD English-EWT dev."""
    from afn_widget import read_conllu

    return tuple(s.text for s in read_conllu(UD_DEV))


def text_of_tokens(tokenizer: Any, n_tokens: int, first: int = 0) -> str:
    """Realistic English (UD EWT dev sentences from ``first`` on, joined by spaces) cut so that
    it is exactly ``n_tokens`` tokens long *with* the tokenizer's special tokens; the cut falls
    where a new word or punctuation mark starts, so the prefix tokenizes as it does in the full
    text. A text longer than the dev split (about 40k tokens) goes round it again."""
    sents = ud_sentences()
    rounds = 1 + int(6 * n_tokens // sum(len(s) for s in sents))  # about 4 characters a token
    sents = sents * rounds
    n_special = len(tokenizer("a")["input_ids"]) - len(
        tokenizer("a", add_special_tokens=False)["input_ids"]
    )
    k = n_tokens - n_special
    for start in range(first, len(sents)):
        parts, count = [], 0
        j = start
        while count < 1.3 * k + 20 and j < len(sents):
            parts.append(sents[j])
            count += len(sents[j]) // 4
            j += 1
        big = " ".join(parts)
        enc = tokenizer(big, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        ids = enc["input_ids"]
        if len(ids) <= k:
            continue
        nxt = tokenizer.convert_ids_to_tokens(ids[k])
        if nxt.startswith("##"):
            continue  # the cut would split a word; start one sentence later
        text = big[: enc["offset_mapping"][k - 1][1]]
        got = len(tokenizer(text, verbose=False)["input_ids"])
        if got == n_tokens:
            return text
    raise RuntimeError(f"no cut of the UD text gives exactly {n_tokens} tokens")


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------
@dataclass
class Bench:
    """A model to benchmark: the loaded pair and a label."""

    label: str
    model: Any
    tokenizer: Any
    path: str | None = None  # a directory it can be loaded from by name

    @property
    def n_layers(self) -> int:
        return int(self.model.config.num_hidden_layers)


@cache
def minilm() -> Bench:
    """The bundled all-MiniLM-L6-v2 (real weights; 6 layers, hidden 384)."""
    from afn_widget.models import bundled_model_path, load_model

    path = str(bundled_model_path())
    lm = load_model(path, "cpu")
    return Bench("MiniLM-L6 (bundled)", lm.model, lm.tokenizer, path)


@cache
def bert_base_random(seed: int = 0) -> Bench:
    """BERT-base shape and compute (12 layers, hidden 768, 12 heads, intermediate 3072) with
    random weights: the config's own initialisation, and every LayerNorm's gamma drawn from
    U(0.5, 1.5) and beta from N(0, 0.1²) so that no norm is the trivial sqrt(d). The MiniLM
    tokenizer (BERT uncased vocabulary, 30,522)."""
    import torch
    from transformers import BertConfig, BertModel

    tok = minilm().tokenizer
    cfg = BertConfig(
        vocab_size=tok.vocab_size,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        max_position_embeddings=512,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = BertModel(cfg)
        with torch.no_grad():
            for mod in model.modules():
                if isinstance(mod, torch.nn.LayerNorm):
                    mod.weight.uniform_(0.5, 1.5)
                    mod.bias.normal_(0.0, 0.1)
    model.eval()
    return Bench("BERT-base shape, random", model, tok)


def qwen_shape_random(seed: int = 0) -> Bench:
    """Qwen2.5-0.5B's shape and compute (24 layers, hidden 896, 14 heads, 2 key-value heads,
    intermediate 4864) with random weights and RMSNorm gains drawn from U(0.5, 1.5); the MiniLM
    tokenizer (so the embedding table is 30,522 rows, not 151,936: the base model has no LM
    head, and the table's size does not change the compute)."""
    import torch
    from transformers import Qwen2Config, Qwen2Model

    tok = minilm().tokenizer
    cfg = Qwen2Config(
        vocab_size=tok.vocab_size,
        hidden_size=896,
        num_hidden_layers=24,
        num_attention_heads=14,
        num_key_value_heads=2,
        intermediate_size=4864,
        max_position_embeddings=4096,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Qwen2Model(cfg)
        with torch.no_grad():
            for mod in model.modules():
                if "RMSNorm" in type(mod).__name__:
                    mod.weight.uniform_(0.5, 1.5)
    model.eval()
    return Bench("Qwen2.5-0.5B shape, random", model, tok)


def saved_copy(b: Bench, where: Path) -> str:
    """Write ``b`` to ``where`` (save_pretrained) so it can be loaded by name; return the path."""
    where.mkdir(parents=True, exist_ok=True)
    b.model.save_pretrained(where)
    b.tokenizer.save_pretrained(where)
    return str(where)


def set_threads(n: int | None) -> None:
    if n:
        import torch

        torch.set_num_threads(n)
