"""Figures for papers and slides (afn_widget.figure): SVG with real text, PNG, PDF, made in
Python; the frontend's palette; a picture for viewers without the widget."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from afn_widget import AFNView, analyze
from afn_widget.figure import PALETTE, color_index, render, unit_colors
from tests.payloads import PAYLOADS

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
TEXT = "The scientists celebrated their remarkable discovery.\nA cat sat on the mat."


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_the_svg_is_xml_with_the_units_as_text_in_order(tiny_bert):
    r = analyze(TEXT, tiny_bert, granularity="word")
    svg = r.to_svg()
    texts = _texts(svg)
    words = [w for w, s in zip(r.words.text, r.words.spans, strict=True) if s is not None]
    drawn = texts[4 : 4 + len(words)]  # after the legend's two lines and the scale's labels
    assert drawn == words
    assert "<script" not in svg.lower()
    t = analyze(TEXT, tiny_bert)
    pieces = [TEXT[s[0] : s[1]] for s in t.offsets if s is not None]  # the original spelling
    assert _texts(t.to_svg(granularity="token"))[4 : 4 + len(pieces)] == pieces


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_stays_text_in_the_svg(tiny_bert, payload):
    svg = analyze(f"Before {payload} after", tiny_bert).to_svg()
    root = ET.fromstring(svg)  # still well-formed XML
    tags = {el.tag.removeprefix(SVG) for el in root.iter()}
    assert tags <= {
        "svg",
        "g",
        "defs",
        "path",
        "rect",
        "text",
        "metadata",
        "style",
        "clipPath",
        "use",
        "image",
        "title",
        "desc",
        "tspan",
    } | {t for t in tags if "}" in t}
    assert not {"script", "foreignObject", "a", "iframe", "animate", "set"} & tags
    for el in root.iter():
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (name, value)
            assert "javascript:" not in value.lower()
    assert "evil.test" not in "".join(
        v for el in root.iter() for k, v in el.attrib.items() if k.endswith("href")
    )


def test_png_is_of_the_expected_size_and_the_pdf_has_real_text(tiny_bert, tmp_path):
    from PIL import Image

    r = analyze(TEXT, tiny_bert)
    for scale in (1, 2):
        png = render(r, "png", width=500, scale=scale)
        img = Image.open(io.BytesIO(png))
        assert img.size[0] == round((500 + 2 * 12) * scale)
    pdf = render(r, "pdf", theme="print")
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf  # an embedded TrueType font
    view = AFNView.from_result(r)
    for method, suffix in (("save_svg", ".svg"), ("save_png", ".png"), ("save_pdf", ".pdf")):
        path = getattr(view, method)(tmp_path / f"view{suffix}")
        assert path.stat().st_size > 1000
    with pytest.raises(ValueError):
        view.save_png(tmp_path / "wrong.svg")


def test_heatmap_ranking_themes_and_a_bounded_picture(tiny_bert):
    r = analyze(" ".join([TEXT] * 8), tiny_bert)
    full = _texts(r.to_svg(heatmap=True, ranking=True, theme="dark"))
    assert any("strongest" in t for t in full) and any("layers 0" in t for t in full)
    cut = _texts(r.to_svg(max_units=10))
    assert "…" in cut and len(cut) < len(_texts(r.to_svg()))


def test_the_palette_is_the_frontends(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    code = (
        "const m = await import('./js/colors.js');"
        "const t = [0, 1e-9, 0.25, 0.5, 0.999, 1, 0.3333];"
        "console.log(JSON.stringify({lut: Array.from(m.LUT), idx: t.map(m.colorIndex),"
        "text: m.TEXT_CSS}));"
    )
    out = subprocess.run(
        [node, "--input-type=module", "-e", code], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    js = json.loads(out.stdout)
    np.testing.assert_array_equal(np.array(js["lut"]).reshape(256, 3), PALETTE)
    assert js["idx"] == [color_index(t) for t in [0, 1e-9, 0.25, 0.5, 0.999, 1, 0.3333]]
    ours = unit_colors(np.linspace(0, 1, 256))
    assert (
        ours[0][0] == "#" + bytes(PALETTE[0]).hex()
        and ours[-1][0] == "#" + bytes(PALETTE[-1]).hex()
    )
    assert [("#000" if c[1] == "#000000" else "#fff") for c in ours] == [
        js["text"][color_index(t)] for t in np.linspace(0, 1, 256)
    ]


def test_a_github_like_render_of_a_saved_notebook_shows_the_picture(tiny_bert):
    """Outputs rendered as GitHub and nbviewer do: the first of text/html, image/svg+xml,
    image/png, text/plain that the output has, HTML sanitised with an allowlist."""
    nh3 = pytest.importorskip("nh3")
    view = AFNView(TEXT, model=tiny_bert).wait(60)
    data = view._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    data = json.loads(json.dumps(data))  # as saved in the .ipynb
    kind = next(k for k in ("text/html", "image/svg+xml", "image/png", "text/plain") if k in data)
    assert kind == "image/png"
    shown = nh3.clean(f'<img src="data:image/png;base64,{data[kind]}">', url_schemes={"data"})
    assert "<img" in shown and len(base64.b64decode(data[kind])) > 1000


def test_a_results_page_is_the_views_page(tiny_bert):
    """result.to_html() builds the standalone page without a widget: the same page a view of
    the result writes, top dimensions inline."""
    r = analyze(TEXT, tiny_bert, granularity="word")
    view = AFNView.from_result(r)
    direct, via_view = r.to_html(), view.to_html()
    assert direct.startswith("<!DOCTYPE html>") and "<script" in direct
    from afn_widget.export import state_json
    from afn_widget.payload import page_state

    state = page_state(r)
    expected = view.state_dict()
    expected.update({k: state[k] for k in ("top_dims", "top_share")})
    for name, value in expected.items():
        if name not in ("dims_version",):
            assert state[name] == value, name
    assert state_json(state)[:200] and len(direct) == pytest.approx(len(via_view), rel=0.01)


def test_a_long_text_is_cut_at_the_default_with_a_note_and_progress():
    from afn_widget.figure import DEFAULT_UNITS, render
    from afn_widget.scores import result_from_scores

    n = DEFAULT_UNITS + 7
    words = [f"w{i}" for i in range(n)]
    r = result_from_scores(words, np.linspace(0, 1, n, dtype=np.float32))
    seen: list[tuple[int, int]] = []
    svg = render(r, "svg", granularity="word", progress=lambda d, t: seen.append((d, t))).decode()
    assert f"showing the first {DEFAULT_UNITS:,} of {n:,} words (max_units=None" in svg
    assert f">w{DEFAULT_UNITS - 1}<" in svg and f">w{DEFAULT_UNITS}<" not in svg
    assert seen[0] == (0, 2 * DEFAULT_UNITS) and seen[-1] == (2 * DEFAULT_UNITS,) * 2
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) > 3
    few = render(r, "svg", max_units=None, width=20000).decode()  # every unit, no note
    assert f">w{n - 1}<" in few and "showing the first" not in few
