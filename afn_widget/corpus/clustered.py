"""CIs of the matched AUROCs that respect word types: a two-way clustered bootstrap.

The matched pairs are not independent: a few word types (*the*, *of*, *said* ...) recur in many
of them, so a bootstrap over sentences alone understates the spread. The two-way (pigeonhole)
bootstrap resamples sentences *and* word types at once (Owen 2007): a replicate draws
``n_sentences`` sentences with replacement (multinomial counts ``w_s``, the same draws as the
sentence bootstrap of the table, so the two are paired) and ``n_types`` word types with
replacement (counts ``u_t``, from the stream ``[seed, 2]``), and a pair ``p`` = (content word
``c``, function word ``f``) of sentence ``s`` counts ``w_s · u_{type(c)} · u_{type(f)}`` times:

    AUROC* = Σ_p W_p · win_p / Σ_p W_p,   W_p = w_s u_{t(c)} u_{t(f)}

(``win_p``: 1 when ``c`` scores higher, ½ on a tie). All weights 1 give the table's value. A
word's *type* is its lowercased form; type ``k`` is the ``k``-th of the sorted distinct
lowercased forms of the kept sentences' scored words. Rows: the trained model's and the
baselines' (a control's rows pool seeds and have no such CI). A pair a row leaves out (a word
with a massive activation at that layer, a score undefined there) counts in neither sum.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import stats as S
from .counts import Match, matchings_of, pair_masks
from .rows import RunRowKey, SentenceMassive, SentenceRows

TOP_TYPES = 20
CHUNK = 64  # resamples per matrix product


class Pairs(NamedTuple):
    """Every matched pair of the corpus, side by side."""

    sentence: np.ndarray  # int [P]
    content_type: np.ndarray  # int [P]: the content word's type
    function_type: np.ndarray  # int [P]
    wins: np.ndarray  # float [P, R]: 1, ½ or 0 per row (0 where the row leaves it out)
    valid: np.ndarray  # float [P, R]: 1 where the row counts it


def word_types(forms: list[list[str]]) -> tuple[list[np.ndarray], int]:
    """Per sentence, the type index of each of its words (of ``forms``, its scored words), and
    the number of types: the sorted distinct lowercased forms."""
    lower = [[w.lower() for w in s] for s in forms]
    names = sorted({w for s in lower for w in s})
    index = {w: k for k, w in enumerate(names)}
    return [np.array([index[w] for w in s], dtype=np.int64) for s in lower], len(names)


def matched_pairs(
    rows: list[SentenceRows],
    types: list[np.ndarray],
    keep_rows: np.ndarray,
    match: Match,
    which: int = 0,
    massive: list[SentenceMassive] | None = None,
) -> Pairs:
    """The (content, function) pairs of matching ``which`` of ``match`` in every sentence, with
    each of rows ``keep_rows``' win and whether it counts them (``massive``: the words it leaves
    out; None: none)."""
    one = (matchings_of(match)[which],)
    parts: list[tuple] = []
    for s, (r, t) in enumerate(zip(rows, types, strict=True)):
        if r.values.shape[1] == 0:
            continue
        single = SentenceRows(*(a[None] for a in r))
        mask = pair_masks(single, one)[0, :, :, 1]  # "_matched" under the one matching
        i, j = np.nonzero(mask)
        v = r.values[keep_rows].astype(np.float64)
        a, b = v[:, i], v[:, j]
        ok = np.isfinite(a) & np.isfinite(b) & np.isfinite(v).all(1)[:, None]
        if massive is not None:
            m = massive[s].words[keep_rows]
            ok &= ~m[:, i] & ~m[:, j]
        wins = ((a > b) + 0.5 * (a == b)) * ok
        parts.append((np.full(i.size, s), t[i], t[j], wins.T, ok.T.astype(np.float64)))
    n_rows = len(keep_rows)
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty, empty, np.zeros((0, n_rows)), np.zeros((0, n_rows)))
    return Pairs(*(np.concatenate(x) for x in zip(*parts, strict=True)))


def twoway_replicates(
    pairs: Pairs, sentence_weights: np.ndarray, type_weights: np.ndarray
) -> np.ndarray:
    """``[n_boot, R]``: ``Σ_p W_p win_p / Σ_p W_p`` with ``W_p = w_s u_{t(c)} u_{t(f)}`` for
    every resample (``sentence_weights [n_boot, n_sentences]``, ``type_weights [n_boot,
    n_types]``); nan where no pair is drawn."""
    n_boot = sentence_weights.shape[0]
    out = np.full((n_boot, pairs.wins.shape[1]), np.nan)
    for a in range(0, n_boot, CHUNK):
        b = min(a + CHUNK, n_boot)
        w = sentence_weights[a:b, pairs.sentence]
        w = w * type_weights[a:b, pairs.content_type] * type_weights[a:b, pairs.function_type]
        num, den = w @ pairs.wins, w @ pairs.valid
        with np.errstate(invalid="ignore", divide="ignore"):
            out[a:b] = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return out


def twoway_ci(
    pairs: Pairs, sentence_weights: np.ndarray, n_types: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The 95% percentile interval per row of the two-way bootstrap: the sentence weights given
    (the table's), the type weights :func:`~.stats.bootstrap_weights` of ``n_types`` at seed
    ``[seed, 2]``."""
    types = S.bootstrap_weights(n_types, sentence_weights.shape[0], [seed, 2])
    return S.percentile_ci(twoway_replicates(pairs, sentence_weights, types))


def type_concentration(pairs: Pairs, top: int = TOP_TYPES) -> dict[str, float | int]:
    """How many word types carry the pairs, per side, and the share of pairs whose content
    (function) word is one of the ``top`` content (function) types in most pairs."""
    out: dict[str, float | int] = {"pairs": int(pairs.sentence.size)}
    for side, t in (("content", pairs.content_type), ("function", pairs.function_type)):
        counts = np.bincount(t) if t.size else np.zeros(0, dtype=np.int64)
        counts = np.sort(counts[counts > 0])[::-1]
        out[f"{side}_types"] = int(counts.size)
        out[f"top{top}_{side}_share"] = float(counts[:top].sum() / max(counts.sum(), 1))
    return out


def clustered_columns(
    table: Any,
    row_keys: list,
    run_keys: list[RunRowKey],
    rows: list[SentenceRows],
    forms: list[list[str]],
    match: Match,
    sentence_weights: np.ndarray,
    seed: int,
    massive: list[SentenceMassive] | None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """``auroc_matched<suffix>_cl_lo`` / ``_cl_hi`` for every matching, aligned with the table's
    rows (``row_keys``; nan for a control's), and the word types of the first matching's pairs
    (:func:`type_concentration`)."""
    where = {(r.condition, s, l_): i for i, (r, s, l_) in enumerate(run_keys) if r.seed is None}
    at = np.array([where.get(tuple(k), -1) for k in row_keys])
    keep = at[at >= 0]
    types, n_types = word_types(forms)
    cols: dict[str, np.ndarray] = {}
    concentration: dict[str, Any] = {}
    for k, m in enumerate(matchings_of(match)):
        pairs = matched_pairs(rows, types, keep, match, k, massive)
        lo, hi = twoway_ci(pairs, sentence_weights, n_types, seed)
        stat = "auroc_matched" + ("" if k == 0 else m.suffix)
        for name, v in (("lo", lo), ("hi", hi)):
            col = np.full(len(row_keys), np.nan)
            col[at >= 0] = v
            cols[f"{stat}_cl_{name}"] = col
        if k == 0:
            concentration = type_concentration(pairs)
    return cols, concentration
