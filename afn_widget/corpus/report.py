"""The answer of :func:`~afn_widget.corpus.analyze_corpus`: a table, the words, a figure."""

from __future__ import annotations

import base64
import io
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import stats as S
from ..errors import AFNInputError
from .figure import report_figure
from .names import BASELINE, CONDITIONS, FREQUENCY, SCORES, RowKey
from .page import report_page


@dataclass
class CorpusReport:
    """The answer of :func:`analyze_corpus`: a table, a figure, the words.

    ``table``: one row per (condition, score, layer), statistics with ``_lo``/``_hi`` 95% CIs.
    ``words``: one row per word. ``scores(condition, score)``: ``[n_layers + 1, n_words]``
    aligned with ``words``. ``meta``: every choice made, in words.
    """

    table: Any
    words: Any
    meta: dict[str, Any]
    word_scores: dict[str, np.ndarray] = field(repr=False)
    special_scores: dict[str, np.ndarray] = field(repr=False)  # [K, L+1, n_sent, n_special]
    replicates: dict[str, np.ndarray] = field(repr=False)  # stat -> [n_boot, n_rows]
    row_keys: list[RowKey] = field(repr=False)

    @property
    def layer(self) -> int:
        """The layer the report highlights (the paper's layer 8 of 12, same depth elsewhere)."""
        return int(self.meta["layer"])

    @property
    def role_source(self) -> str:
        return str(self.meta["role_source"])

    def scores(self, condition: str = "trained", score: str = "tas") -> np.ndarray:
        """``float32 [n_layers + 1, n_words]``, nan where undefined."""
        if condition not in self.word_scores and condition in CONDITIONS:
            raise AFNInputError(f"condition {condition!r} was not run (see controls=).")
        if condition not in CONDITIONS:
            raise AFNInputError(f"condition must be one of {CONDITIONS}, not {condition!r}.")
        if score not in SCORES:
            raise AFNInputError(f"score must be one of {SCORES}, not {score!r}.")
        return self.word_scores[condition][SCORES.index(score)]

    def specials(self, condition: str = "trained", score: str = "tas") -> np.ndarray:
        """``float32 [n_layers + 1, n_sentences, n_special]``: the special tokens' scores
        (``meta["specials"]`` names them), sentences in the order of ``words``."""
        self.scores(condition, score)  # validates
        return self.special_scores[condition][SCORES.index(score)]

    def row(self, condition: str, score: str, layer: int | None) -> Any:
        """The table row of one (condition, score, layer) as a pandas Series."""
        t = self.table
        sel = (t["condition"] == condition) & (t["score"] == score)
        sel &= t["layer"].isna() if layer is None else (t["layer"] == layer)
        if not sel.any():
            raise AFNInputError(f"no row for {(condition, score, layer)!r} in the table.")
        return t[sel].iloc[0]

    def compare(self, a: RowKey, b: RowKey, stat: str = "auroc") -> dict[str, float]:
        """``stat(a) − stat(b)`` with a paired bootstrap 95% CI (the same sentence resamples).

        ``a``/``b``: ``(condition, score, layer)``, e.g. ``("trained", "tas", 4)`` or
        ``("baseline", "frequency", None)``.
        """
        if stat not in self.replicates:
            raise AFNInputError(f"stat must be one of {tuple(self.replicates)}, not {stat!r}.")
        ia, ib = (self._index(k) for k in (a, b))
        rep = self.replicates[stat]
        d = rep[:, ia] - rep[:, ib]
        lo, hi = S.percentile_ci(d[:, None])
        point = float(self.row(*a)[stat] - self.row(*b)[stat])
        return {"diff": point, "lo": float(lo[0]), "hi": float(hi[0])}

    def _index(self, key: RowKey) -> int:
        try:
            return self.row_keys.index(key)
        except ValueError:
            raise AFNInputError(f"no row {key!r}; see report.table for the rows.") from None

    def summary_table(self, layers: Iterable[int] | None = None, digits: int = 2) -> Any:
        """A compact DataFrame of ``value [lo, hi]`` strings, for reading and for markdown."""
        import pandas as pd

        t = self.table
        if layers is not None:
            keep = set(layers)
            t = t[t["layer"].isna() | t["layer"].isin(keep)]
        rows = []
        for _, r in t.iterrows():
            rows.append(
                {
                    "condition": r["condition"],
                    "score": r["score"],
                    "layer": "—" if pd.isna(r["layer"]) else int(r["layer"]),
                    "AUROC content>function": _interval(r, "auroc", digits),
                    "content share in HIGH": _interval(r, "content_share", digits),
                    "base rate": f"{r['base_rate']:.{digits}f}",
                    "lift": _interval(r, "lift", digits),
                    "punct. share in HIGH": _interval(r, "punct_share", digits),
                    "specials share in HIGH": _interval(r, "special_share", digits),
                }
            )
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """A few sentences: the claim at the highlighted layer against its baselines."""
        m = self.meta
        lay = self.layer
        rows = (
            (f"TAS, layer {lay}", ("trained", "tas", lay)),
            ("TAS, layer 0 (embeddings)", ("trained", "tas", 0)),
            (f"TAS w/o outlier dims, layer {lay}", ("trained", "tas_drop_outliers", lay)),
            (f"attention received, layer {lay}", ("trained", "attention", lay)),
            (f"‖αf(x)‖ received, layer {lay}", ("trained", "attn_norm", lay)),
            ("word frequency (rarer = higher)", (BASELINE, FREQUENCY, None)),
            (f"TAS, shuffled words, layer {lay}", ("shuffled", "tas", lay)),
            (f"TAS, random weights, layer {lay}", ("random_init", "tas", lay)),
        )
        lines = [
            f"model: {m['model']}; {m['n_sentences']} sentences, {m['n_words']} words; "
            f"roles from {m['role_source']}; HIGH = top {1 - m['quantile']:.0%} per sentence.",
            f"  base rate of content words: {self.table['base_rate'].iloc[0]:.3f}",
        ]
        lines += [line for label, key in rows if (line := self._summary_line(label, key))]
        return "\n".join(lines)

    def _summary_line(self, label: str, key: RowKey) -> str | None:
        """The AUROC and content share of one row, None when the table has no such row."""
        try:
            r = self.row(*key)
        except AFNInputError:
            return None
        return (
            f"  {label:<34} AUROC {r['auroc']:.3f} [{r['auroc_lo']:.3f}, {r['auroc_hi']:.3f}]"
            f"  content in HIGH {r['content_share']:.3f} [{r['content_share_lo']:.3f}, "
            f"{r['content_share_hi']:.3f}]  lift {r['lift']:.2f}"
        )

    def plot(self, metrics: Iterable[str] = ("lift", "auroc"), scores: Iterable[str] | None = None):
        """Per layer, each score's ``metrics`` (default lift and AUROC) with 95% CIs.

        Solid lines: the trained model, one per score; dashed / dotted: TAS with shuffled words
        / random weights; the grey band: word frequency (no layer). The vertical line marks the
        highlighted layer.
        """
        return report_figure(self, metrics, scores)

    def to_csv(self, path: str | os.PathLike | None = None) -> str | None:
        """The table as CSV (to ``path``, or returned as a string)."""
        return self.table.to_csv(path, index=False)

    def to_html(self, path: str | os.PathLike | None = None) -> str:
        """A standalone HTML page: summary, figure (inline PNG), choices made, the table."""
        buf = io.BytesIO()
        self.plot().savefig(buf, format="png", dpi=110)
        png = base64.b64encode(buf.getvalue()).decode("ascii")
        page = report_page(self.summary(), png, self.meta, self.summary_table())
        if path is not None:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(page)
        return page

    def __repr__(self) -> str:
        m = self.meta
        return (
            f"CorpusReport(model={m['model']!r}, sentences={m['n_sentences']}, "
            f"words={m['n_words']}, layer={m['layer']}, roles={m['role_source']!r})"
        )


def _interval(r: Any, stat: str, digits: int) -> str:
    """``value [lo, hi]``; ``value`` alone without a CI, ``—`` when undefined."""
    v = r[stat]
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    lo, hi = r.get(f"{stat}_lo"), r.get(f"{stat}_hi")
    if lo is None or (isinstance(lo, float) and math.isnan(lo)):
        return f"{v:.{digits}f}"
    return f"{v:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"
