"""The Meetings API: series, occurrences, agenda items with notes and
decisions, attendance, ratings, action items, issues and votes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from accord.meetings.models import (
    ActionItem,
    AgendaItem,
    Issue,
    IssueVote,
    MeetingSeries,
    Occurrence,
)
from accord.orgs.services import api_token_create

pytestmark = pytest.mark.django_db
UTC = dt.UTC
NOW = dt.datetime(2026, 3, 1, 12, tzinfo=UTC)


class Api:
    def __init__(self, membership) -> None:
        secret = api_token_create(membership=membership, name="test").secret
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def get(self, path, **params):
        return self.client.get(f"/api/v1/meetings{path}", params)

    def post(self, path, body=None):
        return self.client.post(
            f"/api/v1/meetings{path}", body or {}, content_type="application/json"
        )

    def put(self, path, body):
        return self.client.put(f"/api/v1/meetings{path}", body, content_type="application/json")

    def patch(self, path, body):
        return self.client.patch(f"/api/v1/meetings{path}", body, content_type="application/json")

    def delete(self, path):
        return self.client.delete(f"/api/v1/meetings{path}")


def _fields(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {".".join(e["loc"]): e["msg"] for e in response.json()["detail"]}


def _series_body(*people, **overrides):
    body = {
        "name": "Acme API joint",
        "start_date": "2026-03-05",
        "start_time": "10:00",
        "time_zone": "Europe/Berlin",
        "video_url": "https://meet.example/acme",
        "attendee_ids": [p.pk for p in people],
    }
    body.update(overrides)
    return body


@time_machine.travel(NOW, tick=False)
def test_it_runs_a_meeting_through_the_api(sales_lead, seller, marketer):
    lead, bob, mia = Api(sales_lead), Api(seller), Api(marketer)

    created = lead.post("/series", _series_body(sales_lead, seller, marketer))
    assert created.status_code == 201, created.content
    series = created.json()
    assert series["cadence"] == "biweekly" and series["rrule"] == "FREQ=WEEKLY;INTERVAL=2"
    assert series["warnings"] == [] and series["sequence"] == 0
    occurrences = bob.get("/occurrences", series_id=series["id"]).json()["items"]
    first = occurrences[0]
    assert first["starts_at"] == "2026-03-05T09:00:00Z"

    item = bob.post(f"/occurrences/{first['id']}/items", {"title": "Acme demo backlog"})
    assert item.status_code == 201
    item_id = item.json()["id"]
    noted = mia.patch(f"/items/{item_id}", {"version": 1, "notes": "We *agree*", "decision": "Go"})
    assert noted.status_code == 200 and noted.json()["version"] == 2
    stale = bob.patch(f"/items/{item_id}", {"version": 1, "notes": "Bob overwrites"})
    assert stale.status_code == 409
    assert "Someone else changed this agenda item" in stale.json()["detail"]
    assert AgendaItem.objects.get(pk=item_id).notes == "We *agree*"

    # Attendance is taken once the meeting has started (it counts toward the cadence).
    with time_machine.travel(dt.datetime(2026, 3, 5, 9, 30, tzinfo=UTC), tick=False):
        for person in (seller, marketer):
            response = lead.post(
                f"/occurrences/{first['id']}/attendance",
                {"member_id": person.pk, "present": True},
            )
            assert response.status_code == 200
    assert bob.put(f"/occurrences/{first['id']}/rating", {"score": 9}).status_code == 200
    action = mia.post(
        "/action-items",
        {
            "title": "Acme routing",
            "owner_id": marketer.pk,
            "due_on": "2026-03-12",
            "agenda_item_id": item_id,
        },
    )
    assert action.status_code == 201
    assert action.json()["occurrence_id"] == first["id"]

    detail = bob.get(f"/occurrences/{first['id']}").json()
    closed = lead.post(f"/occurrences/{first['id']}/close", {"version": detail["version"]})
    assert closed.status_code == 200, closed.content
    assert closed.json()["collaborative"] is True
    detail = bob.get(f"/occurrences/{first['id']}").json()
    assert detail["attendance"] == sorted([seller.pk, marketer.pk])
    assert detail["ratings"] == [{"member_id": seller.pk, "score": 9}]


@time_machine.travel(NOW, tick=False)
def test_it_names_the_field_of_bad_input_and_writes_nothing(sales_lead, seller, globex):
    lead = Api(sales_lead)
    foreign = globex.memberships.first()

    never = lead.post(
        "/series",
        _series_body(seller, cadence="custom", rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
    )
    assert "yields no date" in _fields(never)["body.rrule"]
    outsider = lead.post("/series", _series_body(seller, foreign))
    assert _fields(outsider)["body.attendee_ids"] == "No such member in this organisation."
    assert not MeetingSeries.objects.exists()

    lead.post("/series", _series_body(seller, sales_lead))
    occurrence = Occurrence.objects.earliest("starts_at")
    backwards = lead.post(
        f"/occurrences/{occurrence.pk}/move",
        {"starts_at": "2026-03-06T10:00:00Z", "ends_at": "2026-03-06T09:00:00Z"},
    )
    assert _fields(backwards)["body.ends_at"] == "The end must be after the start."
    huge = lead.post(f"/occurrences/{occurrence.pk}/items", {"title": "Big"})
    note = lead.patch(f"/items/{huge.json()['id']}", {"version": 1, "notes": "x" * 1_000_000})
    assert _fields(note)["body.notes"] == "At most 20,000 characters."
    action = lead.post(
        "/action-items", {"title": "x", "owner_id": foreign.pk, "due_on": "2026-03-09"}
    )
    assert _fields(action)["body.owner_id"] == "No such member in this organisation."
    assert not ActionItem.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_it_counts_one_vote_per_member(seller, marketer):
    bob, mia = Api(seller), Api(marketer)
    issue = bob.post("/issues", {"title": "Acme leads lack context", "source_kind": "theme"})
    assert issue.status_code == 201
    issue_id = issue.json()["id"]

    assert bob.post(f"/issues/{issue_id}/vote").json()["votes"] == 1
    second = bob.post(f"/issues/{issue_id}/vote")
    assert _fields(second)["path.issue_id"] == "You have already voted for this issue."
    voted = mia.post(f"/issues/{issue_id}/vote").json()
    assert voted["votes"] == 2 and voted["voted"] is True
    assert IssueVote.objects.count() == 2
    history = bob.get(f"/issues/{issue_id}").json()["history"]
    assert [h["action"] for h in history] == ["raised", "voted", "voted"]


@time_machine.travel(NOW, tick=False)
def test_it_enforces_roles(sales_lead, seller, marketer, viewer):
    response = Api(seller).post("/series", _series_body(seller, marketer))
    assert response.status_code == 403
    assert not MeetingSeries.objects.exists()
    Api(sales_lead).post("/series", _series_body(seller, marketer))
    occurrence = Occurrence.objects.earliest("starts_at")
    read = Api(viewer).get(f"/occurrences/{occurrence.pk}")
    assert read.status_code == 200
    assert read.json()["id"] == occurrence.pk
    items_before = AgendaItem.objects.count()
    assert (
        Api(viewer).post(f"/occurrences/{occurrence.pk}/items", {"title": "x"}).status_code == 403
    )
    assert Api(viewer).post("/issues", {"title": "x"}).status_code == 403
    assert AgendaItem.objects.count() == items_before
    assert not AgendaItem.objects.filter(title="x").exists()
    assert not Issue.objects.filter(title="x").exists()
    # Attendees take notes; closing a meeting is for leads.
    assert Api(seller).post(f"/occurrences/{occurrence.pk}/close", {}).status_code == 403
    occurrence.refresh_from_db()
    assert occurrence.closed_at is None
