"""The Overview and the health score read the monthly rollups: the demo's
numbers are those of before the rollups (marks pending or refreshed), the
trend costs as many queries for twelve months and many goals as for three
months and a few, and a visit writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accord.goals import metrics
from accord.goals.models import Goal, GoalStatus
from accord.goals.selectors import goals_to_discuss, metric_value
from accord.insights import health
from accord.insights.models import ReportSchedule, RollupSchedule
from accord.insights.rollups import rollups_refresh, rollups_refresh_due, rollups_schedule_ensure
from accord.insights.tests.conftest import DEMO_NOW
from accord.meetings.models import DailyRun
from accord.orgs.services import organization_chains_ensure_all, organization_create
from accord.pipeline.models import LeadRollupMark
from accord.pulse.models import PulseSettings

pytestmark = pytest.mark.django_db

# The demo's numbers, first measured before the goals' metrics and the trend
# read the rollups (one query per part and month then), and measured again
# when the demo's story changed (campaigns with their recipients; late loops
# closed by now, never in the future): the last three months and the loops
# closed on time moved then, nothing else.
DEMO_SCORE = 71.5
DEMO_TREND = [47.0, 56.5, 40.5, 38.4, 60.8, 52.2, 62.2, 53.8, 63.7, 74.3, 78.6, 71.7]
DEMO_GOALS = {
    "mql_to_sql_conversion": 28.8,
    "median_first_touch_hours": 2.65,
    "revenue_retention": None,
    "detractor_loops_closed_on_time": 66.7,
    "marketing_sourced_pipeline": 910000.0,
    "lead_sla_compliance": 74.0,
    "win_rate": 53.6,
    "logo_retention": None,
}


def statements(work: Callable[[], object]) -> list[str]:
    """The SQL ``work`` runs (a wrapper: a request resets the query log)."""
    found: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        found.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        work()
    return found


def numbers(organization: Any) -> tuple[Any, ...]:
    goals = {
        g.metric: metric_value(organization, g.metric, g.period_start, g.period_end)
        for g in Goal.objects.filter(organization=organization)
    }
    return (
        health.health_now(organization).score,
        [p.score for p in health.health_trend(organization)],
        goals,
    )


def test_it_shows_the_demos_numbers_of_before_with_marks_pending_or_refreshed(northwind):
    organization, _ = northwind
    with time_machine.travel(DEMO_NOW, tick=False):
        # The demo marks every month: readers count them live until the worker runs.
        assert LeadRollupMark.objects.filter(organization=organization).exists()
        pending = numbers(organization)
        rollups_refresh_due()
        assert not LeadRollupMark.objects.filter(organization=organization).exists()
        refreshed = numbers(organization)
    assert pending == refreshed
    assert pending == (DEMO_SCORE, DEMO_TREND, DEMO_GOALS)


def test_it_writes_nothing_when_the_overview_is_visited(northwind):
    organization, owner = northwind
    client = Client()
    client.force_login(owner.user)
    url = reverse("org_overview", args=[organization.slug])
    with time_machine.travel(DEMO_NOW, tick=False):
        # The first request of a login records its session (allauth): not the page's.
        assert client.get(url).status_code == 200
        marks = LeadRollupMark.objects.filter(organization=organization).count()
        jobs = DBTaskResult.objects.count()
        assert marks
        ran = statements(lambda: client.get(url))
    writes = [
        sql for sql in ran if sql.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    assert LeadRollupMark.objects.filter(organization=organization).count() == marks
    assert DBTaskResult.objects.count() == jobs


def _computed_metrics() -> list[str]:
    return [m.key for m in metrics.METRICS if m.source]


def _add_goals(organization: Any, owner: Any, periods: list[tuple[dt.date, dt.date]]) -> None:
    template = Goal.objects.filter(organization=organization, status=GoalStatus.ACTIVE).first()
    assert template is not None
    for start, end in periods:
        for key in _computed_metrics():
            Goal.objects.create(
                organization=organization,
                title=f"{key} {start}",
                metric=key,
                baseline=template.baseline,
                target=template.target,
                direction="up",
                period_start=start,
                period_end=end,
                sales_owner=template.sales_owner,
                marketing_owner=template.marketing_owner,
                status=GoalStatus.ACTIVE,
                created_by=owner,
                created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            )


def test_it_measures_the_trend_in_as_many_queries_for_more_months_and_goals(northwind):
    organization, owner = northwind
    with time_machine.travel(DEMO_NOW, tick=False):
        rollups_refresh_due()
        # Every computed metric of the catalogue on goals of whole months and
        # of partial months (counted live, one query per source for all).
        _add_goals(
            organization,
            owner,
            [
                (dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
                (dt.date(2026, 4, 15), dt.date(2026, 9, 14)),
            ],
        )
        three = len(statements(lambda: health.health_trend(organization, months=3)))
        twelve = len(statements(lambda: health.health_trend(organization, months=12)))
        # Two and a half times as many goals, over periods of other lengths and starts.
        _add_goals(
            organization,
            owner,
            [
                (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
                (dt.date(2025, 12, 1), dt.date(2026, 5, 31)),
                (dt.date(2026, 2, 10), dt.date(2026, 8, 20)),
            ],
        )
        more_goals = len(statements(lambda: health.health_trend(organization, months=12)))
        now = len(statements(lambda: health.health_now(organization)))
    assert three == twelve == more_goals
    # The trend of twelve months costs what the score of one period does.
    assert twelve == now


def test_it_measures_the_score_and_its_trend_together_in_the_queries_of_the_score(northwind):
    organization, _ = northwind
    with time_machine.travel(DEMO_NOW, tick=False):
        rollups_refresh_due()
        now, trend = health.health_now_and_trend(organization)
        alone = len(statements(lambda: health.health_now(organization)))
        together = len(statements(lambda: health.health_now_and_trend(organization)))
        assert now.score == DEMO_SCORE == health.health_now(organization).score
        assert [p.score for p in trend] == DEMO_TREND
        assert [p.parts_with_data for p in trend] == [
            p.parts_with_data for p in health.health_trend(organization)
        ]
    # Each part reads the twelve months and the current window at once.
    assert together == alone


def test_it_reads_the_goals_metrics_once_for_the_score_and_the_goals_to_discuss(northwind):
    organization, owner = northwind
    client = Client()
    client.force_login(owner.user)
    url = reverse("org_overview", args=[organization.slug])
    with time_machine.travel(DEMO_NOW, tick=False):
        rollups_refresh_due()
        alone = goals_to_discuss(organization)
        reads: health.Reads = {}
        health.health_now_and_trend(organization, reads=reads)
        shared = statements(lambda: goals_to_discuss(organization, cache=reads))
        assert goals_to_discuss(organization, cache=reads) == alone
        assert client.get(url).status_code == 200
        page = statements(lambda: client.get(url))
    # The goals to discuss read the goals and their check-ins, no metric:
    # the score computed them already.
    assert not [sql for sql in shared if "pipeline_" in sql or "feedback_" in sql]
    # The health score and its trend are read once on the Overview.
    assert sum("insights_healthweights" in sql for sql in page) == 1


def test_it_starts_a_new_organisations_chains_within_a_minute(alice):
    organization = organization_create(name="Initech", owner=alice)
    assert not DailyRun.objects.filter(organization=organization).exists()
    rollups_schedule_ensure()
    due = RollupSchedule.objects.get().next_run_at

    rollups_refresh(due=due.isoformat())

    assert DailyRun.objects.filter(organization=organization, next_run_at__isnull=False).exists()
    assert ReportSchedule.objects.filter(organization=organization).exists()
    found = PulseSettings.objects.get(organization=organization)
    assert found.next_check_at is not None


def test_it_starts_missing_chains_of_every_organisation_when_a_worker_starts(acme, globex):
    DailyRun.objects.all().delete()
    ReportSchedule.objects.all().delete()
    PulseSettings.objects.all().delete()

    organization_chains_ensure_all()

    for organization in (acme, globex):
        assert DailyRun.objects.filter(organization=organization).exists()
        assert ReportSchedule.objects.filter(organization=organization).exists()
        assert PulseSettings.objects.get(organization=organization).next_check_at is not None
    # Idempotent: a second worker starting adds nothing.
    jobs = DBTaskResult.objects.count()
    organization_chains_ensure_all()
    assert DBTaskResult.objects.count() == jobs
