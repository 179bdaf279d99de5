"""The accessibility check itself finds what it must (a check that cannot fail proves nothing)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from accord.tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser


def test_it_names_a_serious_violation_with_the_elements_it_is_on(page: Page):
    page.set_content(
        '<html lang="en"><head><title>Check</title></head><body><main>'
        '<h1>Leads</h1><img src="data:," id="logo"><label>Email <input name="email"></label>'
        "</main></body></html>"
    )
    assert serious_violations(page, "main") == [
        'image-alt (critical): Images must have alternative text — [["#logo"]]'
    ]
    page.set_content(
        '<html lang="en"><head><title>Fine</title></head>'
        "<body><main><h1>Leads</h1></main></body></html>"
    )
    assert serious_violations(page) == []
