"""Per-sentence counts: what every statistic of the report is a ratio of sums of.

Every statistic is ``Σ_s num_s / Σ_s den_s`` over sentences ``s`` of two counts (:data:`RATIOS`),
so a bootstrap resample of sentences needs only the counts (:mod:`.pool`). Counts are kept per
sentence and run row (a run's score at a layer, or a baseline), in three groups by what they
count: over a sentence's scored words (:data:`WORD_COUNTS`, and per Zipf bin and per UPOS tag,
:data:`DETAIL_COUNTS`), over its units (its words and its special tokens, :data:`UNIT_COUNTS`),
and over its words without punctuation (:data:`NO_PUNCT_COUNTS`, the ``no_punct`` mapping). A
row that is undefined for a sentence (nan, e.g. attention at layer 0) counts nothing there.

Pairs are the sentence's (content, function) word pairs, the content word expected to score
higher. ``matched``: those the first matching of ``match_on`` holds (:mod:`.matching`; by
default, Zipf values differing by less than ``match_width``), ``matched_<criteria>`` those of
each further matching (:func:`matched_counts`); ``binned``:
those whose Zipf values fall in the same bin of :data:`ZIPF_EDGES` (``[k, k + 1)``, below 1 and
from 7 on pooled); ``adv_split:``: the same under the ``adv_split`` mapping
(:mod:`.mappings`). ``auroc_per_sentence``: the mean over the sentences with pairs of their
own AUROC (wins / pairs), each sentence weighing one, where the pooled ``auroc`` weighs each by
its pairs (long sentences have quadratically many); ``auroc_matched_per_sentence`` likewise
over the matched pairs.

Massive activations (:mod:`afn_widget.hidden`): at a row's layer, the words and special tokens
of its run flagged there are left out of the units the row is counted over — its words, its
units, its pairs — as though the sentence did not hold them (unless ``include_massive``); a
word is flagged when any of its pieces is. :data:`MASSIVE_COUNTS` count them, so that the table
can say which share of the words (``massive_share``) and of the special tokens
(``massive_special_share``) a row left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import stats as S
from .mappings import UPOS_TAGS
from .matching import Matching
from .rows import SentenceMassive, SentenceRows

ZIPF_EDGES = np.arange(1.0, 8.0)
N_BINS = len(ZIPF_EDGES) + 1
ZIPF_BINS = tuple(
    ["< 1"] + [f"{a:g}–{a + 1:g}" for a in ZIPF_EDGES[:-1]] + [f"≥ {ZIPF_EDGES[-1]:g}"]
)
# The pair sets counted at once: their names, in the order of pair_masks' last axis
PAIR_SETS = (
    "",
    "_matched",
    "_binned",
    "adv_split:",
    "adv_split:_matched",
)
WORD_COUNTS = (
    "wins",  # content-over-function wins, ties ½ (the AUROC's numerator)
    "pairs",  # (content, function) pairs
    "wins_matched",
    "pairs_matched",
    "wins_binned",
    "pairs_binned",
    "adv_split:wins",
    "adv_split:pairs",
    "adv_split:wins_matched",
    "adv_split:pairs_matched",
    "n_high",
    "n_high_content",
    "n_high_punct",
    "n_words",
    "n_content",
    "n_punct",
    "adv_split:n_high_content",
    "adv_split:n_content",
    "sent_auroc",  # the sentence's own AUROC (wins / pairs), 0 without pairs
    "sent_n",  # 1 when it has pairs
    "sent_auroc_matched",
    "sent_n_matched",
)
DETAIL_COUNTS = ("wins_bin", "pairs_bin", "n_high_upos", "n_upos")  # [S, rows, bins or tags]
UNIT_COUNTS = ("n_high_units", "n_high_special", "n_units", "n_special")
NO_PUNCT_COUNTS = ("no_punct:n_high", "no_punct:n_high_content", "no_punct:n_words",
                   "no_punct:n_content")  # fmt: skip
# massive units at the row's layer, and all the units they are a share of (every row)
MASSIVE_COUNTS = ("massive_words", "scored_words", "massive_specials", "all_specials")
COUNTS = WORD_COUNTS + DETAIL_COUNTS + UNIT_COUNTS + NO_PUNCT_COUNTS + MASSIVE_COUNTS
RATIOS = {  # statistic: (numerator, denominator)
    "auroc": ("wins", "pairs"),
    "auroc_matched": ("wins_matched", "pairs_matched"),
    "auroc_binned": ("wins_binned", "pairs_binned"),
    "content_share": ("n_high_content", "n_high"),
    "base_rate": ("n_content", "n_words"),
    "high_share": ("n_high", "n_words"),
    "punct_share": ("n_high_punct", "n_high"),
    "punct_base": ("n_punct", "n_words"),
    "special_share": ("n_high_special", "n_high_units"),
    "special_base": ("n_special", "n_units"),
    "auroc_per_sentence": ("sent_auroc", "sent_n"),  # the mean of the sentences' own AUROCs
    "auroc_matched_per_sentence": ("sent_auroc_matched", "sent_n_matched"),
    "lr_auroc": ("lr_wins", "lr_pairs"),  # counted by .logistic
    "lr_ll_gain": ("lr_ll", "lr_n"),
    "massive_share": ("massive_words", "scored_words"),
    "massive_special_share": ("massive_specials", "all_specials"),
}
MAPPING_RATIOS = {  # mapping: statistic: (numerator, denominator)
    "upos": {s: RATIOS[s] for s in ("auroc", "auroc_matched", "content_share", "base_rate",
                                     "high_share")},
    "adv_split": {
        "auroc": ("adv_split:wins", "adv_split:pairs"),
        "auroc_matched": ("adv_split:wins_matched", "adv_split:pairs_matched"),
        "content_share": ("adv_split:n_high_content", "n_high"),
        "base_rate": ("adv_split:n_content", "n_words"),
        "high_share": ("n_high", "n_words"),
    },
    "no_punct": {
        "auroc": ("wins", "pairs"),
        "auroc_matched": ("wins_matched", "pairs_matched"),
        "content_share": ("no_punct:n_high_content", "no_punct:n_high"),
        "base_rate": ("no_punct:n_content", "no_punct:n_words"),
        "high_share": ("no_punct:n_high", "no_punct:n_words"),
    },
}  # fmt: skip
DETAIL_RATIOS = {"zipf_bin": ("wins_bin", "pairs_bin"), "upos": ("n_high_upos", "n_upos")}

Counts = dict[str, np.ndarray]  # count name -> [n_sentences, n_rows] (or [.., bins or tags])
Match = float | tuple[Matching, ...]  # the matchings, or the Zipf width of the one "zipf"


def matchings_of(match: Match) -> tuple[Matching, ...]:
    """The matchings: those given, or ``"zipf"`` at the width given."""
    if isinstance(match, tuple):
        return match
    return (Matching(("zipf",), float(match)),)


def matched_counts(match: Match) -> tuple[str, ...]:
    """The (wins, pairs) count names of every matching beyond the first."""
    return tuple(
        f"{c}_matched{m.suffix}" for m in matchings_of(match)[1:] for c in ("wins", "pairs")
    )


def matched_ratios(match: Match) -> dict[str, tuple[str, str]]:
    """``auroc_matched_<criteria>``: (wins, pairs) of every matching beyond the first."""
    return {
        f"auroc_matched{m.suffix}": (f"wins_matched{m.suffix}", f"pairs_matched{m.suffix}")
        for m in matchings_of(match)[1:]
    }


def count_sentences(
    rows: list[SentenceRows],
    n_rows: int,
    quantile: float,
    high: str,
    match: Match,
    massive: list[SentenceMassive] | None = None,
    include_massive: bool = False,
) -> Counts:
    """Every count of every sentence and row; sentences of equal length counted together.
    ``massive``: each sentence's flags per row; the rows of a sentence that flag some of its
    units are counted again without them (:func:`_without_massive`) unless
    ``include_massive``."""
    extra = {"wins_bin": N_BINS, "pairs_bin": N_BINS, "n_high_upos": len(UPOS_TAGS),
             "n_upos": len(UPOS_TAGS)}  # fmt: skip
    out = {  # the per-bin and per-tag counts in float32 (small integers: exact), for memory
        name: np.zeros((len(rows), n_rows, extra[name]), np.float32)
        if name in extra
        else np.zeros((len(rows), n_rows))
        for name in COUNTS + matched_counts(match)
    }
    for group in equal_length_groups([r.values.shape[1] for r in rows], n_rows):
        stacked = SentenceRows(*map(np.stack, zip(*(rows[i] for i in group), strict=True)))
        for name, v in sentence_counts(stacked, quantile, high, match).items():
            out[name][group] = v
    no_punct = [_without_punct(r) for r in rows]
    for group in equal_length_groups([r.values.shape[1] for r in no_punct], n_rows):
        stacked = SentenceRows(*map(np.stack, zip(*(no_punct[i] for i in group), strict=True)))
        for name, v in _no_punct_counts(stacked, quantile, high).items():
            out[name][group] = v
    for s, r in enumerate(rows):
        out["scored_words"][s] = r.values.shape[1]
        out["all_specials"][s] = r.specials.shape[1]
        if massive is not None:
            out["massive_words"][s] = massive[s].words.sum(1)
            out["massive_specials"][s] = massive[s].specials.sum(1)
    if massive is not None and not include_massive:
        _without_massive(out, rows, massive, quantile, high, match)
    return out


def _without_massive(
    out: Counts,
    rows: list[SentenceRows],
    massive: list[SentenceMassive],
    quantile: float,
    high: str,
    match: Match,
) -> None:
    """Count again, in ``out``, every (sentence, row) that flags some of the sentence's units:
    over the sentence without them. A sentence's rows that flag the same units are counted
    together, and such reduced sentences of one shape together."""
    reduced: list[tuple[int, np.ndarray, SentenceRows]] = []  # (sentence, its rows, reduced)
    for s, (r, m) in enumerate(zip(rows, massive, strict=True)):
        flagged = np.concatenate([m.words, m.specials], axis=1)  # [rows, n + n_special]
        hit = np.flatnonzero(flagged.any(1))
        if not hit.size:
            continue
        patterns, which = np.unique(flagged[hit], axis=0, return_inverse=True)
        n = r.values.shape[1]
        for k, pattern in enumerate(patterns):
            idx = hit[which.ravel() == k]
            reduced.append((s, idx, _reduced(r, idx, ~pattern[:n], ~pattern[n:])))
    if not reduced:
        return
    for name in WORD_COUNTS + matched_counts(match) + DETAIL_COUNTS + UNIT_COUNTS + NO_PUNCT_COUNTS:
        for s, idx, _ in reduced:
            out[name][s, idx] = 0
    passes = (
        (lambda x: x, lambda x: sentence_counts(x, quantile, high, match)),
        (_without_punct, lambda x: _no_punct_counts(x, quantile, high)),
    )
    for prepare, count in passes:
        items = [prepare(r) for _, _, r in reduced]
        for group in _shape_groups(items):
            stacked = SentenceRows(*map(np.stack, zip(*(items[i] for i in group), strict=True)))
            for name, v in count(stacked).items():
                for j, i in enumerate(group):
                    s, idx, _ = reduced[i]
                    out[name][s, idx] = v[j]


def _reduced(r: SentenceRows, idx: np.ndarray, words: np.ndarray, specials: np.ndarray):
    """Rows ``idx`` of sentence ``r``, with only the ``words`` and ``specials`` kept (bool)."""
    return SentenceRows(
        r.values[idx][:, words], r.specials[idx][:, specials], *(a[words] for a in r[2:])
    )


def _shape_groups(items: list[SentenceRows], budget: int = 1 << 22) -> Iterator[list[int]]:
    """Indices of items of one shape (rows, words, specials), in groups of at most ``budget``
    pairwise comparisons, as :func:`equal_length_groups`."""
    same: dict[tuple, list[int]] = {}
    for i, it in enumerate(items):
        same.setdefault(it.values.shape + it.specials.shape[1:], []).append(i)
    for (n_rows, n, _), idx in same.items():
        step = max(1, budget // max(1, n_rows * n * n))
        for k in range(0, len(idx), step):
            yield idx[k : k + step]


def sentence_counts(rows: SentenceRows, quantile: float, high: str, match: Match) -> Counts:
    """``[S, rows]`` per count (``[S, rows, k]`` for :data:`DETAIL_COUNTS`) for ``S`` stacked
    sentences of ``n`` scored words each; HIGH is :func:`.stats.high_rows` (the rule
    of ``buckets.split``) per sentence and row."""
    n_s, n_rows, n = rows.values.shape
    if n == 0:
        return {}
    return {**_word_counts(rows, quantile, high, match), **_unit_counts(rows, quantile, high)}


def pair_masks(rows: SentenceRows, match: Match) -> np.ndarray:
    """``bool [S, n, n, len(PAIR_SETS) + n_more + N_BINS]``: pair ``(i, j)`` of each sentence in
    each pair set of :data:`PAIR_SETS` (``_matched``: the first matching's), then in each further
    matching's ``n_more``, then in bin ``k`` of the binned set for each bin."""
    z = rows.zipf
    found = [m.pairs(z, rows.chars, rows.pieces, rows.position) for m in matchings_of(match)]
    near, more = found[0], found[1:]
    b = np.digitize(z, ZIPF_EDGES)
    same = b[:, :, None] == b[:, None, :]
    cf = rows.content[:, :, None] & rows.function[:, None, :]
    cf_b = rows.content_b[:, :, None] & rows.function_b[:, None, :]
    sets = [cf, cf & near, cf & same, cf_b, cf_b & near] + [cf & m for m in more]
    sets += [cf & same & (b[:, :, None] == k) for k in range(N_BINS)]
    return np.stack(sets, axis=-1)


def _word_counts(rows: SentenceRows, quantile: float, high_rule: str, match: Match) -> Counts:
    values, content, punct = rows.values, rows.content, rows.punct
    n_s, n_rows, n = values.shape
    high = S.high_rows(values.reshape(n_s * n_rows, n), quantile, high_rule)
    high = high.reshape(n_s, n_rows, n)
    masks = pair_masks(rows, match)
    wins = np.nan_to_num(S.pair_wins(values, masks))  # [S, rows, sets]
    pairs = masks.sum(axis=(1, 2))[:, None, :]  # [S, 1, sets]
    counts: dict[str, Any] = {}
    for k, name in enumerate(PAIR_SETS):
        prefix, suffix = name.split(":") if ":" in name else ("", name)
        head = f"{prefix}:" if prefix else ""
        counts[f"{head}wins{suffix}"] = wins[..., k]
        counts[f"{head}pairs{suffix}"] = pairs[..., k]
    for name, k in (("", 0), ("_matched", 1)):  # each sentence's own AUROC, and whether it has one
        has = np.broadcast_to(pairs[..., k] > 0, wins.shape[:2])
        counts[f"sent_auroc{name}"] = np.where(has, wins[..., k] / np.maximum(pairs[..., k], 1), 0)
        counts[f"sent_n{name}"] = has
    more = matched_counts(match)
    for k, name in enumerate(more):
        src = wins if name.startswith("wins") else pairs
        counts[name] = src[..., len(PAIR_SETS) + k // 2]
    first_bin = len(PAIR_SETS) + len(more) // 2
    onehot = rows.upos[:, :, None] == np.arange(len(UPOS_TAGS))  # [S, n, tags]
    counts |= {
        "n_high": high.sum(2),
        "n_high_content": (high & content[:, None]).sum(2),
        "n_high_punct": (high & punct[:, None]).sum(2),
        "n_words": n,
        "n_content": content.sum(1)[:, None],
        "n_punct": punct.sum(1)[:, None],
        "adv_split:n_high_content": (high & rows.content_b[:, None]).sum(2),
        "adv_split:n_content": rows.content_b.sum(1)[:, None],
        "wins_bin": wins[..., first_bin:],
        "pairs_bin": pairs[..., first_bin:],
        "n_high_upos": np.einsum("srn,snu->sru", high, onehot.astype(np.float64)),
        "n_upos": onehot.sum(1)[:, None, :],
    }
    names = WORD_COUNTS + more + DETAIL_COUNTS
    return _where_defined(counts, names, np.isfinite(values).all(axis=2))


def _unit_counts(rows: SentenceRows, quantile: float, high_rule: str) -> Counts:
    n_s, n_rows, n = rows.values.shape
    units = np.concatenate([rows.values, rows.specials], axis=2)
    m = units.shape[2]
    high = S.high_rows(units.reshape(n_s * n_rows, m), quantile, high_rule)
    high = high.reshape(n_s, n_rows, m)
    counts = {
        "n_high_units": high.sum(2),
        "n_high_special": high[..., n:].sum(2),
        "n_units": m,
        "n_special": m - n,
    }
    return _where_defined(counts, UNIT_COUNTS, np.isfinite(units).all(axis=2))


def _without_punct(rows: SentenceRows) -> SentenceRows:
    keep = ~rows.punct
    return SentenceRows(rows.values[:, keep], rows.specials, *(a[keep] for a in rows[2:]))


def _no_punct_counts(rows: SentenceRows, quantile: float, high_rule: str) -> Counts:
    values, content = rows.values, rows.content
    n_s, n_rows, n = values.shape
    if n == 0:
        return {}
    high = S.high_rows(values.reshape(n_s * n_rows, n), quantile, high_rule)
    high = high.reshape(n_s, n_rows, n)
    counts = {
        "no_punct:n_high": high.sum(2),
        "no_punct:n_high_content": (high & content[:, None]).sum(2),
        "no_punct:n_words": n,
        "no_punct:n_content": content.sum(1)[:, None],
    }
    return _where_defined(counts, NO_PUNCT_COUNTS, np.isfinite(values).all(axis=2))


def _where_defined(counts: dict[str, Any], names: tuple[str, ...], defined: np.ndarray) -> Counts:
    """The counts ``names`` as float64 ``[S, rows]`` (or ``[S, rows, k]``), 0 where the row is
    not ``defined``."""
    out = {}
    for name in names:
        v = np.asarray(counts[name], dtype=np.float64)
        shape = defined.shape + v.shape[2:] if v.ndim == 3 else defined.shape
        a = np.zeros(shape)
        a[...] = v
        a[~defined] = 0
        out[name] = a
    return out


def equal_length_groups(
    lengths: list[int], rows: int, budget: int = 1 << 22
) -> Iterator[list[int]]:
    """Indices of items of equal length, in groups of at most ``budget`` pairwise comparisons
    (``rows · n²`` each), so that a group's counts are computed at once."""
    same: dict[int, list[int]] = {}
    for i, n in enumerate(lengths):
        same.setdefault(n, []).append(i)
    for n, idx in same.items():
        step = max(1, budget // max(1, rows * n * n))
        for k in range(0, len(idx), step):
            yield idx[k : k + step]
