"""Salesforce sync against a real HTTPS server on 127.0.0.1 answering like the
REST API's query resource: nextRecordsUrl paging, 429/503, INVALID_SESSION_ID."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from accord.integrations.salesforce import sync as sf_sync
from accord.integrations.salesforce import transport
from accord.integrations.services import crm_connection_save
from accord.integrations.tests.loopback import LoopbackServer
from accord.pipeline.models import Account, Campaign, Lead, Opportunity, Stage

TOKEN = "00Dacme!session-token"
BASE = "/services/data/v59.0"


def stamp(y, m, d, h=0):
    return datetime(y, m, d, h, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def sobject(kind, **fields):
    record = {"attributes": {"type": kind, "url": f"{BASE}/sobjects/{kind}/{fields['Id']}"}}
    record.update(fields)
    return record


class FakeSalesforce:
    """GET /services/data/v59.0/query?q=SOQL and GET nextRecordsUrl, 2 records a page."""

    def __init__(self):
        owner = {"attributes": {"type": "User"}, "Email": "bob@acme.example"}
        self.objects = {
            "Campaign": [
                sobject(
                    "Campaign",
                    Id="7011",
                    Name="Acme spring webinar",
                    Type="Webinar",
                    StartDate="2026-02-01",
                    ActualCost=1500.0,
                    SystemModstamp=stamp(2026, 2, 1),
                ),
            ],
            "Account": [
                sobject(
                    "Account",
                    Id="0011",
                    Name="Initech",
                    Website="initech.example",
                    Industry="Technology",
                    BillingCountry="US",
                    Owner=owner,
                    SystemModstamp=stamp(2026, 2, 2),
                ),
            ],
            "Lead": [
                sobject(
                    "Lead",
                    Id=f"00Q{i}",
                    Email=f"l{i}@prospect.example",
                    FirstName="Lead",
                    LastName=str(i),
                    Company="Initech",
                    LeadSource="Web",
                    Status=status,
                    Owner=owner,
                    CreatedDate=stamp(2026, 3, i + 1, 10),
                    ConvertedDate=None,
                    SystemModstamp=stamp(2026, 3, i + 1, 11),
                )
                for i, status in enumerate(
                    ["Open - Not Contacted", "Working - Contacted", "Closed - Not Converted"]
                )
            ],
            "Opportunity": [
                sobject(
                    "Opportunity",
                    Id="0061",
                    Name="Initech platform",
                    AccountId="0011",
                    Amount=48000.0,
                    StageName="Closed Won",
                    IsWon=True,
                    IsClosed=True,
                    CreatedDate=stamp(2026, 3, 5),
                    CloseDate="2026-04-20",
                    LeadSource="Web",
                    Campaign={"attributes": {"type": "Campaign"}, "Name": "Acme spring webinar"},
                    Owner=owner,
                    SystemModstamp=stamp(2026, 4, 20),
                ),
            ],
        }
        self.failures: list[tuple[int, dict[str, str]]] = []
        self.pages: dict[str, list[dict[str, Any]]] = {}
        self.server = LoopbackServer(self.handle, tls=True)

    def handle(self, method, path, query, headers, body):
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return (
                401,
                {},
                [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
            )
        if self.failures:
            status, extra = self.failures.pop(0)
            return status, extra, [{"message": "Try later", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
        if path.rstrip("/") == f"{BASE}/query":
            soql = query["q"]
            found = re.search(r"FROM (\w+)", soql)
            assert found is not None, soql
            kind = found.group(1)
            rows = sorted(self.objects[kind], key=lambda r: r["SystemModstamp"])
            since = re.search(r"SystemModstamp >= (\S+)", soql)
            if since:
                limit = datetime.fromisoformat(since.group(1).replace("Z", "+00:00"))
                rows = [r for r in rows if datetime.fromisoformat(r["SystemModstamp"]) >= limit]
            return 200, {}, self.page(kind, rows, 0)
        match = re.fullmatch(rf"{BASE}/query/(\w+)-(\d+)", path)
        if match:
            return (
                200,
                {},
                self.page(match.group(1), self.pages[match.group(1)], int(match.group(2))),
            )
        return 404, {}, [{"message": "Not found", "errorCode": "NOT_FOUND"}]

    def page(self, kind, rows, start):
        self.pages[kind] = rows
        chunk = rows[start : start + 2]
        done = start + 2 >= len(rows)
        result = {"totalSize": len(rows), "done": done, "records": chunk}
        if not done:
            result["nextRecordsUrl"] = f"{BASE}/query/{kind}-{start + 2}"
        return result


@pytest.fixture
def salesforce(monkeypatch):
    fake = FakeSalesforce()
    monkeypatch.setattr(transport, "BACKOFF_FACTOR", 0.01)
    yield fake
    fake.server.stop()


@pytest.fixture
def connection(acme, alice, bob, salesforce):
    return crm_connection_save(
        membership=acme.memberships.get(user=alice),
        system="salesforce",
        secret=TOKEN,
        instance_url=salesforce.server.url,
    )


def http(fake):
    session = transport.session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
    session.verify = fake.server.cafile
    return session


def test_it_syncs_campaigns_accounts_leads_and_opportunities(acme, bob, connection, salesforce):
    counts = sf_sync.sync(connection, http=http(salesforce))
    assert counts == {"Campaign": 1, "Account": 1, "Lead": 3, "Opportunity": 1}
    campaign = Campaign.objects.get(organization=acme, source_system="salesforce")
    assert campaign.name == "Acme spring webinar" and campaign.channel == "Webinar"
    account = Account.objects.get(organization=acme, source_id="0011")
    assert account.owner is not None and account.owner.user == bob
    open_lead, working, closed = Lead.objects.filter(organization=acme).order_by("source_id")
    assert open_lead.stage == Stage.MQL and open_lead.mql_month == "2026-03"
    assert working.accepted_at is not None and working.first_touch_at is not None
    assert closed.stage == Stage.REJECTED
    deal = Opportunity.objects.get(organization=acme, source_id="0061")
    assert deal.account == account and deal.primary_campaign == campaign
    assert deal.status == "won" and deal.amount == 48000
    more = [r for r in salesforce.server.requests if r["path"].endswith("/query/Lead-2")]
    assert len(more) == 1  # the second page came from nextRecordsUrl


def test_it_asks_only_for_changes_since_the_last_sync(acme, connection, salesforce):
    sf_sync.sync(connection, http=http(salesforce))
    salesforce.server.requests.clear()
    sf_sync.sync(connection, http=http(salesforce))
    lead_query = next(
        r["query"]["q"]
        for r in salesforce.server.requests
        if "FROM Lead" in r["query"].get("q", "")
    )
    assert "SystemModstamp >= 2026-03-03T11:00:00Z" in lead_query
    assert Lead.objects.filter(organization=acme).count() == 3


def test_it_backs_off_on_429_and_5xx(acme, connection, salesforce):
    salesforce.failures = [(429, {"Retry-After": "1"}), (503, {})]
    sf_sync.sync(connection, http=http(salesforce))
    assert Lead.objects.filter(organization=acme).count() == 3


def test_it_fails_clearly_on_an_expired_session(acme, connection, salesforce):
    from accord.integrations import crypto

    connection.secret = crypto.encrypt("expired")
    with pytest.raises(Exception, match=r"INVALID_SESSION_ID|Session expired"):
        sf_sync.sync(connection, http=http(salesforce))
