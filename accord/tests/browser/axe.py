"""axe-core, the accessibility checker, run inside a page the browser shows.

axe comes from the npm registry (``make`` installs ``node_modules``), never
from a CDN.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page: Page, scope: str = "document") -> list[str]:
    """axe's serious and critical findings on ``page``, one line each.

    ``scope`` is a CSS selector (``"main"`` for a page's own content) or
    ``"document"`` for all of it. The script is evaluated by the browser's
    debugging protocol, which the page's Content-Security-Policy does not
    govern, so the page under test keeps its real CSP.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    context = "document" if scope == "document" else repr(scope)
    # Only violations are gathered (axe's resultTypes), and only the serious
    # ones cross back from the browser: the full result of a large page, with
    # every rule's passing nodes, costs more to gather and send than to check.
    found: list[str] = page.evaluate(
        f"""async () => (await axe.run({context}, {{resultTypes: ["violations"]}})).violations
          .filter(v => v.impact === "serious" || v.impact === "critical")
          .map(v => `${{v.id}} (${{v.impact}}): ${{v.help}} — ${{JSON.stringify(
            v.nodes.slice(0, 3).map(n => n.target))}}`)"""
    )
    return found
