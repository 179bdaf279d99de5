"""The Pipeline pages in a browser: no console or CSP errors, charts drawn, and
accessible (axe-core finds no serious or critical violation)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from accord.accounts.tests.factories import UserFactory
from accord.orgs.models import Membership, Role, TeamKind
from accord.orgs.tests.factories import OrganizationFactory, team_of
from accord.pipeline.importer import run_import
from accord.pipeline.services import (
    agreement_agree,
    agreement_propose,
    import_run_create,
    lead_reject,
)
from accord.pipeline.tests.factories import LeadFactory
from accord.pipeline.tests.test_import import HUBSPOT_CONTACTS
from accord.tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def acme_pipeline(transactional_db):
    alice = UserFactory.create(email="alice@acme.example", name="Alice Owner")
    acme = OrganizationFactory.create(name="Acme", slug="acme", owner=alice)
    owner = Membership.objects.get(user=alice, organization=acme)
    sam = Membership.objects.create(
        organization=acme,
        user=UserFactory.create(email="sam@acme.example"),
        role=Role.SALES_LEAD,
        team=team_of(acme, TeamKind.SALES),
    )
    maya = Membership.objects.create(
        organization=acme,
        user=UserFactory.create(email="maya@acme.example"),
        role=Role.MARKETING_LEAD,
        team=team_of(acme, TeamKind.MARKETING),
    )
    agreement = agreement_propose(
        membership=maya,
        mql_definition="Acme ICP",
        monthly_mql_commitment=5,
        first_touch_hours=4,
        decision_days=2,
    )
    agreement_agree(membership=maya, agreement=agreement)
    agreement_agree(membership=sam, agreement=agreement)
    for i in range(4):
        LeadFactory.create(
            organization=acme,
            source="Webinar" if i % 2 else "Ads",
            owner=sam,
            sql_at=datetime(2026, 3, 9, tzinfo=UTC) if i == 0 else None,
        )
    lead_reject(membership=sam, lead=LeadFactory.create(organization=acme), reason="no_budget")
    run = import_run_create(
        membership=owner,
        kind="leads",
        format="hubspot",
        filename="contacts.csv",
        stored_path="",
        file_size=len(HUBSPOT_CONTACTS),
        enqueue=False,
    )
    run_import(run, io.BytesIO(HUBSPOT_CONTACTS.encode()))
    return alice, run


def paths(run) -> list[str]:
    return [
        "/o/acme/pipeline/",
        "/o/acme/pipeline/?by=source",
        "/o/acme/pipeline/triage/",
        "/o/acme/pipeline/compliance/",
        "/o/acme/pipeline/agreement/",
        "/o/acme/pipeline/imports/",
        f"/o/acme/pipeline/imports/{run.pk}/",
        "/o/acme/pipeline/mappings/new/",
        "/o/acme/pipeline/crm/",
    ]


def test_it_loads_the_pipeline_pages_without_errors(
    page: Page, site, acme_pipeline, log_in, console_errors
):
    alice, run = acme_pipeline
    log_in(alice)
    for path in paths(run):
        page.goto(site + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(site + "/o/acme/pipeline/")
    expect(page.locator("figure.chart svg")).to_be_visible()
    page.goto(site + "/o/acme/pipeline/triage/")
    rows = page.locator("tbody tr")
    before = rows.count()
    rows.first.get_by_role("button", name="Accept").click()
    expect(rows).to_have_count(before - 1)  # decided in place, by htmx
    assert console_errors == []


def test_it_has_no_serious_accessibility_violations_on_the_pipeline_pages(
    browser: Browser, site, acme_pipeline
):
    from django.conf import settings as django_settings
    from django.test import Client

    alice, run = acme_pipeline
    context = browser.new_context(bypass_csp=True)
    client = Client()
    client.force_login(alice)
    name = django_settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": site}])
    page = context.new_page()
    for path in paths(run):
        page.goto(site + path)
        found = serious_violations(page, "main")
        assert found == [], (path, found)
    context.close()
