"""Northwind's goals demo: every state, activity for both teams, untouched content, events."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accord.cli.demo import seed_demo
from accord.goals import selectors
from accord.goals.models import (
    ActivityGoal,
    ActivityLog,
    Agreement,
    CheckIn,
    ContentAsset,
    ContentUsage,
    Event,
    EventSignup,
    Goal,
    GoalStatus,
)
from accord.orgs.models import Membership

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

MODELS = [
    Goal,
    Agreement,
    CheckIn,
    ActivityGoal,
    ActivityLog,
    ContentAsset,
    ContentUsage,
    Event,
    EventSignup,
]


def counts() -> dict[str, int]:
    return {m.__name__: m._default_manager.count() for m in MODELS}


def test_it_seeds_goals_in_every_state_and_a_second_run_changes_nothing():
    organization = seed_demo()
    first = counts()
    seed_demo()

    assert counts() == first
    statuses = set(Goal.objects.filter(organization=organization).values_list("status", flat=True))
    assert statuses == set(GoalStatus.values)


def test_it_seeds_activity_content_and_events():
    organization = seed_demo()
    nadia = Membership.objects.get(organization=organization, user__email="nadia@northwind.example")

    goals = selectors.activity_goals(nadia)
    assert {g.team.kind for g in goals} == {"sales", "marketing"}
    for goal in goals:
        history = selectors.activity_progress(goal, timezone.localdate()).history
        assert sum(1 for _, done, _ in history if done) >= 3, goal
    assert selectors.content_assets(nadia, untouched=True).count() >= 4
    assert selectors.events(nadia, when="upcoming").exists()
    assert selectors.events(nadia, when="past").exists()
