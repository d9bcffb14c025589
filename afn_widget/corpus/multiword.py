"""Multi-word tokens fused into one word (``mwt="fused"``, the default of
:func:`~.conllu_reader.read_conllu`).

French ``du`` = ``de`` + ``le`` and German ``zum`` = ``zu`` + ``dem`` are one surface token over
two syntactic words whose forms do not spell it, so both words get the token's whole span and
the same subword pieces: the model gives them one score, and counting them as two units would
weigh that score double and pair it with itself. Fused, they are one word — the surface form,
with the surface form's frequency — as the model reads them. A token whose words spell it
(``did`` + ``n't``) keeps its words, each with its own pieces.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any


def fuse_tokens(sentence: Any, content_upos: Collection[str]) -> Any:
    """A :class:`~.conllu_reader.Sentence` with the words of each multi-word token that share
    its whole span (their forms do not spell it) as one word: the surface form, the UPOS of its
    first word tagged with one of ``content_upos`` (else of its first word), the token's
    span."""
    if sentence.token_index is None:
        return sentence
    groups: list[list[int]] = []
    for k, t in enumerate(sentence.token_index):
        same = k and t == sentence.token_index[k - 1] and sentence.spans[k] == sentence.spans[k - 1]
        if same:
            groups[-1].append(k)
        else:
            groups.append([k])
    if len(groups) == len(sentence.words):
        return sentence
    words, spans, upos, index = [], [], [], []
    for g in groups:
        s, e = sentence.spans[g[0]]
        words.append(sentence.words[g[0]] if len(g) == 1 else sentence.text[s:e])
        spans.append((s, e))
        index.append(sentence.token_index[g[0]])
        if sentence.upos is not None:
            tags = [sentence.upos[k] for k in g]
            upos.append(next((u for u in tags if u in content_upos), tags[0]))
    return dataclasses.replace(
        sentence,
        words=tuple(words),
        spans=tuple(spans),
        upos=tuple(upos) if sentence.upos is not None else None,
        token_index=tuple(index),
    )
