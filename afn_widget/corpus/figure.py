"""The report's figure: per layer, each score's statistics with 95% CIs against the controls.

Solid lines: the trained model, one per score; dashed / dotted: TAS with shuffled words / random
weights, pooled over seeds (band: the two-stage CI), each seed a thin line; the grey line and band:
word frequency, the golden dash-dotted line and band: the regression on the lexical controls (no
layer). The vertical line marks the highlighted layer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..errors import AFNInputError
from ..models import model_label
from ..registry import TAS
from .names import BASELINE, FREQUENCY, LEXICAL, SCORES, STATS

if TYPE_CHECKING:  # pragma: no cover
    from .report import CorpusReport

COLORS = dict(
    zip(
        SCORES,
        ["#1f77b4", "#17becf", "#d62728", "#ff7f0e", "#e377c2", "#2ca02c", "#9467bd", "#8c564b"],
        strict=True,
    )
)
CONTROL_STYLES = (("shuffled", "--"), ("random_init", ":"))
REFERENCE = {  # the value of no effect
    "lift": 1.0,
    "auroc": 0.5,
    "auroc_matched": 0.5,
    "auroc_binned": 0.5,
    "lr_auroc": 0.5,
    "lr_gain": 0.0,
    "lr_ll_gain": 0.0,
}
Y_LABELS = {
    "lift": "lift of content words in HIGH (share / base rate)",
    "auroc": "AUROC, content vs function words (within sentence)",
    "auroc_matched": "AUROC, frequency-matched pairs only",
    "auroc_binned": "AUROC within Zipf bins (pair-weighted)",
    "high_share": "share of the words in HIGH",
    "lr_gain": "regression AUROC gain over the lexical controls",
}
BASELINE_STYLES = (  # (score, label, line colour, line style)
    (FREQUENCY, "word frequency", "grey", "-"),
    (LEXICAL, "lexical controls (regression)", "#b8860b", "-."),
)


def _inline(figure_class: type) -> type:
    """``Figure`` that shows itself in a notebook: a bare matplotlib ``Figure`` (not made by
    pyplot) has no rich display, and JupyterLab prints ``<Figure size … with 2 Axes>``."""

    class ReportFigure(figure_class):
        def _repr_png_(self) -> bytes:
            import io

            buf = io.BytesIO()
            self.savefig(buf, format="png", dpi=100)
            return buf.getvalue()

    return ReportFigure


def report_figure(
    report: CorpusReport, metrics: Iterable[str], scores: Iterable[str] | None
) -> Any:
    """A matplotlib ``Figure``: one panel per metric of :data:`STATS` (and the further
    matchings' ``auroc_matched_<criteria>``), the ``scores`` (default all) of the trained model
    in each."""
    from matplotlib.figure import Figure

    metrics = list(metrics)
    known = STATS + report.matched_stats
    for s in metrics:
        if s not in known:
            raise AFNInputError(f"metric must be one of {known}, not {s!r}.")
    shown = list(SCORES if scores is None else scores)
    fig = _inline(Figure)(figsize=(6.2 * len(metrics), 5.0), layout="constrained")
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics, strict=True):
        _panel(ax, report, metric, shown)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=6, fontsize=8, frameon=False)
    fig.suptitle(_title(report.meta), fontsize=9)
    return fig


def _panel(ax: Any, report: CorpusReport, metric: str, shown: list[str]) -> None:
    t = report.table
    for score in shown:
        color = COLORS.get(score)
        line = {"marker": "o", "ms": 3, "color": color}
        band = {"color": color, "alpha": 0.15}
        _line(ax, _rows(t, "trained", score, metric), metric, score, line, band)
    for cond, style in CONTROL_STYLES:
        line = {"ls": style, "color": "black", "lw": 1.2}
        band = {"color": "grey", "alpha": 0.12}
        _line(ax, _rows(t, cond, TAS.name, metric), metric, f"tas, {cond}", line, band)
        _seed_lines(ax, report.seeds, cond, metric, style)
    for score, label, color, style in BASELINE_STYLES:
        _baseline_band(ax, t, score, metric, label, color, style)
    if metric in REFERENCE or metric.startswith("auroc"):  # AUROCs: chance is 0.5
        ax.axhline(REFERENCE.get(metric, 0.5), color="black", lw=0.6)
    if metric == "content_share":
        ax.axhline(t["base_rate"].iloc[0], color="black", lw=0.6, ls="-.")
    ax.axvline(report.layer, color="black", lw=0.6, alpha=0.5)
    ax.set_xlabel("layer (hidden_states index; 0 = embeddings)")
    ax.set_ylabel(Y_LABELS.get(metric, metric))
    ax.set_xticks(range(report.meta["n_layers"] + 1))
    ax.grid(alpha=0.3)


def _rows(t: Any, condition: str, score: str, metric: str) -> Any:
    """The table's rows of one condition and score where ``metric`` is defined."""
    return t[(t["condition"] == condition) & (t["score"] == score)].dropna(subset=[metric])


def _line(ax: Any, sub: Any, metric: str, label: str, line: dict, band: dict) -> None:
    """``metric`` across layers and its CI band, in the styles ``line`` and ``band``."""
    if sub.empty:
        return
    x = sub["layer"].astype(float).to_numpy()
    ax.plot(x, sub[metric], label=label, **line)
    ax.fill_between(x, sub[f"{metric}_lo"], sub[f"{metric}_hi"], **band)


def _seed_lines(ax: Any, seeds: Any, condition: str, metric: str, style: str) -> None:
    """Each seed's TAS of ``condition`` as a thin line (when there are several seeds)."""
    if seeds is None or seeds.empty or metric not in seeds.columns:
        return
    sub = seeds[(seeds["condition"] == condition) & (seeds["score"] == TAS.name)]
    if sub["seed"].nunique() < 2:
        return
    for _, one in sub.groupby("seed"):
        one = one.dropna(subset=[metric])
        ax.plot(one["layer"].astype(float), one[metric], ls=style, color="black", lw=0.5, alpha=0.4)


def _baseline_band(
    ax: Any, t: Any, score: str, metric: str, label: str, color: str, style: str
) -> None:
    rows = t[(t["condition"] == BASELINE) & (t["score"] == score)]
    if rows.empty or math.isnan(rows[metric].iloc[0]):
        return
    r = rows.iloc[0]
    ax.axhline(r[metric], color=color, lw=1.5, ls=style, label=label)
    lo, hi = r.get(f"{metric}_lo"), r.get(f"{metric}_hi")
    if lo is not None and not math.isnan(lo):
        ax.axhspan(lo, hi, color=color, alpha=0.15)


def _title(meta: dict[str, Any]) -> str:
    return (
        f"{model_label(meta['model'])}: {meta['n_sentences']} sentences, roles from "
        f"{meta['role_source']}, HIGH = top {1 - meta['quantile']:.0%} per sentence "
        f"({meta.get('high', 'quantile')} rule)\n95% CIs (sentence bootstrap; the controls: "
        f"{len(meta.get('seeds', [0]))} seeds, also resampled); frequency-matched: "
        f"|Δzipf| < {meta.get('match_width', 0.5):g}"
    )
