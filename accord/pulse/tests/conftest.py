"""People and goals of Acme's pulse, on a pinned clock.

alice owns Acme; bob sells; carol leads marketing; mia markets; vic views.
Acme's time zone is New York, so opening times are checked in local time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from accord.conftest import membership
from accord.goals import services as goal_services
from accord.goals.models import GoalStatus
from accord.goals.tests.factories import member
from accord.orgs.models import Role, TeamKind

# A Monday, 14:00 UTC (09:00 in New York, where Acme works).
NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def owner(clock, alice, acme):
    acme.time_zone = "America/New_York"
    acme.save()
    return membership(alice, acme)


@pytest.fixture
def seller(bob, acme):
    return membership(bob, acme)


@pytest.fixture
def marketing_lead(carol, acme):
    return membership(carol, acme)


@pytest.fixture
def marketer(acme):
    return member(acme, "mia@acme.example", Role.MEMBER, TeamKind.MARKETING)


@pytest.fixture
def viewer(acme):
    return member(acme, "vic@acme.example", Role.VIEWER, None)


@pytest.fixture
def sales_lead(acme):
    return member(acme, "sam@acme.example", Role.SALES_LEAD, TeamKind.SALES)


def active_goal(owner, seller, marketer, title: str, metric: str = "win_rate"):
    """A shared goal made active the way people do it: proposed, then agreed."""
    goal = goal_services.goal_create(
        membership=owner,
        title=title,
        metric=metric,
        baseline=Decimal("10"),
        target=Decimal("20"),
        sales_owner=seller,
        marketing_owner=marketer,
    )
    goal_services.goal_propose(membership=owner, goal=goal)
    goal_services.goal_agree(membership=owner, goal=goal, side="sales")
    goal_services.goal_agree(membership=owner, goal=goal, side="marketing")
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACTIVE
    return goal


@pytest.fixture
def goals(owner, seller, marketer, marketing_lead):
    return [
        active_goal(owner, seller, marketer, "Acme leads convert", "logo_retention"),
        active_goal(owner, seller, marketer, "Acme wins more", "nps"),
    ]
