"""The public survey on a phone: answered with a tap, without JavaScript too,
and accessible (axe-core finds no serious or critical violation)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from accord.feedback.models import Recipient, Response
from accord.feedback.tests.factories import RecipientFactory
from accord.orgs.tests.factories import OrganizationFactory
from accord.tests.browser.axe import serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.browser_context_args(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ),
]

PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def acme_link(transactional_db):
    organization = OrganizationFactory.create(name="Acme", slug="acme")

    def make(token: str, **fields) -> Recipient:
        return RecipientFactory.create(organization=organization, token=token, **fields)

    return make


def test_it_is_answered_on_a_phone_with_the_emailed_score(
    page: Page, site: str, acme_link, console_errors
):
    token = "p" * 43
    recipient = acme_link(token)
    page.set_default_navigation_timeout(30_000)
    page.goto(f"{site}/s/{token}?score=9")
    # The token has left the address bar; the score from the email is chosen.
    assert token not in page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text("How likely are you to recommend")
    expect(page.get_by_label("9", exact=True)).to_be_checked()
    assert (
        page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
        <= PHONE["width"]
    )
    page.get_by_label("What can we do better?").fill("Faster invoices")
    page.get_by_label("You may quote my answer").check()
    page.get_by_role("button", name="Send my answers").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you! Your answers have been recorded."
    )
    response = Response.objects.get()
    assert (response.score, response.better, response.may_quote) == (9, "Faster invoices", True)
    recipient.refresh_from_db()
    assert recipient.opened_at is not None  # reported by the page's script, not the GET
    assert console_errors == []


def test_it_works_without_javascript(browser: Browser, site: str, acme_link):
    token = "j" * 43
    acme_link(token)
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.set_default_navigation_timeout(30_000)
    page.goto(f"{site}/s/{token}")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a score from 0 to 10.")
    page.get_by_label("3", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    assert Response.objects.get().score == 3
    context.close()


def test_it_has_no_serious_accessibility_violations(browser: Browser, site: str, acme_link):
    token = "x" * 43
    acme_link(token, language="fr")
    # The page's strict CSP would refuse the injected axe script: only this
    # checking context bypasses it (the other tests run under the real CSP).
    context = browser.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.set_default_navigation_timeout(30_000)
    page.goto(f"{site}/s/{token}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quelle est la probabilité")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Envoyer mes réponses").click()  # no score: the error page
    expect(page.get_by_role("alert")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("10", exact=True).check()
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Merci")
    assert serious_violations(page) == []
    page.goto(f"{site}/s/not-a-token")
    assert serious_violations(page) == []
    context.close()
