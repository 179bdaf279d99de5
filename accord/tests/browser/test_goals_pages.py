"""The Goals pages in a browser: no console or CSP errors, and accessible
(axe-core finds no serious or critical violation)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from accord.accounts.tests.factories import UserFactory
from accord.goals import services
from accord.goals.tests.factories import member
from accord.orgs.models import Membership, Role, TeamKind
from accord.orgs.tests.factories import OrganizationFactory
from accord.tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def acme_goals(transactional_db):
    alice = UserFactory.create(email="alice@acme.example", name="Alice Owner")
    acme = OrganizationFactory.create(name="Acme", slug="acme", owner=alice)
    owner = Membership.objects.get(user=alice, organization=acme)
    sam = member(acme, "sam@acme.example", Role.SALES_LEAD, TeamKind.SALES)
    maya = member(acme, "maya@acme.example", Role.MARKETING_LEAD, TeamKind.MARKETING)
    goal = services.goal_create(
        membership=owner,
        title="Acme conversion",
        metric="logo_retention",
        baseline=Decimal("10"),
        target=Decimal("20"),
        sales_owner=sam,
        marketing_owner=maya,
        period_start=dt.date.today() - dt.timedelta(days=20),
        period_end=dt.date.today() + dt.timedelta(days=20),
    )
    services.goal_propose(membership=sam, goal=goal)
    services.goal_agree(membership=maya, goal=goal)
    services.goal_check_in(membership=sam, goal=goal, value=Decimal("14"))
    services.activity_goal_create(
        membership=owner,
        team=acme.teams.get(kind=TeamKind.MARKETING),
        activity_type="prospect_call",
        target_count=2,
    )
    services.activity_log(membership=maya, note="Acme call")
    asset = services.content_asset_create(membership=maya, title="Acme deck", kind="deck")
    services.content_usage_log(membership=sam, asset=asset)
    event = services.event_create(
        membership=owner, name="Acme Expo", starts_on=dt.date.today() + dt.timedelta(days=5)
    )
    return alice, goal, asset, event


def paths(goal, asset, event) -> list[str]:
    return [
        "/o/acme/goals/",
        f"/o/acme/goals/{goal.pk}/",
        "/o/acme/goals/new/",
        "/o/acme/goals/activity/",
        "/o/acme/goals/content/",
        f"/o/acme/goals/content/{asset.pk}/",
        "/o/acme/goals/events/",
        f"/o/acme/goals/events/{event.pk}/",
    ]


def test_it_loads_the_goals_pages_without_errors(
    page: Page, site, acme_goals, log_in, console_errors
):
    alice, goal, asset, event = acme_goals
    log_in(alice)
    for path in paths(goal, asset, event):
        page.goto(site + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"{site}/o/acme/goals/{goal.pk}/")
    expect(page.locator("figure.chart svg")).to_be_visible()
    assert console_errors == []


def test_it_has_no_serious_accessibility_violations_on_the_goals_pages(
    browser: Browser, site, acme_goals
):
    from django.conf import settings as django_settings
    from django.test import Client

    alice, goal, asset, event = acme_goals
    # The strict CSP would refuse the injected axe script: only this checking
    # context bypasses it (the other test runs under the real CSP).
    context = browser.new_context(bypass_csp=True)
    client = Client()
    client.force_login(alice)
    name = django_settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": site}])
    page = context.new_page()
    for path in paths(goal, asset, event):
        page.goto(site + path)
        # The page's own content: the shared header and navigation are checked
        # by the foundation's tests.
        found = serious_violations(page, "main")
        assert found == [], (path, found)
    context.close()
