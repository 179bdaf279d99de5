"""The live meeting page in two browsers at once: one attendee's note shows on
the other's page within seconds, a stale edit is refused rather than
overwriting, and neither page has console or CSP errors or a serious axe
violation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from accord.accounts.tests.factories import UserFactory
from accord.goals.tests.factories import member
from accord.meetings import services
from accord.meetings.models import AgendaItem
from accord.meetings.tests.factories import series_for
from accord.orgs.models import Membership, Role, TeamKind
from accord.orgs.tests.factories import OrganizationFactory
from accord.tests.browser.axe import serious_violations
from accord.tests.browser.conftest import CHROMIUM_ARGS, DESKTOP, REPORT_CSP_VIOLATIONS, TIMEOUT_MS

pytestmark = pytest.mark.browser


@pytest.fixture
def meeting(transactional_db):
    alice = UserFactory.create(email="alice@acme.example", name="Alice Owner")
    acme = OrganizationFactory.create(name="Acme", slug="acme", owner=alice)
    owner = Membership.objects.get(user=alice, organization=acme)
    sam = member(acme, "sam@acme.example", Role.SALES_LEAD, TeamKind.SALES)
    maya = member(acme, "maya@acme.example", Role.MARKETING_LEAD, TeamKind.MARKETING)
    series = series_for(owner, [sam, maya], start_date=timezone.localdate() + dt.timedelta(days=2))
    occurrence = services.next_occurrence(series)
    assert occurrence is not None
    item = services.agenda_item_add(
        membership=sam, occurrence=occurrence, title="Acme leads wait two days", why="SLA"
    )
    return sam, maya, occurrence, item


def _page_for(browser: Browser, site: str, user, errors: list[str], **options):
    from django.conf import settings
    from django.test import Client

    context = browser.new_context(viewport=DESKTOP, locale="en-GB", **options)
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": site}])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on("console", lambda m: errors.append(f"{m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page


def test_it_shows_two_attendees_each_others_notes_and_never_overwrites(
    playwright, browser_type_launch_args, site, meeting
):
    sam, maya, occurrence, item = meeting
    browser = playwright.chromium.launch(**{**browser_type_launch_args, "args": CHROMIUM_ARGS})
    errors: list[str] = []
    sam_context, sam_page = _page_for(browser, site, sam.user, errors)
    maya_context, maya_page = _page_for(browser, site, maya.user, errors)
    url = f"{site}/o/acme/meetings/m/{occurrence.pk}/"
    sam_page.goto(url)
    maya_page.goto(url)
    expect(maya_page.locator(f"#item-{item.pk} strong").first).to_have_text(
        "Acme leads wait two days"
    )

    # Maya starts typing a note while Sam saves his: hers is now stale.
    maya_page.locator(f"#item-{item.pk} summary").click()
    maya_page.locator(f"#notes-{item.pk}").fill("Maya's older text")
    sam_page.locator(f"#item-{item.pk} summary").click()
    sam_page.locator(f"#notes-{item.pk}").fill("Route **Acme** leads to the night shift")
    sam_page.locator(f"#item-{item.pk}").get_by_role("button", name="Save").click()
    expect(sam_page.locator(f"#item-{item.pk} .notes strong")).to_have_text("Acme")

    # Her save is refused, not applied over his; her text is handed back.
    maya_page.locator(f"#item-{item.pk}").get_by_role("button", name="Save").click()
    expect(maya_page.locator(f"#item-{item.pk} [role=alert]")).to_be_visible()
    expect(maya_page.locator(f"#item-{item.pk}")).to_contain_text("Maya's older text")
    stored = AgendaItem.objects.get(pk=item.pk)
    assert stored.notes == "Route **Acme** leads to the night shift"
    # That 409 was the point; any other error is not.
    assert all("409" in e for e in errors), errors
    errors.clear()

    # She records the decision on the current version; Sam's page shows it
    # by itself within seconds (htmx polls).
    sam_page.locator("h1").click()
    maya_page.locator(f"#decision-{item.pk}").fill("Night shift takes Acme leads")
    maya_page.locator(f"#item-{item.pk}").get_by_role("button", name="Save").click()
    expect(sam_page.locator(f"#item-{item.pk}")).to_contain_text(
        "Night shift takes Acme leads", timeout=TIMEOUT_MS
    )
    assert AgendaItem.objects.get(pk=item.pk).decision == "Night shift takes Acme leads"

    assert errors == []
    # axe is injected as a script, which the page's CSP rightly refuses: it
    # runs in a third context that bypasses CSP, on the same page.
    axe_context, axe_page = _page_for(browser, site, maya.user, [], bypass_csp=True)
    axe_page.goto(url)
    assert serious_violations(axe_page, "main") == []
    axe_context.close()
    sam_context.close()
    maya_context.close()
    browser.close()
