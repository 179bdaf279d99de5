"""Northwind as the demo shows it on 20 November 2026 (DEMO_NOW), seeded once
for this module (``northwind_seeded``; each test's writes are undone): its
Overview, the health score and trend read from the rollups with the numbers
of before them, and the quarterly report the demo keeps.

Only tests that read the seeded demo belong here: every test of a module
that holds the seed runs beside it, and would see Northwind's data."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accord.cli.demo import seed_demo
from accord.goals import metrics
from accord.goals.models import Goal, GoalStatus
from accord.goals.selectors import goals_to_discuss, metric_value
from accord.insights import health
from accord.insights.models import QuarterlyReport, ReportSchedule
from accord.insights.rollups import rollups_refresh_due
from accord.insights.tests.test_overview import _client, _text
from accord.insights.tests.test_report import _one, _pdf_text
from accord.orgs.models import Membership
from accord.pipeline.models import LeadRollupMark
from accord.tests.api import api_as
from accord.tests.clock import DEMO_NOW

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


def test_it_shows_the_demo_organisations_dashboard(northwind):
    organization, owner = northwind
    response = _client(owner).get(reverse("org_overview", args=[organization.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    text = _text(page)
    found = health.health_now(organization)
    score = found.score
    assert score is not None
    # Northwind has data for every part: each shows its value and what is behind it.
    assert all(p.has_data and p.n > 0 for p in found.parts)
    for part in found.parts:
        assert part.name in text and part.raw.replace("'", "&#x27;") in page
    assert f'id="health-score">{score:.0f}</a>' in page
    assert f'href="/o/{organization.slug}/insights/"' in page
    for heading in (
        "Alignment health",
        "Goals that need attention",
        "Customer NPS",
        "Customer follow-ups",
        "Lead-SLA compliance",
        "Next meeting",
        "Pulse",
        "My One Thing",
        "My action items",
    ):
        assert heading in text
    assert "95% interval" in text
    assert "<svg" in page and "<script" not in page.split("</header>")[1].split("<footer")[0]
    assert "No health score yet" not in text


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


def test_it_prints_the_apis_numbers_on_the_pdf_and_the_page(northwind):
    organization, owner = northwind
    answer = api_as(owner.user, organization).get("/api/v1/insights/report?quarter=2026Q3")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["quarter"] == "2026Q3" and data["complete"] is True
    assert data["start"] == "2026-07-01" and data["end"] == "2026-09-30"
    # The demo has data for every section, so every number below is a real one.
    assert data["nps"]["n"] > 0 and data["pulse_votes"] > 0 and data["goals"]
    assert data["collaborative"] + data["report_outs"] > 0 and data["decisions_count"] > 0

    pdf = _client(owner).get(reverse("insights_report_pdf", args=[organization.slug, "2026Q3"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert 'filename="accord-northwind-2026Q3.pdf"' in pdf["Content-Disposition"]
    on_pdf = _pdf_text(pdf.content)
    page = _client(owner).get(reverse("insights_report", args=[organization.slug, "2026Q3"]))
    assert page.status_code == 200
    on_page = _text(page.content.decode())
    nps = data["nps"]
    for text in (on_pdf, on_page):
        assert f"Alignment health {_one(data['health_score'])}" in text
        assert f"previous quarter {_one(data['health_previous'])}" in text
        assert f"Customer NPS {_one(nps['nps'])} n={nps['n']}" in text
        assert f"95% interval {_one(nps['ci95_low'])} to {_one(nps['ci95_high'])}" in text
        assert f"Pulse balance {_one(data['pulse_balance_pct'])}" in text
        assert f"of {data['pulse_votes']} votes" in text
        assert f"{data['collaborative']} collaborative, {data['report_outs']} report-outs" in text
        assert f"{data['decisions_count']} decisions" in text
        assert f"{data['one_things_committed']} committed" in text
        for goal in data["goals"]:
            assert goal["title"] in text
        for month in data["nps_months"]:
            assert f"{month['key']} {_one(month['nps'])} {month['n']}" in text
        for theme in data["themes"][:3]:
            assert f"{theme['mentions']} mentions, {theme['detractors']} from detractors" in text
    # Charts: inline SVG on the page (no script), vector in the PDF (their
    # labels are text the PDF reader finds).
    html = page.content.decode()
    assert html.count("<svg") >= 6 and "<script" not in html.split("<main", 1)[1]
    assert "Alignment health per month" in on_pdf and "Customer NPS by month" in on_pdf
    # No pulse answerer is named on the report.
    for person in Membership.objects.filter(organization=organization).select_related("user"):
        assert person.user.email not in on_pdf


def test_it_runs_from_the_command_line_and_the_demo_keeps_one_report(northwind, tmp_path):
    organization, owner = northwind
    with time_machine.travel(DEMO_NOW, tick=False):
        api = api_as(owner.user, organization).get("/api/v1/insights/report?quarter=2026Q3")
        out = io.StringIO()
        call_command("report", org="northwind", quarter="2026Q3", json=True, stdout=out)
        printed = json.loads(out.getvalue())
        target = tmp_path / "q3.pdf"
        summary = io.StringIO()
        call_command("report", org="northwind", quarter="2026q3", pdf=str(target), stdout=summary)
    expected = api.json()
    # The same JSON as the API's, but for the moment it was made.
    assert printed.pop("generated_at") and expected.pop("generated_at")
    assert printed == expected
    assert f"Alignment health  {_one(expected['health_score'])}" in summary.getvalue()
    assert f"PDF written to {target}" in summary.getvalue()
    assert f"Customer NPS {_one(expected['nps']['nps'])}" in _pdf_text(target.read_bytes())

    # The demo generated the last complete quarter's report, emailed to no one,
    # and queued the current quarter's; a second run changes nothing.
    stored = QuarterlyReport.objects.get(organization=organization)
    assert stored.quarter == "2026Q3" and stored.emailed_to == []
    assert f"Alignment health {_one(expected['health_score'])}" in _pdf_text(bytes(stored.pdf))
    schedule = ReportSchedule.objects.get(organization=organization)
    assert schedule.quarter == "2026Q4"
    with time_machine.travel(DEMO_NOW + timedelta(hours=1), tick=False):
        seed_demo()
    again = QuarterlyReport.objects.get(organization=organization)
    assert (again.pk, again.generated_at) == (stored.pk, stored.generated_at)
    assert ReportSchedule.objects.get(organization=organization).run_after == schedule.run_after
