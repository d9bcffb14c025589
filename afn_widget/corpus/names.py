"""The names the corpus report is written in: scores, conditions, statistics, table rows."""

from __future__ import annotations

SCORES = (
    "tas",
    "tas_drop_outliers",
    "attention",
    "attn_norm",
    "delta_norm",
    "displacement",
    "cos_change",
)
FREQUENCY = "frequency"
CONDITIONS = ("trained", "shuffled", "random_init")
CONTROLS = CONDITIONS[1:]
BASELINE = "baseline"  # the condition of the frequency row
STATS = (
    "auroc",
    "content_share",
    "base_rate",
    "lift",
    "punct_share",
    "punct_base",
    "special_share",
    "special_base",
)
RowKey = tuple[str, str, int | None]  # (condition, score, layer); layer None: no layer
