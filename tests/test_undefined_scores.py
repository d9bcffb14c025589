"""Where a score is undefined at the layer shown (attention and the shifts at layer 0, the
embeddings; any layer whose values are all nan), no ``nan`` reaches a reader: the figures say
why in words, nothing is outlined or ranked, and the buckets say ``UNDEFINED``, never
``SPECIAL``, for ordinary units. Which layers are undefined is read from the result's own
score rows (``np.isnan``), never assumed."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from afn_widget import analyze
from afn_widget import buckets as B
from afn_widget.figure import render, units_of
from afn_widget.result import WordSource

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
TEXT = "The scientists celebrated their remarkable discovery. A cat sat on the mat."
SCORES = ("tas", "attention", "attn_norm", "delta_norm", "displacement", "cos_change")
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def result(tiny_bert):
    return analyze(TEXT, tiny_bert, scores=SCORES, granularity="word")


def undefined_layers(result, score: str) -> list[int]:
    """The layers where every non-special token of ``score`` is nan (the independent check)."""
    rows = result.score(score)[:, ~result.special]
    return np.flatnonzero(np.isnan(rows).all(axis=1)).tolist()


def svg_texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]


@pytest.mark.parametrize("score", ["attention", "cos_change", "delta_norm"])
@pytest.mark.parametrize("gran", ["word", "token"])
def test_the_figure_says_why_and_shows_no_nan(result, score, gran):
    undefined = undefined_layers(result, score)
    assert undefined, f"{score} should be undefined somewhere (layer 0)"
    for layer in range(result.n_layers + 1):
        at = result.at(layer)
        svg = at.to_svg(score=score, granularity=gran, heatmap=True, ranking=True)
        texts = svg_texts(svg)
        joined = " ".join(texts)
        assert not NAN.search(joined), (layer, joined)
        units = units_of(at, gran, score)
        if layer in undefined:
            assert f"{score} is undefined at layer {layer}" in joined
            assert "pick layer" in joined
            assert B.HIGH not in set(units.buckets) and B.SPECIAL not in set(units.buckets)
            assert set(units.buckets) == {B.UNDEFINED}
            assert "HIGH (outlined)" not in joined
        else:
            assert "is undefined" not in joined
            assert "HIGH (outlined)" in joined
            assert B.UNDEFINED not in set(units.buckets)


def test_the_undefined_sentence_names_the_reason_and_the_layers_to_pick(result):
    svg = result.at(0).to_svg(score="attention")
    first = min(set(range(result.n_layers + 1)) - set(undefined_layers(result, "attention")))
    defined = list(range(first, result.n_layers + 1))
    want = B.undefined_note("attention", 0, defined, result.n_layers)
    why = "(the embeddings have no attention)"
    assert want == f"attention is undefined at layer 0 {why}; pick layer ≥ {first}"
    assert want in " ".join(svg_texts(svg))
    shift = " ".join(svg_texts(result.at(0).to_svg(score="displacement")))
    assert "displacement is undefined at layer 0 (the embeddings have no layer before them)" in (
        shift
    )


def test_png_and_pdf_at_an_undefined_layer(result, tmp_path):
    from PIL import Image

    at0 = result.at(0)
    for score in ("attention", "cos_change"):
        png = render(at0, "png", score=score, ranking=True, heatmap=True)
        with Image.open(io.BytesIO(png)) as im:
            im.load()
            assert im.size[0] > 0
        pdf = render(at0, "pdf", score=score)
        assert pdf.startswith(b"%PDF")
        if shutil.which("pdftotext"):
            out = tmp_path / f"{score}.pdf"
            out.write_bytes(pdf)
            txt = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True)
            assert "undefined at layer 0" in txt.stdout and not NAN.search(txt.stdout)


def test_save_png_of_a_view_at_layer_0_with_attention(tiny_bert, tmp_path):
    from PIL import Image

    from afn_widget import AFNView

    view = AFNView(TEXT, model=tiny_bert, scores=("tas", "attention", "attn_norm"))
    view.wait()
    view.score = "attention"
    view.layer = 0
    path = view.save_png(tmp_path / "a.png")
    with Image.open(path) as im:
        assert im.size[0] > 0
    svg = view.to_svg()
    assert "attention is undefined at layer 0" in svg and not NAN.search(" ".join(svg_texts(svg)))


def scored_by(result, score: str):
    """``result`` with ``score``'s rows as its own scores, as a result of given scores holds
    them (``score_name`` names them; no massive activations: those belong to TAS)."""
    rows = result.score(score)
    ws = result.word_source
    source = WordSource(ws.text, ws.tokens, ws.offsets, ws.word_ids, rows, result.word_agg)
    return replace(
        result, layer_norms=rows, word_source=source, score_name=score, massive_rows=None
    )


@pytest.mark.parametrize("score", ["attention", "displacement"])
@pytest.mark.parametrize("gran", ["word", "token"])
def test_a_results_buckets_and_summary_where_its_scores_are_undefined(result, score, gran):
    scored = scored_by(result, score)
    undefined = undefined_layers(result, score)
    for layer in range(result.n_layers + 1):
        at = replace(scored.at(layer), granularity=gran)
        words = gran == "word"
        bk = at.words.buckets if words else at.buckets
        special = np.array([r == "special" for r in (at.words.roles if words else at.roles)])
        values = at.words.tas if words else at.tas
        summary = at.summary()
        frame = at.to_dataframe()
        assert not NAN.search(summary), summary
        assert not NAN.search(" ".join(map(str, bk)))
        assert not NAN.search(repr(at))
        # specials stay SPECIAL; an ordinary unit is never
        assert set(bk[special]) <= {B.SPECIAL}
        assert B.SPECIAL not in set(bk[~special])
        assert list(frame["bucket"]) == list(bk)
        if layer in undefined:
            assert np.isnan(values[~special]).all()
            assert set(bk[~special]) == {B.UNDEFINED}
            assert f"{score} is undefined at layer {layer}" in summary
            assert frame["rank"].isna().all()
            assert at.to_dict()["threshold"] is None
            json.loads(at.to_json())
        else:
            assert set(bk[~special]) <= {B.HIGH, B.LOW}
            thr = float(np.quantile(values[~special].astype(np.float64), at.quantile))
            assert (at.words.threshold if words else at.threshold) == thr
            assert "is undefined" not in summary


def test_split_marks_nan_units_undefined_and_ranks_the_rest():
    values = np.array([np.nan, 3.0, 1.0, np.nan, 2.0, 9.0])
    eligible = np.array([True, True, True, True, True, False])
    s = B.split(values, eligible, 0.5)
    assert list(s.buckets) == [B.UNDEFINED, B.HIGH, B.LOW, B.UNDEFINED, B.HIGH, B.SPECIAL]
    defined = eligible & ~np.isnan(values)
    assert s.threshold == float(np.quantile(values[defined], 0.5))
    assert s.ranks.tolist() == [0, 1, 3, 0, 2, 0]
    assert np.isnan(s.percentiles[[0, 3, 5]]).all()
    # every eligible unit undefined: no threshold, nothing ranked, specials stay SPECIAL
    s = B.split(np.full(3, np.nan), np.array([True, True, False]), 0.75, "top_k")
    assert np.isnan(s.threshold) and list(s.buckets) == [B.UNDEFINED, B.UNDEFINED, B.SPECIAL]
    # a massive unit whose value is undefined is undefined, not massive
    s = B.split(np.array([np.nan, 1.0, 2.0]), np.ones(3, bool), 0.5, apart=np.array([1, 0, 1]))
    assert list(s.buckets) == [B.UNDEFINED, B.HIGH, B.MASSIVE]  # 1.0 is the only one ranked
    assert B.undefined_at(np.array([np.nan, 5.0]), np.array([True, False]))
    assert not B.undefined_at(np.array([np.nan, 5.0]), np.array([True, True]))
    assert not B.undefined_at(np.zeros(0), np.zeros(0, bool))


@pytest.mark.parametrize(
    ("defined", "n_layers", "pick"),
    [
        ([1, 2, 3], 3, "pick layer ≥ 1"),
        ([0, 1], 3, "pick layer ≤ 1"),
        ([1, 2], 3, "pick a layer from 1 to 2"),
        ([2], 3, "pick layer 2"),
        ([0, 2, 3], 3, "pick one of layers 0, 2, 3"),
        ([], 3, "it has no value at any layer"),
    ],
)
def test_the_layers_to_pick_are_said_alike_in_python_and_js(defined, n_layers, pick):
    layer = 0 if 0 not in defined else 1
    want = B.undefined_note("cos_change", layer, defined, n_layers, "cos change")
    assert want.endswith(f"; {pick}")
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = (
        "import { undefinedNote } from './js/numbers.js';"
        f"process.stdout.write(undefinedNote('cos_change', {layer}, {json.dumps(defined)}, "
        f"{n_layers}, 'cos change'));"
    )
    got = subprocess.run(
        [node, "--input-type=module", "-e", script], cwd=ROOT, capture_output=True, text=True
    )
    assert got.returncode == 0, got.stderr
    assert got.stdout == want
