"""`afn-widget export` of a notebook that is hostile or broken: nothing of the notebook runs or
fetches in the page, a file that is not a notebook is a typed error naming it, and one view
whose saved state cannot be read is left out with a note while the rest are exported.

The notebooks are built as Jupyter saves them, without a kernel: real views' widget state from
``ipywidgets.embed.embed_data`` in the notebook's metadata, a widget-view output for each."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from html.parser import HTMLParser

import nbformat
import pytest

from afn_widget import AFNView, analyze
from afn_widget.errors import InputFileError, OutputPathError
from afn_widget.notebook import (
    WIDGET_STATE,
    WIDGET_VIEW,
    SkippedViewWarning,
    export_notebook,
)

PWN = "window.__pwned=1"
EVIL = "http://evil.test"
HOSTILE_HTML = (
    f"<b>bold stays</b><script>{PWN}</script>"
    f"<img src='{EVIL}/x.png' onerror='{PWN}' alt='remote picture'>"
    f"<iframe src='{EVIL}/frame'></iframe><svg onload='{PWN}'></svg>"
    f"<a href='javascript:{PWN}'>a link</a><object data='{EVIL}/o'></object>"
    f"<style>@import url({EVIL}/s.css); body {{ background: url({EVIL}/b.png) }}</style>"
    f"<meta http-equiv='refresh' content='0;url={EVIL}/'><base href='{EVIL}/'>"
    f"<form action='{EVIL}/f'><input name='q'></form><link rel='stylesheet' href='{EVIL}/l.css'>"
)
HOSTILE_MARKDOWN = (
    "# Hostile notes\n\n"
    f"![a remote picture]({EVIL}/md.png) and $x^2$ as typed.\n\n"
    f"<script>{PWN}</script><img src=x onerror='{PWN}'>\n\n"
    f"<iframe src='{EVIL}/md-frame'></iframe>\n"
)
VIEW_TEXTS = ("The first view stays live.", "A second view, also exported.")


# ------------------------------------------------------------------------------------------
# notebooks as Jupyter saves them
# ------------------------------------------------------------------------------------------
def view_of(text: str, model) -> AFNView:
    return AFNView.from_result(analyze(text, model))


def saved_notebook(views: list[AFNView], extra_cells=()) -> nbformat.NotebookNode:
    """A notebook whose code cells show ``views``, their state saved in its metadata (what
    JupyterLab's "save widget state" writes), after ``extra_cells``."""
    from ipywidgets.embed import embed_data

    data = embed_data(views=views, drop_defaults=False)
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {WIDGET_STATE: json.loads(json.dumps(data["manager_state"]))}
    nb.cells = list(extra_cells)
    for i, spec in enumerate(data["view_specs"]):
        bundle = {WIDGET_VIEW: spec, "text/plain": "AFNView(...)"}
        output = nbformat.v4.new_output("display_data", data=bundle)
        nb.cells.append(nbformat.v4.new_code_cell(f"view_{i}", outputs=[output]))
    return nb


def hostile_cells() -> list:
    """A Markdown cell and a code cell whose outputs try to run script and fetch."""
    outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": HOSTILE_HTML}),
        nbformat.v4.new_output(
            "display_data", data={"application/javascript": PWN, "text/plain": "js"}
        ),
        nbformat.v4.new_output("display_data", data={"text/markdown": HOSTILE_MARKDOWN}),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": f"<svg onload='{PWN}'/>"}),
        nbformat.v4.new_output(
            "display_data", data={"text/vnd.mermaid": f"<script>{PWN}</script>"}
        ),
        # the page's own output type, forged: only the exporter may write it
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/vnd.afn-widget.page+html": f"<script>{PWN}</script>",
                "text/plain": "forged",
            },
        ),
        nbformat.v4.new_output(
            "display_data",
            data={"image/png": base64.b64encode(b"\x89PNG").decode()},
            metadata={"image/png": {"width": f"1 onerror={PWN}"}},
        ),
    ]
    return [
        nbformat.v4.new_markdown_cell(HOSTILE_MARKDOWN),
        nbformat.v4.new_code_cell("hostile()", outputs=outputs),
    ]


def model_of(nb, view_index: int) -> dict:
    """The saved widget model of the ``view_index``-th view output."""
    outputs = [o for c in nb.cells for o in c.get("outputs", []) if WIDGET_VIEW in o.data]
    model_id = outputs[view_index].data[WIDGET_VIEW]["model_id"]
    return nb.metadata["widgets"][WIDGET_STATE]["state"][model_id]


