"""The report as a standalone HTML page, built from elements whose text is always escaped,
under the project's Content-Security-Policy with no script at all (nothing is fetched)."""

from __future__ import annotations

import html
from typing import Any

from ..export import content_security_policy


class Markup(str):
    """Text that is already HTML: put in a page as it is."""


def escape(value: object) -> Markup:
    """``value`` as HTML text: :class:`Markup` as it is, anything else escaped."""
    return value if isinstance(value, Markup) else Markup(html.escape(str(value)))


def element(tag: str, *children: object, **attrs: object) -> Markup:
    """``<tag attrs>children</tag>``, every child and attribute value escaped."""
    return Markup(f"<{tag}{_attributes(attrs)}>{''.join(map(escape, children))}</{tag}>")


def void(tag: str, **attrs: object) -> Markup:
    """An element without content or end tag (``meta``, ``img``)."""
    return Markup(f"<{tag}{_attributes(attrs)}>")


def _attributes(attrs: dict[str, object]) -> str:
    return "".join(f" {k}='{escape(v)}'" for k, v in attrs.items())


STYLE = Markup(
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}"
    "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;"
    "padding:2px 6px;text-align:left}pre{background:#f6f6f6;padding:1em}"
)


def report_page(
    summary: str,
    png_base64: str,
    meta: dict[str, Any],
    table: Any,
    sections: list[tuple[str, Any]] = (),
) -> str:
    """The page: the summary, the figure (an inline PNG), the tables of ``sections`` (title,
    DataFrame), the choices made (``meta``) and the table (DataFrames written by pandas with
    every cell escaped)."""
    choices = (element("tr", element("th", k), element("td", v)) for k, v in meta.items())
    parts = []
    for title, frame in sections:
        parts += [element("h2", title), _frame(frame)]
    body = element(
        "body",
        element("h1", "Content words in the HIGH bucket"),
        element("pre", summary),
        void(
            "img",
            alt="AUROC, matched AUROC and lift per layer",
            src=f"data:image/png;base64,{png_base64}",
        ),  # fmt: skip
        *parts,
        element("h2", "Choices"),
        element("table", *choices),
        element("h2", "All rows"),
        _frame(table),
    )
    head = element(
        "head",
        void(
            "meta",
            **{"http-equiv": "Content-Security-Policy", "content": content_security_policy()},
        ),
        void("meta", charset="utf-8"),
        element("title", "afn-widget corpus report"),
        element("style", STYLE),
    )
    return "<!doctype html>" + element("html", head, body)


def _frame(frame: Any) -> Markup:
    """A DataFrame as an HTML table, every cell escaped by pandas, floats to three places."""
    return Markup(frame.to_html(index=False, escape=True, float_format=lambda x: f"{x:.3f}"))
