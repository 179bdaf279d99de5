"""Every list that grows pages by keyset, in its page and its API operation alike.

For each list: rows sharing their sort key (ties broken by id) are each seen
exactly once walking forward two at a time and again walking back; a cursor
the list did not give out is a 400 naming the parameter; another
organisation's rows never appear.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse

from accord.feedback.models import FollowUp, Response
from accord.goals.models import ActivityLog, ActivityType, ContentAsset, ContentUsage
from accord.lib.keyset import BadCursor, Segment, keyset_page
from accord.mail.models import CapturedMessage
from accord.orgs.models import AuditEvent, Organization, TeamKind
from accord.orgs.tests.factories import team_of
from accord.pipeline.models import (
    AgreementStatus,
    BreachKind,
    HandoffAgreement,
    ImportRowError,
    ImportRun,
    Lead,
    SlaBreach,
)
from accord.pipeline.tests.factories import LeadFactory
from accord.tests.api import API, api_as

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
# Seven rows on three sort-key values: every page boundary falls inside a tie.
TIES = [0, 0, 0, 1, 1, 2, 2]


@dataclass(frozen=True)
class Listing:
    """One list under test: how to fill it, where its page and operation live."""

    fill: Callable[[Organization, Any], Any]  # rows for an organisation; returns the scope
    rows: Callable[[Organization, Any], QuerySet[Any]]  # every row, in the list's order
    page: Callable[[Any], str]  # the page's address for the scope
    api: Callable[[Any], str] | None  # the API operation's path, if it has one
    views: tuple[str, ...]  # the view modules whose PAGE_SIZE sets the page's size
    key: Callable[[Any], Any] = lambda item: item["id"]
    row_key: Callable[[Any], Any] = lambda row: row.pk


def _responses(org: Organization, _: Any) -> None:
    for tie in TIES:
        Response.objects.create(
            organization=org,
            score=3,
            category="detractor",
            created_at=T0 + dt.timedelta(hours=tie),
            month=T0.date().replace(day=1),
        )


def _followups(org: Organization, _: Any) -> None:
    _responses(org, None)
    for n, response in enumerate(Response.objects.filter(organization=org).order_by("id")):
        FollowUp.objects.create(
            organization=org,
            response=response,
            kind="recovery",
            due_at=T0 + dt.timedelta(days=TIES[n]),
        )


def _activity(org: Organization, _: Any) -> None:
    owner = org.memberships.get(role="owner")
    for tie in TIES:
        ActivityLog.objects.create(
            organization=org,
            member=owner,
            team=team_of(org, TeamKind.SALES),
            activity_type=ActivityType.PIPELINE_REVIEW,
            occurred_on=T0.date() - dt.timedelta(days=tie),
        )


def _uses(org: Organization, _: Any) -> ContentAsset:
    owner = org.memberships.get(role="owner")
    asset = ContentAsset.objects.create(
        organization=org, title="Case", kind="case_study", url="https://x.example/c"
    )
    for tie in TIES:
        ContentUsage.objects.create(
            organization=org, asset=asset, member=owner, used_on=T0.date() - dt.timedelta(days=tie)
        )
    return asset


def _run(org: Organization) -> ImportRun:
    return ImportRun.objects.create(
        organization=org, kind="leads", format="generic", filename="leads.csv", created_at=T0
    )


def _imports(org: Organization, _: Any) -> None:
    for tie in TIES:
        ImportRun.objects.create(
            organization=org,
            kind="leads",
            format="generic",
            filename="leads.csv",
            created_at=T0 + dt.timedelta(hours=tie),
        )


def _row_errors(org: Organization, _: Any) -> ImportRun:
    run = _run(org)
    for n, tie in enumerate(TIES):
        ImportRowError.objects.create(
            organization=org, run=run, row=2 + tie, column=f"c{n}", message="Bad date"
        )
    return run


def _audit(org: Organization, _: Any) -> None:
    for tie in TIES:
        AuditEvent.objects.create(
            organization=org,
            action="test.event",
            object_type="thing",
            created_at=T0 + dt.timedelta(hours=tie),
        )


def _outbox(org: Organization, _: Any) -> None:
    for tie in TIES:
        CapturedMessage.objects.create(
            organization=org,
            from_email="accord@x.example",
            subject="Hello",
            text_body="Hi",
            created_at=T0 + dt.timedelta(hours=tie),
        )


def _leads(org: Organization, _: Any) -> None:
    for tie in TIES:
        LeadFactory.create(organization=org, mql_at=T0 + dt.timedelta(hours=tie))
    # Never qualified: listed after every MQL.
    LeadFactory.create(organization=org, mql_at=None)
    LeadFactory.create(organization=org, mql_at=None)


def _breaches(org: Organization, _: Any) -> None:
    # The compliance page lists breaches under an active agreement.
    HandoffAgreement.objects.create(
        organization=org,
        version=1,
        mql_definition="Demo request",
        monthly_mql_commitment=10,
        first_touch_hours=4,
        decision_days=2,
        day_start=dt.time(9),
        day_end=dt.time(17),
        status=AgreementStatus.ACTIVE,
    )
    for tie in TIES:
        lead = LeadFactory.create(organization=org, mql_at=T0)
        SlaBreach.objects.create(
            organization=org,
            lead=lead,
            kind=BreachKind.FIRST_TOUCH,
            due_at=T0 + dt.timedelta(hours=tie),
        )


def _page(name: str, pk: Callable[[Any], int] | None = None) -> Callable[[Any], str]:
    def address(scope: Any) -> str:
        kwargs: dict[str, Any] = {"org_slug": "acme"}
        if pk is not None:
            kwargs["pk"] = pk(scope)
        return reverse(name, kwargs=kwargs)

    return address


LISTS = {
    "responses": Listing(
        _responses,
        lambda org, _: Response.objects.filter(organization=org).order_by("-created_at", "-id"),
        _page("feedback_responses"),
        lambda _: "/feedback/responses",
        ("accord.feedback.views",),
    ),
    "follow-ups": Listing(
        _followups,
        lambda org, _: FollowUp.objects.filter(organization=org).order_by("due_at", "id"),
        _page("feedback_followups"),
        lambda _: "/feedback/followups",
        ("accord.feedback.views",),
    ),
    "activity logs": Listing(
        _activity,
        lambda org, _: ActivityLog.objects.filter(organization=org).order_by("-occurred_on", "-id"),
        _page("goals_activity"),
        lambda _: "/goals/activity-logs",
        ("accord.goals.views.activity",),
    ),
    "content uses": Listing(
        _uses,
        lambda org, asset: ContentUsage.objects.filter(asset=asset).order_by("-used_on", "-id"),
        _page("goals_content_asset", lambda asset: asset.pk),
        lambda asset: f"/goals/content/{asset.pk}/uses",
        ("accord.goals.views.content",),
    ),
    "imports": Listing(
        _imports,
        lambda org, _: ImportRun.objects.filter(organization=org).order_by("-created_at", "-id"),
        _page("pipeline_imports"),
        lambda _: "/pipeline/imports",
        ("accord.pipeline.views",),
    ),
    "import errors": Listing(
        _row_errors,
        lambda org, run: ImportRowError.objects.filter(run=run).order_by("row", "id"),
        _page("pipeline_import", lambda run: run.pk),
        lambda run: f"/pipeline/imports/{run.pk}/errors",
        ("accord.pipeline.views",),
        key=lambda item: item["column"],
        row_key=lambda row: row.column,
    ),
    "breaches": Listing(
        _breaches,
        lambda org, _: SlaBreach.objects.filter(organization=org).order_by("-due_at", "-id"),
        _page("pipeline_compliance"),
        None,  # the compliance page only
        ("accord.pipeline.views",),
    ),
    "audit": Listing(
        _audit,
        lambda org, _: AuditEvent.objects.filter(organization=org).order_by("-created_at", "-id"),
        _page("org_audit"),
        lambda _: "/audit",
        ("accord.orgs.views",),
    ),
    "outbox": Listing(
        _outbox,
        lambda org, _: CapturedMessage.objects.filter(organization=org).order_by(
            "-created_at", "-id"
        ),
        _page("org_outbox"),
        None,  # the Outbox is a page only
        ("accord.orgs.views",),
    ),
}


def _fill(listing: Listing, acme: Organization, globex: Organization) -> Any:
    listing.fill(globex, None)  # never to be seen
    return listing.fill(acme, None)


def _walk(get: Callable[[str | None], tuple[list[Any], str | None, str | None]]) -> list[Any]:
    """Every item forward two at a time, checking the walk back sees the same pages."""
    forward: list[list[Any]] = []
    cursor = None
    while True:
        items, following, previous = get(cursor)
        forward.append(items)
        if following is None:
            break
        cursor = following
    back: list[list[Any]] = []
    while previous is not None:
        items, _, previous = get(previous)
        back.insert(0, items)
    assert back == forward[:-1]
    return [item for page in forward for item in page]


# The Outbox is a page only: it has no API operation to walk.
@pytest.mark.parametrize("name", [name for name, listing in LISTS.items() if listing.api])
def test_it_walks_the_api_list_forward_and_back_once_each(name, acme, alice, globex):
    listing = LISTS[name]
    operation = listing.api
    assert operation is not None
    scope = _fill(listing, acme, globex)
    client = api_as(alice, acme)

    def get(cursor: str | None) -> tuple[list[Any], str | None, str | None]:
        params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = client.get(API + operation(scope), params)
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body
        return [listing.key(i) for i in body["items"]], body["next"], body["previous"]

    seen = _walk(get)
    assert seen == [listing.row_key(row) for row in listing.rows(acme, scope)]


@pytest.mark.parametrize("name", LISTS)
def test_it_walks_the_page_forward_and_back_once_each(name, acme, alice, globex, monkeypatch):
    listing = LISTS[name]
    for module in listing.views:
        monkeypatch.setattr(importlib.import_module(module), "PAGE_SIZE", 2)
    scope = _fill(listing, acme, globex)
    client = Client()
    client.force_login(alice)
    address = listing.page(scope)

    def get(cursor: str | None) -> tuple[list[Any], str | None, str | None]:
        response = client.get(address, {"cursor": cursor} if cursor else {})
        assert response.status_code == 200
        page = response.context["page"]
        html = response.content.decode()
        for link in (page.next, page.previous):
            if link:
                assert f"cursor={link}" in html
        assert "Page 1 of" not in html
        return [listing.row_key(row) for row in page.items], page.next, page.previous

    seen = _walk(get)
    assert seen == [listing.row_key(row) for row in listing.rows(acme, scope)]


@pytest.mark.parametrize("name", LISTS)
def test_it_refuses_a_cursor_it_did_not_give_naming_the_parameter(name, acme, alice, globex):
    listing = LISTS[name]
    scope = _fill(listing, acme, globex)
    client = Client()
    client.force_login(alice)
    # Not base64; a JSON array of the wrong shape; an infinite key; an id
    # beyond what the database holds.
    for bad in (
        "drop-table",
        "WzFd",
        "WyJuIiwwLFsxZTk5OSwxXV0",
        "WyJuIiwwLFsiMjAyNi0wMy0wMlQwOTowMDowMCswMDowMCIsOTk5OTk5OTk5OTldXQ",
    ):
        page = client.get(listing.page(scope), {"cursor": bad})
        assert page.status_code == 400
        assert "cursor: not a position in this list" in page.content.decode()
        if listing.api is not None:
            response = api_as(alice, acme).get(API + listing.api(scope), {"cursor": bad})
            assert response.status_code == 400
            assert response.json()["detail"].startswith("cursor:")


def test_it_lists_leads_newest_mql_first_then_the_unqualified_once_each(acme, alice, globex):
    _leads(globex, None)
    _leads(acme, None)
    client = api_as(alice, acme)

    def get(cursor: str | None) -> tuple[list[Any], str | None, str | None]:
        params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get(f"{API}/pipeline/leads", params).json()
        return [i["id"] for i in body["items"]], body["next"], body["previous"]

    mine = Lead.objects.filter(organization=acme)
    expected = list(
        mine.filter(mql_at__isnull=False).order_by("-mql_at", "-id").values_list("id", flat=True)
    ) + list(mine.filter(mql_at__isnull=True).order_by("-id").values_list("id", flat=True))
    assert _walk(get) == expected

    def undecided(cursor: str | None) -> tuple[list[Any], str | None, str | None]:
        params: dict[str, str | int] = {
            "limit": 2,
            "undecided": "true",
            **({"cursor": cursor} if cursor else {}),
        }
        body = client.get(f"{API}/pipeline/leads", params).json()
        return [i["id"] for i in body["items"]], body["next"], body["previous"]

    queue = mine.filter(mql_at__isnull=False).order_by("mql_at", "id")
    assert _walk(undecided) == list(queue.values_list("id", flat=True))
    response = client.get(f"{API}/pipeline/leads", {"cursor": "WyJuIiw1LFsxXV0"})
    assert response.status_code == 400 and response.json()["detail"].startswith("cursor:")


def test_it_refuses_cursors_of_another_shape_naming_the_parameter(acme):
    rows = AuditEvent.objects.filter(organization=acme)
    order = ("-created_at", "-id")
    assert keyset_page(rows, order=order, size=1).previous is None
    bad = [
        "x" * 600,  # longer than any cursor written
        "WyJuIiwwLFsiMjAyNi0wMy0wMlQwOTowMDowMCIsMV1d",  # a time without its offset
        "WyJuIiwwLFt0cnVlLDFdXQ",  # a boolean key
        "WyJ4IiwwLFsxLDFdXQ",  # no such direction
        "WyJuIiw1LFsxXV0",  # no such segment
    ]
    for text in bad:
        with pytest.raises(BadCursor, match=r"^after: not a position"):
            keyset_page([Segment(rows, order)], cursor=text, size=1, parameter="after")


def test_it_reads_no_offset_and_no_count(acme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _audit(acme, None)
    rows = AuditEvent.objects.filter(organization=acme)
    first = keyset_page(rows, order=("-created_at", "-id"), size=2)
    with CaptureQueriesContext(connection) as queries:
        keyset_page(rows, order=("-created_at", "-id"), cursor=first.next, size=2)
    assert len(queries.captured_queries) == 1
    sql = queries.captured_queries[0]["sql"].upper()
    assert "OFFSET" not in sql and "COUNT(" not in sql and "LIMIT 3" in sql
