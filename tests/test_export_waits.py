"""`afn-widget export`: each view's frame as tall as what it shows, a comparison exported live
from its saved state, and a view saved while still computing marked as such."""

from __future__ import annotations

import html
import json
import re

import nbformat

from afn_widget import AFNView, analyze
from afn_widget.compare import STATE, AFNCompare
from afn_widget.notebook import PAGE_MIME, WIDGET_STATE, WIDGET_VIEW, inline_views

FRAME = re.compile(r'<iframe style="[^"]*height:(\d+)px[^"]*"[^>]*srcdoc="([^"]*)"')


def saved_notebook(widgets) -> nbformat.NotebookNode:
    """A notebook showing ``widgets``, their state saved in its metadata as Jupyter saves it."""
    from ipywidgets.embed import embed_data

    data = embed_data(views=widgets, drop_defaults=False)
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {WIDGET_STATE: json.loads(json.dumps(data["manager_state"]))}
    for spec in data["view_specs"]:
        bundle = {WIDGET_VIEW: spec, "text/plain": "a widget"}
        output = nbformat.v4.new_output("display_data", data=bundle)
        nb.cells.append(nbformat.v4.new_code_cell("w", outputs=[output]))
    return nb


def frames(nb) -> list[tuple[int, str]]:
    """(height in px, srcdoc page) of each inlined frame, and the page's notes, in order."""
    inline_views(nb)
    pages = [o.data[PAGE_MIME] for c in nb.cells for o in c.outputs if PAGE_MIME in o.data]
    return [(int(m[1]), html.unescape(m[2])) for p in pages for m in FRAME.finditer(p)]


def test_a_taller_view_gets_a_taller_frame(tiny_bert):
    short = "A short line."
    long = "\n".join(f"Line {i} of a longer text, each on its own line." for i in range(8))
    views = [AFNView.from_result(analyze(t, tiny_bert)) for t in (short, long)]
    (h_short, page_short), (h_long, page_long) = frames(saved_notebook(views))
    assert "A short line." in page_short and "Line 7 of a longer" in page_long
    # eight lines of text at 30 px (15 px type, line-height 2) against one
    assert h_long - h_short >= 7 * 30


def test_a_comparison_is_inlined_with_its_state(tiny_bert):
    view = AFNCompare("The cat sat.", "The dog sat.", model=tiny_bert)
    nb = saved_notebook([view])
    [(height, page)] = frames(nb)
    state = json.loads(re.search(r'id="afn-state">(.*?)</script>', page, re.S)[1])
    assert sorted(state) == sorted(STATE)
    assert state["pane_a"]["text"] == "The cat sat." and state["pane_b"]["text"] == "The dog sat."
    # a pane's binary columns, saved as buffers a level down, are back in their pane
    norms = state["pane_a"]["norms"]
    assert isinstance(norms, dict) and "$b64" in norms
    assert state["word_match"] == view.word_match
    single = AFNView.from_result(analyze("The cat sat.", tiny_bert))
    [(h_single, _)] = frames(saved_notebook([single]))
    assert height > h_single  # two panes, one over the other


def test_a_view_saved_while_computing_has_a_note(tiny_bert):
    views = [AFNView.from_result(analyze(t, tiny_bert)) for t in ("Done.", "Not done.")]
    nb = saved_notebook(views)
    store = nb.metadata["widgets"][WIDGET_STATE]["state"]
    model_id = nb.cells[1].outputs[0].data[WIDGET_VIEW]["model_id"]
    store[model_id]["state"]["status"] = "computing"
    inline_views(nb, waited=7)
    first, second = (c.outputs[0].data[PAGE_MIME] for c in nb.cells)
    assert "still computing" not in first
    note = "This view was still computing when the page was made (7 s); run view.wait()"
    assert note in second and second.index(note) < second.index("<iframe")


def test_a_second_score_beside_the_first_makes_the_frame_taller(tiny_bert):
    view = AFNView.from_result(analyze("The cat sat.", tiny_bert, scores=("tas", "attention")))
    [(alone, _)] = frames(saved_notebook([view]))
    view.compare_score = "attention"
    [(beside, _)] = frames(saved_notebook([view]))
    assert beside > alone
