"""Property: no sequence of actions makes a goal active without both agreements
of its current version (and a proposed goal with both agreements is active)."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.goals import services
from accord.goals.models import Agreement, Goal, GoalStatus

ACTORS = ("owner", "sales_lead", "marketing_lead", "seller")
ACTIONS = st.one_of(
    st.tuples(st.just("propose"), st.sampled_from(ACTORS)),
    st.tuples(
        st.just("agree"), st.sampled_from(ACTORS), st.sampled_from([None, "sales", "marketing"])
    ),
    st.tuples(
        st.just("decline"), st.sampled_from(ACTORS), st.sampled_from([None, "sales", "marketing"])
    ),
    st.tuples(st.just("target"), st.integers(min_value=11, max_value=40)),
    st.tuples(st.just("baseline"), st.integers(min_value=0, max_value=9)),
    st.tuples(st.just("metric"), st.sampled_from(["win_rate", "mql_to_sql_conversion", "nps"])),
    st.tuples(st.just("period"), st.integers(min_value=1, max_value=90)),
    st.tuples(st.just("title"), st.text(min_size=1, max_size=10)),
    st.tuples(st.just("drop"), st.sampled_from(ACTORS)),
)


def agreed_sides(goal: Goal) -> set[str]:
    return set(
        Agreement.objects.filter(goal=goal, version=goal.version, decision="agreed").values_list(
            "side", flat=True
        )
    )


def apply(action: tuple, goal: Goal, people: dict) -> None:
    name = action[0]
    if name == "propose":
        services.goal_propose(membership=people[action[1]], goal=goal)
    elif name == "agree":
        services.goal_agree(membership=people[action[1]], goal=goal, side=action[2])
    elif name == "decline":
        services.goal_decline(
            membership=people[action[1]], goal=goal, side=action[2], reason="Not yet"
        )
    elif name == "target":
        services.goal_update(membership=people["owner"], goal=goal, target=Decimal(action[1]))
    elif name == "baseline":
        services.goal_update(membership=people["owner"], goal=goal, baseline=Decimal(action[1]))
    elif name == "metric":
        services.goal_update(membership=people["owner"], goal=goal, metric=action[1])
    elif name == "period":
        services.goal_update(
            membership=people["owner"],
            goal=goal,
            period_end=goal.period_start + services.dt.timedelta(days=action[1]),
        )
    elif name == "title":
        services.goal_update(membership=people["owner"], goal=goal, title=action[1])
    elif name == "drop":
        services.goal_close(membership=people[action[1]], goal=goal, outcome="dropped", note="x")


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(ACTIONS, max_size=14))
def test_no_sequence_of_actions_activates_a_goal_without_both_agreements_of_its_version(
    actions, owner, sales_lead, marketing_lead, seller, marketer
):
    people = {
        "owner": owner,
        "sales_lead": sales_lead,
        "marketing_lead": marketing_lead,
        "seller": seller,
    }
    with transaction.atomic():
        goal = services.goal_create(
            membership=owner,
            title="Acme property goal",
            metric="win_rate",
            baseline="10",
            target="20",
            sales_owner=seller,
            marketing_owner=marketer,
        )
        for action in actions:
            # A refused action changes nothing.
            with contextlib.suppress(ValidationError, PermissionDenied):
                apply(action, goal, people)
            goal.refresh_from_db()
            sides = agreed_sides(goal)
            if goal.status == GoalStatus.ACTIVE:
                assert sides >= {"sales", "marketing"}, (action, goal.version, sides)
            if goal.status == GoalStatus.PROPOSED:
                assert not sides >= {"sales", "marketing"}, (action, goal.version, sides)
            if goal.status == GoalStatus.DRAFT:
                assert not sides >= {"sales", "marketing"}
        transaction.set_rollback(True)
