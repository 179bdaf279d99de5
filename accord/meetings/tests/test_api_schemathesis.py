"""Schemathesis across the Meetings API with real series, occurrences, items,
action items and issues of Acme and Globex.

The foundation's run (accord/tests/test_openapi.py) covers every operation
with random ids; this one hands the generated requests real ids of both
organisations, so operations act on objects in every state. Each example is
rolled back, so each meets the same world.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, settings

from accord.conftest import membership
from accord.goals.tests.factories import member
from accord.meetings import services
from accord.meetings.models import ActionItem, AgendaItem, Issue, MeetingSeries, Occurrence
from accord.orgs.models import Role, TeamKind
from accord.orgs.services import api_token_create
from accord.tests.test_openapi import (  # noqa: F401
    CHECKS,
    World,
    one_connection,
    schema_with_ids,
)


def _objects(owner, seller, marketer, organization) -> None:
    series = services.series_create(
        membership=owner,
        name=f"{organization.name} joint",
        start_date=dt.date.today() - dt.timedelta(days=20),
        start_time=dt.time(10, 0),
        attendees=[owner, seller, marketer],
    )
    past, upcoming = list(Occurrence.objects.filter(series=series).order_by("starts_at")[:2])
    services.agenda_build(past, notify=False)
    item = services.agenda_item_add(membership=seller, occurrence=past, title="Lead quality")
    services.action_item_create(
        membership=marketer,
        title="Fix routing",
        owner=marketer,
        due_on=dt.date.today(),
        agenda_item=item,
    )
    services.attendance_set(membership=owner, occurrence=past, member=seller, present=True)
    services.occurrence_close(membership=owner, occurrence=past, notify=False)
    services.agenda_item_add(membership=marketer, occurrence=upcoming, title="Webinar leads")
    issue = services.issue_raise(membership=seller, title="No context on MQLs")
    services.issue_vote(membership=marketer, issue=issue)
    solved = services.issue_raise(membership=marketer, title="Stage names differ")
    services.issue_solve(membership=owner, issue=solved, resolution="One definition.")
    cancelled = services.series_create(
        membership=owner,
        name=f"{organization.name} cancelled",
        start_date=dt.date.today() + dt.timedelta(days=3),
        start_time=dt.time(9, 0),
        kind="pipeline_review",
        attendees=[owner, seller],
    )
    services.series_cancel(membership=owner, series=cancelled)


@pytest.fixture
def meetings_world(alice, acme, bob, carol, charlie, globex) -> World:
    owner = membership(alice, acme)
    _objects(
        owner,
        membership(bob, acme),
        member(acme, "mia@acme.example", Role.MEMBER, TeamKind.MARKETING),
        acme,
    )
    _objects(
        membership(charlie, globex),
        member(globex, "sid@globex.example", Role.MEMBER, TeamKind.SALES),
        member(globex, "max@globex.example", Role.MEMBER, TeamKind.MARKETING),
        globex,
    )

    def ids(model):
        return list(model.objects.values_list("pk", flat=True))

    return World(
        token=api_token_create(membership=owner, name="schemathesis").secret,
        ids={
            "series_id": ids(MeetingSeries),
            "occurrence_id": ids(Occurrence)[:20],
            "item_id": ids(AgendaItem)[:20],
            "action_item_id": ids(ActionItem),
            "issue_id": ids(Issue),
        },
    )


@pytest.fixture
def meetings_schema(meetings_world, one_connection):  # noqa: F811
    return schema_with_ids(meetings_world)


schema = schemathesis.pytest.from_fixture("meetings_schema").include(tag="meetings")


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_it_answers_every_generated_meetings_request_as_documented(
    case,
    meetings_world,
    one_connection,  # noqa: F811
):
    assert "meetings" in (case.operation.tags or []), case.operation.label
    with transaction.atomic():
        case.call_and_validate(
            headers={"Authorization": f"Bearer {meetings_world.token}"}, checks=CHECKS
        )
        transaction.set_rollback(True)
