"""The names the corpus report is written in: scores, conditions, runs, statistics, rows."""

from __future__ import annotations

from typing import NamedTuple

from ..registry import CORPUS_SCORES

# The scores, in the order of the report's arrays: those of a view and the report's own
# tas_drop_outliers, each declared in afn_widget.registry.
SCORES = CORPUS_SCORES
FREQUENCY = "frequency"
LEXICAL = "controls"  # the regression on frequency, length, pieces and position alone
BASELINE_SCORES = (FREQUENCY, LEXICAL)
CONDITIONS = ("trained", "shuffled", "random_init")
CONTROLS = CONDITIONS[1:]
BASELINE = "baseline"  # the condition of the baseline rows
STATS = (
    "auroc",
    "content_share",
    "base_rate",
    "lift",
    "punct_share",
    "punct_base",
    "special_share",
    "special_base",
    "auroc_matched",
    "auroc_binned",
    "auroc_per_sentence",
    "auroc_matched_per_sentence",
    "high_share",
    "lr_auroc",
    "lr_gain",
    "lr_ll_gain",
    "massive_share",
    "massive_special_share",
)
# Role mappings the main figures are also given under (see afn_widget.corpus.mappings)
MAPPINGS = ("upos", "adv_split", "no_punct")
RowKey = tuple[str, str, int | None]  # (condition, score, layer); layer None: no layer


class Run(NamedTuple):
    """One set of forward passes: a condition and its seed (``None`` for the trained model)."""

    condition: str
    seed: int | None = None
