"""The Pulse pages in a browser: answering on a phone-sized screen, no console
or CSP errors, and accessible (axe-core finds no serious or critical violation)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from accord.accounts.tests.factories import UserFactory
from accord.goals.tests.factories import member
from accord.orgs.models import Membership, Role, TeamKind
from accord.orgs.tests.factories import OrganizationFactory
from accord.pulse import scorecard, services
from accord.pulse.models import PulseAnswer
from accord.pulse.tests.conftest import active_goal
from accord.tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def acme_pulse(transactional_db):
    alice = UserFactory.create(email="alice@acme.example", name="Alice Owner")
    acme = OrganizationFactory.create(name="Acme", slug="acme", owner=alice)
    owner = Membership.objects.get(user=alice, organization=acme)
    sam = member(acme, "sam@acme.example", Role.SALES_LEAD, TeamKind.SALES)
    maya = member(acme, "maya@acme.example", Role.MARKETING_LEAD, TeamKind.MARKETING)
    goal = active_goal(owner, sam, maya, "Acme conversion")
    cycle = services.cycle_open_now(membership=owner)
    services.answer_submit(
        membership=maya,
        cycle=cycle,
        votes={goal.pk: ("worse", "Acme leads wait too long.")},
        internal_score=5,
        one_thing="Attend the Acme pipeline review.",
    )
    measurable = scorecard.measurable_create(
        membership=owner,
        name="Acme joint calls",
        moves="Pipeline creation",
        owner=sam,
        goal_value=Decimal("3"),
        direction="up",
    )
    return alice, sam, goal, cycle, measurable


def paths(cycle, measurable) -> list[str]:
    return [
        "/o/acme/pulse/",
        f"/o/acme/pulse/{cycle.pk}/answer/",
        f"/o/acme/pulse/{cycle.pk}/",
        "/o/acme/pulse/settings/",
        "/o/acme/pulse/scorecard/",
        "/o/acme/pulse/scorecard/new/",
        f"/o/acme/pulse/scorecard/{measurable.pk}/edit/",
    ]


def test_it_lets_a_seller_answer_the_pulse_on_a_phone(
    page: Page, site, acme_pulse, log_in, console_errors
):
    _alice, sam, goal, cycle, _measurable = acme_pulse
    page.set_viewport_size(PHONE)
    log_in(sam.user)
    page.goto(f"{site}/o/acme/pulse/")
    page.get_by_role("link", name="Answer the pulse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(cycle.label)
    # Sending an empty form names each missing answer, and keeps nothing.
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("alert")).to_contain_text("Commit to One Thing")
    assert not PulseAnswer.objects.filter(member=sam).exists()
    # That 400 was the point; any other error is not.
    assert all("HTTP 400" in e or "400 (Bad Request)" in e for e in console_errors)
    console_errors.clear()
    page.locator(f"label[for=id_vote_{goal.pk}_2]").click()
    page.locator("label[for=id_internal_score_8]").click()
    page.get_by_label("Your One Thing for next month").fill("Call every MQL within four hours.")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("your answer is saved")).to_be_visible()
    answer = PulseAnswer.objects.get(member=sam)
    assert answer.internal_score == 8
    assert answer.votes.get().vote == "better"
    # No horizontal scrolling on a phone.
    page.goto(f"{site}/o/acme/pulse/{cycle.pk}/answer/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    assert console_errors == []


def test_it_loads_the_pulse_pages_without_errors(
    page: Page, site, acme_pulse, log_in, console_errors
):
    alice, _sam, _goal, cycle, measurable = acme_pulse
    log_in(alice)
    for path in paths(cycle, measurable):
        page.goto(site + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"{site}/o/acme/pulse/{cycle.pk}/")
    expect(page.locator(".chart svg").first).to_be_visible()
    assert console_errors == []


def test_it_has_no_serious_accessibility_violations_on_the_pulse_pages(
    browser: Browser, site, acme_pulse
):
    from django.conf import settings as django_settings
    from django.test import Client

    alice, sam, _goal, cycle, measurable = acme_pulse
    context = browser.new_context(bypass_csp=True)
    for user in (alice, sam.user):
        client = Client()
        client.force_login(user)
        name = django_settings.SESSION_COOKIE_NAME
        context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": site}])
        page = context.new_page()
        for path in paths(cycle, measurable)[:3] if user == sam.user else paths(cycle, measurable):
            page.goto(site + path)
            found = serious_violations(page, "main")
            assert found == [], (user.email, path, found)
        page.close()
    context.close()
