"""Schemathesis across the Pulse API with real cycles, answers and measurables.

The foundation's run (accord/tests/test_openapi.py) covers every operation
with random ids; this one hands the generated requests Acme's and Globex's
real ids (an open and a closed cycle each, a manual and a computed
measurable). Each example is rolled back, so each meets the same world.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, settings

from accord.conftest import membership
from accord.goals.tests.factories import member
from accord.orgs.models import Role, TeamKind
from accord.orgs.services import api_token_create
from accord.pulse import scorecard, services
from accord.pulse.models import Measurable, PulseCycle
from accord.pulse.tests.conftest import active_goal
from accord.tests.test_openapi import (  # noqa: F401
    CHECKS,
    World,
    one_connection,
    schema_with_ids,
)


def _objects(owner, seller, marketer) -> None:
    goals = [active_goal(owner, seller, marketer, f"{owner.organization.name} goal")]
    closed = services.cycle_open_now(membership=owner)
    services.answer_submit(
        membership=seller,
        cycle=closed,
        votes={g.pk: ("worse", "Slow") for g in goals},
        internal_score=4,
        one_thing="Call back faster.",
    )
    services.cycle_close(cycle=closed)
    closed.period = "2026-10"
    closed.save()
    services.cycle_open_now(membership=owner)
    scorecard.measurable_create(
        membership=owner,
        name="Demos",
        moves="Pipeline",
        owner=seller,
        goal_value=Decimal("3"),
        direction="up",
    )
    scorecard.measurable_create(
        membership=owner,
        name="Balance",
        metric="pulse_balance",
        owner=owner,
        goal_value=Decimal("0"),
    )


@pytest.fixture
def pulse_world(clock, alice, acme, bob, carol, charlie, globex) -> World:
    owner = membership(alice, acme)
    _objects(owner, membership(bob, acme), membership(carol, acme))
    g_owner = membership(charlie, globex)
    _objects(
        g_owner,
        member(globex, "sid@globex.example", Role.MEMBER, TeamKind.SALES),
        member(globex, "mo@globex.example", Role.MARKETING_LEAD, TeamKind.MARKETING),
    )

    def ids(model):
        return list(model.objects.values_list("pk", flat=True))

    return World(
        token=api_token_create(membership=owner, name="schemathesis").secret,
        ids={"cycle_id": ids(PulseCycle), "measurable_id": ids(Measurable)},
    )


@pytest.fixture
def pulse_schema(pulse_world, one_connection):  # noqa: F811
    return schema_with_ids(pulse_world)


schema = schemathesis.pytest.from_fixture("pulse_schema").include(tag="pulse")


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_it_answers_every_generated_pulse_request_as_documented(
    case,
    pulse_world,
    one_connection,  # noqa: F811
):
    assert "pulse" in (case.operation.tags or []), case.operation.label
    with transaction.atomic():
        case.call_and_validate(
            headers={"Authorization": f"Bearer {pulse_world.token}"}, checks=CHECKS
        )
        transaction.set_rollback(True)
