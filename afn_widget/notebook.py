"""``afn-widget export NOTEBOOK.ipynb``: one self-contained HTML page of a notebook, with its
views live, nothing fetched from the network and nothing run but the views.

``jupyter nbconvert --execute --to html`` keeps the widgets' state, but the page it writes asks
for require.js and the widget manager from CDNs, so offline every view is blank. Here the
notebook is read (a file that is not one is an :class:`~afn_widget.errors.InputFileError`),
executed (or taken as saved), and each view's (or comparison's) saved state becomes its standalone
page (:func:`afn_widget.export.standalone_html`) inside a sandboxed ``<iframe srcdoc>`` sized to
its content (:func:`frame_height`); a view whose
saved state cannot be read is left out with a note in its place and a
:class:`SkippedViewWarning`, the other widget outputs fall back to their next representation.

A view computes off the kernel's main thread, so when the notebook's last cell has run its
views may still be computing. After the notebook's cells, one more cell runs in the same kernel
(not kept in the page): it waits up to ``wait`` seconds for every view still computing and has
each view send its state again, so the state saved is the finished one; a view still computing
after that is exported with a note saying so.

A notebook is input like any other, so the page trusts nothing in it:

- nbconvert's ``lab`` template renders it with ``sanitize_html``, its cleaner replaced by
  :func:`clean_html` (``nh3``): the HTML of Markdown cells and outputs keeps its markup but no
  script, event handler, frame, form or style sheet, and images only from ``data:`` URLs (a
  remote or local image shows its alt text); JavaScript outputs are left out;
- the template's own scripts (require.js, MathJax, mermaid.js, the widget manager: all
  fetched from CDNs) are left out, so math in Markdown cells shows as typed;
- the page's Content-Security-Policy (:func:`afn_widget.export.view_policy`, the views' own)
  lets nothing be fetched and no script run but the views' renderer, which the iframes'
  ``srcdoc`` documents inherit with the policy.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import AFNTypeError, InputFileError, OutputPathError
from .files import check_output, write

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
VIEW_ID = "afn_widget.widget.AFNView"
COMPARE_ID = "afn_widget.compare.AFNCompare"
# Our own HTML for an output (a view's iframe, or the note in its place), rendered as it is.
# Only inline_views writes it: any the notebook brings is removed first.
PAGE_MIME = "application/vnd.afn-widget.page+html"
NOTEBOOK = "a Jupyter notebook (.ipynb: the JSON file Jupyter saves)"
# The traits a view cannot be drawn without; the renderer checks the rest against each other.
REQUIRED_TRAITS = ("text", "tokens", "n_layers", "n_tokens", "norms")
REQUIRED_COMPARE = ("pane_a", "pane_b")

# lab's page with the policy first in <head>, without the template's scripts (all fetched from
# CDNs), with the page's own output type (first of all when there, so the one data_other
# meets), and with mermaid sources shown as escaped text.
TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head -%}
<meta http-equiv="Content-Security-Policy" content="{{ resources.afn_policy | escape_html }}">
{{ super() }}
{%- endblock html_head -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block data_widget_view scoped -%}{%- endblock data_widget_view -%}
{%- block data_mermaid scoped -%}
<div class="jp-RenderedText jp-OutputArea-output" data-mime-type="text/vnd.mermaid">
<pre>{{ output.data['text/vnd.mermaid'] | escape_html }}</pre>
</div>
{%- endblock data_mermaid -%}
{%- block data_other -%}
{%- if resources.afn_page_mime in output.data -%}
<div class="jp-OutputArea-output">{{ output.data[resources.afn_page_mime] }}</div>
{%- endif -%}
{%- endblock data_other -%}
"""


class SkippedViewWarning(UserWarning):
    """A view in the notebook could not be exported; a note stands in its place."""


class _UnreadableView(ValueError):
    """A view's saved state is not what an AFN view saves (the message says what is wrong)."""


