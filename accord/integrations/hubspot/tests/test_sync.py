"""HubSpot sync against a real HTTP server on 127.0.0.1 answering like HubSpot's
CRM v3 API: search with paging, owners, 429 with Retry-After, 5xx, 401."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accord.integrations import crypto
from accord.integrations.hubspot import sync as hubspot_sync
from accord.integrations.hubspot import transport
from accord.integrations.services import crm_connection_save
from accord.integrations.tests.loopback import LoopbackServer
from accord.jobs.testing import run_queued_jobs
from accord.pipeline.models import (
    Account,
    Contact,
    CrmConnection,
    ImportRun,
    Lead,
    Opportunity,
    Stage,
)

TOKEN = "pat-na1-acme-test-token"


def iso(y, m, d, h=0):
    return datetime(y, m, d, h, tzinfo=UTC).isoformat().replace("+00:00", ".000Z")


def millis(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


class FakeHubSpot:
    """HubSpot's documented shapes: POST /crm/v3/objects/{type}/search, GET /crm/v3/owners/."""

    def __init__(self):
        self.objects = {
            "contacts": [
                {
                    "hs_object_id": "101",
                    "email": "ada@prospect.example",
                    "firstname": "Ada",
                    "lastname": "Lovelace",
                    "company": "Analytical",
                    "lifecyclestage": "marketingqualifiedlead",
                    "hs_analytics_source": "ORGANIC_SEARCH",
                    "hubspot_owner_id": "9",
                    "createdate": iso(2026, 3, 1, 9),
                    "hs_lifecyclestage_marketingqualifiedlead_date": iso(2026, 3, 2, 10),
                    "lastmodifieddate": iso(2026, 3, 2, 10),
                },
                {
                    "hs_object_id": "102",
                    "email": "grace@prospect.example",
                    "firstname": "Grace",
                    "lastname": "Hopper",
                    "lifecyclestage": "salesqualifiedlead",
                    "hs_lead_status": "OPEN_DEAL",
                    "createdate": iso(2026, 3, 1, 11),
                    "hs_lifecyclestage_marketingqualifiedlead_date": iso(2026, 3, 3, 12),
                    "hs_lifecyclestage_salesqualifiedlead_date": iso(2026, 3, 5, 9),
                    "hs_sa_first_engagement_date": iso(2026, 3, 3, 13),
                    "lastmodifieddate": iso(2026, 3, 5, 9),
                },
                {
                    "hs_object_id": "103",
                    "email": "ed@student.example",
                    "lifecyclestage": "bogusstage",
                    "createdate": iso(2026, 3, 1),
                    "lastmodifieddate": iso(2026, 3, 6),
                },
            ],
            "companies": [
                {
                    "hs_object_id": "501",
                    "name": "Analytical Engines",
                    "domain": "analytical.example",
                    "industry": "COMPUTER_SOFTWARE",
                    "country": "United Kingdom",
                    "hubspot_owner_id": "9",
                    "hs_lastmodifieddate": iso(2026, 3, 1),
                }
            ],
            "deals": [
                {
                    "hs_object_id": "701",
                    "dealname": "Analytical expansion",
                    "amount": "12500.5",
                    "deal_currency_code": "GBP",
                    "dealstage": "closedwon",
                    "hs_is_closed_won": "true",
                    "hs_is_closed": "true",
                    "createdate": iso(2026, 3, 5),
                    "closedate": iso(2026, 3, 30),
                    "hs_lastmodifieddate": iso(2026, 3, 30),
                }
            ],
        }
        self.failures: list[tuple[int, dict[str, str]]] = []
        self.server = LoopbackServer(self.handle)

    def handle(self, method, path, query, headers, body):
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return (
                401,
                {},
                {
                    "status": "error",
                    "message": "Authentication credentials not found.",
                    "category": "INVALID_AUTHENTICATION",
                },
            )
        if self.failures:
            status, extra = self.failures.pop(0)
            return (
                status,
                extra,
                {"status": "error", "message": "try again", "category": "RATE_LIMITS"},
            )
        if method == "GET" and path.rstrip("/") == "/crm/v3/owners":
            return (
                200,
                {},
                {
                    "results": [
                        {
                            "id": "9",
                            "email": "bob@acme.example",
                            "firstName": "Bob",
                            "lastName": "Seller",
                            "userId": 1,
                            "createdAt": iso(2025, 1, 1),
                            "updatedAt": iso(2025, 1, 1),
                            "archived": False,
                        }
                    ]
                },
            )
        parts = path.strip("/").split("/")
        if method == "POST" and parts[:3] == ["crm", "v3", "objects"] and parts[4] == "search":
            return 200, {}, self.search(parts[3], body)
        return 404, {}, {"status": "error", "message": "not found"}

    def search(self, object_type, body):
        modified = "lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"
        rows = sorted(self.objects[object_type], key=lambda r: r[modified])
        for group in body.get("filterGroups") or []:
            for f in group["filters"]:
                assert f["operator"] == "GTE"
                rows = [r for r in rows if millis(r[f["propertyName"]]) >= int(f["value"])]
        start = int(body.get("after") or 0)
        limit = int(body.get("limit") or 10)
        page = rows[start : start + limit]
        result = {
            "total": len(rows),
            "results": [
                {
                    "id": r["hs_object_id"],
                    "properties": {k: v for k, v in r.items() if k in body["properties"]},
                    "createdAt": r.get("createdate", iso(2026, 1, 1)),
                    "updatedAt": r[modified],
                    "archived": False,
                }
                for r in page
            ],
        }
        if start + limit < len(rows):
            result["paging"] = {"next": {"after": str(start + limit), "link": "?after=x"}}
        return result


