"""Incremental sync from Salesforce: Campaign, Account, Lead and Opportunity,
by ``SystemModstamp``.

Each object keeps a cursor (the latest SystemModstamp synced); a query asks
for ``SystemModstamp >= cursor`` so a record changed in the same second as the
last one is not missed (seeing one twice is harmless: every write is an
upsert by Salesforce id). ``query_all_iter`` follows ``nextRecordsUrl`` pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
from django.utils import timezone

from accord.integrations import crypto
from accord.integrations.salesforce.transport import client_for
from accord.pipeline.importer import Importer
from accord.pipeline.models import Campaign, CrmConnection, ImportKind, ImportRun, SourceSystem

LEAD_FIELDS = {
    "source_id": "Id",
    "email": "Email",
    "first_name": "FirstName",
    "last_name": "LastName",
    "company": "Company",
    "source": "LeadSource",
    "owner": "Owner.Email",
    "status": "Status",
    "created_at": "CreatedDate",
    "opportunity_at": "ConvertedDate",
    "updated_at": "SystemModstamp",
}
ACCOUNT_FIELDS = {
    "source_id": "Id",
    "name": "Name",
    "domain": "Website",
    "industry": "Industry",
    "region": "BillingCountry",
    "owner": "Owner.Email",
}
OPPORTUNITY_FIELDS = {
    "source_id": "Id",
    "name": "Name",
    "account": "AccountId",
    "amount": "Amount",
    "stage": "StageName",
    "won": "IsWon",
    "closed": "IsClosed",
    "created_on": "CreatedDate",
    "close_date": "CloseDate",
    "source": "LeadSource",
    "primary_campaign": "Campaign.Name",
    "owner": "Owner.Email",
}
CAMPAIGN_FIELDS = ["Id", "Name", "Type", "StartDate", "ActualCost"]
OBJECTS: list[tuple[str, dict[str, str], str]] = [
    ("Account", ACCOUNT_FIELDS, ImportKind.ACCOUNTS),
    ("Lead", LEAD_FIELDS, ImportKind.LEADS),
    ("Opportunity", OPPORTUNITY_FIELDS, ImportKind.OPPORTUNITIES),
]


def _soql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"  # Salesforce writes +0000
    return datetime.fromisoformat(text)


def _get(record: dict[str, Any], dotted: str) -> str:
    value: Any = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def query(
    client: Any, sobject: str, fields: list[str], since: datetime | None
) -> Iterator[dict[str, Any]]:
    """Every ``sobject`` changed at or after ``since``, oldest change first."""
    columns = ", ".join(dict.fromkeys([*fields, "SystemModstamp"]))
    where = f" WHERE SystemModstamp >= {_soql_time(since)}" if since else ""
    soql = f"SELECT {columns} FROM {sobject}{where} ORDER BY SystemModstamp ASC"  # noqa: S608
    yield from client.query_all_iter(soql)


def sync(connection: CrmConnection, *, http: requests.Session | None = None) -> dict[str, int]:
    """Pull what changed since the last sync; return how many records per object."""
    client = client_for(
        crypto.decrypt(connection.secret), instance_url=connection.instance_url, http=http
    )
    cursor = dict(connection.cursor)
    counts: dict[str, int] = {}
    newest = _parse(cursor.get("Campaign"))
    n = 0
    for record in query(client, "Campaign", CAMPAIGN_FIELDS, newest):
        _campaign_upsert(connection, record)
        stamp = _parse(record.get("SystemModstamp"))
        newest = max(filter(None, [newest, stamp]), default=None)
        n += 1
    counts["Campaign"] = n
    if newest:
        cursor["Campaign"] = newest.isoformat()
    for sobject, fields, kind in OBJECTS:
        since = _parse(cursor.get(sobject))
        newest = since
        batch: list[dict[str, str]] = []
        n = 0
        for record in query(client, sobject, list(fields.values()), since):
            batch.append({field: _get(record, name) for field, name in fields.items()})
            stamp = _parse(record.get("SystemModstamp"))
            newest = max(filter(None, [newest, stamp]), default=None)
            n += 1
            if len(batch) >= 5000:
                _store(connection, kind, batch, fields)
                batch = []
        _store(connection, kind, batch, fields)
        counts[sobject] = n
        if newest:
            cursor[sobject] = newest.isoformat()
            CrmConnection.objects.filter(pk=connection.pk).update(cursor=cursor)
    CrmConnection.objects.filter(pk=connection.pk).update(
        cursor=cursor, last_synced_at=timezone.now(), last_error=""
    )
    connection.cursor = cursor
    return counts


def _campaign_upsert(connection: CrmConnection, record: dict[str, Any]) -> None:
    try:
        cost = Decimal(str(record["ActualCost"])) if record.get("ActualCost") is not None else None
    except InvalidOperation:
        cost = None
    started = record.get("StartDate")
    Campaign.objects.update_or_create(
        organization=connection.organization,
        source_system=SourceSystem.SALESFORCE,
        source_id=str(record["Id"]),
        defaults={
            "name": str(record.get("Name") or record["Id"])[:200],
            "channel": str(record.get("Type") or "")[:80],
            "started_on": datetime.fromisoformat(started).date() if started else None,
            "cost": cost,
        },
    )


def _store(
    connection: CrmConnection, kind: str, batch: list[dict[str, str]], fields: dict[str, str]
) -> None:
    if not batch:
        return
    run = ImportRun.objects.create(
        organization=connection.organization,
        kind=kind,
        format="salesforce",
        filename="Salesforce sync",
    )
    Importer(run).execute_records(batch, labels=fields)