# ------------------------------------------------------------------------------------------
# the page
# ------------------------------------------------------------------------------------------
def export_notebook(
    path: str | Path,
    out: str | Path | None = None,
    *,
    execute: bool = True,
    timeout: int = 600,
    kernel_name: str | None = None,
    wait: float = 120,
    say: Callable[[str], Any] | None = None,
) -> Path:
    """Write ``path`` as one offline HTML page (default: beside it, ``.html``); return its path.

    ``execute``: run the notebook first (in its own folder, ``timeout`` seconds a cell), as
    ``nbconvert --execute`` does, then wait up to ``wait`` seconds in all for the views still
    computing (:func:`_wait_for_views`; ``say`` gets a line about them); else use the outputs
    and widget state saved in the file. The notebook is read and the output place checked
    before anything runs, and the page is written whole or not at all (:mod:`afn_widget.files`)."""
    path = Path(path)
    nb = read_notebook(path)
    out = check_output(path.with_suffix(".html") if out is None else out, "exported page")
    if out.resolve() == path.resolve():
        raise OutputPathError(f"{str(out)!r} is the notebook itself; write the page elsewhere.")
    if not _is_number(wait) or not 0 <= wait < float("inf"):
        raise AFNTypeError(f"wait must be a number of seconds, 0 or more; got {wait!r}.")
    waited = None
    if execute:
        from nbclient import NotebookClient

        client = NotebookClient(
            nb, timeout=timeout, kernel_name=kernel_name or "python3",
            resources={"metadata": {"path": str(path.parent.resolve())}},
        )  # fmt: skip
        with client.setup_kernel():
            info = client.wait_for_reply(client.kc.kernel_info())
            if info is not None and "language_info" in info["content"]:
                nb.metadata["language_info"] = info["content"]["language_info"]
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            waited = _wait_for_views(client, wait, say or (lambda _line: None))
            client.set_widgets_metadata()
    return write(out, notebook_page(nb, title=path.stem, waited=waited))


# Run in the notebook's kernel after its cells: the views still computing, then (after the
# count is said) each waited for, all sending their state again. Each prints one JSON line.
# The live views are found in ipywidgets' registry of instances (``_instances`` in ipywidgets
# 8, ``Widget.widgets`` before); a kernel that never imported a view has none (nothing is
# imported here). A comparison computes as it is made, so it is never still computing.
_COUNT_CELL = """\
def _afn_busy():
    import sys
    widget = sys.modules.get("ipywidgets.widgets.widget")
    module = sys.modules.get("afn_widget.widget")
    if widget is None or module is None:
        return [], []
    found = getattr(widget, "_instances", None) or getattr(widget.Widget, "widgets", {})
    views = [v for v in list(found.values()) if isinstance(v, module.AFNView)]
    return views, [v for v in views if v.status == "computing"]
print(__import__("json").dumps(len(_afn_busy()[1])))
"""
_WAIT_CELL = """\
def _afn_wait(seconds):
    import json, time
    views, busy = _afn_busy()
    end = time.monotonic() + seconds
    for view in busy:
        try:
            view.wait(max(0.0, end - time.monotonic()))
        except TimeoutError:
            pass
    for view in views:
        view.send_state()
    print(json.dumps(sum(view.status == "computing" for view in views)))
_afn_wait({seconds!r})
del _afn_busy, _afn_wait
"""


def _wait_for_views(client: Any, wait: float, say: Callable[[str], Any]) -> float | None:
    """Wait (in the kernel ``client`` runs) up to ``wait`` seconds for the views still
    computing after the notebook's cells, through two cells run and then removed; the state
    they send meanwhile is what ``client`` saves. The seconds waited when some were computing,
    else None."""
    busy = _run_extra(client, _COUNT_CELL)
    if busy:
        s = "s" if busy != 1 else ""
        say(f"waiting for {busy} view{s} still computing (up to {wait:g} s)…")
        client.timeout = max(client.timeout or 0, int(wait) + 60)
    left = _run_extra(client, _WAIT_CELL.format(seconds=float(wait) if busy else 0.0))
    if left:
        say(f"{left} view(s) still computing after {wait:g} s: exported with a note")
    return float(wait) if busy else None


