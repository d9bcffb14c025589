"""The report's ``meta``: every choice made, in words."""

from __future__ import annotations

from typing import Any

from ..models import LoadedModel
from .collect import Collected
from .options import Options

NOT_COMPUTED = "not computed (not in scores=)"


def report_meta(
    lm: LoadedModel,
    opts: Options,
    layer: int,
    collected: Collected,
    role_source: str,
    special_tokens: list[str],
    hooked: bool,
) -> dict[str, Any]:
    """The numbers and definitions behind the report, in the order the HTML page lists them.
    ``special_tokens``: those around each sentence; ``hooked``: whether ``attn_norm`` ran."""
    seed, n_boot = opts.seed, opts.n_boot
    return {
        "model": lm.name,
        "note": lm.note,
        "n_layers": lm.n_layers,
        "layer": layer,
        "quantile": opts.quantile,
        "role_source": role_source,
        "scores": list(opts.scores),
        "n_sentences": len(collected.sentences),
        "n_words": int(sum(len(s.words) for s in collected.sentences)),
        "words_without_pieces": collected.words_without_pieces,
        "skipped": collected.skipped,
        "conditions": list(opts.conditions),
        "n_boot": n_boot,
        "seed": seed,
        "frequency": f"-wordfreq.zipf_frequency(word, {opts.lang!r}); rarer = higher; words "
        "wordfreq does not count (punctuation, symbols) get the corpus' highest zipf",
        "buckets": "per sentence: HIGH iff score >= numpy.quantile(sentence's word scores, "
        "quantile) (buckets.split); special tokens excluded",
        "specials": "excluded from every quartile; special_share re-includes them as units "
        f"({', '.join(special_tokens)} per sentence)",
        "auroc": "within-sentence: content vs function word pairs of the same sentence, ties 1/2",
        "word_score": "mean of the word's subword pieces",
        "attention": _attention(opts.scores),
        "attn_norm": _attn_norm(opts.scores, hooked, lm.model),
        "shuffled": f"surface tokens of each sentence in random order (seed {seed}), "
        "joined by spaces",
        "random_init": f"same config, random init (seed {seed}); LayerNorm gamma/beta = "
        "the trained values permuted across dimensions",
        "ci": f"95% percentile bootstrap over sentences, {n_boot} resamples",
    }


def _attention(scores: tuple[str, ...]) -> str:
    if "attention" not in scores:
        return NOT_COMPUTED
    return (
        "layer l's self-attention, mean over heads of the attention received "
        "(sum over real query tokens); eager attention"
    )


def _attn_norm(scores: tuple[str, ...], hooked: bool, model: Any) -> str:
    if "attn_norm" not in scores:
        return NOT_COMPUTED
    if not hooked:
        return f"not computed: {type(model).__name__} is not a BERT-family model"
    return (
        "Kobayashi et al. 2020: sum over heads and queries of alpha * ||(x W_V + b_V)_h "
        "W_O^h|| (output bias excluded), forward hooks"
    )
