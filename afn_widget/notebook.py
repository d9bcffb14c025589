"""``afn-widget export NOTEBOOK.ipynb``: one self-contained HTML page of a notebook, with its
views live and nothing fetched from the network.

``jupyter nbconvert --execute --to html`` keeps the widgets' state, but the page it writes asks
for require.js and the widget manager from CDNs, so offline every view is blank. Here the
notebook is executed (or taken as saved), each view's saved state becomes its standalone page
(:func:`afn_widget.export.standalone_html`) inside a sandboxed ``<iframe srcdoc>``, the other
widget outputs fall back to their next representation, and the page nbconvert writes is kept
free of ``<script src=...>`` (its MathJax included: math in Markdown cells shows as typed).
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
VIEW_ID = "afn_widget.widget.AFNView"
_REMOTE_SCRIPT = re.compile(r"<script[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>", re.I)


def export_notebook(
    path: str | Path,
    out: str | Path | None = None,
    *,
    execute: bool = True,
    timeout: int = 600,
    kernel_name: str | None = None,
) -> Path:
    """Write ``path`` as one offline HTML page (default: beside it, ``.html``); return its path.

    ``execute``: run the notebook first (in its own folder, ``timeout`` seconds a cell), as
    ``nbconvert --execute`` does; else use the outputs and widget state saved in the file."""
    import nbformat
    from nbconvert import HTMLExporter

    from .errors import AFNInputError

    path = Path(path)
    if not path.is_file():
        raise AFNInputError(f"{path}: no such notebook.")
    nb = nbformat.read(path, as_version=4)
    if execute:
        from nbclient import NotebookClient

        client = NotebookClient(
            nb, timeout=timeout, kernel_name=kernel_name or "python3",
            resources={"metadata": {"path": str(path.parent.resolve())}},
        )  # fmt: skip
        client.execute()
    inline_views(nb)
    page, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    out = path.with_suffix(".html") if out is None else Path(out)
    out.write_text(_REMOTE_SCRIPT.sub("", page), encoding="utf-8")
    return out


def inline_views(nb: Any) -> int:
    """Replace every AFN view output by its standalone page in an iframe, drop every other
    widget view (its other representations remain), and the widget state; returns how many
    views were inlined."""
    from .export import standalone_html

    store = nb.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    n = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            view = data.pop(WIDGET_VIEW, None)
            if view is None:
                continue
            state = _view_state(store.get(view.get("model_id"), {}))
            if state is not None:
                page = html.escape(standalone_html(state), quote=True)
                data["text/html"] = (
                    '<iframe style="width:100%;height:520px;border:0;resize:vertical" '
                    f'sandbox="allow-scripts" srcdoc="{page}"></iframe>'
                )
                n += 1
    return n


def _view_state(saved: dict[str, Any]) -> dict[str, Any] | None:
    """An AFN view's trait values from a saved widget state (its binary traits decoded)."""
    state = dict(saved.get("state", {}))
    if state.get("_anywidget_id") != VIEW_ID:
        return None
    for buf in saved.get("buffers", []):
        if buf.get("encoding") == "base64" and buf.get("path"):
            state[buf["path"][0]] = base64.b64decode(buf["data"])
    from .widget import AFNView

    names = [n for g in ("control", "data", "status") for n in AFNView.traits_of(g)]
    return {n: state[n] for n in names if n in state}
