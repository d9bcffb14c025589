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

from ..errors import AFNInputError
from ..registry import ATTENTION, ATTN_NORM, ATTN_NORM_LAYER, TAS, TAS_DROP_OUTLIERS
from . import stats as S
from .clustered import TOP_TYPES
from .contrasts import CONTRAST_STATS, answer, layer_contrasts
from .csvfile import write_csv
from .figure import report_figure
from .names import BASELINE, CONDITIONS, FREQUENCY, LEXICAL, SCORES, RowKey, Run
from .page import report_page
from .sensitivity import QUANTILES, WIDTHS, sensitivity_frame


@dataclass
class CorpusReport:
    """The answer of :func:`analyze_corpus`: a table, its breakdowns, a figure, the words.

    ``table``: one row per (condition, score, layer) and the baselines, statistics with
    ``_lo``/``_hi`` 95% CIs (a control's rows pool its seeds). ``words``: one row per word
    (``controls``: the lexical baseline's out-of-fold ``P(content)``).
    ``scores(condition, score, seed)``: ``[n_layers + 1, n_words]`` aligned with ``words``.
    ``seeds``: each control run's own statistics. ``mappings``: the main figures under each role
    mapping. ``categories``: the HIGH rate of each gold UPOS tag. ``zipf_bins``: the AUROC within
    each Zipf bin. ``groups``: the main figures by sentence length and genre. ``contrasts()``:
    the highlighted layer against the others. ``sensitivity()``: the content share over HIGH
    boundaries and the matched AUROC over match widths. ``massive(...)``: which words carry a
    massive activation at each layer (left out of that layer's rows unless ``include_massive``;
    the table's ``massive_share``). ``meta``: every choice made, in words.
    """

    table: Any
    words: Any
    meta: dict[str, Any]
    word_scores: dict[str, np.ndarray] = field(repr=False)  # each condition's first seed
    special_scores: dict[str, np.ndarray] = field(repr=False)  # [K, L+1, n_sent, n_special]
    replicates: dict[str, np.ndarray] = field(repr=False)  # stat -> [n_boot, n_rows]
    row_keys: list[RowKey] = field(repr=False)
    run_scores: dict[Run, np.ndarray] = field(default_factory=dict, repr=False)  # every seed
    run_specials: dict[Run, np.ndarray] = field(default_factory=dict, repr=False)
    run_massive: dict[Run, np.ndarray] = field(default_factory=dict, repr=False)  # bool
    seeds: Any = field(default=None, repr=False)
    mappings: Any = field(default=None, repr=False)
    categories: Any = field(default=None, repr=False)  # None without gold UPOS
    zipf_bins: Any = field(default=None, repr=False)
    groups: Any = field(default=None, repr=False)  # by genre and sentence length (.groups)

    @property
    def layer(self) -> int:
        """The layer the report highlights (the paper's layer 8 of 12, same depth elsewhere)."""
        return int(self.meta["layer"])

    @property
    def matched_stats(self) -> tuple[str, ...]:
        """The further matchings' statistics (``match_on=``), beyond ``auroc_matched``."""
        return tuple(
            f"auroc_matched_{n.replace('+', '_')}" for n in self.meta.get("match_on", [])[1:]
        )

    @property
    def role_source(self) -> str:
        return str(self.meta["role_source"])

    def scores(
        self, condition: str = "trained", score: str = TAS.name, seed: int | None = None
    ) -> np.ndarray:
        """``float32 [n_layers + 1, n_words]``, nan where undefined; a control's at ``seed``
        (default its first, ``meta["seeds"][0]``)."""
        if condition not in self.word_scores and condition in CONDITIONS:
            raise AFNInputError(f"condition {condition!r} was not run (see controls=).")
        if condition not in CONDITIONS:
            raise AFNInputError(f"condition must be one of {CONDITIONS}, not {condition!r}.")
        if score not in SCORES:
            raise AFNInputError(f"score must be one of {SCORES}, not {score!r}.")
        if seed is None:
            return self.word_scores[condition][SCORES.index(score)]
        run = Run(condition, seed)
        if run not in self.run_scores:
            raise AFNInputError(
                f"no run of {condition!r} at seed {seed!r}; seeds: {self.meta.get('seeds')}."
            )
        return self.run_scores[run][SCORES.index(score)]

    def specials(
        self, condition: str = "trained", score: str = TAS.name, seed: int | None = None
    ) -> np.ndarray:
        """``float32 [n_layers + 1, n_sentences, n_special]``: the special tokens' scores
        (``meta["specials"]`` names them), sentences in the order of ``words``; a control's at
        ``seed`` (default its first)."""
        self.scores(condition, score, seed)  # validates
        if seed is None:
            return self.special_scores[condition][SCORES.index(score)]
        return self.run_specials[Run(condition, seed)][SCORES.index(score)]

    def massive(self, condition: str = "trained", seed: int | None = None) -> np.ndarray:
        """``bool [n_layers + 1, n_words]``, aligned with ``words``: the words with a massive
        activation at each layer (any of their pieces); a control's at ``seed`` (default its
        first)."""
        self.scores(condition, TAS.name, seed)  # validates
        if seed is None:
            seed = None if condition == "trained" else self.meta["seeds"][0]
        return self.run_massive[Run(condition, seed)]

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

    def sensitivity(
        self,
        condition: str = "trained",
        layers: Iterable[int] | None = None,
        quantiles: Iterable[float] = QUANTILES,
        widths: Iterable[float] = WIDTHS,
    ) -> Any:
        """The content share in HIGH over the HIGH/LOW boundary ``quantiles`` (0.5–0.95) and
        each frequency-holding matched AUROC over the match ``widths``, for every score of
        ``condition`` at ``layers`` (default the highlighted one) and the two baselines: a long
        frame (``stat``, ``param``, ``at``, ``value``), point estimates recounted from the words
        (:mod:`.sensitivity`)."""
        return sensitivity_frame(self, condition, layers, quantiles, widths)

    def _index(self, key: RowKey) -> int:
        try:
            return self.row_keys.index(key)
        except ValueError:
            raise AFNInputError(f"no row {key!r}; see report.table for the rows.") from None

    def contrasts(
        self,
        score: str = TAS.name,
        condition: str = "trained",
        stats: Iterable[str] | None = None,
        layer: int | None = None,
    ) -> Any:
        """The highlighted ``layer`` (default the report's) against its neighbours and the best
        other layer, paired differences with 95% CIs (:mod:`afn_widget.corpus.contrasts`).
        ``stats``: default :data:`~.contrasts.CONTRAST_STATS` and every further matching's
        AUROC (``match_on=``)."""
        lay = self.layer if layer is None else int(layer)
        if stats is None:
            stats = _with_matchings(CONTRAST_STATS, self.matched_stats)
        return layer_contrasts(
            self.table, self.replicates, self.row_keys, condition, score, lay, tuple(stats)
        )

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
                    "AUROC, frequency-matched": _interval(r, "auroc_matched", digits),
                    "matched, CI over sentences and word types": _cl(r, "auroc_matched", digits),
                    **{
                        f"AUROC, matched on {_matching_name(s)}": _interval(r, s, digits)
                        for s in self.matched_stats
                    },
                    "regression gain": _interval(r, "lr_gain", digits + 1),
                    "content share in HIGH": _interval(r, "content_share", digits),
                    "base rate": f"{r['base_rate']:.{digits}f}",
                    "lift": _interval(r, "lift", digits),
                    "share of words in HIGH": _interval(r, "high_share", digits),
                    "punct. share in HIGH": _interval(r, "punct_share", digits),
                    "specials share in HIGH": _interval(r, "special_share", digits),
                    "share of words massive": _interval(r, "massive_share", digits),
                }
            )
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """A few sentences: the claim at the highlighted layer against its baselines, with
        frequency held fixed, the layer against the others, and the seeds' spread."""
        m = self.meta
        lay = self.layer
        rows = (
            (f"TAS, layer {lay}", ("trained", TAS.name, lay)),
            ("TAS, layer 0 (embeddings)", ("trained", TAS.name, 0)),
            (f"TAS w/o outlier dims, layer {lay}", ("trained", TAS_DROP_OUTLIERS.name, lay)),
            (f"attention received, layer {lay}", ("trained", ATTENTION.name, lay)),
            (f"Σₕ‖αf(x)‖ received, layer {lay}", ("trained", ATTN_NORM.name, lay)),
            (f"‖Σₕαf(x)‖ received, layer {lay}", ("trained", ATTN_NORM_LAYER.name, lay)),
            ("word frequency (rarer = higher)", (BASELINE, FREQUENCY, None)),
            ("lexical controls (regression)", (BASELINE, LEXICAL, None)),
            (f"TAS, shuffled words, layer {lay}", ("shuffled", TAS.name, lay)),
            (f"TAS, random weights, layer {lay}", ("random_init", TAS.name, lay)),
        )
        high = self._summary_high(lay)
        lines = [
            f"model: {m['model']}; lang = {m.get('lang', 'en')}; {m['n_sentences']} sentences, "
            f"{m['n_words']} words; "
            f"roles from {m['role_source']}; HIGH = top {1 - m['quantile']:.0%} per sentence "
            f"({m.get('high', 'quantile')} rule{high}).",
            f"  base rate of content words: {self.table['base_rate'].iloc[0]:.3f}; "
            f"matched pairs ({self._rule('auroc_matched')}): "
            f"{m.get('n_pairs_matched', 0)} of {m.get('n_pairs', 0)}",
        ]
        lines += self._summary_types()
        lines += [
            f"  further matching {_matching_name(s)} ({self._rule(s)}): "
            f"{m.get('n_pairs' + s.removeprefix('auroc'), 0)} pairs"
            for s in self.matched_stats
        ]
        lines += [line for label, key in rows if (line := self._summary_line(label, key))]
        lines += self._summary_groups(lay)
        lines += self._summary_massive(lay)
        lines += self._summary_contrasts()
        lines += self._summary_seeds(lay)
        return "\n".join(lines)

    def _summary_groups(self, lay: int) -> list[str]:
        """TAS at ``lay``: the per-sentence mean AUROCs beside the pooled ones, and the matched
        AUROC of each genre and length bin."""
        try:
            r = self.row("trained", TAS.name, lay)
        except AFNInputError:
            return []
        lines = []
        if "auroc_per_sentence" in r:
            lines.append(
                f"  TAS layer {lay}, mean of the sentences' own AUROCs (each sentence one vote): "
                f"{_ci3(r, 'auroc_per_sentence')}, matched "
                f"{_ci3(r, 'auroc_matched_per_sentence')} (pooled: {_ci3(r, 'auroc')}, matched "
                f"{_ci3(r, 'auroc_matched')})"
            )
        g = self.groups
        for by in () if g is None else g["by"].unique():
            sub = g[(g["by"] == by) & (g["condition"] == "trained") & (g["score"] == TAS.name)]
            sub = sub[sub["layer"] == lay]
            parts = [f"{x['group']} {_interval(x, 'auroc_matched', 2)}" for _, x in sub.iterrows()]
            if parts:
                lines.append(f"  by {by}, TAS layer {lay}, matched AUROC: " + "; ".join(parts))
        return lines

    def _summary_types(self) -> list[str]:
        """How many word types carry the matched pairs, and the share of the most frequent."""
        t = self.meta.get("matched_types")
        if not t or not t.get("pairs"):
            return []
        return [
            f"  the matched pairs' words: {t['content_types']} content and "
            f"{t['function_types']} function types; the {TOP_TYPES} of each in most pairs carry "
            f"{t[f'top{TOP_TYPES}_content_share']:.0%} (content) and "
            f"{t[f'top{TOP_TYPES}_function_share']:.0%} (function) of the pairs; 'types too': "
            "the CI of a bootstrap over sentences and word types"
        ]

    def _rule(self, stat: str) -> str:
        """A matching's rule in words, from ``meta``."""
        text = str(self.meta.get(stat, ""))
        return (
            text.split(" pairs with ", 1)[-1] or f"|Δzipf| < {self.meta.get('match_width', 0.5):g}"
        )

    def _summary_high(self, lay: int) -> str:
        try:
            r = self.row("trained", TAS.name, lay)
        except AFNInputError:
            return ""
        return f"; {r['high_share']:.1%} of words are in HIGH at layer {lay}"

    def _summary_massive(self, lay: int) -> list[str]:
        """How many words and special tokens carry a massive activation (the trained model's
        TAS rows), and whether they were left out."""
        t = self.table
        if "massive_share" not in t:
            return []
        rows = t[(t["condition"] == "trained") & (t["score"] == TAS.name)]
        if rows.empty:
            return []
        m = self.meta
        rule = (
            f"|value| > {m.get('massive_abs', 100):g} and > {m.get('massive_ratio', 1000):g} × "
            "the layer's median"
        )
        words, specials = rows["massive_share"], rows["massive_special_share"]
        if not ((words > 0).any() or (specials > 0).any()):
            return [f"  massive activations ({rule}): none"]
        at = rows[rows["layer"] == lay]
        w_at, s_at = (float(at[c].iloc[0]) if not at.empty else float("nan") for c in
                      ("massive_share", "massive_special_share"))  # fmt: skip
        top = rows.loc[words.idxmax()]
        done = (
            "kept in the units (include_massive=True)"
            if m.get("include_massive")
            else "left out of the units of their layer"
        )
        return [
            f"  massive activations ({rule}): {w_at:.2%} of words and {s_at:.1%} of special "
            f"tokens at layer {lay}, at most {top['massive_share']:.2%} of words (layer "
            f"{int(top['layer'])}); {done}"
        ]

    def _summary_line(self, label: str, key: RowKey) -> str | None:
        """The AUROCs, regression gain and content share of one row, None when the table has
        no such row."""
        try:
            r = self.row(*key)
        except AFNInputError:
            return None
        line = f"  {label:<34} AUROC {_ci3(r, 'auroc')}  matched {_ci3(r, 'auroc_matched')}"
        line += _cl(r, "auroc_matched", 3, " (types too: {})")
        for s in self.matched_stats:
            line += f"  matched on {_matching_name(s)} {_ci3(r, s)}"
            line += _cl(r, s, 3, " (types too: {})")
        if not _missing(r.get("lr_gain")):
            line += f"  regression gain {_ci3(r, 'lr_gain')}"
        return line + f"  content in HIGH {_ci3(r, 'content_share')}  lift {r['lift']:.2f}"

    def _summary_contrasts(self) -> list[str]:
        c = self.contrasts()
        if c.empty:
            return []
        lines = [f"  is layer {self.layer} special? (TAS, paired differences, 95% CI)"]
        for stat in _with_matchings(CONTRAST_STATS, self.matched_stats):
            sub = c[c["stat"] == stat]
            if sub.empty:
                continue
            parts = [
                f"vs {r.against} ({r.other_layer}) {r.diff:+.3f} [{r.lo:+.3f}, {r.hi:+.3f}]"
                for r in sub.itertuples()
            ]
            lines.append(f"    {stat:<14} " + "; ".join(parts) + f" → {answer(c, stat)}")
        return lines

    def _summary_seeds(self, lay: int) -> list[str]:
        s = self.seeds
        if s is None or s.empty:
            return []
        lines = []
        for cond in CONDITIONS[1:]:
            sub = s[(s["condition"] == cond) & (s["score"] == TAS.name) & (s["layer"] == lay)]
            if len(sub) > 1:
                vals = ", ".join(f"{v:.3f}" for v in sub["auroc"])
                lines.append(
                    f"  {cond} TAS layer {lay}, AUROC per seed ({', '.join(map(str, sub['seed']))})"
                    f": {vals}; spread {sub['auroc'].max() - sub['auroc'].min():.3f}"
                )
        return lines

    def plot(
        self,
        metrics: Iterable[str] = ("auroc", "auroc_matched", "lift"),
        scores: Iterable[str] | None = None,
    ):
        """Per layer, each score's ``metrics`` (default AUROC, frequency-matched AUROC and
        lift) with 95% CIs.

        Solid lines: the trained model, one per score; dashed / dotted: TAS with shuffled words
        / random weights (pooled over seeds, each seed a thin line); the grey band and line: word
        frequency, the dash-dotted band: the lexical controls' regression (no layer). The
        vertical line marks the highlighted layer.
        """
        return report_figure(self, metrics, scores)

    def to_csv(self, path: str | os.PathLike | None = None) -> str | None:
        """The table as CSV (to ``path``, checked first and written whole by
        :mod:`afn_widget.files`; or returned as a string). Text cells a spreadsheet would read
        as a formula get a leading ``'`` (:mod:`.csvfile`); numbers are as they are."""
        from ..files import check_output

        if not isinstance(path, (str, os.PathLike)):  # None, or an open file as pandas takes
            return write_csv(self.table, path)
        write_csv(self.table, check_output(path, "CSV table"))
        return None

    def words_to_csv(self, path: str | os.PathLike) -> None:
        """:attr:`words` as CSV at ``path``, checked first and written whole; text cells (the
        words themselves) neutralised against spreadsheet formulas (:mod:`.csvfile`)."""
        from ..files import check_output

        write_csv(self.words, check_output(path, "words CSV"))

    def to_html(self, path: str | os.PathLike | None = None) -> str:
        """A standalone HTML page: summary, figure (inline PNG), choices made, the table; also
        written to ``path`` when given (checked first, written whole: :mod:`afn_widget.files`)."""
        from ..files import check_output, write

        if path is not None:
            path = check_output(path, "report page")
        buf = io.BytesIO()
        self.plot().savefig(buf, format="png", dpi=110)
        png = base64.b64encode(buf.getvalue()).decode("ascii")
        page = report_page(self.summary(), png, self.meta, self.summary_table(), self.sections())
        if path is not None:
            write(path, page)
        return page

    def sections(self) -> list[tuple[str, Any]]:
        """The page's tables beyond the summary: (title, DataFrame), at the highlighted layer
        where a table has layers."""
        lay = self.layer
        out = [(f"Is layer {lay} special? TAS against its neighbours and the best other layer",
                self.contrasts())]  # fmt: skip
        if self.seeds is not None and not self.seeds.empty:
            out.append(("Each seed of the controls, TAS", _tas_rows(self.seeds)))
        if self.mappings is not None:
            out.append((f"Under other role mappings, layer {lay} and the baselines",
                        _at_layer(self.mappings, lay)))  # fmt: skip
        if self.categories is not None:
            out.append((f"HIGH rate per gold UPOS tag, TAS at layer {lay}",
                        _tas_rows(_at_layer(self.categories, lay))))  # fmt: skip
        if self.zipf_bins is not None:
            out.append((f"AUROC within Zipf bins, layer {lay} and the baselines",
                        _at_layer(self.zipf_bins, lay)))  # fmt: skip
        for by in () if self.groups is None else self.groups["by"].unique():
            sub = _tas_rows(_at_layer(self.groups[self.groups["by"] == by], lay))
            out.append((f"By {by}, TAS at layer {lay} and the baselines",
                        sub.reset_index(drop=True)))  # fmt: skip
        return out

    def __repr__(self) -> str:
        m = self.meta
        return (
            f"CorpusReport(model={m['model']!r}, sentences={m['n_sentences']}, "
            f"words={m['n_words']}, layer={m['layer']}, roles={m['role_source']!r})"
        )


