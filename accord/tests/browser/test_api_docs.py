"""The API docs page renders in a real browser under the strict CSP, from local files."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accord.tests.api import token_for

pytestmark = pytest.mark.browser


def test_it_renders_the_api_docs_without_csp_violations_or_other_origins(
    page: Page, site: str, console_errors: list[str], alice, acme
):
    origins: set[str] = set()
    page.on("request", lambda request: origins.add(request.url.split("/", 3)[2]))

    response = page.goto(site + "/api/v1/docs")

    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Accord API")).to_be_visible()
    # Swagger UI lists the operations it read from /api/v1/openapi.json.
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/organization").first
    ).to_be_visible()

    # "Try it out" with a token: the browser calls the API on the same origin.
    page.get_by_role("button", name="Authorize").click()
    dialog = page.locator(".dialog-ux")
    # The bearer token's form (the portfolio's session scheme has its own).
    bearer = dialog.locator(".auth-container").filter(has=page.locator("#auth-bearer-value"))
    bearer.locator("#auth-bearer-value").fill(token_for(alice, acme))
    bearer.get_by_role("button", name="Apply credentials").click()
    dialog.locator("button.close-modal").click()
    operation = page.locator("#operations-organisation-accord_orgs_api_organization_get")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    live = operation.locator(".live-responses-table tbody")
    expect(live.locator(".response-col_status")).to_have_text("200")
    expect(live).to_contain_text('"slug": "acme"')

    assert origins == {site.split("/", 3)[2]}
    assert console_errors == []
