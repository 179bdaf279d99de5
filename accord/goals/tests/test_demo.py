"""Northwind's goals demo: every state, activity for both teams, untouched
content, events. (A second run changing nothing is accord/tests/test_demo.py's,
for every app.)"""

from __future__ import annotations

import pytest
from django.utils import timezone

from accord.cli.demo import seed_demo
from accord.goals import selectors
from accord.goals.models import Goal, GoalStatus
from accord.orgs.models import Membership

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_it_seeds_goals_in_every_state_activity_content_and_events():
    organization = seed_demo()
    statuses = set(Goal.objects.filter(organization=organization).values_list("status", flat=True))
    assert statuses == set(GoalStatus.values)

    nadia = Membership.objects.get(organization=organization, user__email="nadia@northwind.example")

    goals = selectors.activity_goals(nadia)
    assert {g.team.kind for g in goals} == {"sales", "marketing"}
    for goal in goals:
        history = selectors.activity_progress(goal, timezone.localdate()).history
        assert sum(1 for _, done, _ in history if done) >= 3, goal
    assert selectors.content_assets(nadia, untouched=True).count() >= 4
    assert selectors.events(nadia, when="upcoming").exists()
    assert selectors.events(nadia, when="past").exists()
