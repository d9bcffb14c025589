"""A score undefined at the layer shown (attention and the shifts at layer 0, the embeddings) in
the committed bundle in a real browser: no ``nan`` anywhere, no bucket badge on ordinary units,
the text uncoloured and the reason said in the header, the legend, the ranking and the tooltip;
at a layer where the score is defined, the colours and numbers are numpy's again. Which layers
are undefined is read from the state's own score rows (``np.isnan``)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.browser.test_frontend import assert_matches_numpy
from tests.browser.test_scores import with_scores

pytestmark = pytest.mark.browser

NAN = re.compile(r"\bnan\b", re.IGNORECASE)
REASONS = {
    "attention": "the embeddings have no attention",
    "cos_change": "the embeddings have no layer before them",
}

# Every text a reader can meet in the view: element text, titles, labels, placeholders.
READABLE_JS = """(root) => {
  const r = document.querySelector(root);
  const out = [r.textContent];
  for (const e of r.querySelectorAll('*'))
    for (const a of ['title', 'aria-label', 'placeholder', 'alt'])
      if (e.hasAttribute(a)) out.push(e.getAttribute(a));
  return out.join('\\n');
}"""


def readable(page, root: str) -> str:
    return page.evaluate(READABLE_JS, root)


def score_rows(state, score: str) -> np.ndarray:
    rows, n = state["n_layers"] + 1, state["n_tokens"]
    mats = np.frombuffer(state["score_values"], "<f4").reshape(-1, rows, n)
    return mats[state["score_names"].index(score) - 1]


def expected_note(state, score: str, layer: int) -> str:
    """The sentence, its layers to pick read from the rows: those where an ordinary token has a
    value (here every layer after the undefined ones, so 'pick layer ≥ first')."""
    ordinary = np.array([r != "special" for r in state["roles"]])
    rows = score_rows(state, score)[:, ordinary]
    defined = np.flatnonzero(~np.isnan(rows).all(axis=1))
    assert defined.tolist() == list(range(defined[0], state["n_layers"] + 1))
    return f"{score} is undefined at layer {layer} ({REASONS[score]}); pick layer ≥ {defined[0]}"


@pytest.mark.parametrize("gran", ["token", "word"])
@pytest.mark.parametrize("score", ["attention", "cos_change"])
def test_an_undefined_layer_says_why_and_shows_no_nan(host, synth, ref, gran, score):
    state = with_scores(synth(granularity=gran, seed=11, layer=1))
    host.mount(state)
    root = host.root()
    page = host.page
    ordinary = np.array([r != "special" for r in state["roles"]])
    undefined = np.flatnonzero(np.isnan(score_rows(state, score)[:, ordinary]).all(axis=1))
    assert undefined.size
    host.python_set(0, score=score, layer=int(undefined[0]))
    layer = int(undefined[0])
    note = expected_note(state, score, layer)

    text = readable(page, root)
    assert not NAN.search(text), NAN.search(text)
    said = page.locator(f"{root} .afn-sum-undefined")
    assert said.is_visible() and said.text_content() == note
    for field in ("threshold", "n-high", "content-high"):
        assert not page.locator(f"{root} [data-field={field}]").is_visible()
    assert page.locator(f"{root} .afn-legend-thr").text_content() == f"no colours at layer {layer}"
    assert page.locator(f"{root} .afn-rank-undefined").text_content() == note
    assert page.locator(f"{root} .afn-rank-btn").count() == 0

    # every unit readable, none coloured, outlined or set apart
    spans = page.locator(f"{root} .afn-text .afn-tok:not(.afn-special)")
    classes = spans.evaluate_all("(es) => es.map(e => e.className)")
    assert classes and not any(re.search(r"afn-c\d+|afn-high|afn-massive", c) for c in classes)
    for k in (0, 3, spans.count() - 1):
        span = spans.nth(k)
        span.hover()
        tip = page.locator(f"{root} .afn-tooltip")
        tip.wait_for(state="visible")
        assert tip.locator("[data-field=bucket]").count() == 0  # no badge, SPECIAL or other
        assert tip.locator("[data-field=tas]").text_content() == "undefined"
        assert tip.locator("[data-field=undefined]").text_content() == note
        assert not NAN.search(readable(page, root))
    # the heatmap names the value undefined when its row is hovered
    box = page.locator(f"{root} .afn-flow-canvas").bounding_box()
    rows = state["n_layers"] + 1
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * (layer + 0.5) / rows)
    caption = page.locator(f"{root} .afn-flow .afn-caption").text_content()
    assert f"layer {layer} ·" in caption and "undefined" in caption and not NAN.search(caption)

    # the next layer: colours, outlines and numbers as numpy computes them, no sentence
    host.python_set(0, layer=layer + 1)
    state.update(score=score, layer=layer + 1)
    assert_matches_numpy(host, state, ref)
    assert not said.is_visible()
    assert page.locator(f"{root} .afn-rank-btn").count() > 0
    v, el, _, high, _ = ref.split(state)
    i = int(np.flatnonzero(el)[0])
    page.locator(f"{root} .afn-text .afn-tok[data-i='{i}']").hover()
    tip = page.locator(f"{root} .afn-tooltip")
    assert tip.locator("[data-field=tas]").text_content() == f"{v[i]:.3f}"
    assert tip.locator("[data-field=bucket]").text_content() == ("HIGH" if high[i] else "LOW")
    assert tip.locator("[data-field=undefined]").count() == 0
    assert host.log.errors == []


def test_the_standalone_page_of_a_real_analysis_at_layer_0(open_html, tiny_bert):
    from afn_widget import analyze
    from afn_widget.export import standalone_html
    from afn_widget.payload import page_state

    text = "The committee postponed the vote, because nobody had read the long report."
    result = analyze(text, tiny_bert, scores=("tas", "attention", "displacement"))
    for score in ("attention", "displacement"):
        rows = result.score(score)[:, ~result.special]
        layer = int(np.flatnonzero(np.isnan(rows).all(axis=1))[0])
        page = open_html(standalone_html(page_state(result.at(layer), "word", score=score)))
        page.wait_for_selector(".afn-text .afn-tok", state="attached")
        said = page.locator(".afn-sum-undefined")
        assert said.is_visible()
        assert said.text_content().startswith(f"{score} is undefined at layer {layer} (")
        assert not NAN.search(readable(page, ".afn-root"))
        page.locator(".afn-text .afn-tok:not(.afn-special)").first.hover()
        assert page.locator(".afn-tooltip [data-field=bucket]").count() == 0
        assert page.afn_log.errors == []
