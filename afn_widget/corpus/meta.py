"""The report's ``meta``: every choice made, in words."""

from __future__ import annotations

from typing import Any

from ..models import LoadedModel
from ..registry import ATTENTION, ATTN_NORM, ATTN_NORM_LAYER
from .collect import Collected
from .counts import ZIPF_BINS
from .function_words import has_function_words
from .logistic import FEATURES, N_FOLDS
from .names import FREQUENCY
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
        "buckets": _buckets(opts.high),
        "specials": "excluded from every quartile; special_share re-includes them as units "
        f"({', '.join(special_tokens)} per sentence)",
        "auroc": "within-sentence: content vs function word pairs of the same sentence, ties 1/2",
        "word_score": "mean of the word's subword pieces",
        "massive": _massive(opts),
        ATTENTION.name: _attention(opts.scores),
        ATTN_NORM.name: _attn_norm(opts.scores, hooked, lm.model, ATTN_NORM.name),
        ATTN_NORM_LAYER.name: _attn_norm(opts.scores, hooked, lm.model, ATTN_NORM_LAYER.name),
        "shuffled": f"surface tokens of each sentence in random order (seeds {_seeds(opts)}: "
        "rng [seed, sentence index]), joined by spaces",
        "random_init": f"same config, random init (seeds {_seeds(opts)}); LayerNorm gamma/beta = "
        "the trained values permuted across dimensions",
        "ci": f"95% percentile bootstrap over sentences, {n_boot} resamples (seed {seed}); "
        "a control's rows pool its seeds and also resample them (two-stage)",
    }


def extra_meta(
    opts: Options, table: Any, treebank: str | None, collected: Collected, regressed: bool
) -> dict[str, Any]:
    """The choices behind the frequency controls, the seeds, the HIGH rule and the language."""
    freq = table.frame[table.frame["score"] == FREQUENCY].iloc[0]
    fit = collected.fit
    return {
        "seeds": list(opts.seeds),
        "high": opts.high,
        "include_massive": opts.include_massive,
        "massive_abs": opts.massive_abs,
        "massive_ratio": opts.massive_ratio,
        "match_width": opts.match_width,
        **_matched_meta(opts, freq),
        "n_pairs": int(freq["n_pairs"]),
        "n_pairs_binned": int(freq["n_pairs_binned"]),
        "auroc_binned": "auroc over the within-sentence pairs whose zipf values fall in the same "
        f"bin ({', '.join(ZIPF_BINS)}), pooled: each bin weighted by its pairs",
        "regression": (
            f"{'cross-validated' if regressed else 'not fitted (fewer than 5 sentences)'}: "
            f"GroupKFold({N_FOLDS}) by sentence, StandardScaler + LogisticRegression("
            "newton-cholesky, C=1), content vs function; controls "
            f"{', '.join(FEATURES)}; with the score for the trained model's scores and TAS "
            "under the controls"
        ),
        "mappings": "upos (the table's); adv_split: ADV by the function-word list of "
        f"{opts.lang!r}"
        f"{'' if has_function_words(opts.lang) else ' (none: the mapping is left out)'}, X and "
        "INTJ neither; no_punct: punctuation left out of the units",
        "lang": opts.lang,
        "treebank_lang": treebank,
        "tokenizer_fit": fit.as_meta() if fit is not None else None,
    }


def _massive(opts: Options) -> str:
    done = (
        "kept in the units (include_massive=True); massive_share says how many"
        if opts.include_massive
        else "left out of the units of that layer's rows (words, specials, pairs, regression); "
        "massive_share / massive_special_share give the share of words / special tokens left out"
    )
    return (
        f"a token whose largest |hidden value| at a layer is > {opts.massive_abs:g} and > "
        f"{opts.massive_ratio:g} x the median |value| of that layer over the sentence's tokens "
        f"(the engine's rule); a word is massive when any of its pieces is; {done}"
    )


def _buckets(high: str) -> str:
    rule = (
        "exactly ceil(n * (1 - quantile)) of its n words, ties broken by position (top_k)"
        if high == "top_k"
        else "score >= numpy.quantile(sentence's word scores, quantile) (quantile)"
    )
    return f"per sentence: HIGH iff {rule}, buckets.split; special tokens excluded"


def _seeds(opts: Options) -> str:
    return ", ".join(map(str, opts.seeds))


def _attention(scores: tuple[str, ...]) -> str:
    if ATTENTION.name not in scores:
        return NOT_COMPUTED
    return (
        "layer l's self-attention, mean over heads of the attention received "
        "(sum over real query tokens); eager attention"
    )


def _attn_norm(scores: tuple[str, ...], hooked: bool, model: Any, name: str) -> str:
    if name not in scores:
        return NOT_COMPUTED
    if not hooked:
        from ..anatomy import anatomy
        from ..attention import attn_norm_unavailable

        return f"not computed: {attn_norm_unavailable(anatomy(model))}"
    f_h = "f_h(x_j) = (x_j W_V + b_V)_h W_O^h (output bias excluded)"
    if name == ATTN_NORM.name:
        return (
            "sum over heads of per-head norms (Kobayashi et al. 2020's head-level measure, "
            f"summed): sum_i sum_h ||alpha^h_ij f_h(x_j)||, {f_h}; forward hooks on the value "
            "projections"
        )
    return (
        "Kobayashi et al. 2020's layer-level measure, the norm of the sum over heads: "
        f"sum_i ||sum_h alpha^h_ij f_h(x_j)||, {f_h}; forward hooks on the value projections"
    )


def _matched_meta(opts: Options, freq: Any) -> dict[str, Any]:
    """Each matching's statistic, its rule in words and its pairs (:mod:`.matching`)."""
    first, *more = opts.matchings
    out: dict[str, Any] = {
        "match_on": [m.name for m in opts.matchings],
        "match_chars": first.chars,
        "match_position": first.position,
        "auroc_matched": "auroc over the within-sentence (content, function) pairs with "
        f"{first.describe()}",
        "n_pairs_matched": int(freq["n_pairs_matched"]),
    }
    for m in more:
        out[f"auroc_matched{m.suffix}"] = (
            f"auroc over the within-sentence (content, function) pairs with {m.describe()}"
        )
        out[f"n_pairs_matched{m.suffix}"] = int(freq[f"n_pairs_matched{m.suffix}"])
    return out


def clustered_meta(types: dict[str, Any]) -> dict[str, Any]:
    """The two-way bootstrap's definition and the word types of the matched pairs
    (:mod:`.clustered`)."""
    return {
        "ci_clustered": "auroc_matched*_cl_lo/_cl_hi: 95% percentile two-way bootstrap over "
        "sentences and word types (lowercased forms; a pair weighs w_sentence · u_content_type "
        "· u_function_type), the sentence draws of the table's CI; trained model and baselines",
        "matched_types": types,
    }