@pytest.fixture
def hubspot(monkeypatch):
    fake = FakeHubSpot()
    monkeypatch.setattr(hubspot_sync, "PAGE_SIZE", 2)
    monkeypatch.setattr(transport, "BACKOFF_FACTOR", 0.01)
    yield fake
    fake.server.stop()


@pytest.fixture
def connection(acme, alice, bob, hubspot):
    conn = crm_connection_save(
        membership=acme.memberships.get(user=alice), system="hubspot", secret=TOKEN
    )
    conn.instance_url = hubspot.server.url
    conn.save()
    return conn


def test_it_syncs_contacts_companies_and_deals_page_by_page(acme, bob, connection, hubspot):
    counts = hubspot_sync.sync(connection)
    assert counts == {"companies": 1, "contacts": 3, "deals": 1}
    ada = Lead.objects.get(organization=acme, source_system="hubspot", source_id="101")
    assert ada.stage == Stage.MQL and ada.owner is not None and ada.owner.user == bob
    assert ada.mql_at == datetime(2026, 3, 2, 10, tzinfo=UTC)
    grace = Lead.objects.get(organization=acme, source_id="102")
    assert grace.stage == Stage.SQL and grace.accepted_at and grace.first_touch_at
    assert not Lead.objects.filter(organization=acme, source_id="103").exists()
    assert Contact.objects.filter(organization=acme, source_system="hubspot").count() == 3
    account = Account.objects.get(organization=acme, source_id="501")
    assert account.owner is not None and account.owner.user == bob
    assert account.region == "United Kingdom"
    deal = Opportunity.objects.get(organization=acme, source_id="701")
    assert deal.status == "won" and str(deal.amount) == "12500.50" and deal.currency == "GBP"
    searches = [r for r in hubspot.server.requests if r["path"].endswith("contacts/search")]
    assert [r["body"].get("after") for r in searches] == [None, "2"]
    assert all(r["body"]["limit"] == 2 for r in searches)
    run = ImportRun.objects.get(organization=acme, kind="leads", filename="HubSpot sync")
    [error] = run.row_errors.all()
    assert error.column == "lifecyclestage" and "bogusstage" in error.message


def test_it_reads_a_portal_stage_through_the_saved_stage_mapping(acme, alice, connection, hubspot):
    from accord.pipeline.services import stage_mapping_save

    stage_mapping_save(membership=acme.memberships.get(user=alice), stages={"bogusstage": "mql"})
    hubspot_sync.sync(connection)
    ed = Lead.objects.get(organization=acme, source_system="hubspot", source_id="103")
    assert ed.stage == Stage.MQL and ed.mql_at == datetime(2026, 3, 1, tzinfo=UTC)
    run = ImportRun.objects.get(organization=acme, kind="leads", filename="HubSpot sync")
    assert not run.row_errors.exists()


def test_it_syncs_only_what_changed_since_the_last_time(acme, connection, hubspot):
    hubspot_sync.sync(connection)
    hubspot.server.requests.clear()
    hubspot.objects["contacts"][0]["firstname"] = "Augusta Ada"
    hubspot.objects["contacts"][0]["lastmodifieddate"] = iso(2026, 3, 10)
    hubspot_sync.sync(connection)
    search = next(r for r in hubspot.server.requests if r["path"].endswith("contacts/search"))
    [flt] = search["body"]["filterGroups"][0]["filters"]
    assert flt["propertyName"] == "lastmodifieddate" and int(flt["value"]) == millis(
        iso(2026, 3, 6)
    )
    assert Lead.objects.get(organization=acme, source_id="101").name == "Augusta Ada Lovelace"
    assert Lead.objects.filter(organization=acme).count() == 2


def test_it_waits_out_rate_limits_and_server_errors(acme, connection, hubspot):
    hubspot.failures = [(429, {"Retry-After": "1"}), (502, {}), (503, {})]
    hubspot_sync.sync(connection)
    assert Lead.objects.filter(organization=acme).count() == 2
    statuses = len(hubspot.server.requests)
    assert statuses > 3


def test_it_records_a_refused_token_and_keeps_the_schedule(acme, connection, hubspot):
    CrmConnection.objects.filter(pk=connection.pk).update(secret=crypto.encrypt("wrong"))
    run_queued_jobs()
    connection.refresh_from_db()
    assert "401" in connection.last_error or "Unauthorized" in connection.last_error
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(status="READY").exists()  # the next sync is queued
