"""The table's main figures within groups of sentences: by genre and by sentence length.

A group's statistic is the same ratio of sums as the table's (:mod:`.counts`), over its
sentences only; its CI comes from the table's own resamples, restricted to the group's
sentences (:meth:`.pool.Resamples.restricted`: a replicate's group holds as many of them as
the replicate drew).

* **genre**, from the sentence ids of the treebanks that name their documents' genre: GUM
  (``GUM_<genre>_<document>-<n>``: academic, bio, conversation, ...) and English-EWT
  (``<genre>-<document>-<n>``: answers, email, newsgroup, reviews, weblog). A corpus in which
  some sentence has no such id gets no genre breakdown.
* **length**, the sentence's number of words (all its words, scored or not), in the bins of
  :data:`LENGTH_EDGES`: ``< 10``, ``10–19``, ``20–29``, ``30–39``, ``≥ 40``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .breakdowns import with_ci
from .counts import RATIOS
from .names import RowKey
from .pool import Pool, Resamples

EWT_GENRES = ("answers", "email", "newsgroup", "reviews", "weblog")
LENGTH_EDGES = (10, 20, 30, 40)
LENGTH_BINS = ("< 10", "10–19", "20–29", "30–39", "≥ 40")
GROUP_STATS = ("auroc", "auroc_matched", "auroc_per_sentence", "auroc_matched_per_sentence",
               "content_share", "base_rate")  # fmt: skip


def genre(sent_id: str | None) -> str | None:
    """The genre a GUM or English-EWT sentence id names, else ``None``."""
    if not sent_id:
        return None
    if sent_id.startswith("GUM_"):
        parts = sent_id.split("_")
        return parts[1] if len(parts) > 2 and parts[1] else None
    head = sent_id.split("-", 1)[0]
    return head if head in EWT_GENRES and "-" in sent_id else None


def length_bin(n_words: int) -> str:
    """The label of the bin of :data:`LENGTH_EDGES` that ``n_words`` falls in."""
    return LENGTH_BINS[int(np.searchsorted(LENGTH_EDGES, n_words, side="right"))]


def sentence_groups(sent_ids: list[str | None], lengths: list[int]) -> dict[str, list[str]]:
    """Each kept sentence's group under each breakdown: ``length`` always, ``genre`` when every
    sentence has one."""
    out = {"length": [length_bin(n) for n in lengths]}
    genres = [genre(s) for s in sent_ids]
    if genres and all(g is not None for g in genres):
        out["genre"] = genres  # type: ignore[assignment]
    return out


def group_frame(
    groups: dict[str, list[str]],
    resamples: Resamples,
    pool: Pool,
    keys: list[RowKey],
    defined: list[bool],
) -> Any:
    """One row per breakdown, group and table row (``keys``, those ``defined``): the group's
    sentences and :data:`GROUP_STATS` with 95% CIs (``base_rate`` without)."""
    import pandas as pd

    ratios = {s: RATIOS[s] for s in GROUP_STATS}
    names = sorted({n for pair in ratios.values() for n in pair})
    parts = []
    for by, labels in groups.items():
        labels_arr = np.array(labels, dtype=object)
        order = LENGTH_BINS if by == "length" else sorted(set(labels))
        for label in order:
            members = np.flatnonzero(labels_arr == label)
            if not members.size:
                continue
            point, reps = resamples.restricted(members, names).estimate(ratios, pool)
            frame: dict[str, Any] = {
                "by": by,
                "group": label,
                "condition": [k[0] for k in keys],
                "score": [k[1] for k in keys],
                "layer": pd.array([k[2] for k in keys], dtype="Int64"),
                "n_sentences": int(members.size),
            }
            frame |= with_ci(point, reps, GROUP_STATS, no_ci=("base_rate",))
            parts.append(pd.DataFrame(frame)[np.array(defined)])
    return pd.concat(parts, ignore_index=True) if parts else None
