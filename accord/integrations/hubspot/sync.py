"""Incremental sync from HubSpot: contacts (as leads and contacts), companies
(as accounts) and deals (as opportunities), by last-modified date.

Each object type keeps a cursor, the latest last-modified time synced. The CRM
search API returns at most 10,000 results per query, so after that many the
query starts again from the latest time seen. Records go through the same
checks and bulk upsert as a CSV import (an import run named "HubSpot sync"
shows the counts and any refused records).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from accord.integrations import crypto
from accord.integrations.hubspot.transport import client_for
from accord.pipeline.import_parsing import HUBSPOT_CONTACT_PROPERTIES
from accord.pipeline.importer import Importer
from accord.pipeline.models import CrmConnection, ImportKind, ImportRun

PAGE_SIZE = 100
SEARCH_LIMIT = 10_000

CONTACT_FIELDS = HUBSPOT_CONTACT_PROPERTIES
COMPANY_FIELDS = {
    "source_id": "hs_object_id",
    "name": "name",
    "domain": "domain",
    "industry": "industry",
    "region": "country",
    "owner": "hubspot_owner_id",
}
DEAL_FIELDS = {
    "source_id": "hs_object_id",
    "name": "dealname",
    "amount": "amount",
    "currency": "deal_currency_code",
    "stage": "dealstage",
    "won": "hs_is_closed_won",
    "closed": "hs_is_closed",
    "created_on": "createdate",
    "close_date": "closedate",
    "source": "hs_analytics_source",
    "owner": "hubspot_owner_id",
}
# object type -> (its last-modified property, fields, Accord kinds it feeds)
OBJECTS: dict[str, tuple[str, dict[str, str], list[str]]] = {
    "companies": ("hs_lastmodifieddate", COMPANY_FIELDS, [ImportKind.ACCOUNTS]),
    "contacts": ("lastmodifieddate", CONTACT_FIELDS, [ImportKind.LEADS, ImportKind.CONTACTS]),
    "deals": ("hs_lastmodifieddate", DEAL_FIELDS, [ImportKind.OPPORTUNITIES]),
}


def _millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value)
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def owners_by_id(client: Any) -> dict[str, str]:
    """HubSpot owner id -> email, so records land with their Accord owner."""
    owners: dict[str, str] = {}
    after = None
    while True:
        page = client.crm.owners.owners_api.get_page(limit=500, after=after)
        for owner in page.results or []:
            if owner.email:
                owners[str(owner.id)] = owner.email
        nxt = page.paging.next.after if page.paging and page.paging.next else None
        if not nxt:
            return owners
        after = nxt


def search(
    client: Any,
    object_type: str,
    modified_property: str,
    properties: list[str],
    since: datetime | None,
) -> Iterator[tuple[dict[str, Any], datetime | None]]:
    """Every record modified at or after ``since``, oldest change first, with its time."""
    from hubspot.crm.objects import PublicObjectSearchRequest  # type: ignore[import-untyped]

    api = getattr(client.crm, object_type).search_api
    cursor = since
    while True:
        after: str | None = None
        fetched = 0
        last_seen = cursor
        while True:
            filters = []
            if cursor is not None:
                filters = [
                    {
                        "filters": [
                            {
                                "propertyName": modified_property,
                                "operator": "GTE",
                                "value": _millis(cursor),
                            }
                        ]
                    }
                ]
            request = PublicObjectSearchRequest(
                filter_groups=filters,
                sorts=[{"propertyName": modified_property, "direction": "ASCENDING"}],
                properties=properties,
                limit=PAGE_SIZE,
                after=after,
            )
            page = api.do_search(public_object_search_request=request)
            for record in page.results or []:
                props = dict(record.properties or {})
                props.setdefault("hs_object_id", str(record.id))
                modified = _parse(props.get(modified_property)) or record.updated_at
                last_seen = modified or last_seen
                fetched += 1
                yield props, modified
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after:
                return
            if fetched + PAGE_SIZE > SEARCH_LIMIT:
                break  # the search stops at 10,000: start again from the latest time seen
        if last_seen == cursor:
            return  # 10,000 records changed at one moment: nothing more can be asked
        cursor = last_seen


def sync(connection: CrmConnection) -> dict[str, int]:
    """Pull what changed since the last sync; return how many records per object."""
    client = client_for(crypto.decrypt(connection.secret), host=connection.instance_url)
    owners = owners_by_id(client)
    counts: dict[str, int] = {}
    cursor = dict(connection.cursor)
    for object_type, (modified_property, fields, kinds) in OBJECTS.items():
        since = _parse(cursor.get(object_type))
        records: list[dict[str, str]] = []
        total = 0
        newest = since
        for props, modified in search(
            client, object_type, modified_property, sorted(set(fields.values())), since
        ):
            record = {field: str(props.get(name) or "") for field, name in fields.items()}
            if record.get("owner"):
                record["owner"] = owners.get(record["owner"], "")
            records.append(record)
            total += 1
            if modified and (newest is None or modified > newest):
                newest = modified
            if len(records) >= 5000:
                _store(connection, kinds, records, fields)
                records = []
        _store(connection, kinds, records, fields)
        counts[object_type] = total
        if newest is not None:
            cursor[object_type] = newest.isoformat()
            CrmConnection.objects.filter(pk=connection.pk).update(cursor=cursor)
    CrmConnection.objects.filter(pk=connection.pk).update(
        cursor=cursor, last_synced_at=timezone.now(), last_error=""
    )
    connection.cursor = cursor
    return counts


def _store(
    connection: CrmConnection,
    kinds: list[str],
    records: list[dict[str, str]],
    fields: dict[str, str],
) -> None:
    if not records:
        return
    for kind in kinds:
        run = ImportRun.objects.create(
            organization=connection.organization,
            kind=kind,
            format="hubspot",
            filename="HubSpot sync",
        )
        Importer(run).execute_records(records, labels=fields)
