"""Score modes, the pane beside, roles, massive activations and the widget's new controls, in
the committed bundle in a real browser, checked against numpy.

States are built by hand (``synth``) with more scores than TAS: ``score_names`` ("tas" first)
and ``score_values`` (float32, the other scores' ``[L + 1, n]`` matrices one after another),
as :func:`afn_widget.payload.payload` sends them.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.browser.test_frontend import XSS, assert_matches_numpy, counted, shown_units

pytestmark = pytest.mark.browser

PANE_B = ".host-view:nth-child(1) .afn-pane:nth-child(2) .afn-root"
PANE_A = ".host-view:nth-child(1) .afn-pane:nth-child(1) .afn-root"


def with_scores(state, names=("attention", "cos_change"), seed=1):
    """``state`` with more scores: random values, nan at layer 0 (undefined there)."""
    rng = np.random.default_rng(seed)
    rows, n = state["n_layers"] + 1, state["n_tokens"]
    mats = []
    for _ in names:
        m = rng.gamma(1.5, 1.0, size=(rows, n)).astype("<f4")
        m[0] = np.nan
        mats.append(m)
    state.update(
        score_names=["tas", *names],
        score_values=b"".join(m.tobytes() for m in mats),
        score_unavailable={},
        score="tas",
        compare_score="",
    )
    return state


def select(host, root, cls, value):
    host.page.locator(f"{root} select.{cls}").select_option(value)


@pytest.mark.parametrize("gran", ["token", "word"])
def test_every_score_at_every_layer_matches_numpy(host, synth, ref, gran):
    state = with_scores(synth(granularity=gran, quantile=0.75, seed=4))
    host.mount(state)
    for score in ("tas", "attention", "cos_change"):
        select(host, host.root(), "afn-score", score)
        state["score"] = score
        assert {"score": score} in host.saved() or score == "tas"
        for layer in range(state["n_layers"] + 1):
            host.python_set(0, layer=layer)
            state["layer"] = layer
            if score != "tas" and layer == 0:
                # undefined at the embeddings: nothing coloured or outlined, and said so
                units = shown_units(host)
                assert units and all(u["bucket"] == "SPECIAL" for u in units)
                note = host.page.locator(f"{host.root()} .afn-sum-undefined").text_content()
                assert note.startswith(f"{score} is undefined at layer 0 (")
                continue
            assert_matches_numpy(host, state, ref)
        brand = host.page.locator(f"{host.root()} .afn-brand").text_content()
        assert brand == ("TAS" if score == "tas" else score)
        assert host.page.locator(f"{host.root()} .afn-legend-name").text_content() == brand
    assert host.log.errors == []


def test_score_from_python_and_scores_that_cannot_be_shown(host, synth, ref):
    state = with_scores(synth(seed=2), names=("attention",))
    state["score_unavailable"] = {"attn_norm": "this model's attention has no output projection"}
    host.mount(state)
    host.python_set(0, score="attention")
    state["score"] = "attention"
    assert_matches_numpy(host, state, ref)
    options = host.page.evaluate(
        """(r) => [...document.querySelectorAll(r + ' select.afn-score option')].map(o =>
          ({v: o.value, disabled: o.disabled, text: o.textContent, title: o.title}))""",
        host.root(),
    )
    by = {o["v"]: o for o in options}
    assert not by["tas"]["disabled"] and not by["attention"]["disabled"]
    assert by["attn_norm"]["disabled"] and "unavailable" in by["attn_norm"]["text"]
    assert "no output projection" in by["attn_norm"]["title"]
    assert by["displacement"]["disabled"] and "scores=" in by["displacement"]["title"]
    msg = host.page.locator(f"{host.root()} .afn-score-msg")
    assert msg.is_visible() and "no output projection" in msg.text_content()


def test_pane_beside_one_slider_linked_hover_and_overlap(host, synth, ref):
    state = with_scores(synth(granularity="word", seed=5), names=("attention",))
    state["compare_score"] = "attention"
    host.mount(state)
    assert host.page.locator(".host-view:nth-child(1) .afn-root").count() == 2
    brand_b = host.page.locator(f"{PANE_B} .afn-brand").text_content()
    assert brand_b == "attention"
    for layer in (1, 3):
        host.page.locator(f"{PANE_A} .afn-layer").fill(str(layer))
        state_a = {**state, "layer": layer, "score": "tas"}
        state_b = {**state, "layer": layer, "score": "attention"}
        _, _, _, high_a, _ = ref.split(state_a)
        _, _, _, high_b, _ = ref.split(state_b)
        for root, st in ((PANE_A, state_a), (PANE_B, state_b)):
            n_high = host.page.locator(f"{root} [data-field=n-high]").text_content()
            assert int(n_high) == int((ref.split(st)[3] & counted(st)).sum())
            assert host.page.locator(f"{root} .afn-layer-out").text_content() == str(layer)
        both = int((high_a & high_b).sum())
        union = int((high_a | high_b).sum())
        note = host.page.locator(f"{PANE_A} [data-field=pane-note]").text_content()
        assert note.startswith(f"HIGH in both panes: {both} ")
        assert f"TAS {int(high_a.sum())}, attention {int(high_b.sum())}" in note
        jaccard = float(note.rsplit("Jaccard ", 1)[1].rstrip(")"))
        assert abs(jaccard - both / union) <= 0.005 + 1e-12
    # hovering a unit in one pane marks the same unit in the other
    span = host.page.locator(f"{PANE_A} .afn-text .afn-tok").nth(4)
    i = span.get_attribute("data-i")
    span.hover()
    linked = host.page.locator(f"{PANE_B} .afn-tok.afn-linked")
    assert linked.count() == 1 and linked.get_attribute("data-i") == i
    host.page.locator(f"{PANE_B} .afn-text .afn-tok").nth(2).hover()
    assert host.page.locator(f"{PANE_A} .afn-tok.afn-linked").count() == 1
    # the beside pane's selector sets compare_score; "none" removes the pane
    select(host, PANE_B, "afn-score", "tas")
    assert {"compare_score": "tas"} in host.saved()
    select(host, PANE_A, "afn-beside", "")
    assert host.page.locator(".host-view:nth-child(1) .afn-root").count() == 1
    assert host.log.errors == []


def test_injection_payloads_stay_inert_in_the_pane_beside(host, synth):
    text = " ".join(XSS)
    state = with_scores(synth(text=text), names=("attention",))
    state["compare_score"] = "attention"
    host.mount(state)
    for tok in host.page.locator(f"{PANE_B} .afn-text .afn-tok:not(.afn-special)").all()[:20]:
        tok.hover()
    assert host.page.evaluate("window.__pwned") is None
    assert host.page.locator(f"{PANE_B} .afn-text img, {PANE_B} .afn-text script").count() == 0
    assert host.page.locator(f"{PANE_B} .afn-text").text_content().replace("\n", " ") != ""


def test_roles_legend_filters_and_content_share_matches_numpy(host, synth, ref):
    state = synth(granularity="word", seed=6)
    host.mount(state)
    roles = np.array([w["role"] for w in state["words"]])
    _, el, _, high, _ = ref.split(state)
    content = roles == "content"
    share, base = content[high].mean(), content[el].mean()
    got_high = host.page.locator(f"{host.root()} [data-field=content-high]").text_content()
    got_all = host.page.locator(f"{host.root()} [data-field=content-all]").text_content()
    assert (got_high, got_all) == (f"{round(share * 100)} %", f"{round(base * 100)} %")
    count = host.page.locator(f"{host.root()} .afn-role-function .afn-role-count").text_content()
    assert int(count) == int((roles == "function").sum())
    host.page.locator(f"{host.root()} .afn-role-function").click()
    dims = host.page.evaluate(
        """(r) => [...document.querySelectorAll(r + ' .afn-text .afn-tok')]
          .filter(e => e.getClientRects().length)
          .map(e => [+e.dataset.i, +getComputedStyle(e).opacity])""",
        host.root(),
    )
    for i, opacity in dims:
        assert (opacity < 0.5) == (roles[i] == "function"), (i, roles[i], opacity)
    host.page.locator(f"{host.root()} .afn-role-function").click()
    assert host.page.locator(f"{host.root()}.afn-dim-function").count() == 0


def test_massive_set_apart_and_named_in_the_tooltip(host, synth, ref):
    state = synth(seed=7)
    layer = state["layer"]
    flagged = 3  # a token
    state["massive"] = [[layer, flagged, 217, 31250.0], [0, 5, 217, 900.0]]
    host.mount(state)
    units = {u["i"]: u for u in shown_units(host)}
    span = host.page.locator(f"{host.root()} .afn-tok[data-i='{flagged}']")
    assert "afn-massive" in span.get_attribute("class")
    assert units[flagged]["bucket"] == "SPECIAL"  # no colour: not ranked
    # the threshold and HIGH set of the others, the flagged token left out
    v, el, _, _, _ = ref.split(state)
    el[flagged] = False
    thr = float(np.quantile(v[el], state["quantile"]))
    assert host.page.locator(f"{host.root()} [data-field=threshold]").text_content() == f"{thr:.3f}"
    n_high = int((el & (v >= thr)).sum())
    assert int(host.page.locator(f"{host.root()} [data-field=n-high]").text_content()) == n_high
    assert host.page.locator(f"{host.root()} [data-field=n-massive]").text_content() == "1"
    span.hover()
    tip = host.page.locator(f"{host.root()} .afn-tooltip [data-field=massive]")
    assert tip.text_content().startswith("dim 217 = 31250")
    badge = host.page.locator(f"{host.root()} .afn-tooltip [data-field=bucket]").text_content()
    assert badge == "MASSIVE"


def test_word_agg_and_normalize_controls(host, synth, ref):
    state = synth(granularity="word", seed=8)
    host.mount(state)
    select(host, host.root(), "afn-word-agg", "max")
    assert {"word_agg": "max"} in host.saved()
    assert_matches_numpy(host, {**state, "word_agg": "max"}, ref)
    select(host, host.root(), "afn-normalize", "layer_zscore")
    assert {"normalize": "layer_zscore"} in host.saved()
    # scores given as they are cannot be normalized again: the control says so and is off
    host.python_set(0, normalize="given scores")
    box = host.page.locator(f"{host.root()} select.afn-normalize")
    assert box.is_disabled() and box.input_value() == "given scores"


def compare_state(view):
    from afn_widget.compare import STATE

    return {name: getattr(view, name) for name in STATE}


def test_compare_a_minimal_pair_in_the_browser(host, tiny_bert):
    from afn_widget.compare import AFNCompare

    view = AFNCompare(
        "The keys to the cabinet are on the table.",
        "The key to the cabinet is on the table.",
        model=tiny_bert,
        scores=("attention",),
    )
    host.mount(compare_state(view))
    assert host.page.locator(".host-view:nth-child(1) .afn-root").count() == 2
    note = host.page.locator(f"{PANE_A} [data-field=pane-note]").text_content()
    assert note.startswith(view.compare_note + ". HIGH in both panes")
    ra, rb = view.results
    for root, result, differ in ((PANE_A, ra, view.differ_a), (PANE_B, rb, view.differ_b)):
        marked = host.page.locator(f"{root} .afn-tok.afn-diff")
        assert sorted(int(m.get_attribute("data-i")) for m in marked.all()) == sorted(differ)
        assert [m.text_content() for m in marked.all()] == [result.words.text[j] for j in differ]
        n_high = host.page.locator(f"{root} [data-field=n-high]").text_content()
        words = (result.words.buckets == "HIGH") & (np.array(result.words.roles) != "punctuation")
        assert int(n_high) == int(words.sum())
    # the overlap of the HIGH sets through the alignment
    high_a = set(np.flatnonzero(ra.words.buckets == "HIGH").tolist())
    high_b = set(np.flatnonzero(rb.words.buckets == "HIGH").tolist())
    both = sum(1 for j in high_a if view.word_match[j] in high_b)
    pane_note = host.page.locator(f"{PANE_A} [data-field=pane-note]").text_content()
    assert f"HIGH in both panes: {both} " in pane_note
    # hovering "table" in the first text marks "table" in the second
    j = ra.words.text.index("table")
    host.page.locator(f"{PANE_A} .afn-tok[data-i='{j}']").hover()
    linked = host.page.locator(f"{PANE_B} .afn-tok.afn-linked")
    assert linked.count() == 1 and linked.text_content() == "table"
    # the score is shared: the second pane's selector changes both
    host.page.locator(f"{PANE_B} select.afn-score").select_option("attention")
    assert host.page.locator(f"{PANE_A} .afn-brand").text_content() == "attention"
    assert host.page.locator(f"{PANE_B} .afn-brand").text_content() == "attention"
    assert host.log.errors == []


def test_compare_two_models_of_different_depth_in_the_browser(host, minilm, tiny_bert):
    from afn_widget.compare import AFNCompare

    view = AFNCompare(
        "The committee postponed the vote because the report was late.",
        models=(minilm, tiny_bert),
        granularity="token",
    )
    host.mount(compare_state(view))
    note = host.page.locator(f"{PANE_B} [data-field=pane-note]").text_content()
    assert "layers matched by relative depth" in note
    for layer in range(7):
        host.page.locator(f"{PANE_A} .afn-layer").fill(str(layer))
        want = view.layer_map[layer]
        shown_b = host.page.locator(f"{PANE_B} .afn-sum b").first.text_content()
        assert shown_b == str(want)
        view.layer = layer
        ra, rb = view.results
        for root, result in ((PANE_A, ra), (PANE_B, rb)):
            thr = host.page.locator(f"{root} [data-field=threshold]").text_content()
            assert thr == f"{result.threshold:.3f}"
    assert host.page.locator(f"{PANE_B} .afn-tok.afn-diff").count() == 0
    assert host.log.errors == []


def as_lists(state):
    """A columnar state (what Python sends) as the hand-built states' lists, for the numpy
    reference: offsets, roles, word_of and words."""
    from afn_widget.payload import ROLE_CODES

    s = dict(state)
    spans = np.frombuffer(s["offsets"], "<i4").reshape(-1, 2).tolist()
    s["offsets"] = [None if a < 0 else [a, b] for a, b in spans]
    s["roles"] = [ROLE_CODES[c] for c in s["roles"]]
    s["word_of"] = np.frombuffer(s["word_of"], "<i4").tolist()
    words = np.frombuffer(s["word_spans"], "<i4").reshape(-1, 2).tolist()
    roles = [ROLE_CODES[c] for c in s["word_roles"]]
    s["words"] = [
        {"text": s["text"][a:b] if a >= 0 else "", "start": a if a >= 0 else None,
         "end": b if a >= 0 else None, "role": r}
        for (a, b), r in zip(words, roles, strict=True)
    ]  # fmt: skip
    return s


class PageHost:
    """A standalone page seen as the host fixture (one view, one pane)."""

    def __init__(self, page) -> None:
        self.page = page

    @staticmethod
    def root(vid: int = 0) -> str:
        return ".afn-root"


@pytest.mark.parametrize("gran", ["token", "word"])
def test_every_score_of_a_real_model_on_the_standalone_page(open_html, tiny_bert, ref, gran):
    """The page of a real analysis with every score: colours and outlines at every layer equal
    numpy's computation from ``result.score(name)``."""
    from afn_widget import analyze
    from afn_widget.export import standalone_html
    from afn_widget.payload import page_state
    from afn_widget.result import SCORES

    text = "The committee postponed the vote, because nobody had read the long report."
    result = analyze(text, tiny_bert, scores=SCORES)
    for score in (s for s in SCORES if s not in result.unavailable):  # BERT: no LM head's
        state = page_state(result, gran, score=score)
        page = open_html(standalone_html(state))
        page.wait_for_selector(".afn-text .afn-tok", state="attached")
        listed = as_lists(state)
        np.testing.assert_array_equal(ref.norms(listed), result.score(score))
        for layer in range(result.n_layers + 1):
            page.locator(".afn-layer").fill(str(layer))
            listed["layer"] = layer
            if np.isnan(result.score(score)[layer]).all():
                continue
            assert_matches_numpy(PageHost(page), listed, ref)
        assert page.afn_log.errors == []