# ------------------------------------------------------------------------------------------
# an independent reading of the page
# ------------------------------------------------------------------------------------------
class Elements(HTMLParser):
    """Every start tag of a document, with its attributes, and the text of its scripts
    (``scripts``; ``runnable``: those a browser runs, not data such as JSON)."""

    def __init__(self, doc: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(doc)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data

    def all(self, name: str) -> list[dict[str, str]]:
        return [attrs for tag, attrs in self.tags if tag == name]

    @property
    def runnable(self) -> list[str]:
        kinds = [a.get("type", "").lower() for a in self.all("script")]
        runs = ("", "text/javascript", "module")
        return [s for s, k in zip(self.scripts, kinds, strict=True) if k in runs]


def policy_of(page: Elements) -> dict[str, list[str]]:
    """The page's Content-Security-Policy, by directive; it must be the first tag in <head>."""
    names = [tag for tag, _ in page.tags]
    first = page.tags[names.index("head") + 1]
    assert first[0] == "meta" and first[1].get("http-equiv") == "Content-Security-Policy"
    return {
        parts[0]: parts[1:]
        for parts in (d.split() for d in first[1]["content"].split(";"))
        if parts
    }


def sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


# ------------------------------------------------------------------------------------------
# finding 1: the notebook's HTML runs and fetches
# ------------------------------------------------------------------------------------------
def test_nothing_of_the_notebook_runs_or_fetches_in_the_page(tmp_path, tiny_bert):
    nb = saved_notebook([view_of(VIEW_TEXTS[0], tiny_bert)], hostile_cells())
    path = tmp_path / "hostile.ipynb"
    nbformat.write(nb, path)
    doc = export_notebook(path, execute=False).read_text(encoding="utf-8")
    page = Elements(doc)

    # the page's own markup: no script at all, nothing that fetches, navigates or submits
    assert page.scripts == []
    for name in ("script", "object", "embed", "link", "base", "form", "input", "svg"):
        assert page.all(name) == [], name
    assert [m for m in page.all("meta") if m.get("http-equiv", "").lower() == "refresh"] == []
    assert all(s.startswith("data:image/") for s in (i.get("src") for i in page.all("img")) if s)
    handlers = [(t, a) for t, attrs in page.tags for a in attrs if a.lower().startswith("on")]
    assert handlers == []
    assert not any("javascript:" in attrs.get("href", "") for attrs in page.all("a"))
    assert EVIL not in " ".join(a.get("src", "") for _, a in page.tags)
    assert PWN not in "".join(s.get("srcdoc", "") for s in page.all("iframe"))
    # the notebook's own <style> never arrives (it would restyle the page and ask for a URL)
    assert f"{EVIL}/s.css" not in doc and f"{EVIL}/b.png" not in doc
    # markup that is harmless stays, and a remote picture shows its alt text
    assert "<b>bold stays</b>" in doc
    assert any(i.get("alt") == "a remote picture" and "src" not in i for i in page.all("img"))
    assert "$x^2$" in doc  # math as typed: no MathJax

    # only our view is framed: sandboxed, no address of its own
    frames = page.all("iframe")
    assert len(frames) == 1 and "src" not in frames[0]
    assert frames[0]["sandbox"] == "allow-scripts"
    assert VIEW_TEXTS[0] in frames[0]["srcdoc"]

    # the policy: nothing fetched, and only the scripts of the framed view run
    policy = policy_of(page)
    assert policy["default-src"] == ["'none'"]
    assert policy["img-src"] == ["data:"] and policy["font-src"] == ["data:"]
    assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'none'"]
    view = Elements(frames[0]["srcdoc"])
    assert len(view.runnable) == 2  # the renderer and the mount call
    assert sorted(policy["script-src"]) == sorted(sha256(s) for s in view.runnable)
    assert policy_of(view) == policy  # the view's page has the same (and inherits this one)


def test_every_page_the_project_writes_has_the_policy(tmp_path, tiny_bert):
    """The view's page, a comparison, the corpus report: the policy first in <head>, no
    script but the page's own (by hash), nothing fetched."""
    import pandas as pd

    from afn_widget.compare import AFNCompare
    from afn_widget.corpus.page import report_page

    pages = {
        "view": view_of(VIEW_TEXTS[0], tiny_bert).to_html(),
        "compare": AFNCompare(VIEW_TEXTS[0], VIEW_TEXTS[1], model=tiny_bert).to_html(),
        "report": report_page("summary", "", {"k": "v"}, pd.DataFrame({"x": [1.0]})),
    }
    for name, doc in pages.items():
        page = Elements(doc)
        at = next(i for i, (t, a) in enumerate(page.tags) if a.get("http-equiv"))
        meta = page.tags[at][1]
        assert meta["http-equiv"] == "Content-Security-Policy", name
        # before anything that could load or run
        assert all(t in ("html", "head", "meta", "title") for t, _ in page.tags[:at]), name
        policy = {p[0]: p[1:] for p in (d.split() for d in meta["content"].split(";")) if p}
        assert policy["default-src"] == ["'none'"], name
        assert policy["img-src"] == ["data:"] and policy["base-uri"] == ["'none'"], name
        want = sorted(sha256(s) for s in page.runnable) or ["'none'"]
        assert sorted(policy["script-src"]) == want, name


# ------------------------------------------------------------------------------------------
# finding 2: raw tracebacks for files that are not notebooks, and for one bad widget
# ------------------------------------------------------------------------------------------
NOT_NOTEBOOKS = {
    "text.ipynb": b"just some notes\n",
    "binary.ipynb": bytes(range(256)) * 4,
    "list.ipynb": b"[1, 2, 3]",
    "object.ipynb": b'{"cells": "not a notebook"}',
    "schema.ipynb": json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": {"a": 1}}
    ).encode(),
}


