"""The triage queue: sorts, filters, the SLA clock, bulk decisions, keyset pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.conftest import membership
from accord.lib.business_time import (
    BusinessCalendar,
    add_business_hours,
    subtract_business_hours,
)
from accord.pipeline import selectors
from accord.pipeline.models import Campaign, Lead, SourceSystem, Stage
from accord.pipeline.services import lead_bulk_decide
from accord.pipeline.tests.factories import LeadFactory
from accord.pipeline.tests.test_import import _import

# Wednesday 11 March 2026, noon UTC. Acme's agreement: touch within 4 business
# hours, decide within 2 business days, 9-17 UTC.
NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("pinned")


@pytest.fixture
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def url(name, **kw):
    return reverse(name, kwargs={"org_slug": "acme", **kw})


@pytest.fixture
def three(acme, sam, agreement):
    """An overdue lead, one inside its deadline with first touch overdue, a fresh one."""
    webinar = Campaign.objects.create(
        organization=acme, source_system=SourceSystem.CSV, source_id="c1", name="Spring webinar"
    )
    old = LeadFactory.create(
        organization=acme, name="Olga Old", mql_at=datetime(2026, 3, 2, 10, tzinfo=UTC)
    )
    mid = LeadFactory.create(
        organization=acme,
        name="Mia Middle",
        source="Webinar",
        campaign=webinar,
        owner=sam,
        mql_at=datetime(2026, 3, 10, 10, tzinfo=UTC),
    )
    new = LeadFactory.create(
        organization=acme,
        name="Nina New",
        company="Newco",
        mql_at=datetime(2026, 3, 11, 11, tzinfo=UTC),
    )
    return old, mid, new


def names(body: str, *wanted: str) -> list[str]:
    return sorted(wanted, key=body.index)


def test_it_sorts_closest_to_breaching_first_by_default(bob_client, three):
    body = bob_client.get(url("pipeline_triage")).content.decode()
    # Mia is due Thursday 10:00, Nina Friday 11:00; Olga breached last week.
    assert names(body, "Olga Old", "Mia Middle", "Nina New") == [
        "Mia Middle",
        "Nina New",
        "Olga Old",
    ]
    oldest = bob_client.get(url("pipeline_triage") + "?sort=oldest").content.decode()
    assert names(oldest, "Olga Old", "Mia Middle", "Nina New") == [
        "Olga Old",
        "Mia Middle",
        "Nina New",
    ]
    newest = bob_client.get(url("pipeline_triage") + "?sort=newest").content.decode()
    assert names(newest, "Olga Old", "Mia Middle", "Nina New") == [
        "Nina New",
        "Mia Middle",
        "Olga Old",
    ]


def test_it_shows_each_leads_sla_clock_and_marks_the_overdue(bob_client, three):
    old, mid, new = three
    body = bob_client.get(url("pipeline_triage")).content.decode()
    row = {lead.name: body[body.index(f'id="lead-{lead.pk}"') :] for lead in three}
    assert 'class="overdue"' in body[body.index(f'<tr id="lead-{old.pk}"') :][:200]
    assert "decision was due 4 Mar 10:00" in row["Olga Old"].split("</tr>")[0]
    assert "first touch was due 10 Mar 14:00" in row["Mia Middle"].split("</tr>")[0]
    # Nina: touch due at 15:00 today, three business hours from noon.
    assert "3 business h left" in row["Nina New"].split("</tr>")[0]
    assert "touch by 11 Mar 15:00" in row["Nina New"].split("</tr>")[0]
    clocks = selectors.sla_clocks(old.organization, list(three), now=NOW)
    assert clocks[old.pk].decision_overdue and clocks[mid.pk].touch_overdue
    assert not clocks[new.pk].overdue


def test_it_filters_by_owner_source_campaign_and_search(client, sam, three):
    mid = three[1]
    client.force_login(sam.user)
    mine = client.get(url("pipeline_triage") + "?mine=on").content.decode()
    assert "Mia Middle" in mine and "Olga Old" not in mine and "Nina New" not in mine
    by_source = client.get(url("pipeline_triage") + "?source=Webinar").content.decode()
    assert "Mia Middle" in by_source and "Nina New" not in by_source
    campaign = mid.campaign
    assert campaign is not None
    by_campaign = client.get(url("pipeline_triage") + f"?campaign={campaign.pk}").content.decode()
    assert "Mia Middle" in by_campaign and "Olga Old" not in by_campaign
    search = client.get(url("pipeline_triage") + "?q=newco").content.decode()
    assert "Nina New" in search and "Mia Middle" not in search
    none = client.get(url("pipeline_triage") + "?q=nobody-at-all").content.decode()
    assert "No MQL waiting matches these filters" in none


def test_it_refuses_an_unknown_sort_campaign_or_cursor_naming_the_field(bob_client, three, globex):
    response = bob_client.get(url("pipeline_triage") + "?sort=loudest")
    assert response.status_code == 400
    assert "Sort: Select a valid choice. loudest is not one" in response.content.decode()
    theirs = Campaign.objects.create(
        organization=globex, source_system=SourceSystem.CSV, source_id="g1", name="Globex"
    )
    response = bob_client.get(url("pipeline_triage") + f"?campaign={theirs.pk}")
    assert response.status_code == 400
    assert "Campaign: Select a valid choice." in response.content.decode()
    response = bob_client.get(url("pipeline_triage") + "?cursor=drop-table")
    assert response.status_code == 400
    assert "cursor: not a position in this list" in response.content.decode()


def test_it_needs_a_chosen_reason_to_reject(bob_client, three):
    old, _, _ = three
    page = bob_client.get(url("pipeline_triage")).content.decode()
    select = page[page.index(f'id="reason-{old.pk}"') :].split("</select>")[0]
    assert "required" in page[page.index(f'<select id="reason-{old.pk}"') :][:120]
    assert "selected" not in select and '<option value="">Choose a reason' in select
    response = bob_client.post(url("pipeline_lead_reject", pk=old.pk), {"reason": ""})
    assert response.status_code == 400
    assert "reason: Choose a reason to reject." in response.content.decode()
    old.refresh_from_db()
    assert old.rejected_at is None and old.stage == Stage.MQL


def test_it_keeps_the_filters_after_a_decision(bob_client, three):
    old, _, _ = three
    response = bob_client.post(
        url("pipeline_lead_accept", pk=old.pk), {"sort": "newest", "q": "o", "next": "//evil"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("pipeline_triage") + "?sort=newest&q=o"


def test_it_accepts_or_rejects_in_bulk_with_one_reason(bob_client, acme, three):
    old, mid, new = three
    response = bob_client.post(
        url("pipeline_triage_bulk"), {"leads": [old.pk, mid.pk], "action": "reject"}
    )
    assert response.status_code == 400
    assert "reason: Choose a reason to reject the selected leads." in response.content.decode()
    assert not Lead.objects.filter(organization=acme, rejected_at__isnull=False).exists()

    response = bob_client.post(
        url("pipeline_triage_bulk"),
        {"leads": [old.pk, mid.pk], "action": "reject", "reason": "duplicate"},
    )
    assert response.status_code == 302
    assert "Rejected 2 leads." in bob_client.get(response["Location"]).content.decode()
    for lead in (old, mid):
        lead.refresh_from_db()
        assert lead.rejection_reason == "duplicate" and lead.rejected_at == NOW
    response = bob_client.post(url("pipeline_triage_bulk"), {"leads": [new.pk], "action": "accept"})
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.accepted_at == NOW and new.stage == Stage.ACCEPTED


def test_it_decides_nothing_when_a_bulk_id_is_another_organisations(
    bob_client, acme, globex, three
):
    old, _, _ = three
    theirs = LeadFactory.create(organization=globex)
    response = bob_client.post(
        url("pipeline_triage_bulk"), {"leads": [old.pk, theirs.pk], "action": "accept"}
    )
    assert response.status_code == 404
    assert f"leads: No lead {theirs.pk} here; nothing was decided." in response.content.decode()
    old.refresh_from_db()
    theirs.refresh_from_db()
    assert old.accepted_at is None and theirs.accepted_at is None
    response = bob_client.post(url("pipeline_triage_bulk"), {"leads": ["abc"], "action": "accept"})
    assert response.status_code == 400
    assert "leads:" in response.content.decode()


def test_it_refuses_bulk_rejection_without_a_reason_in_the_service(acme, sam, three):
    with pytest.raises(ValidationError) as raised:
        lead_bulk_decide(membership=sam, lead_ids=[three[0].pk], action="reject")
    assert raised.value.message_dict == {
        "reason": ["Choose a reason to reject the selected leads."]
    }


def test_it_pages_by_keyset_in_every_sort_without_offset(acme, bob, agreement):
    member = membership(bob, acme)
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for i in range(9):
        # Two leads share each moment: the id breaks the tie.
        LeadFactory.create(organization=acme, mql_at=start + timedelta(hours=7 * (i // 2)))
    for sort in ("sla", "oldest", "newest"):
        everything = selectors.triage_page(member, sort=sort, size=100, now=NOW).leads
        seen: list[Lead] = []
        cursor = None
        with CaptureQueriesContext(connection) as queries:
            while True:
                page = selectors.triage_page(member, sort=sort, size=2, cursor=cursor, now=NOW)
                seen.extend(page.leads)
                if page.next is None:
                    break
                cursor = page.next
            back: list[Lead] = []
            while page.previous is not None:
                page = selectors.triage_page(
                    member, sort=sort, size=2, cursor=page.previous, now=NOW
                )
                back[:0] = page.leads
        assert [lead.pk for lead in seen] == [lead.pk for lead in everything], sort
        # Back from the last page: every page before it, once each, in order.
        assert back == seen[: len(back)] and 0 < len(seen) - len(back) <= 2, sort
        assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)
    sla = selectors.triage_page(member, sort="sla", size=100, now=NOW).leads
    overdue_from = selectors.decision_cutoff(acme, NOW)
    assert overdue_from is not None
    phases = [lead.mql_at is not None and lead.mql_at <= overdue_from for lead in sla]
    assert phases == sorted(phases)  # still-saveable leads first, overdue after


def test_it_keeps_leads_past_the_decision_out_of_the_queue(acme, alice, bob):
    # Grace is an SQL in the HubSpot file: sales took her already.
    _import(
        acme,
        alice,
        "Record ID,First Name,Last Name,Email,Lifecycle Stage,Create Date,"
        "Became a Marketing Qualified Lead Date\n"
        "201,Ada,Mql,ada@p.example,marketingqualifiedlead,2026-03-01,2026-03-02 10:00\n"
        "202,Grace,Sql,grace@p.example,salesqualifiedlead,2026-03-01,2026-03-03 10:00\n"
        "203,Olive,Opp,olive@p.example,opportunity,2026-03-01,\n"
        "204,Cora,Customer,cora@p.example,customer,2026-03-01,2026-03-02\n",
    )
    queue = selectors.triage_queue(membership(bob, acme))
    assert [lead.source_id for lead in queue] == ["201"]
    grace = Lead.objects.get(organization=acme, source_id="202")
    assert grace.stage == Stage.SQL and grace.accepted_at is not None
    # Even a stored lead at a late stage without a decision stays out.
    LeadFactory.create(organization=acme, stage=Stage.CUSTOMER, name="Late Stage")
    assert [lead.source_id for lead in selectors.triage_queue(membership(bob, acme))] == ["201"]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_it_subtracts_business_hours_as_the_inverse_of_adding_them(zone):
    calendar = BusinessCalendar(time_zone=zone)
    ends = [
        datetime(2026, 3, 30, 10, 30, tzinfo=UTC),  # Monday after Europe's change
        datetime(2026, 3, 9, 20, 0, tzinfo=UTC),  # Monday evening
        datetime(2026, 3, 8, 12, 0, tzinfo=UTC),  # Sunday
    ]
    for end in ends:
        for hours in (4, 16):
            cutoff = subtract_business_hours(calendar, end, hours)
            start = end - timedelta(days=8)
            while start < end:
                due = add_business_hours(calendar, start, hours)
                assert (due <= end) == (start <= cutoff), (zone, end, hours, start)
                start += timedelta(minutes=37)