def _run_extra(client: Any, source: str) -> int:
    """Run ``source`` as a last cell of ``client``'s notebook, removed after; the number it
    printed (0 when it printed none)."""
    import nbformat

    nb = client.nb
    nb.cells.append(nbformat.v4.new_code_cell(source))
    try:
        cell = client.execute_cell(nb.cells[-1], len(nb.cells) - 1, store_history=False)
    finally:
        nb.cells.pop()
    text = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
    try:
        return int(json.loads(text.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        return 0


def read_notebook(path: str | Path) -> Any:
    """The notebook at ``path`` (as nbformat 4), or :class:`~afn_widget.errors.InputFileError`
    naming the file and what it is instead: missing, not UTF-8 text, not JSON, JSON without a
    ``nbformat`` version, or a notebook that does not follow the nbformat schema."""
    import nbformat

    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{str(path)!r}: no such file; give the path of {NOTEBOOK}.")

    def not_a_notebook(why: str) -> InputFileError:
        return InputFileError(f"{str(path)!r} is not a notebook: {why}; give {NOTEBOOK}.")

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise not_a_notebook("it is not UTF-8 text (a binary file?)") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise not_a_notebook(f"it is not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        raise not_a_notebook("it is JSON without a notebook's nbformat version at its top")
    try:
        nb = nbformat.convert(nbformat.reader.reads(text), 4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - whatever nbformat finds wrong, the file is to blame
        raise not_a_notebook(f"it breaks the notebook format at {_first_line(exc)}") from None
    return nb


def _first_line(exc: BaseException) -> str:
    """A validation error's message and where it applies, on one line."""
    where = "/".join(map(str, getattr(exc, "absolute_path", ()) or ()))
    message = (str(getattr(exc, "message", "") or exc).strip().splitlines() or ["?"])[0]
    return f"{where}: {message}" if where else message


def notebook_page(nb: Any, title: str = "Notebook", waited: float | None = None) -> str:
    """The page of an (executed or saved) notebook: its views inlined (:func:`inline_views`;
    ``waited``: the seconds waited for views still computing), the rest rendered by
    nbconvert's ``lab`` template with the safeguards of this module."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    from .export import view_policy

    inline_views(nb, waited)
    _plain_fields(nb)
    priority = [PAGE_MIME, *HTMLExporter().default_config.NbConvertBase.display_data_priority]
    exporter = HTMLExporter(
        config=Config({"NbConvertBase": {"display_data_priority": priority}}),
        template_name="lab", raw_template=TEMPLATE, sanitize_html=True,
        filters={"clean_html": clean_html},
    )  # fmt: skip
    resources = {
        "metadata": {"name": title},
        "afn_policy": view_policy(),
        "afn_page_mime": PAGE_MIME,
    }
    page, _ = exporter.from_notebook_node(nb, resources=resources)
    return page


def _plain_fields(nb: Any) -> None:
    """Make the few fields the template writes without escaping harmless: a cell's
    ``execution_count`` an integer or None, an image's width and height numbers, and no
    ``filenames`` (the images are in the notebook, not beside the page)."""
    for cell in nb.cells:
        if "execution_count" in cell and not _is_int(cell.execution_count):
            cell.execution_count = None
        for output in cell.get("outputs", []):
            for meta in (output.get("metadata", {}), *output.get("metadata", {}).values()):
                if not isinstance(meta, dict):
                    continue
                meta.pop("filenames", None)
                for key in ("width", "height"):
                    if key in meta and not _is_number(meta[key]):
                        del meta[key]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# ------------------------------------------------------------------------------------------
# the notebook's own HTML
# ------------------------------------------------------------------------------------------
_ON_EVERY_TAG = {"class", "id", "title", "lang", "dir", "style", "align"}
# Addresses a link may keep (relative ones stay too); data: only for images (_attribute).
_URL_SCHEMES = {"http", "https", "mailto", "data"}


def clean_html(element: str | bytes) -> str:
    """``element`` (HTML from the notebook) with its markup kept and nothing that can run or
    fetch: ``nh3`` keeps its default tags (no ``script``, ``iframe``, ``object``, ``form``,
    ``style``, ``svg``, ``meta``, ``base`` or ``link``) and no event handler; a link keeps its
    address (followed only when clicked) unless it is a ``data:`` URL; an image keeps a
    ``data:image/...`` source and loses any other (it shows its alt text). Styles in
    ``style`` attributes stay: the page's policy lets them fetch nothing."""
    import nh3

    text = element.decode("utf-8") if isinstance(element, bytes) else str(element)
    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = _ON_EVERY_TAG
    return nh3.clean(
        text,
        tags=set(nh3.ALLOWED_TAGS),
        attributes=attributes,
        attribute_filter=_attribute,
        url_schemes=_URL_SCHEMES,
    )


def _attribute(tag: str, name: str, value: str) -> str | None:
    """An attribute ``nh3`` allows, kept or (None) dropped: an image's source only as a
    ``data:image/`` URL, and a ``data:`` URL nowhere else."""
    url = value.strip().lower()
    if tag == "img" and name == "src":
        return value if url.startswith("data:image/") else None
    return None if name in ("href", "cite") and url.startswith("data:") else value


# ------------------------------------------------------------------------------------------
# the views
# ------------------------------------------------------------------------------------------
def inline_views(nb: Any, waited: float | None = None) -> int:
    """Replace every AFN view or comparison output by its standalone page in an iframe
    (:func:`_frame`), and every one whose saved state cannot be read by a note (with a
    :class:`SkippedViewWarning`); drop every other widget view (its other representations
    remain) and the widget state. A view saved while still computing gets a note above it
    (``waited``: the seconds waited for it). Returns how many were inlined."""
    store = _saved_states(nb.metadata.pop("widgets", None))
    n = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not isinstance(data, dict):
                continue
            data.pop(PAGE_MIME, None)  # only this function writes it
            if WIDGET_VIEW not in data:
                continue
            try:
                state = _view_state(store, data.pop(WIDGET_VIEW))
            except _UnreadableView as exc:
                warnings.warn(
                    f"a view was left out of the page: its saved state could not be read ({exc})",
                    SkippedViewWarning,
                    stacklevel=2,
                )
                data[PAGE_MIME] = _note(f"This view's saved state could not be read: {exc}.")
                continue
            if state is not None:
                data[PAGE_MIME] = _computing_note(state, waited) + _frame(state)
                n += 1
    return n


def _frame(state: dict[str, Any]) -> str:
    """The view's standalone page in a sandboxed iframe (scripts, no origin of its own), as
    tall as :func:`frame_height` and resizable by its corner."""
    from .export import standalone_html

    page = html.escape(standalone_html(state), quote=True)
    return (
        f'<iframe style="width:100%;height:{frame_height(state)}px;border:0;resize:vertical" '
        f'sandbox="allow-scripts" srcdoc="{page}"></iframe>'
    )


def _computing_note(state: dict[str, Any], waited: float | None) -> str:
    """A note for a view saved while still computing ("" for any other)."""
    if state.get("status") != "computing":
        return ""
    when = f" ({waited:g} s)" if waited is not None else ""
    return _note(
        f"This view was still computing when the page was made{when}; run view.wait() in a "
        "later cell or raise --wait."
    )


# What a view shows, in pixels (widget.css): the page's padding, the header, controls and
# legend above the text, the text's lines (15 px type, line-height 2, at most 30em = 450 px,
# then it scrolls), and below it the heatmap (6 px a layer, 48 to 160 px) beside the ranking
# (a title and up to 10 rows), which wrap under each other on a narrow page; a second score
# shown beside the first (``compare_score``) adds its panel.
_PAGE_PAD, _ABOVE, _LINE_PX, _TEXT_MAX = 32, 190, 30, 450
_CHARS_PER_LINE, _RANK_ROWS, _RANK_ROW_PX, _PANEL_HEAD = 90, 10, 24, 40
_BESIDE = 260
_FRAME_MIN, _FRAME_MAX = 240, 2000


def frame_height(state: dict[str, Any]) -> int:
    """The height in pixels of a frame that shows a view's (or a comparison's) state whole:
    the page's padding, the parts above the text, the text's lines (its characters at
    ``_CHARS_PER_LINE`` a line, each newline a line more; at most ``_TEXT_MAX`` px, then the
    text scrolls) and, below, the heatmap and the ranking (and a second score's panel); a
    comparison, its two panes one over the other. An estimate, kept within [240, 2000] px:
    the frame's corner resizes it."""
    if isinstance(state.get("pane_a"), dict) and isinstance(state.get("pane_b"), dict):
        panes = (_pane_height(state["pane_a"]), _pane_height(state["pane_b"]))
        height = _PAGE_PAD + _ABOVE + sum(panes)
    else:
        height = _PAGE_PAD + _ABOVE + _pane_height(state)
    return max(_FRAME_MIN, min(_FRAME_MAX, height))


def _pane_height(state: dict[str, Any]) -> int:
    """The text and the panels under it, of one view's state."""
    text = state.get("text") if isinstance(state.get("text"), str) else ""
    lines = sum(-(-len(line) // _CHARS_PER_LINE) or 1 for line in text.split("\n"))
    n_layers = state.get("n_layers") if _is_int(state.get("n_layers")) else 0
    n_units = state.get("n_tokens") if _is_int(state.get("n_tokens")) else _RANK_ROWS
    heatmap = _PANEL_HEAD + max(48, min((n_layers + 1) * 6, 160))
    ranking = _PANEL_HEAD + _RANK_ROW_PX * max(1, min(_RANK_ROWS, n_units))
    beside = _BESIDE if state.get("compare_score") else 0
    return min(_TEXT_MAX, _LINE_PX * lines) + max(heatmap, ranking) + beside


def _note(text: str) -> str:
    return (
        '<p class="afn-export-note" role="note" style="border-left:3px solid #d29922;'
        f'padding:4px 8px">{html.escape(text)}</p>'
    )


def _saved_states(widgets: Any) -> dict[str, Any]:
    """The saved widget models by id: the notebook's ``widgets`` metadata (``{WIDGET_STATE:
    {"state": {id: model}}}``); empty, with a warning, when it has another shape."""
    if widgets is None:
        return {}
    found = widgets.get(WIDGET_STATE) if isinstance(widgets, dict) else None
    store = found.get("state") if isinstance(found, dict) else None
    if not isinstance(store, dict):
        warnings.warn(
            "the notebook's saved widget state could not be read (metadata.widgets is not "
            f"{{{WIDGET_STATE!r}: {{'state': {{...}}}}}}); its views show their pictures",
            SkippedViewWarning,
            stacklevel=3,
        )
        return {}
    return store


def _view_state(store: dict[str, Any], view: Any) -> dict[str, Any] | None:
    """An AFN view's trait values from its saved widget model (binary traits decoded); None
    for another widget or one whose state was not saved; :class:`_UnreadableView` when the
    saved model is not what an AFN view saves."""
    if not isinstance(view, dict) or not isinstance(view.get("model_id"), str):
        raise _UnreadableView("the output names no widget model_id")
    saved = store.get(view["model_id"])
    if saved is None:
        return None
    if not isinstance(saved, dict):
        raise _UnreadableView(f"the saved model is {_kind(saved)}, not an object")
    if not isinstance(saved.get("state"), dict):
        raise _UnreadableView(f"its state is {_kind(saved.get('state'))}, not an object")
    state = dict(saved["state"])
    kind = state.get("_anywidget_id")
    if kind not in (VIEW_ID, COMPARE_ID):
        return None
    for where, value in _buffers(saved.get("buffers", [])):
        _put(state, where, value)
    return _traits(state) if kind == VIEW_ID else _compare_traits(state)


def _buffers(buffers: Any) -> list[tuple[list[str | int], bytes]]:
    """The binary values of a saved model, each with its path in the state: ``[{"path":
    [name, ...], "encoding": "base64", "data": "..."}]`` decoded (a comparison's panes hold
    theirs a level down: ``["pane_a", "norms"]``)."""
    if not isinstance(buffers, list):
        raise _UnreadableView(f"its buffers are {_kind(buffers)}, not a list")
    out = []
    for buf in buffers:
        path = buf.get("path") if isinstance(buf, dict) else None
        if not (
            isinstance(path, list) and path and isinstance(path[0], str)
            and all(isinstance(p, (str, int)) and not isinstance(p, bool) for p in path)
        ):  # fmt: skip
            raise _UnreadableView("a buffer has no [name, ...] path")
        if buf.get("encoding") != "base64" or not isinstance(buf.get("data"), str):
            raise _UnreadableView(f"buffer {path[0]!r} is not base64 text")
        try:
            out.append((path, base64.b64decode(buf["data"], validate=True)))
        except binascii.Error:
            raise _UnreadableView(f"buffer {path[0]!r} is not valid base64") from None
    return out


def _put(state: dict[str, Any], path: list[str | int], value: bytes) -> None:
    """Set ``value`` at ``path`` in ``state`` (a name, or names and list indices down into
    its objects and lists), or :class:`_UnreadableView` when the path leads nowhere."""
    where: Any = state
    for step in path[:-1]:
        ok = isinstance(where, dict) and isinstance(step, str) and step in where
        ok = ok or (isinstance(where, list) and isinstance(step, int) and 0 <= step < len(where))
        if not ok:
            raise _UnreadableView(f"buffer {'/'.join(map(str, path))!r} leads nowhere")
        where = where[step]
    last = path[-1]
    if isinstance(where, dict) and isinstance(last, str):
        where[last] = value
    elif isinstance(where, list) and isinstance(last, int) and 0 <= last < len(where):
        where[last] = value
    else:
        raise _UnreadableView(f"buffer {'/'.join(map(str, path))!r} leads nowhere")


def _compare_traits(state: dict[str, Any]) -> dict[str, Any]:
    """A comparison's synced traits (:data:`afn_widget.compare.STATE`) from ``state``, each
    of its trait's type; the panes present (the renderer checks what they hold)."""
    from .compare import STATE, AFNCompare

    missing = [name for name in REQUIRED_COMPARE if name not in state]
    if missing:
        raise _UnreadableView(f"it lacks {', '.join(missing)}")
    return _typed(state, AFNCompare.class_traits(), STATE)


def _traits(state: dict[str, Any]) -> dict[str, Any]:
    """The view's synced traits from ``state``, each of its trait's type; the
    ``REQUIRED_TRAITS`` present."""
    from .widget import AFNView

    missing = [name for name in REQUIRED_TRAITS if name not in state]
    if missing:
        raise _UnreadableView(f"it lacks {', '.join(missing)}")
    names = [n for g in ("control", "data", "status") for n in AFNView.traits_of(g)]
    return _typed(state, AFNView.class_traits(), names)


def _typed(state: dict[str, Any], traits: dict[str, Any], names: Any) -> dict[str, Any]:
    """The values in ``state`` of the traits ``names``, each checked against its trait's
    type."""
    out = {}
    for name in (n for n in names if n in state):
        types, noun = _saved_types(traits[name])
        value = state[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise _UnreadableView(f"{name} is {_kind(value)}, not {noun}")
        out[name] = value
    return out


def _kind(value: Any) -> str:
    """What a JSON value is, in words."""
    for types, words in (
        (type(None), "null"), (bool, "a boolean"), ((int, float), "a number"),
        (str, "a string"), (list, "a list"), (dict, "an object"), (bytes, "bytes"),
    ):  # fmt: skip
        if isinstance(value, types):
            return words
    return type(value).__name__


def _saved_types(trait: Any) -> tuple[tuple[type, ...], str]:
    """The Python types a trait's saved value may have (JSON's, bytes from a buffer), named."""
    import traitlets as t

    for kind, types, noun in (
        (t.Bytes, (bytes,), "bytes (a buffer)"),
        (t.Bool, (bool,), "a boolean"),
        (t.Int, (int,), "an integer"),
        (t.Float, (int, float), "a number"),
        (t.Unicode, (str,), "a string"),
        (t.List, (list,), "a list"),
        (t.Dict, (dict,), "an object"),
    ):
        if isinstance(trait, kind):
            return types, noun
    return (object,), "anything"
