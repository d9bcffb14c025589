"""Standalone HTML: one file with the view's script, styles and data inlined; no network.

The page runs the same bundled renderer as the notebook widget (``static/standalone.js``,
global ``AFN``), driven by an in-page model built from the widget's state. ``bytes`` values in
the state travel as ``{"$b64": "..."}`` and reach the renderer as ``DataView`` objects, as in a
live widget. A Content-Security-Policy forbids every network fetch.

:func:`content_security_policy` is the policy of every page the project writes (a view, a
comparison, an exported notebook, the corpus report): nothing fetched, no ``<base>``, no form
sent, and no script run but the page's own, by hash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import math
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AFNTypeError
from .files import check_output, write
from .payload import page_state
from .validate import check_unicode

if TYPE_CHECKING:  # pragma: no cover
    from .result import AFNResult

__all__ = [
    "content_security_policy",
    "result_html",
    "save_html",
    "standalone_html",
    "state_json",
    "view_policy",
]

_CSP = (
    "default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
)
_MOUNT = (
    "\nAFN.mount(document.getElementById('afn-root'),"
    " JSON.parse(document.getElementById('afn-state').textContent));\n"
)

# Characters that could end the <script> element or break JavaScript parsing of the JSON text.
_JSON_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
_JSON_OPTIONS: dict[str, Any] = dict(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@cache
def _static(name: str) -> str:
    return resources.files("afn_widget").joinpath("static", name).read_text(encoding="utf-8")


def content_security_policy(scripts: Iterable[str] = ()) -> str:
    """The Content-Security-Policy of a page whose only scripts are ``scripts`` (their text,
    allowed by SHA-256 hash; none: ``script-src 'none'``): ``default-src 'none'`` (nothing is
    fetched: no script, style sheet, frame, connection or worker from anywhere), inline styles,
    images and fonts only from ``data:`` URLs, no ``<base>`` and no form submission."""
    hashes = " ".join(_csp_hash(script) for script in scripts)
    return _CSP.format(scripts=hashes or "'none'")


@cache
def _page_script() -> str:
    """The page's inlined renderer, escaped so that it cannot end its script element."""
    return "\n" + _static("standalone.js").replace("</script", "<\\/script") + "\n"


@cache
def view_policy() -> str:
    """The policy of a view's page: only its renderer and its mount call run. A page that
    shows views in ``<iframe srcdoc>`` has the same, since those documents inherit it."""
    return content_security_policy((_page_script(), _MOUNT))


def _b64(value: bytes | bytearray | memoryview) -> dict[str, str]:
    return {"$b64": binascii.b2a_base64(value, newline=False).decode("ascii")}


def _default(value: Any) -> Any:
    """What ``json.dumps`` cannot write itself: bytes, numpy scalars and arrays."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _b64(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _jsonable(value: Any) -> Any:
    """bytes -> {"$b64": ...}; numpy scalars/arrays -> Python; non-finite floats -> None."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _b64(value)
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
    try:
        text = json.dumps(state, default=_default, **_JSON_OPTIONS)
    except ValueError:  # a NaN or infinity somewhere: walk the state, writing them as null
        text = json.dumps(_jsonable(state), **_JSON_OPTIONS)
    for char, escape in _JSON_ESCAPES:  # a scan each; most states hold none of them
        if char in text:
            text = text.replace(char, escape)
    return text


@cache
def _page_frame() -> tuple[str, str, str]:
    """The page around its title and its state, the same for every page: the head up to the
    title, from the title to the state (styles inlined), and after the state (the script)."""
    css = _static("widget.css")
    js = _page_script()
    head = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n'
        f'<meta http-equiv="Content-Security-Policy" content="{view_policy()}">\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        "<title>"
    )
    middle = (
        "</title>\n"
        "<style>\n"
        "html{color-scheme:light dark}"
        "body{margin:0;padding:16px;background:Canvas;color:CanvasText}"
        "@media (prefers-color-scheme:dark){body{background:#0d1117}}\n"
        f"{css}\n</style>\n</head>\n<body>\n"
        '<div id="afn-root"></div>\n'
        '<script type="application/json" id="afn-state">'
    )
    tail = f"</script>\n<script>{js}</script>\n<script>{_MOUNT}</script>\n</body>\n</html>\n"
    return head, middle, tail


def standalone_html(state: dict[str, Any], *, title: str = "AFN view") -> str:
    """A complete HTML document showing ``state`` (the widget's trait values) interactively.

    Script (``static/standalone.js``), styles (``static/widget.css``) and data are inlined; the
    page loads nothing from the network (no CDN, fonts or require.js) and its CSP forbids it.
    The page around the state is put together once per process (the bundle read, hashed for
    the CSP and escaped once); each page writes its title and its state's JSON into it.
    """
    if not isinstance(title, str):
        raise AFNTypeError(f"title must be a string, not {type(title).__name__}.")
    title = check_unicode("title", title)
    head, middle, tail = _page_frame()
    return "".join((head, html.escape(title), middle, state_json(state), tail))


def result_html(result: AFNResult, title: str = "AFN view", granularity: str | None = None) -> str:
    """A standalone page of ``result`` (:func:`standalone_html` of
    :func:`~afn_widget.payload.page_state`), without building a widget."""
    return standalone_html(page_state(result, granularity), title=title)


def save_html(path: str | Path, page: Callable[[], str]) -> Path:
    """Write the page that ``page()`` makes to ``path``: the path is checked first, before the
    page is made, and the file written whole (:mod:`afn_widget.files`)."""
    path = check_output(path, "page")
    return write(path, page())
