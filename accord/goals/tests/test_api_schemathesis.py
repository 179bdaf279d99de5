"""Schemathesis across the Goals API with real goals, activity, content and events.

The foundation's run (accord/tests/test_openapi.py) covers every operation
with random ids; this one hands the generated requests Acme's and Globex's
real ids, so the operations act on objects in every state. Each example is
rolled back, so each meets the same world.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, settings

from accord.conftest import membership
from accord.goals import services
from accord.goals.models import (
    ActivityGoal,
    ActivityLog,
    ContentAsset,
    Event,
    EventSignup,
    EventSlot,
    Goal,
)
from accord.goals.tests.factories import member
from accord.orgs.models import Role, TeamKind
from accord.orgs.services import api_token_create
from accord.tests.test_openapi import (  # noqa: F401
    CHECKS,
    World,
    one_connection,
    schema_with_ids,
)


def _objects(owner, sales_lead, marketing_lead, seller, marketer, organization) -> None:
    draft = services.goal_create(
        membership=owner,
        title=f"{organization.name} draft",
        metric="win_rate",
        baseline=Decimal("10"),
        target=Decimal("20"),
        sales_owner=seller,
        marketing_owner=marketer,
    )
    proposed = services.goal_create(
        membership=owner,
        title=f"{organization.name} proposed",
        metric="nps",
        baseline=Decimal("10"),
        target=Decimal("30"),
        sales_owner=seller,
        marketing_owner=marketer,
    )
    services.goal_propose(membership=sales_lead, goal=proposed)
    active = services.goal_create(
        membership=owner,
        title=f"{organization.name} active",
        metric="logo_retention",
        baseline=Decimal("80"),
        target=Decimal("90"),
        sales_owner=seller,
        marketing_owner=marketer,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 3, 31),
    )
    services.goal_propose(membership=sales_lead, goal=active)
    services.goal_agree(membership=marketing_lead, goal=active)
    services.goal_check_in(
        membership=seller, goal=active, value=Decimal("12"), date=dt.date(2025, 2, 1)
    )
    del draft
    sales = organization.teams.get(kind=TeamKind.SALES)
    services.activity_goal_create(
        membership=owner, team=sales, activity_type="content_use", target_count=2
    )
    asset = services.content_asset_create(membership=owner, title="Deck", kind="deck")
    services.content_usage_log(membership=seller, asset=asset)
    services.activity_log(membership=seller, activity_type="event_staffing", note="x")
    event = services.event_create(
        membership=owner, name="Expo", starts_on=dt.date.today() + dt.timedelta(days=9)
    )
    services.event_signup(membership=seller, slot=event.slots.earliest("pk"))


@pytest.fixture
def goals_world(alice, acme, bob, carol, charlie, globex) -> World:
    owner = membership(alice, acme)
    _objects(
        owner,
        member(acme, "sam@acme.example", Role.SALES_LEAD, TeamKind.SALES),
        membership(carol, acme),
        membership(bob, acme),
        member(acme, "mia@acme.example", Role.MEMBER, TeamKind.MARKETING),
        acme,
    )
    g_owner = membership(charlie, globex)
    _objects(
        g_owner,
        member(globex, "sam@globex.example", Role.SALES_LEAD, TeamKind.SALES),
        member(globex, "mo@globex.example", Role.MARKETING_LEAD, TeamKind.MARKETING),
        member(globex, "sid@globex.example", Role.MEMBER, TeamKind.SALES),
        member(globex, "max@globex.example", Role.MEMBER, TeamKind.MARKETING),
        globex,
    )

    def ids(model):
        return list(model.objects.values_list("pk", flat=True))

    return World(
        token=api_token_create(membership=owner, name="schemathesis").secret,
        ids={
            "goal_id": ids(Goal),
            "activity_goal_id": ids(ActivityGoal),
            "log_id": ids(ActivityLog),
            "asset_id": ids(ContentAsset),
            "event_id": ids(Event),
            "slot_id": ids(EventSlot),
            "signup_id": ids(EventSignup),
        },
    )


@pytest.fixture
def goals_schema(goals_world, one_connection):  # noqa: F811
    return schema_with_ids(goals_world)


schema = schemathesis.pytest.from_fixture("goals_schema").include(tag="goals")


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_it_answers_every_generated_goals_request_as_documented(
    case,
    goals_world,
    one_connection,  # noqa: F811
):
    assert "goals" in (case.operation.tags or []), case.operation.label
    with transaction.atomic():
        case.call_and_validate(
            headers={"Authorization": f"Bearer {goals_world.token}"}, checks=CHECKS
        )
        transaction.set_rollback(True)
