"""Closed views are freed: a classroom kernel that makes view after view does not grow.

anywidget ties every instance of a widget whose ``_esm``/``_css`` are paths to a file-watch
signal, which keeps it alive for ever; the views carry the bundle's text instead."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

from afn_widget import AFNCompare, AFNView

TEXT = "The scientists celebrated their remarkable discovery in the lab. " * 40


def test_twenty_closed_views_are_collected_and_their_memory_returns(tiny_bert):
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        views = [AFNView(TEXT, model=tiny_bert, scores=("tas", "attention")) for _ in range(20)]
        for v in views:
            v.wait(120)
            assert v.result.n_layers == tiny_bert.n_layers
        views.append(AFNCompare("The cat sat.", "The dog sat.", model=tiny_bert))
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
        refs = [weakref.ref(v) for v in views]
        for v in views:
            v.close()
        del views, v
        gc.collect()
        left = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert [r() for r in refs] == [None] * len(refs)
    assert held > 0
    assert left < 0.1 * held, (held, left)  # what 21 views held is given back
