"""Fixtures for the frontend's browser tests: Debian's Chromium driven by Playwright.

Every file the page asks for is served by ``page.route`` from the repository (no server); any
other request is aborted and recorded, so tests can assert that nothing else was fetched.

Fixtures:

``afn_browser``  (module) a Chromium browser; skipped when Chromium or playwright is missing,
                 a failure instead when ``CI=true``.
``host``         a fresh page with ``tests/browser/host.html`` loaded (a minimal anywidget host
                 over the committed ``afn_widget/static/widget.js``); see :class:`Host`.
``open_html``    ``(html: str) -> Page``: a fresh page showing a standalone HTML document.
``synth``        ``(text=..., n_layers=4, seed=0, **traits) -> dict``: a synthetic widget state
                 built by hand (numbers from a seeded RNG, bytes for binary traits), its
                 spans, roles and words as lists the tests read; :func:`wire` (which the host
                 page's ``mount`` and ``python_set`` apply) makes them the binary columns
                 Python sends.
``ref``          numpy reference for what the page must show (:class:`Reference`).
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "afn_widget" / "static"
HOST_HTML = Path(__file__).with_name("host.html")
ORIGIN = "http://afn.test"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

DEFAULT_TEXT = (
    "The quick brown fox \u2014 unbelievably fast \u2014 jumps over the lazy dog.\n"
    "It's 2024; caf\u00e9 na\u00efve \U0001f44b\U0001f3fd ok?\n\n"
    "  Indented line with  double  spaces, and tokenization."
)
FUNCTION_WORDS = {"the", "a", "an", "and", "over", "with", "it", "s", "of", "to", "in"}


# ------------------------------------------------------------------------------------------
# browser
# ------------------------------------------------------------------------------------------
def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def afn_browser():
    # Module scope: a sync Playwright left running would break other modules' own
    # sync_playwright() (e.g. test_jupyterlab.py), which refuses to start inside its loop.
    missing = _browser_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run under CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


class PageLog:
    """Console errors, page errors and every request a page made."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("request", lambda r: self.requests.append(r.url))

    def foreign_requests(self, allowed: set[str]) -> list[str]:
        return [
            u
            for u in self.requests
            if u not in allowed and not u.startswith(("data:", "about:", "blob:"))
        ]


def _serve(route) -> None:
    url = route.request.url
    files = {
        f"{ORIGIN}/host.html": (HOST_HTML, "text/html"),
        f"{ORIGIN}/static/widget.js": (STATIC / "widget.js", "text/javascript"),
        f"{ORIGIN}/static/widget.css": (STATIC / "widget.css", "text/css"),
    }
    if url in files:
        path, ctype = files[url]
        route.fulfill(status=200, body=path.read_bytes(), headers={"content-type": ctype})
    else:
        route.abort()


def wire(state: dict[str, Any]) -> dict[str, Any]:
    """A state written as the tests read it (``offsets`` as pairs, ``roles`` by name,
    ``word_of`` and ``words`` as lists) as Python sends it: the binary columns of
    :func:`afn_widget.payload.payload` and the ``text_check`` of its text. Others as they are."""
    if not isinstance(state.get("words"), list):
        return state
    from afn_widget.payload import role_bytes, text_check

    def spans(pairs: list[Any]) -> bytes:
        rows = [(-1, -1) if p is None else tuple(p) for p in pairs]
        return np.asarray(rows, dtype="<i4").reshape(-1, 2).tobytes()

    words = state["words"]
    out = {k: v for k, v in state.items() if k != "words"}
    out.update(
        offsets=spans(state["offsets"]),
        roles=role_bytes(state["roles"]),
        word_of=np.asarray(state["word_of"], dtype="<i4").tobytes(),
        word_spans=spans([None if w["start"] is None else (w["start"], w["end"]) for w in words]),
        word_roles=role_bytes([w["role"] for w in words]),
        n_words=len(words),
        text_check=text_check(state["text"]),
    )
    return out


def to_js(state: dict[str, Any]) -> dict[str, Any]:
    """The state as Python sends it (:func:`wire`), bytes -> {"$b64": ...} for the host page
    (which turns them into DataViews); a dict of traits (AFNCompare's panes) -> {"$dict": ...},
    its bytes likewise."""
    state = wire(state)
    return {
        k: {"$b64": base64.b64encode(bytes(v)).decode("ascii")}
        if isinstance(v, (bytes, bytearray))
        else {"$dict": to_js(v)}
        if isinstance(v, dict) and k.startswith("pane_")
        else v
        for k, v in state.items()
    }