@pytest.mark.parametrize("name", sorted(NOT_NOTEBOOKS))
def test_a_file_that_is_not_a_notebook_is_a_typed_error_naming_it(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(NOT_NOTEBOOKS[name])
    with pytest.raises(InputFileError) as err:
        export_notebook(path, execute=False)
    message = str(err.value)
    assert name in message and "Jupyter notebook" in message
    assert not (tmp_path / name).with_suffix(".html").exists()


def test_the_command_prints_the_typed_error(tmp_path, capsys):
    from afn_widget.cli import main

    path = tmp_path / "notes.ipynb"
    path.write_text("not json", encoding="utf-8")
    assert main(["export", "--no-execute", str(path)]) != 0
    err = capsys.readouterr().err
    assert "InputFileError" in err and "notes.ipynb" in err and "Traceback" not in err


# Each takes the saved widget models by id and breaks the one of the first view.
def _bad_base64(store, model_id):
    store[model_id]["buffers"][0]["data"] = "@@not base64@@"


def _model_is_a_list(store, model_id):
    store[model_id] = [store[model_id]]


def _state_is_a_list(store, model_id):
    store[model_id]["state"] = [store[model_id]["state"]]


def _null_buffers(store, model_id):
    store[model_id]["buffers"] = None


def _null_buffer_data(store, model_id):
    store[model_id]["buffers"][0]["data"] = None


def _missing_norms(store, model_id):
    model = store[model_id]
    model["buffers"] = [b for b in model["buffers"] if b["path"] != ["norms"]]


def _missing_text(store, model_id):
    del store[model_id]["state"]["text"]


def _wrong_type(store, model_id):
    store[model_id]["state"]["n_tokens"] = "many"


BREAKAGES = [
    _bad_base64,
    _model_is_a_list,
    _state_is_a_list,
    _null_buffers,
    _null_buffer_data,
    _missing_norms,
    _missing_text,
    _wrong_type,
]


@pytest.fixture(scope="module")
def two_views(tiny_bert):
    return saved_notebook([view_of(text, tiny_bert) for text in VIEW_TEXTS])


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda f: f.__name__.strip("_"))
def test_one_bad_view_is_left_out_with_a_note_and_the_rest_exported(tmp_path, two_views, breakage):
    nb = copy.deepcopy(two_views)
    view = next(o for c in nb.cells for o in c.outputs if WIDGET_VIEW in o.data)
    breakage(nb.metadata["widgets"][WIDGET_STATE]["state"], view.data[WIDGET_VIEW]["model_id"])
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    with pytest.warns(SkippedViewWarning, match="saved state could not be read"):
        doc = export_notebook(path, execute=False).read_text(encoding="utf-8")
    frames = Elements(doc).all("iframe")
    assert len(frames) == 1 and VIEW_TEXTS[1] in frames[0]["srcdoc"]
    assert VIEW_TEXTS[0] not in doc
    notes = re.findall(r'<p class="afn-export-note"[^>]*>([^<]*)</p>', doc)
    assert len(notes) == 1 and "saved state could not be read" in notes[0]


def test_a_view_whose_state_was_not_saved_shows_its_other_representations(tmp_path, two_views):
    nb = copy.deepcopy(two_views)
    nb.metadata.pop("widgets")
    path = tmp_path / "unsaved.ipynb"
    nbformat.write(nb, path)
    doc = export_notebook(path, execute=False).read_text(encoding="utf-8")
    assert Elements(doc).all("iframe") == [] and "afn-export-note" not in doc
    assert doc.count("AFNView(...)") == 2


@pytest.mark.parametrize("widgets", [[], {WIDGET_STATE: "?"}, {WIDGET_STATE: {"state": []}}])
def test_unreadable_widget_metadata_is_a_warning_and_the_views_show_the_rest(
    tmp_path, two_views, widgets
):
    nb = copy.deepcopy(two_views)
    nb.metadata["widgets"] = widgets
    path = tmp_path / "odd.ipynb"
    nbformat.write(nb, path)
    with pytest.warns(SkippedViewWarning, match="saved widget state could not be read"):
        doc = export_notebook(path, execute=False).read_text(encoding="utf-8")
    assert Elements(doc).all("iframe") == [] and doc.count("AFNView(...)") == 2


# ------------------------------------------------------------------------------------------
# writes
# ------------------------------------------------------------------------------------------
def test_the_output_is_checked_before_the_notebook_runs(tmp_path, monkeypatch, two_views):
    import nbclient

    ran = []
    monkeypatch.setattr(nbclient, "NotebookClient", lambda *a, **k: ran.append(1))
    path = tmp_path / "views.ipynb"
    nbformat.write(two_views, path)
    with pytest.raises(OutputPathError):
        export_notebook(path, tmp_path / "missing" / "page.html", execute=True)
    with pytest.raises(OutputPathError):
        export_notebook(path, path, execute=True)  # never over the notebook
    assert ran == []
    assert nbformat.read(path, as_version=4) == two_views
