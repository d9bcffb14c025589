"""How the report's headline figures move with the two choices behind them, recomputed from the
words it keeps (no forward pass): :meth:`~.report.CorpusReport.sensitivity`.

* ``content_share`` over the HIGH/LOW boundary ``quantile`` (default :data:`QUANTILES`,
  0.5–0.95): ``Σ_s |HIGH_s ∩ content| / Σ_s |HIGH_s|``, ``HIGH_s`` the sentence's units in HIGH
  by the report's rule (``high=``, :func:`.stats.high_rows`) at that quantile;
* each matched AUROC of a matching that holds frequency (``zipf``) over the match width
  ``width`` (default :data:`WIDTHS`): ``Σ wins / Σ pairs`` over the within-sentence (content,
  function) pairs meeting the matching with ``|Δzipf| < width`` (its other criteria as the
  report ran them), a win 1 when the content word scores higher, ½ on a tie.

The units are the report's: a sentence's scored words (a finite value), less those with a
massive activation at the row's layer unless the report kept them. The rows: each score of
``condition`` at ``layers`` (default the highlighted one) and the two baselines, word frequency
(``−zipf``) and the lexical controls' out-of-fold ``P(content)`` (the words frame's
``controls``). Point estimates only: the CIs at the report's own quantile and width are the
table's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..errors import AFNInputError
from ..words import CONTENT, FUNCTION
from . import stats as S
from .counts import equal_length_groups
from .matching import MATCH_CHARS, MATCH_POSITION, Matching
from .names import BASELINE, FREQUENCY, LEXICAL

QUANTILES = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
WIDTHS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5)


def check_grid(name: str, values: Iterable[float], upper: float, closed: bool) -> tuple:
    """The grid's values as floats in ``(0, upper)`` (``(0, upper]`` when ``closed``)."""
    out = tuple(float(v) for v in values)
    bad = [v for v in out if not (0 < v < upper or (closed and v == upper))]
    if not out or bad:
        raise AFNInputError(
            f"{name} must be a non-empty list of numbers in (0, {upper:g}), not {values!r}."
        )
    return out


class Units:
    """The words of a report laid out for recounting: sentence, role and matching features."""

    def __init__(self, words: Any) -> None:
        self.sentence = words["sentence"].to_numpy()
        n = words.groupby("sentence", sort=False)["word_index"].transform("size").to_numpy()
        self.content = (words["role"] == CONTENT).to_numpy()
        self.function = (words["role"] == FUNCTION).to_numpy()
        self.zipf = words["zipf"].to_numpy(np.float64)
        self.chars = words["word"].str.len().to_numpy(np.int64)
        self.pieces = words["n_pieces"].to_numpy(np.int64)
        self.position = words["word_index"].to_numpy() / np.maximum(n - 1, 1)
        _, starts = np.unique(self.sentence, return_index=True)
        self.spans = np.split(np.arange(len(words)), np.sort(starts)[1:])

    def stacks(self, values: np.ndarray) -> Iterable[np.ndarray]:
        """Index arrays ``[S, n]`` of sentences with ``n`` finite values each."""
        kept = [span[np.isfinite(values[span])] for span in self.spans]
        for group in equal_length_groups([len(k) for k in kept], 1):
            if len(kept[group[0]]):
                yield np.stack([kept[i] for i in group])


def content_shares(units: Units, values: np.ndarray, quantiles: tuple, high: str) -> list[float]:
    """``content_share`` of ``values`` (per word, nan: not a unit) at each quantile."""
    num, den = np.zeros(len(quantiles)), np.zeros(len(quantiles))
    for idx in units.stacks(values):
        for k, q in enumerate(quantiles):
            h = S.high_rows(values[idx], q, high)
            num[k] += (h & units.content[idx]).sum()
            den[k] += h.sum()
    return list(num / np.where(den > 0, den, np.nan))