class Host:
    """A page running host.html. ``mount(state)`` renders a view and returns its id."""

    ALLOWED = {f"{ORIGIN}/host.html", f"{ORIGIN}/static/widget.js", f"{ORIGIN}/static/widget.css"}

    def __init__(self, page) -> None:
        self.page = page
        self.log = PageLog(page)
        page.route("**/*", _serve)
        page.goto(f"{ORIGIN}/host.html")
        page.wait_for_function("window.__afnReady === true")

    def mount(self, state: dict[str, Any], pad: int = 3) -> int:
        out = self.page.evaluate("([s, pad]) => window.__afn.mount(s, pad)", [to_js(state), pad])
        self.last_mount_ms = out["ms"]
        return out["id"]

    def python_set(self, vid: int, **changes: Any) -> None:
        self.page.evaluate("([id, c]) => window.__afn.pythonSet(id, c)", [vid, to_js(changes)])

    def reply(self, vid: int, content: dict[str, Any]) -> None:
        """A custom message from "Python" to view ``vid`` (its model's msg:custom listeners)."""
        self.page.evaluate("([id, c]) => window.__afn.reply(id, c)", [vid, content])

    def root(self, vid: int = 0) -> str:
        return f".host-view:nth-child({vid + 1}) .afn-root"

    def saved(self) -> list[dict[str, Any]]:
        return self.page.evaluate("window.__afn.saved")


@pytest.fixture
def host(afn_browser):
    ctx = afn_browser.new_context(viewport={"width": 1100, "height": 900})
    page = ctx.new_page()
    h = Host(page)
    yield h
    ctx.close()


@pytest.fixture
def open_html(afn_browser):
    contexts = []

    def _open(doc: str, color_scheme: str = "light"):
        ctx = afn_browser.new_context(
            viewport={"width": 1100, "height": 900}, color_scheme=color_scheme
        )
        contexts.append(ctx)
        page = ctx.new_page()
        page.afn_log = PageLog(page)

        def serve(route):
            if route.request.url == f"{ORIGIN}/view.html":
                route.fulfill(
                    status=200, body=doc.encode("utf-8"), headers={"content-type": "text/html"}
                )
            else:
                route.abort()

        page.route("**/*", serve)
        page.goto(f"{ORIGIN}/view.html")
        return page

    yield _open
    for ctx in contexts:
        ctx.close()