def test_compare_standalone_page(open_html, tiny_bert):
    from afn_widget.compare import AFNCompare

    view = AFNCompare(
        "The keys to the cabinet are on the table.",
        "The key to the cabinet is on the table.",
        model=tiny_bert,
    )
    page = open_html(view.to_html())
    page.wait_for_selector(".afn-tok.afn-diff", state="attached")
    assert page.locator(".afn-root").count() == 2
    marked = sorted(m.text_content() for m in page.locator(".afn-tok.afn-diff").all())
    assert marked == ["are", "is", "key", "keys"]
    assert page.afn_log.errors == []
    assert page.afn_log.foreign_requests({"http://afn.test/view.html"}) == []


def test_given_scores_name_themselves_in_the_selector(host, synth):
    host.mount(synth(score_name="saliency", normalize="given scores"))
    options = host.page.evaluate(
        """(r) => [...document.querySelectorAll(r + ' select.afn-score option')].map(o =>
          [o.value, o.textContent, o.disabled, o.title])""",
        host.root(),
    )
    assert options[0][:3] == ["tas", "saliency", False]
    for value, text, disabled, title in options[1:]:
        assert disabled and "given as they are" in title, (value, text)
    assert host.page.locator(f"{host.root()} .afn-brand").text_content() == "saliency"


def test_a_long_texts_label_follows_the_score(host, synth):
    state = with_scores(synth(text="The cat sat on the mat. " * 400), names=("attention",))
    host.mount(state)
    text = f"{host.root()} .afn-text"
    assert host.page.locator(text).get_attribute("aria-label").endswith("(TAS)")
    host.python_set(0, score="attention")
    host.page.wait_for_function(
        "(sel) => document.querySelector(sel).getAttribute('aria-label') === "
        "'text coloured by attention'",
        arg=text,
    )
    host.python_set(0, score="tas")
    host.page.wait_for_function(
        "(sel) => document.querySelector(sel).getAttribute('aria-label').endsWith('(TAS)')",
        arg=text,
    )
