"""AFNCompare's pairing of words in the committed bundle in a real browser: words that moved
are paired with their counterpart (hovering one marks the other) and only the words with no
counterpart in the other text are underlined, read from the page's computed styles."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.browser

PANE_A = ".host-view:nth-child(1) .afn-pane:nth-child(1) .afn-root"
PANE_B = ".host-view:nth-child(1) .afn-pane:nth-child(2) .afn-root"
SWAP = ("The doctor thanked the nurse.", "The nurse thanked the doctor.")
ONE_CHANGED = ("The cat sat on the mat.", "The dog sat on the mat.")


def mount(host, view) -> None:
    from afn_widget.compare import STATE

    host.mount({name: getattr(view, name) for name in STATE})


def underlined(host, root: str) -> list[str]:
    """The text of the units of a pane drawn underlined (the computed style, whatever the
    class)."""
    return host.page.evaluate(
        """(r) => [...document.querySelectorAll(r + ' .afn-tok')]
          .filter((e) => getComputedStyle(e).textDecorationLine.includes('underline'))
          .map((e) => e.textContent)""",
        root,
    )


def linked(host, root: str) -> list[str]:
    return [e.text_content() for e in host.page.locator(f"{root} .afn-tok.afn-linked").all()]


@pytest.mark.parametrize("gran", ["word", "token"])
def test_a_word_swap_pairs_the_moved_words(host, tiny_bert, gran):
    from afn_widget.compare import AFNCompare

    view = AFNCompare(*SWAP, model=tiny_bert, granularity=gran)
    mount(host, view)
    ra, rb = view.results

    def unit(result, word):  # the word's unit at this granularity (its first token)
        j = result.words.text.index(word)
        return j if gran == "word" else int(result.words.pieces[j][0])

    for word in ("doctor", "nurse", "thanked"):
        host.page.locator(f"{PANE_A} .afn-tok[data-i='{unit(ra, word)}']").hover()
        assert linked(host, PANE_B) == [word]
        host.page.locator(f"{PANE_B} .afn-tok[data-i='{unit(rb, word)}']").hover()
        assert linked(host, PANE_A) == [word]
    # "The" and "the" pair with each other across the swap, case aside
    host.page.locator(f"{PANE_A} .afn-tok[data-i='{unit(ra, 'The')}']").hover()
    assert [w.lower() for w in linked(host, PANE_B)] == ["the"]
    assert underlined(host, PANE_A) == [] and underlined(host, PANE_B) == []
    note = host.page.locator(f"{PANE_A} [data-field=pane-note]").text_content()
    assert note.startswith(view.compare_note + ". HIGH in both panes")
    assert "every word has a counterpart" in note
    # the HIGH sets' overlap goes through the pairing: a unit HIGH in a whose counterpart is
    # HIGH in b
    if gran == "word":
        high_a, high_b = ra.words.buckets == "HIGH", rb.words.buckets == "HIGH"
        match = view.word_match
    else:
        high_a, high_b = ra.buckets == "HIGH", rb.buckets == "HIGH"
        match = view.token_match
    both = sum(1 for u in np.flatnonzero(high_a) if match[u] >= 0 and high_b[match[u]])
    assert f"HIGH in both panes: {both} " in note
    assert host.log.errors == []


def test_one_word_changed_underlines_only_that_word(host, tiny_bert):
    from afn_widget.compare import AFNCompare

    view = AFNCompare(*ONE_CHANGED, model=tiny_bert)
    mount(host, view)
    ra, rb = view.results
    # the words each text has that the other has not, by spelling
    only_a = sorted(set(ONE_CHANGED[0].lower().split()) - set(ONE_CHANGED[1].lower().split()))
    only_b = sorted(set(ONE_CHANGED[1].lower().split()) - set(ONE_CHANGED[0].lower().split()))
    assert underlined(host, PANE_A) == only_a == ["cat"]
    assert underlined(host, PANE_B) == only_b == ["dog"]
    host.page.locator(f"{PANE_A} .afn-tok[data-i='{ra.words.text.index('mat')}']").hover()
    assert linked(host, PANE_B) == ["mat"]
    host.page.locator(f"{PANE_A} .afn-tok[data-i='{ra.words.text.index('cat')}']").hover()
    assert linked(host, PANE_B) == []
    assert host.log.errors == []
