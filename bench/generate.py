"""``generate()`` against plain ``model.generate``: what reading every token as it is written
costs.

For each model, in one process and interleaved (A B A B ..., :func:`bench.common.interleave`):

* ``model.generate``: ``model.generate(ids, max_new_tokens=64, do_sample=False)`` under
  ``torch.inference_mode()``, with its default KV cache (a ``DynamicCache``), the prompt's ids
  made beforehand;
* ``generate``: ``afn_widget.generate(text, (model, tokenizer), max_new_tokens=64)``: the
  same settings and cache, every statistic (norms, the three shifts, top dimensions, massive
  flags, ``logprob`` and ``entropy``), tokenization and the result included.

Both write the same 64 tokens (checked before timing; the models have no end-of-sequence id, so
neither stops sooner). Target: the median per-round ratio ``generate / model.generate`` at most
:data:`TARGET`. Beside it, per side, the time of the model's own passes (forward hooks on its
outermost call: ``generate`` runs one pass more, to read the last token written) and the time
beyond them, which the neighbours' load disturbs less than the ratio of whole calls.

Models, random weights:

* a tiny Llama (2 layers, hidden 64) with a SentencePiece-style BPE of 512 tokens trained here
  on the UD text, so that its LM head is the size of its body: the loop's own cost;
* the same with the MiniLM tokenizer's 30,522 tokens (no target): its LM head is then nearly all
  of its compute, and so are the LM head's statistics (the prompt's logits, ``logprob`` and
  ``entropy`` over the vocabulary) of what ``generate`` adds;
* Qwen2.5-0.5B's shape with its LM head tied to the embeddings, as the real one, and the MiniLM
  tokenizer (the real vocabulary of 151,936 would make the head a third of the compute).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import Bench, interleave, minilm, ms, ratio, summary, text_of_tokens, ud_sentences
from .engine import ForwardClock

NEW_TOKENS = 64
PROMPT_TOKENS = 32
TARGET = 1.10
ROUNDS = {"llama": 40, "llama-wide": 30, "qwen": 8}  # quick mode: a third, at least 3
SMALL_VOCAB = 512


def _no_eos(cfg: Any) -> Any:
    """No end-of-sequence id (and no BOS, pad), so that every run writes all its tokens."""
    cfg.bos_token_id = cfg.eos_token_id = cfg.pad_token_id = None
    return cfg


def small_tokenizer(vocab: int = SMALL_VOCAB) -> Any:
    """A SentencePiece-style BPE (``▁`` for spaces, a ``<s>`` before every text) of ``vocab``
    tokens, trained on the UD EWT dev sentences, offline."""
    from tokenizers import SentencePieceBPETokenizer, processors
    from transformers import PreTrainedTokenizerFast

    sp = SentencePieceBPETokenizer()
    sp.train_from_iterator(ud_sentences(), vocab_size=vocab, special_tokens=["<unk>", "<s>"])
    core = sp._tokenizer
    core.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", core.token_to_id("<s>"))]
    )
    return PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", unk_token="<unk>")


def tiny_llama(seed: int = 0, wide: bool = False) -> Bench:
    """A tiny Llama with its LM head: 2 layers, hidden 64, 4 heads, 2 key-value heads,
    intermediate 128, RMSNorm gains drawn from U(0.5, 1.5); the :func:`small_tokenizer`, or
    with ``wide`` the MiniLM tokenizer."""
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = minilm().tokenizer if wide else small_tokenizer()
    cfg = LlamaConfig(
        vocab_size=len(tok), hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, intermediate_size=128, max_position_embeddings=512,
    )  # fmt: skip
    label = f"tiny Llama (2 layers, hidden 64), vocabulary {len(tok):,}"
    return _built(label, lambda: LlamaForCausalLM(_no_eos(cfg)), tok, seed)


def qwen_lm_random(seed: int = 0) -> Bench:
    """Qwen2.5-0.5B's shape with its LM head (24 layers, hidden 896, 14 heads, 2 key-value
    heads, intermediate 4864, head tied to the embeddings), RMSNorm gains from U(0.5, 1.5)."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tok = minilm().tokenizer
    cfg = Qwen2Config(
        vocab_size=tok.vocab_size, hidden_size=896, num_hidden_layers=24, num_attention_heads=14,
        num_key_value_heads=2, intermediate_size=4864, max_position_embeddings=4096,
        tie_word_embeddings=True,
    )  # fmt: skip
    return _built("Qwen2.5-0.5B shape, LM head", lambda: Qwen2ForCausalLM(_no_eos(cfg)), tok, seed)