# ------------------------------------------------------------------------------------------
# synthetic states
# ------------------------------------------------------------------------------------------
def utf16_positions(text: str) -> list[int]:
    pos = [0]
    for ch in text:
        pos.append(pos[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return pos


def _role(word: str) -> str:
    if not any(c.isalnum() for c in word):
        return "punctuation"
    return "function" if word.lower() in FUNCTION_WORDS else "content"


def make_state(
    text: str = DEFAULT_TEXT,
    n_layers: int = 4,
    seed: int = 0,
    top_k: int = 3,
    piece_len: int = 5,
    **traits: Any,
) -> dict[str, Any]:
    """A widget state for ``text``: words by regex, words longer than 6 characters cut into
    ``piece_len``-character pieces (shown as ``##piece`` tokens), [CLS]/[SEP] around, norms from a
    seeded gamma distribution (specials much larger, so including them changes everything)."""
    pos = utf16_positions(text)
    tokens, offsets, roles, word_of, words = ["[CLS]"], [None], ["special"], [0], []
    words.append({"text": "[CLS]", "start": None, "end": None, "role": "special"})
    for m in re.finditer(r"\w+|[^\w\s]", text):
        w = len(words)
        role = _role(m.group())
        words.append(
            {
                "text": text[m.start() : m.end()],
                "start": pos[m.start()],
                "end": pos[m.end()],
                "role": role,
            }
        )
        s, e = m.start(), m.end()
        cuts = [s] if e - s <= 6 else list(range(s, e, piece_len))
        for j, c in enumerate(cuts):
            ce = cuts[j + 1] if j + 1 < len(cuts) else e
            tokens.append(("##" if j else "") + text[c:ce].lower())
            offsets.append([pos[c], pos[ce]])
            roles.append(role)
            word_of.append(w)
    tokens.append("[SEP]")
    offsets.append(None)
    roles.append("special")
    word_of.append(len(words))
    words.append({"text": "[SEP]", "start": None, "end": None, "role": "special"})

    n = len(tokens)
    rng = np.random.default_rng(seed)
    norms = rng.gamma(2.0, 2.0, size=(n_layers + 1, n)) * np.linspace(1, 3, n_layers + 1)[:, None]
    norms[:, 0] = 60.0 + rng.random(n_layers + 1)
    norms[:, -1] = 55.0 + rng.random(n_layers + 1)
    norms = norms.astype("<f4")
    top_dims = rng.integers(0, 384, size=(n_layers + 1, n, top_k)).astype("<u2")
    share = np.sort(rng.integers(1, 40, size=(n_layers + 1, n, top_k)), axis=-1)[..., ::-1]
    state: dict[str, Any] = {
        "text": text,
        "tokens": tokens,
        "offsets": offsets,
        "roles": roles,
        "word_of": word_of,
        "words": words,
        "n_layers": n_layers,
        "n_tokens": n,
        "norms": norms.tobytes(),
        "top_k": top_k,
        "top_dims": top_dims.tobytes(),
        "top_share": share.astype("<u1").tobytes(),
        "word_agg": "mean",
        "model_name": "synthetic/tiny",
        "note": "",
        "normalize": "raw",
        "status": "ready",
        "progress": 1.0,
        "error": "",
        "layer": n_layers // 2,
        "quantile": 0.75,
        "granularity": "token",
        "show_special": False,
        "include_special": False,
    }
    state.update(traits)
    return state


@pytest.fixture
def synth():
    return make_state


# ------------------------------------------------------------------------------------------
# numpy reference (independent of the JavaScript)
# ------------------------------------------------------------------------------------------
class Reference:
    @staticmethod
    def norms(state: dict[str, Any]) -> np.ndarray:
        """The values of the state's score (``score``; the norms for TAS), [L + 1, n]."""
        n, rows = state["n_tokens"], state["n_layers"] + 1
        score, names = state.get("score", "tas"), state.get("score_names") or ["tas"]
        if score != "tas" and score in names:
            stacked = np.frombuffer(state["score_values"], dtype="<f4").reshape(-1, rows, n)
            return stacked[names.index(score) - 1]
        return np.frombuffer(state["norms"], dtype="<f4").reshape(rows, n)

    def values(
        self, state: dict[str, Any], layer: int, granularity: str | None = None
    ) -> np.ndarray:
        """Unit values at ``layer``: token norms, or word mean/max (mean stored as float32)."""
        gran = granularity or state["granularity"]
        row = self.norms(state)[layer].astype(np.float64)
        if gran == "token":
            return row
        word_of = np.asarray(state["word_of"])
        out = np.empty(len(state["words"]))
        for w in range(len(state["words"])):
            v = row[word_of == w]
            if state["word_agg"] == "max":
                out[w] = v.max()
            else:
                out[w] = float(np.float32(v.sum() / v.size))
        return out

    @staticmethod
    def special(state: dict[str, Any], granularity: str | None = None) -> np.ndarray:
        gran = granularity or state["granularity"]
        roles = state["roles"] if gran == "token" else [w["role"] for w in state["words"]]
        return np.array([r == "special" for r in roles], dtype=bool)

    def eligible(self, state: dict[str, Any], granularity: str | None = None) -> np.ndarray:
        special = self.special(state, granularity)
        return np.ones_like(special) if state["include_special"] else ~special

    def split(
        self, state: dict[str, Any], layer: int | None = None, granularity: str | None = None
    ):
        """(values, eligible, threshold, high, ranks) as the page must show them."""
        L = state["layer"] if layer is None else layer
        v = self.values(state, L, granularity)
        el = self.eligible(state, granularity) & ~np.isnan(v)  # undefined there: unranked
        if el.any():
            thr = float(np.quantile(v[el], state["quantile"]))
            high = el & (v >= thr)
        else:
            thr, high = float("nan"), np.zeros(len(v), bool)
        idx = np.flatnonzero(el)
        ranks = np.zeros(len(v), dtype=int)
        ranks[idx[np.argsort(-v[idx], kind="stable")]] = np.arange(1, idx.size + 1)
        return v, el, thr, high, ranks

    @staticmethod
    def viridis_rgb(values: np.ndarray, eligible: np.ndarray) -> list[tuple[int, int, int]]:
        """matplotlib's viridis for each value on the eligible min..max (8-bit, rounded)."""
        import matplotlib

        lo, hi = values[eligible].min(), values[eligible].max()
        t = np.clip((values - lo) / (hi - lo), 0, 1) if hi > lo else np.full(len(values), 0.5)
        rgba = matplotlib.colormaps["viridis"](t)
        return [tuple(int(c) for c in np.round(r[:3] * 255)) for r in rgba]


@pytest.fixture
def ref():
    return Reference()
