"""The pipeline API: funnel, leads and decisions, agreements, imports, metrics."""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from accord.pipeline.importer import run_import
from accord.pipeline.models import HandoffAgreement
from accord.pipeline.services import import_run_create
from accord.pipeline.tests.factories import LeadFactory
from accord.pipeline.tests.test_import import HUBSPOT_CONTACTS
from accord.tests.api import API, api_as

P = f"{API}/pipeline"


def test_it_returns_the_same_funnel_as_the_command_line(acme, alice, capsys):
    LeadFactory.create(organization=acme, source="Webinar", sql_at="2026-03-09T10:00:00Z")
    LeadFactory.create(organization=acme, source="Ads")
    response = api_as(alice, acme).get(f"{P}/funnel?by=source")
    assert response.status_code == 200
    call_command("funnel", "--org", "acme", "--by", "source", "--json")
    assert response.json() == json.loads(capsys.readouterr().out)
    assert response.json()["stages"][2] == {
        "stage": "sql",
        "count": 1,
        "conversion_from_previous": 100.0,
        "median_days_from_previous": 7.0,
    }


def test_it_names_a_bad_query_parameter(acme, alice):
    response = api_as(alice, acme).get(f"{P}/funnel?by=colour&since=31/02/2026")
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert ("query", "by") in locs and ("query", "since") in locs


def test_it_decides_leads(acme, bob):
    client = api_as(bob, acme)
    lead = LeadFactory.create(organization=acme)
    other = LeadFactory.create(organization=acme)
    undecided = client.get(f"{P}/leads?undecided=true").json()
    assert len(undecided["items"]) == 2
    response = client.post(f"{P}/leads/{lead.pk}/accept")
    assert response.status_code == 200 and response.json()["stage"] == "accepted"
    response = client.post(f"{P}/leads/{other.pk}/reject", {"reason": "other"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "text"]
    response = client.post(f"{P}/leads/{other.pk}/reject", {"reason": "student_competitor"})
    assert response.json()["rejection_reason"] == "student_competitor"
    response = client.post(f"{P}/leads/{other.pk}/touch", {"at": "2026-03-02T12:00:00Z"})
    assert response.json()["first_touch_at"].startswith("2026-03-02T12:00")
    assert client.get(f"{P}/leads?undecided=true").json()["items"] == []


def test_it_refuses_to_decide_a_lead_that_is_no_mql(acme, bob):
    lead = LeadFactory.create(organization=acme, mql_at=None, stage="lead", mql_month="")
    response = api_as(bob, acme).post(f"{P}/leads/{lead.pk}/accept")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "lead_id"]


def test_it_proposes_and_agrees_through_the_api(acme, carol, sam):
    response = api_as(carol, acme).post(
        f"{P}/agreements",
        {
            "mql_definition": "ICP",
            "monthly_mql_commitment": 20,
            "first_touch_hours": 4,
            "decision_days": 2,
            "holidays": ["2026-12-25"],
        },
    )
    assert response.status_code == 201, response.content
    # Holidays given with an agreement join the organisation's calendar.
    assert response.json()["holidays"] == ["2026-12-25"]
    acme.refresh_from_db()
    assert acme.holidays == ["2026-12-25"]
    agreement_id = response.json()["id"]
    api_as(carol, acme).post(f"{P}/agreements/{agreement_id}/agree", {})
    response = api_as(sam.user, acme).post(f"{P}/agreements/{agreement_id}/agree", {})
    assert response.json()["status"] == "active"
    response = api_as(sam.user, acme).post(f"{P}/agreements/{agreement_id}/agree", {})
    assert response.status_code == 422


def test_it_lets_no_sales_member_propose(acme, bob):
    response = api_as(bob, acme).post(
        f"{P}/agreements",
        {
            "mql_definition": "x",
            "monthly_mql_commitment": 1,
            "first_touch_hours": 1,
            "decision_days": 1,
        },
    )
    assert response.status_code == 403
    assert "may not do this: propose" in response.json()["detail"]
    assert not HandoffAgreement.objects.exists()


def test_it_reports_imports_and_their_refused_rows(acme, alice):
    run = import_run_create(
        membership=acme.memberships.get(user=alice),
        kind="leads",
        format="hubspot",
        filename="contacts.csv",
        stored_path="",
        file_size=len(HUBSPOT_CONTACTS),
        enqueue=False,
    )
    run_import(run, io.BytesIO(HUBSPOT_CONTACTS.encode()))
    client = api_as(alice, acme)
    got = client.get(f"{P}/imports/{run.pk}").json()
    assert (got["status"], got["rows_imported"], got["rows_refused"]) == ("done", 3, 2)
    errors = client.get(f"{P}/imports/{run.pk}/errors").json()["items"]
    assert [e["row"] for e in errors] == [4, 5]


def test_it_gives_metric_values_and_compliance(acme, alice, agreement):
    LeadFactory.create(organization=acme)
    client = api_as(alice, acme)
    metrics = client.get(f"{P}/metrics?start=2026-03-01&end=2026-03-31").json()
    assert metrics["mql_to_sql_conversion"] == 0.0
    [month] = client.get(f"{P}/compliance").json()
    assert month["key"] == "2026-03" and month["mqls"] == 1 and month["commitment"] == 10