def _built(label: str, make: Any, tok: Any, seed: int) -> Bench:
    """The model ``make()`` builds, with weights drawn from ``seed``."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = make()
        with torch.no_grad():
            for mod in model.modules():
                if "RMSNorm" in type(mod).__name__:
                    mod.weight.uniform_(0.5, 1.5)
    return Bench(label, model.eval(), tok)


MODELS = {"llama": tiny_llama, "llama-wide": lambda: tiny_llama(wide=True), "qwen": qwen_lm_random}
TARGETED = {"llama", "qwen"}  # the others' figures explain, their ratio is not held to TARGET


def _row(b: Bench, rounds: int, target: float | None) -> dict[str, Any]:
    """One model's figures (see the module docstring)."""
    import torch

    from afn_widget import generate

    text = text_of_tokens(b.tokenizer, PROMPT_TOKENS)
    pair = (b.model, b.tokenizer)
    first = generate(text, pair, max_new_tokens=NEW_TOKENS)
    ids = torch.tensor([first.ids[: int((~first.generated).sum())]])
    with torch.inference_mode():
        plain = b.model.generate(ids, max_new_tokens=NEW_TOKENS, do_sample=False)
    assert plain[0].tolist() == first.ids and int(first.generated.sum()) == NEW_TOKENS
    clock, passes = ForwardClock(b.model), {"generate": [], "model.generate": []}

    def timed(name: str, fn: Any) -> Any:
        def run() -> None:
            clock.reset()
            fn()
            passes[name].append(clock.spent)

        return run

    def hf() -> None:
        with torch.inference_mode():
            b.model.generate(ids, max_new_tokens=NEW_TOKENS, do_sample=False)

    fns = {
        "model.generate": timed("model.generate", hf),
        "generate": timed("generate", lambda: generate(text, pair, max_new_tokens=NEW_TOKENS)),
    }
    try:
        t = interleave(fns, rounds=rounds, warmup=1)
    finally:
        clock.remove()
    forward = {k: np.asarray(v[-rounds:]) for k, v in passes.items()}  # the timed rounds'
    beyond = {k: np.asarray(t[k]) - forward[k] for k in fns}
    return {
        "model": b.label,
        "n_layers": b.n_layers,
        "prompt_tokens": int(ids.shape[1]),
        "new_tokens": NEW_TOKENS,
        "rounds": rounds,
        "ms": {k: ms(v) for k, v in t.items()},
        "generate_over_plain": ratio(t["generate"], t["model.generate"]),
        "forward_ms": {k: ms(v) for k, v in forward.items()},
        "beyond_forward_ms": {k: ms(v) for k, v in beyond.items()},
        "forward_share": {k: summary(forward[k] / np.asarray(t[k])) for k in fns},
        "target": target,
    }


def run_generate(quick: bool = False, models: tuple[str, ...] = tuple(MODELS)) -> dict:
    rows = []
    for key in models:
        rounds = ROUNDS[key] if not quick else max(3, ROUNDS[key] // 3)
        row = _row(MODELS[key](), rounds, TARGET if key in TARGETED else None)
        rows.append(row)
        r, m = row["generate_over_plain"], row["ms"]
        print(
            f"  generate {row['model']:34s} {NEW_TOKENS} new tokens: generate / model.generate "
            f"{r['median']:.3f} [{r['q1']:.3f}, {r['q3']:.3f}]  "
            f"({m['model.generate']['median']:.0f} ms vs {m['generate']['median']:.0f} ms)",
            flush=True,
        )
    return {
        "rows": rows,
        "target": f"generate / model.generate <= {TARGET} (greedy, {NEW_TOKENS} new tokens; "
        "the tiny Llama of 512 tokens and the Qwen2.5-0.5B shape)",
    }
