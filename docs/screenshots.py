"""Regenerate the README's screenshots: `python docs/screenshots.py` (needs Debian's chromium).

A real analysis (default model; offline, the bundled MiniLM) exported as standalone HTML,
opened in headless Chromium in the light and the dark colour scheme, with a tooltip open.
"""

from __future__ import annotations

import sys
from pathlib import Path

from afn_widget import AFNView, analyze

HERE = Path(__file__).resolve().parent
TEXT = (
    "The scientists celebrated their remarkable discovery: a catalyst that splits water "
    "at room temperature. Nobody expected it, and the results, frankly, surprised everyone."
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def main() -> int:
    from playwright.sync_api import sync_playwright

    result = analyze(TEXT)
    page_html = AFNView.from_result(result).to_html(title="afn-widget")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for scheme in ("light", "dark"):
            ctx = browser.new_context(
                viewport={"width": 980, "height": 600}, color_scheme=scheme, device_scale_factor=1
            )
            page = ctx.new_page()
            page.set_content(page_html)
            page.wait_for_selector(".afn-text .afn-tok", state="attached")
            page.locator(".afn-text .afn-tok.afn-high").first.hover()
            page.locator(".afn-tooltip").wait_for(state="visible")
            box = page.locator(".afn-root").bounding_box()
            page.screenshot(
                path=str(HERE / f"afn-{scheme}.png"),
                clip={"x": 0, "y": 0, "width": 980, "height": box["y"] + box["height"] + 16},
            )
            ctx.close()
        browser.close()
    print(HERE / "afn-light.png", HERE / "afn-dark.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