def _with_matchings(stats: tuple[str, ...], matched: tuple[str, ...]) -> tuple[str, ...]:
    """``stats`` with the further matchings' AUROCs after ``auroc_matched``."""
    at = stats.index("auroc_matched") + 1 if "auroc_matched" in stats else len(stats)
    return stats[:at] + matched + stats[at:]


def _matching_name(stat: str) -> str:
    """``auroc_matched_zipf_chars`` → ``zipf+chars``."""
    return stat.removeprefix("auroc_matched_").replace("_", "+")


def _tas_rows(frame: Any) -> Any:
    """The rows of TAS and of the baselines."""
    return frame[(frame["score"] == TAS.name) | (frame["condition"] == BASELINE)]


def _at_layer(frame: Any, layer: int) -> Any:
    """The rows at ``layer`` and those without a layer (the baselines)."""
    return frame[frame["layer"].isna() | (frame["layer"] == layer)].reset_index(drop=True)


def _cl(r: Any, stat: str, digits: int, template: str = "{}") -> str:
    """The two-way bootstrap's ``[lo, hi]`` of ``stat`` (:mod:`.clustered`), ``""`` without."""
    lo, hi = r.get(f"{stat}_cl_lo"), r.get(f"{stat}_cl_hi")
    if _missing(lo) or _missing(hi):
        return ""
    return template.format(f"[{lo:.{digits}f}, {hi:.{digits}f}]")


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _ci3(r: Any, stat: str) -> str:
    """``value [lo, hi]`` with three decimals, ``—`` when undefined."""
    return _interval(r, stat, 3)


def _interval(r: Any, stat: str, digits: int) -> str:
    """``value [lo, hi]``; ``value`` alone without a CI, ``—`` when undefined."""
    v = r[stat]
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    lo, hi = r.get(f"{stat}_lo"), r.get(f"{stat}_hi")
    if lo is None or (isinstance(lo, float) and math.isnan(lo)):
        return f"{v:.{digits}f}"
    return f"{v:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"