def matched_aurocs(units: Units, values: np.ndarray, matchings: list[Matching]) -> list[float]:
    """The AUROC of ``values`` over each matching's (content, function) pairs."""
    wins, pairs = np.zeros(len(matchings)), np.zeros(len(matchings))
    for idx in units.stacks(values):
        v = values[idx]
        cf = units.content[idx][:, :, None] & units.function[idx][:, None, :]
        win = (v[:, :, None] > v[:, None, :]) + 0.5 * (v[:, :, None] == v[:, None, :])
        u = units
        for k, m in enumerate(matchings):
            mask = cf & m.pairs(u.zipf[idx], u.chars[idx], u.pieces[idx], u.position[idx])
            wins[k] += win[mask].sum()
            pairs[k] += mask.sum()
    return list(wins / np.where(pairs > 0, pairs, np.nan))


def sensitivity_frame(
    report: Any,
    condition: str = "trained",
    layers: Iterable[int] | None = None,
    quantiles: Iterable[float] = QUANTILES,
    widths: Iterable[float] = WIDTHS,
) -> Any:
    """One row per (row of the report, statistic, setting): ``condition``, ``score``,
    ``layer``, ``stat`` (``content_share`` or a matched AUROC's name), ``param``
    (``quantile`` or ``match_width``), ``at`` (its value) and ``value``."""
    import pandas as pd

    qs = check_grid("quantiles", quantiles, 1.0, closed=False)
    ws = check_grid("widths", widths, np.inf, closed=False)
    lays = [report.layer] if layers is None else [int(x) for x in layers]
    named = _zipf_matchings(report.meta)
    grid = [(stat, Matching(m.on, w, m.chars, m.position)) for stat, m in named for w in ws]
    units = Units(report.words)
    out = []
    for key, values in _rows(report, condition, lays):
        if not np.isfinite(values).any():
            continue
        for q, v in zip(qs, content_shares(units, values, qs, report.meta["high"]), strict=True):
            out.append((*key, "content_share", "quantile", q, v))
        aurocs = matched_aurocs(units, values, [m for _, m in grid])
        for (stat, m), v in zip(grid, aurocs, strict=True):
            out.append((*key, stat, "match_width", m.width, v))
    cols = ["condition", "score", "layer", "stat", "param", "at", "value"]
    frame = pd.DataFrame(out, columns=cols)
    frame["layer"] = frame["layer"].astype("Int64")
    return frame


def _zipf_matchings(meta: dict[str, Any]) -> list[tuple[str, Matching]]:
    """The report's matchings that hold frequency, with their statistics' names."""
    chars = int(meta.get("match_chars", MATCH_CHARS))
    position = float(meta.get("match_position", MATCH_POSITION))
    out = []
    for k, name in enumerate(meta.get("match_on", ["zipf"])):
        on = tuple(name.split("+"))
        if "zipf" in on:
            stat = "auroc_matched" if k == 0 else "auroc_matched_" + "_".join(on)
            out.append((stat, Matching(on, float(meta["match_width"]), chars, position)))
    return out


def _rows(report: Any, condition: str, layers: list[int]) -> Iterable[tuple[tuple, np.ndarray]]:
    """``((condition, score, layer), per-word values with non-units nan)`` for each score of
    ``condition`` at ``layers``, then the baselines."""
    words = report.words
    massive = report.massive(condition)
    n_layers = massive.shape[0]
    bad = [x for x in layers if not 0 <= x < n_layers]
    if bad:
        raise AFNInputError(f"layers must be in 0..{n_layers - 1}, not {bad[0]!r}.")
    for score in report.meta["scores"]:
        table = report.scores(condition, score)
        for lay in layers:
            v = table[lay].astype(np.float64)
            if not report.meta["include_massive"]:
                v = np.where(massive[lay], np.nan, v)
            yield (condition, score, lay), v
    scored = np.isfinite(words["tas_0"].to_numpy(np.float64))  # a word with pieces
    zipf = words["zipf"].to_numpy(np.float64)
    yield (BASELINE, FREQUENCY, None), np.where(scored, -zipf, np.nan)
    if LEXICAL in words:
        yield (BASELINE, LEXICAL, None), words[LEXICAL].to_numpy(np.float64)
