"""Which (content, function) pairs of a sentence count as *matched*: ``match_on=``.

A matching is a set of criteria, and a pair is matched when it meets all of them:

* ``"zipf"``: ``|zipf_i − zipf_j| < match_width`` (the words' Zipf frequencies, as the
  frequency baseline reads them);
* ``"chars"``: ``|len(form_i) − len(form_j)| <= match_chars`` (the word forms' lengths in
  characters);
* ``"pieces"``: the same number of subword pieces;
* ``"position"``: ``|p_i − p_j| <= match_position``, ``p`` the word's relative position in its
  sentence, ``word_index / (n_words − 1)`` (0 in a one-word sentence), as the lexical controls
  read it (:mod:`.logistic`).

``match_on`` is one matching or a list of them; a matching is a criterion name, a ``+``-joined
string of names (``"zipf+chars"``) or a tuple of names (``("zipf", "chars")``: one matching,
both criteria). The first matching is the report's ``auroc_matched`` (the default ``"zipf"``:
frequency held fixed); every further one gets a statistic of its own,
``auroc_matched_<criteria joined by _>`` (``auroc_matched_zipf_chars``).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..errors import AFNInputError
from ..validate import check_positive_number

MATCH_ON = ("zipf", "chars", "pieces", "position")
MATCH_CHARS = 1
MATCH_POSITION = 0.1


@dataclass(frozen=True)
class Matching:
    """One matching: its criteria (in :data:`MATCH_ON` order) and their widths."""

    on: tuple[str, ...]
    width: float = 0.5  # zipf: |Δzipf| < width
    chars: int = MATCH_CHARS  # chars: |Δlength| <= chars
    position: float = MATCH_POSITION  # position: |Δrelative position| <= position

    @property
    def name(self) -> str:
        """``"zipf+chars"``."""
        return "+".join(self.on)

    @property
    def suffix(self) -> str:
        """``"_zipf_chars"``: the suffix of its counts and statistic beyond the first matching."""
        return "_" + "_".join(self.on)

    def describe(self) -> str:
        """The matching's rule in words."""
        parts = {
            "zipf": f"|Δzipf| < {self.width:g}",
            "chars": f"|Δlength in characters| ≤ {self.chars}",
            "pieces": "the same number of pieces",
            "position": f"|Δrelative position| ≤ {self.position:g}",
        }
        return " and ".join(parts[c] for c in self.on)

    def pairs(
        self, zipf: np.ndarray, chars: np.ndarray, pieces: np.ndarray, position: np.ndarray
    ) -> np.ndarray:
        """``bool [S, n, n]``: pair ``(i, j)`` of each of ``S`` sentences meets every criterion
        (each argument ``[S, n]``, per word)."""
        z = np.asarray(zipf)
        ok = np.ones(z.shape + z.shape[-1:], dtype=bool)
        if "zipf" in self.on:
            ok &= np.abs(z[:, :, None] - z[:, None, :]) < self.width
        if "chars" in self.on:
            c = np.asarray(chars, dtype=np.int64)
            ok &= np.abs(c[:, :, None] - c[:, None, :]) <= self.chars
        if "pieces" in self.on:
            p = np.asarray(pieces, dtype=np.int64)
            ok &= p[:, :, None] == p[:, None, :]
        if "position" in self.on:
            q = np.asarray(position, dtype=np.float64)
            ok &= np.abs(q[:, :, None] - q[:, None, :]) <= self.position
        return ok


def check_match_on(
    match_on: object, width: float, chars: object = MATCH_CHARS, position: object = MATCH_POSITION
) -> tuple[Matching, ...]:
    """The matchings asked for, or an :class:`AFNInputError` naming the criteria."""
    if isinstance(chars, bool) or not isinstance(chars, numbers.Integral) or chars < 0:
        raise AFNInputError(f"match_chars must be a whole number >= 0, not {chars!r}.")
    pos = check_positive_number("match_position", position)
    if isinstance(match_on, (str, tuple)):
        match_on = [match_on]
    if not isinstance(match_on, list) or not match_on:
        raise AFNInputError(
            f"match_on must be a criterion, a tuple of criteria or a list of those (criteria: "
            f"{', '.join(MATCH_ON)}), not {match_on!r}."
        )
    out: list[Matching] = []
    for m in match_on:
        on = _criteria(m)
        matching = Matching(on, width, int(chars), pos)
        if matching not in out:
            out.append(matching)
    return tuple(out)


def _criteria(m: object) -> tuple[str, ...]:
    names = tuple(m.split("+")) if isinstance(m, str) else m
    if not isinstance(names, tuple) or not names or not all(isinstance(x, str) for x in names):
        raise AFNInputError(
            f"a matching is a criterion name, 'a+b' or a tuple of names, not {m!r}; criteria: "
            f"{', '.join(MATCH_ON)}."
        )
    bad = [x for x in names if x not in MATCH_ON]
    if bad:
        raise AFNInputError(
            f"unknown matching criterion {bad[0]!r}; choose among {', '.join(MATCH_ON)}."
        )
    return tuple(c for c in MATCH_ON if c in names)
