"""The metric catalogue, and values of built-in metrics computed from Accord's data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accord.goals import metrics, selectors, services

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

REQUIRED_OUTCOMES = {
    "nps",
    "survey_response_rate",
    "mql_to_sql_conversion",
    "sql_acceptance_rate",
    "median_first_touch_hours",
    "lead_sla_compliance",
    "marketing_sourced_pipeline",
    "marketing_influenced_pipeline",
    "win_rate",
    "sales_cycle_days",
    "logo_retention",
    "revenue_retention",
    "detractor_loops_closed_on_time",
    "content_utilisation",
    "collaborative_meetings",
}
REQUIRED_VANITY = {
    "impressions",
    "followers",
    "likes",
    "page_views",
    "sessions",
    "email_opens",
    "raw_lead_count",
    "mql_count",
    "content_pieces_published",
    "booth_visitors",
    "social_shares",
}


def test_it_has_the_outcome_and_vanity_metrics_with_definitions():
    assert {m.key for m in metrics.METRICS} >= REQUIRED_OUTCOMES
    assert {v.key for v in metrics.VANITY} >= REQUIRED_VANITY
    for m in metrics.METRICS:
        assert m.definition and m.moves and m.direction in ("up", "down")
    for v in metrics.VANITY:
        assert metrics.metric(v.suggestion) is not None, v.key


@pytest.mark.parametrize("name", ["Page views", "email open rate", "LEADS", "Social shares"])
def test_it_knows_vanity_metrics_by_name_and_suggests_an_outcome(name):
    entry = metrics.vanity(name)
    assert entry is not None
    assert "Measure an outcome instead" in metrics.vanity_message(entry)


@pytest.fixture
def goal(owner, seller, marketer):
    return services.goal_create(
        membership=owner,
        title="Acme conversion",
        metric="mql_to_sql_conversion",
        baseline=Decimal("10"),
        target=Decimal("30"),
        sales_owner=seller,
        marketing_owner=marketer,
        period_start=services.today() - dt.timedelta(days=50),
        period_end=services.today() + dt.timedelta(days=50),
    )


def test_it_computes_a_built_in_metric_from_the_pipeline_when_it_has_data(goal, acme):
    """Real leads, through the source the pipeline registers: 1 of 4 MQLs of
    the period became an SQL (25%); one before the period does not count."""
    from django.utils import timezone

    from accord.pipeline.tests.factories import LeadFactory

    now = timezone.now()
    mql_at = now - dt.timedelta(days=10)
    for n in range(4):
        LeadFactory.create(
            organization=acme,
            mql_at=mql_at,
            sql_at=mql_at + dt.timedelta(days=1) if n == 0 else None,
        )
    LeadFactory.create(organization=acme, mql_at=now - dt.timedelta(days=80), sql_at=now)

    progress = selectors.goal_progress(goal)

    assert progress.computed is True
    assert progress.actual == 25.0
    assert progress.on_track is True  # the straight line from 10 to 30 expects 20 today


def test_it_falls_back_to_check_ins_while_the_other_app_has_no_data(
    goal, owner, seller, monkeypatch
):
    monkeypatch.delitem(metrics._SOURCES, "pipeline", raising=False)
    services.goal_propose(membership=owner, goal=goal)
    services.goal_agree(membership=owner, goal=goal, side="sales")
    services.goal_agree(membership=owner, goal=goal, side="marketing")
    services.goal_check_in(membership=seller, goal=goal, value=Decimal("12"))
    progress = selectors.goal_progress(goal)
    assert (progress.computed, progress.actual, progress.on_track) == (False, 12.0, False)


def test_it_survives_a_failing_provider(goal, monkeypatch):
    def broken(organization, start, end):
        raise RuntimeError("boom")

    monkeypatch.setitem(metrics._SOURCES, "pipeline", broken)
    assert selectors.goal_progress(goal).computed is False


def test_it_tolerates_a_missing_app():
    assert metrics.metric_source("no_such_app") is None


def test_it_learns_the_built_in_metrics_from_the_apps_that_compute_them():
    assert set(metrics._SOURCES) >= {"pipeline", "feedback"}


def test_it_computes_content_utilisation_from_the_library(owner, seller, marketer):
    used = services.content_asset_create(membership=owner, title="Acme A", kind="deck")
    services.content_asset_create(membership=owner, title="Acme B", kind="deck")
    services.content_usage_log(membership=seller, asset=used)
    goal = services.goal_create(
        membership=owner,
        title="Acme content used",
        metric="content_utilisation",
        baseline=Decimal("20"),
        target=Decimal("80"),
        sales_owner=seller,
        marketing_owner=marketer,
    )
    assert selectors.computed_value(goal) == 50.0


def test_it_follows_the_straight_line_for_a_down_metric(owner, seller, marketer):
    goal = services.goal_create(
        membership=owner,
        title="Acme faster touch",
        metric="median_first_touch_hours",
        baseline=Decimal("48"),
        target=Decimal("8"),
        sales_owner=seller,
        marketing_owner=marketer,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 11),
    )
    assert goal.direction == "down"
    assert selectors.expected_on(goal, dt.date(2026, 1, 6)) == 28.0
