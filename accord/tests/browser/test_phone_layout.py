"""At a phone's width the pages fit the screen and every section stays reachable."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, ViewportSize, expect

PHONE: ViewportSize = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.browser_context_args(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    ),
]

PAGES = ["", "members/", "tokens/", "audit/", "outbox/", "settings/"]


def overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the phone's screen.

    Measured against the device width, not ``innerWidth``: a mobile browser
    widens its layout viewport to fit content that overflows.
    """
    overflow: int = page.evaluate(
        "Math.max(window.innerWidth, document.documentElement.scrollWidth,"
        f" document.body.scrollWidth) - {PHONE['width']}"
    )
    return overflow


def test_it_fits_a_phone_screen(
    page: Page, site: str, log_in, alice, acme, bob, carol, console_errors
):
    log_in(alice)

    for path in PAGES:
        page.goto(f"{site}/o/acme/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert overflow(page) <= 0, f"/o/acme/{path} is wider than the screen"

    # The section bar is wider than the screen: it scrolls sideways, on its own,
    # and its last entries can be reached and tapped.
    page.goto(f"{site}/o/acme/")
    sections = page.get_by_role("navigation", name="Sections")
    width, visible = sections.evaluate("nav => [nav.scrollWidth, nav.clientWidth]")
    assert width > visible
    assert sections.evaluate("nav => getComputedStyle(nav).overflowX") in {"auto", "scroll"}
    assert sections.evaluate("nav => { nav.scrollLeft = nav.scrollWidth; return nav.scrollLeft; }")
    assert overflow(page) <= 0

    people = sections.get_by_role("link", name="People")
    box = people.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    people.tap()
    expect(page).to_have_url(f"{site}/o/acme/members/")
    expect(page.get_by_role("table", name="Members of Acme")).to_contain_text("bob@acme.example")

    assert console_errors == []
