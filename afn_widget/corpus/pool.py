"""From counts to statistics: point estimates and bootstrap replicates, pooled over seeds.

A row of the table is a (condition, score, layer); a control condition ran once per seed, so
its row pools the run rows of every seed (:class:`Pool`): the statistic is the ratio of the
counts summed over sentences *and* seeds. Its bootstrap is two-stage, so that its CI holds the
seed spread as well as the sentence spread: each replicate draws the sentences (the same
multinomial weights for every row, so rows stay paired) and, independently, the seeds (``K``
draws with replacement out of ``K``, the same for every control row). Rows of one run (the
trained model, the baselines) list that run ``K`` times, which leaves their ratio unchanged;
with one seed, every number is the plain sentence bootstrap's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import stats as S
from .counts import Counts


@dataclass(frozen=True)
class Pool:
    """Which run rows (columns of the counts) each output row sums: ``members[t]``, ``K`` of
    them (one per seed; a single run's row repeated)."""

    members: np.ndarray  # int [n_out, K]

    @property
    def n_seeds(self) -> int:
        return int(self.members.shape[1])


class Estimates(NamedTuple):
    point: dict[str, np.ndarray]  # statistic -> [rows, ...]
    replicates: dict[str, np.ndarray]  # statistic -> [n_boot, rows, ...]


class Resamples:
    """The bootstrap weights of sentences and seeds, and the pooled sums of each count, each
    computed once."""

    def __init__(self, counts: Counts, n_boot: int, seed: int, n_seeds: int) -> None:
        n_sentences = counts["n_words"].shape[0]
        self.counts = counts
        self.sentences = S.bootstrap_weights(n_sentences, n_boot, seed)
        # an independent stream: with one seed the sentence draws are those of a plain bootstrap
        self.seeds = (
            S.bootstrap_weights(n_seeds, n_boot, [seed, 1]) if n_seeds > 1 else np.ones((n_boot, 1))
        )
        self._sums: dict[tuple[str, bytes], np.ndarray] = {}

    def restricted(self, sentences: np.ndarray, names: list[str]) -> Resamples:
        """The same resamples over ``sentences`` only (indices): their counts ``names`` and
        their columns of the sentence weights (a group of sentences: each replicate holds as
        many of them as it drew), the same seed draws."""
        out = Resamples.__new__(Resamples)
        out.counts = {n: self.counts[n][sentences] for n in names}
        out.sentences = self.sentences[:, sentences]
        out.seeds = self.seeds
        out._sums = {}
        return out

    def resampled(self, name: str, rows: np.ndarray) -> np.ndarray:
        """``[n_boot, len(rows), ...]``: ``Σ_s w_s · count[s, rows]`` of every resample."""
        key = (name, rows.tobytes())
        if key not in self._sums:
            c = self.counts[name][:, rows]
            flat = self.sentences @ c.reshape(c.shape[0], -1).astype(np.float64)
            self._sums[key] = flat.reshape((-1, *c.shape[1:]))
        return self._sums[key]

    def estimate(self, ratios: dict[str, tuple[str, str]], pool: Pool) -> Estimates:
        """Each statistic of ``ratios`` on all sentences (and seeds) and on every resample."""
        point, reps = {}, {}
        for stat, (num, den) in ratios.items():
            point[stat] = _ratio(
                self.counts[num].sum(0, dtype=np.float64)[pool.members].sum(1),
                self.counts[den].sum(0, dtype=np.float64)[pool.members].sum(1),
            )
            reps[stat] = _ratio(self._pooled(num, pool), self._pooled(den, pool))
        return Estimates(point, reps)

    def _pooled(self, name: str, pool: Pool) -> np.ndarray:
        """``[n_boot, out rows, ...]``: each resample's sums over its sentences and seeds."""
        used, where = np.unique(pool.members, return_inverse=True)
        where = where.reshape(pool.members.shape)
        r = self.resampled(name, used)  # only the run rows the pool sums
        w = self.seeds if pool.n_seeds == self.seeds.shape[1] else np.ones((r.shape[0], 1))
        out = np.zeros((r.shape[0], pool.members.shape[0], *r.shape[2:]))
        for k in range(pool.n_seeds):
            wk = w[:, k].reshape((-1, 1) + (1,) * (r.ndim - 2))
            out += wk * r[:, where[:, k]]
        return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, nan where ``den`` is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
