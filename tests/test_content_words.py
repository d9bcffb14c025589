"""The paper's claim on real text: HIGH tokens are content words far more often than tokens are.

UD English-EWT dev, gold UPOS, the bundled all-MiniLM-L6-v2 at its default layer. The CoNLL-U
file is read here with a few lines of code (not with afn_widget's reader), and tokens are mapped
to gold words through character offsets in each sentence's ``# text =`` line.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from afn_widget import analyze

CONTENT_UPOS = {"NOUN", "PROPN", "VERB", "ADJ", "ADV", "NUM", "INTJ"}
N_SENTENCES = 250


def _read_conllu(path, limit):
    """``[(text, [(start, end, upos)])]``; words inside multiword tokens get ``upos=None``."""
    out = []
    text, rows = None, []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("# text = "):
                text = line[len("# text = ") :]
            elif line and not line.startswith("#"):
                rows.append(line.split("\t"))
            elif not line and rows:
                out.append((text, rows))
                text, rows = None, []
                if len(out) >= limit:
                    break
    sentences = []
    for text, rows in out:
        words, cursor, ok, mwt_end = [], 0, True, 0
        for cols in rows:
            wid, form, upos = cols[0], cols[1], cols[3]
            if "." in wid:  # empty node: no surface form
                continue
            if "-" in wid:  # multiword token: its parts share its span; leave them out
                pos = text.find(form, cursor)
                if pos < 0 or text[cursor:pos].strip():
                    ok = False
                    break
                words.append((pos, pos + len(form), None))
                cursor = pos + len(form)
                mwt_end = int(wid.split("-")[1])
                continue
            if int(wid) <= mwt_end:
                continue
            pos = text.find(form, cursor)
            if pos < 0 or text[cursor:pos].strip():
                ok = False
                break
            words.append((pos, pos + len(form), upos))
            cursor = pos + len(form)
        if ok and text:
            sentences.append((text, words))
    return sentences, len(out)


@pytest.mark.slow
def test_high_tokens_are_mostly_content_words(minilm, ud_dev_path):
    sentences, n_read = _read_conllu(ud_dev_path, N_SENTENCES)
    assert len(sentences) >= 0.95 * n_read, "most sentences must align with their text"
    high, content = [], []
    for text, words in sentences:
        r = analyze(text, minilm)
        starts = np.array([s for s, _, _ in words])
        for i, off in enumerate(r.offsets):
            if off is None:
                continue
            j = int(np.searchsorted(starts, off[0], side="right")) - 1
            if j < 0 or not words[j][0] <= off[0] < words[j][1] or words[j][2] is None:
                continue  # a token outside any gold word, or inside a multiword token
            high.append(bool(r.high[i]))
            content.append(words[j][2] in CONTENT_UPOS)
    high, content = np.array(high), np.array(content)
    base = content.mean()
    share = content[high].mean()
    n_high = int(high.sum())
    # how many binomial standard errors the HIGH share lies above the base rate
    z = (share - base) / math.sqrt(base * (1 - base) / n_high)
    print(
        f"\nUD EWT dev, {len(sentences)} sentences, {len(content)} tokens, MiniLM layer "
        f"{r.layer}: content share of HIGH tokens {share:.1%} vs base rate {base:.1%} "
        f"(n_high={n_high}, z={z:.1f})"
    )
    assert len(content) > 3000
    assert share > base + 0.10
    assert z > 5


@pytest.mark.parametrize("upos,expected", [("NOUN", True), ("DET", False), ("PUNCT", False)])
def test_reader_aligns_gold_words_with_the_text(ud_dev_path, upos, expected):
    sentences, _ = _read_conllu(ud_dev_path, 20)
    seen = 0
    for text, words in sentences:
        for s, e, u in words:
            assert 0 <= s < e <= len(text)
            if u == upos:
                seen += 1
                assert (u in CONTENT_UPOS) == expected
                assert text[s:e].strip() == text[s:e]
    assert seen > 0
