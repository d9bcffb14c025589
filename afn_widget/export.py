"""Standalone HTML: one file with the view's script, styles and data inlined; no network.

The page runs the same bundled renderer as the notebook widget (``static/standalone.js``,
global ``AFN``), driven by an in-page model built from the widget's state. ``bytes`` values in
the state travel as ``{"$b64": "..."}`` and reach the renderer as ``DataView`` objects, as in a
live widget. A Content-Security-Policy forbids every network fetch.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["standalone_html", "state_json"]

# Only the page's own two scripts may run (by hash); nothing may be fetched.
_CSP = (
    "default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
)
_MOUNT = (
    "\nAFN.mount(document.getElementById('afn-root'),"
    " JSON.parse(document.getElementById('afn-state').textContent));\n"
)

# Characters that could end the <script> element or break JavaScript parsing of the JSON text.
_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@cache
def _static(name: str) -> str:
    return resources.files("afn_widget").joinpath("static", name).read_text(encoding="utf-8")


@cache
def _page_script() -> tuple[str, str]:
    """The page's inlined renderer and the CSP sources that let it and the mount call run."""
    js = "\n" + _static("standalone.js").replace("</script", "<\\/script") + "\n"
    return js, f"{_csp_hash(js)} {_csp_hash(_MOUNT)}"


def _default(value: Any) -> Any:
    """What ``json.dumps`` cannot write itself: bytes, numpy scalars and arrays."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _jsonable(value: Any) -> Any:
    """bytes -> {"$b64": ...}; numpy scalars/arrays -> Python; non-finite floats -> None."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "tolist"):  # numpy scalar or array
        return _jsonable(value.tolist())
    return value


def state_json(state: dict[str, Any]) -> str:
    """The state as JSON safe to place inside ``<script type="application/json">``.

    ``<``, ``>``, ``&``, U+2028 and U+2029 are written as ``\\uXXXX`` escapes, so no text in the
    state (``</script>`` included) can end the script element.
    """
    options = dict(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    try:
        text = json.dumps(state, default=_default, **options)
    except ValueError:  # a NaN or infinity somewhere: walk the state, writing them as null
        text = json.dumps(_jsonable(state), **options)
    return text.translate(_JSON_ESCAPES)


def standalone_html(state: dict[str, Any], *, title: str = "AFN view") -> str:
    """A complete HTML document showing ``state`` (the widget's trait values) interactively.

    Script (``static/standalone.js``), styles (``static/widget.css``) and data are inlined; the
    page loads nothing from the network (no CDN, fonts or require.js) and its CSP forbids it.
    """
    css = _static("widget.css")
    js, hashes = _page_script()
    csp = _CSP.format(hashes=hashes)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{html.escape(title)}</title>\n"
        "<style>\n"
        "html{color-scheme:light dark}"
        "body{margin:0;padding:16px;background:Canvas;color:CanvasText}"
        "@media (prefers-color-scheme:dark){body{background:#0d1117}}\n"
        f"{css}\n</style>\n</head>\n<body>\n"
        '<div id="afn-root"></div>\n'
        f'<script type="application/json" id="afn-state">{state_json(state)}</script>\n'
        f"<script>{js}</script>\n"
        f"<script>{_MOUNT}</script>\n"
        "</body>\n</html>\n"
    )
