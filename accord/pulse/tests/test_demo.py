"""Northwind's pulse demo: twelve monthly cycles that tell a story, a 13-week
scorecard with red and green weeks. (A second run changing nothing is
accord/tests/test_demo.py's, for every app.)"""

from __future__ import annotations

import pytest
import time_machine

from accord.orgs.models import Membership, Organization
from accord.pulse import scorecard, selectors
from accord.pulse.models import GoalVote, OneThing, PulseCycle
from accord.tests.clock import DEMO_NOW


@pytest.fixture
def northwind(northwind_seeded, db):
    with time_machine.travel(DEMO_NOW, tick=False):
        yield Organization.objects.get(pk=northwind_seeded)


def test_it_seeds_twelve_monthly_cycles_that_improve(northwind):
    cycles = list(PulseCycle.objects.filter(organization=northwind).order_by("opens_at"))
    assert [c.period for c in cycles][:1] == ["2025-12"]
    assert [c.period for c in cycles][-1] == "2026-11"
    assert len(cycles) == 12 and all(c.status == "closed" for c in cycles)
    points = selectors.cycle_points(northwind)
    first, last = points[0], points[-1]
    assert first.balance_pct is not None and last.balance_pct is not None
    assert first.balance_pct < 0 < last.balance_pct
    before, after = first.internal["Marketing"].nps, last.internal["Marketing"].nps
    assert before is not None and after is not None and after > before
    statuses = set(
        OneThing.objects.exclude(follow_through="").values_list("follow_through", flat=True)
    )
    assert statuses == {"done", "partly", "not_done"}
    assert GoalVote.objects.exclude(comment="").exists()


def test_it_leaves_out_the_internal_scores_when_asked_and_keeps_the_rest(
    northwind, django_assert_num_queries
):
    full = selectors.cycle_points(northwind)

    with django_assert_num_queries(3):
        lean = selectors.cycle_points(northwind, with_internal=False)

    assert all(point.internal == {} for point in lean)
    assert [(p.cycle_id, p.votes, p.follow_through) for p in lean] == [
        (p.cycle_id, p.votes, p.follow_through) for p in full
    ]


def test_it_gives_the_scorecard_red_and_green_weeks(northwind):
    nadia = Membership.objects.get(organization=northwind, user__email="nadia@northwind.example")
    weeks, rows = scorecard.scorecard(nadia)
    states = {c.state for r in rows for c in r.cells}
    assert len(weeks) == 13 and {"green", "red"} <= states
    assert {r.measurable.name for r in rows} >= {"Joint prospect calls", "Pulse balance"}
