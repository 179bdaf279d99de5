"""Triage in a browser: by keyboard alone, and on a phone's screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from accord.accounts.tests.factories import UserFactory
from accord.orgs.models import Membership, Role, TeamKind
from accord.orgs.tests.factories import OrganizationFactory, team_of
from accord.pipeline.models import Lead
from accord.pipeline.services import agreement_agree, agreement_propose
from accord.pipeline.tests.factories import LeadFactory
from accord.tests.browser.axe import serious_violations
from accord.tests.browser.conftest import DESKTOP
from accord.tests.browser.test_phone_layout import PHONE, overflow

pytestmark = pytest.mark.browser


@pytest.fixture
def queue(transactional_db):
    """Acme's sales lead Sam and three MQLs waiting, the first one overdue."""
    sam_user = UserFactory.create(email="sam@acme.example", name="Sam Lead")
    maya_user = UserFactory.create(email="maya@acme.example", name="Maya Marketing")
    acme = OrganizationFactory.create(name="Acme", slug="acme", owner=sam_user)
    sam = Membership.objects.get(user=sam_user, organization=acme)
    sam.role, sam.team = Role.SALES_LEAD, team_of(acme, TeamKind.SALES)
    sam.save()
    maya = Membership.objects.create(
        organization=acme,
        user=maya_user,
        role=Role.MARKETING_LEAD,
        team=team_of(acme, TeamKind.MARKETING),
    )
    proposal = agreement_propose(
        membership=maya,
        mql_definition="Acme ICP",
        monthly_mql_commitment=5,
        first_touch_hours=4,
        decision_days=2,
    )
    agreement_agree(membership=maya, agreement=proposal)
    agreement_agree(membership=sam, agreement=proposal)
    start = datetime(2026, 3, 2, 10, tzinfo=UTC)
    leads = [
        LeadFactory.create(
            organization=acme,
            name=f"Lead with a rather long name number {i}",
            company="A company with a long name, Incorporated",
            email=f"someone.with.a.long.address{i}@prospect.example",
            mql_at=start + timedelta(days=i),
            owner=sam,
        )
        for i in range(3)
    ]
    return sam_user, leads


def test_it_triages_by_keyboard(page: Page, site, queue, log_in, console_errors):
    user, leads = queue
    log_in(user)
    page.goto(site + "/o/acme/pipeline/triage/?sort=oldest")
    rows = page.locator("table.triage tbody tr")
    expect(rows).to_have_count(3)
    page.locator("body").press("j")
    expect(rows.nth(0)).to_be_focused()
    page.keyboard.press("j")
    expect(rows.nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(rows.nth(0)).to_be_focused()
    # a: the first lead is accepted in place and the next one takes the focus.
    page.keyboard.press("a")
    expect(rows).to_have_count(2)
    expect(page.locator(f"#lead-{leads[1].pk}")).to_be_focused()
    # r: the reason gets the focus; a reason, then Enter, rejects.
    page.keyboard.press("r")
    reason = page.locator(f"#reason-{leads[1].pk}")
    expect(reason).to_be_focused()
    reason.select_option("duplicate")
    page.locator(f"#text-{leads[1].pk}").press("Enter")
    expect(rows).to_have_count(1)
    first, second = (Lead.objects.get(pk=lead.pk) for lead in leads[:2])
    assert first.accepted_at is not None
    assert second.rejection_reason == "duplicate"
    assert console_errors == []


def test_it_reaches_accept_and_reject_on_a_phone(browser: Browser, site, queue):
    from django.conf import settings as django_settings
    from django.test import Client

    user, leads = queue
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, bypass_csp=False
    )
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": site}])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(site + "/o/acme/pipeline/triage/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert overflow(page) <= 0
    for lead in leads:
        row = page.locator(f"#lead-{lead.pk}")
        for label in ("Accept", "Reject"):
            button = row.get_by_role("button", name=label)
            button.scroll_into_view_if_needed()
            box = button.bounding_box()
            assert box is not None
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (label, box)
    page.locator(f"#lead-{leads[0].pk}").get_by_role("button", name="Accept").tap()
    expect(page.locator("table.triage tbody tr")).to_have_count(2)
    assert errors == []
    context.close()


def test_it_has_no_serious_accessibility_violations_on_triage(browser: Browser, site, queue):
    from django.conf import settings as django_settings
    from django.test import Client

    user, _ = queue
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(bypass_csp=True, viewport=viewport)
        context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": site}])
        page = context.new_page()
        page.goto(site + "/o/acme/pipeline/triage/")
        assert serious_violations(page, "main") == [], viewport
        context.close()
