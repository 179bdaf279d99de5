"""Acme's objects for the outsider test (see accord/orgs/tests/outsider.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accord.meetings import services
from accord.meetings.models import ActionItem, AgendaItem, Issue, MeetingSeries, Occurrence
from accord.orgs.models import Membership, Organization, TeamKind


def _world(acme: Organization, owner: Membership) -> dict[str, Any]:
    """One of each of Acme's meetings objects (made once per test)."""
    series = MeetingSeries.objects.filter(organization=acme).first()
    if series is None:
        sales = Membership.objects.filter(organization=acme, team__kind=TeamKind.SALES).first()
        marketing = Membership.objects.filter(
            organization=acme, team__kind=TeamKind.MARKETING
        ).first()
        people = [m for m in (owner, sales, marketing) if m is not None]
        series = services.series_create(
            membership=owner,
            name="Acme secret meeting",
            start_date=dt.date.today() + dt.timedelta(days=3),
            start_time=dt.time(10, 0),
            attendees=people,
        )
        occurrence = Occurrence.objects.filter(series=series).order_by("starts_at").first()
        assert occurrence is not None
        item = services.agenda_item_add(
            membership=owner, occurrence=occurrence, title="Acme secret item"
        )
        services.action_item_create(
            membership=owner,
            title="Acme secret action",
            owner=owner,
            due_on=dt.date.today(),
            agenda_item=item,
        )
        services.issue_raise(membership=owner, title="Acme secret issue")
    occurrence = Occurrence.objects.filter(series=series).order_by("starts_at").first()
    return {
        "series": series,
        "occurrence": occurrence,
        "item": AgendaItem.objects.filter(organization=acme).first(),
        "action": ActionItem.objects.filter(organization=acme).first(),
        "issue": Issue.objects.filter(organization=acme).first(),
    }


def page_objects(acme: Organization, owner: Membership) -> dict[str, dict[str, Any]]:
    w = _world(acme, owner)
    series = {"pk": w["series"].pk}
    occurrence = {"pk": w["occurrence"].pk}
    item = {"pk": w["item"].pk}
    issue = {"pk": w["issue"].pk}
    return {
        "meetings_index": {},
        "meetings_series_create": {},
        "meetings_series": series,
        "meetings_series_edit": series,
        "meetings_series_cancel": series,
        "meetings_occurrence": occurrence,
        "meetings_occurrence_live": occurrence,
        "meetings_occurrence_move": occurrence,
        "meetings_occurrence_cancel": occurrence,
        "meetings_occurrence_close": occurrence,
        "meetings_occurrence_build": occurrence,
        "meetings_item_add": occurrence,
        "meetings_action_create": occurrence,
        "meetings_attendance": occurrence,
        "meetings_rate": occurrence,
        "meetings_item_edit": item,
        "meetings_item_remove": item,
        "meetings_item_move": item,
        "meetings_action_items": {},
        "meetings_action_done": {"pk": w["action"].pk},
        "meetings_issues": {},
        "meetings_issue": issue,
        "meetings_issue_vote": issue,
        "meetings_issue_agenda": issue,
        "meetings_issue_solve": issue,
        "meetings_calendar": {},
        "meetings_digest": {},
    }


def api_objects(acme: Organization, owner: Membership) -> dict[str, Any]:
    w = _world(acme, owner)
    return {
        "series_id": w["series"].pk,
        "occurrence_id": w["occurrence"].pk,
        "item_id": w["item"].pk,
        "action_item_id": w["action"].pk,
        "issue_id": w["issue"].pk,
    }


API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/meetings/occurrences/{occurrence_id}/move"): {"starts_at": "2030-01-07T10:00:00Z"},
    ("post", "/meetings/occurrences/{occurrence_id}/items"): {"title": "Acme probe"},
    ("post", "/meetings/occurrences/{occurrence_id}/reorder"): {"item_ids": [1]},
    ("post", "/meetings/occurrences/{occurrence_id}/attendance"): {"member_id": 1},
    ("put", "/meetings/occurrences/{occurrence_id}/rating"): {"score": 5},
    ("patch", "/meetings/items/{item_id}"): {"version": 1, "notes": "Acme probe"},
    ("patch", "/meetings/action-items/{action_item_id}"): {"version": 1, "done": True},
    ("post", "/meetings/issues/{issue_id}/solve"): {"resolution": "Acme probe"},
}
