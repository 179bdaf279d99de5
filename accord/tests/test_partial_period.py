"""The current, unfinished month (or quarter) is marked partial on every
monthly chart, instead of reading as a collapse at n = 1 or a count near 0."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from accord.feedback.charts import nps_trend_spec
from accord.feedback.selectors import nps_by
from accord.feedback.tests.factories import ResponseFactory
from accord.insights.charts import health_trend_spec
from accord.insights.health import TrendPoint
from accord.lib.charts import period_label
from accord.pipeline.charts import monthly_spec, stacked_chart
from accord.pulse.charts import trend_values_spec

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

MID_DECEMBER = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)


def _labels(spec) -> list[str]:
    """Every period or month value in the data of an Altair spec, however nested."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("period", "month") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(spec.to_json()))
    return found


@time_machine.travel(MID_DECEMBER, tick=False)
def test_it_marks_only_the_current_month_and_quarter():
    assert period_label("2026-12") == "2026-12 (partial)"
    assert period_label("2026-Q4") == "2026-Q4 (partial)"
    assert period_label("2026-11") == "2026-11"
    assert period_label("2026-Q3") == "2026-Q3"
    assert period_label("2025-12") == "2025-12"


@time_machine.travel(MID_DECEMBER, tick=False)
def test_it_marks_the_current_month_on_each_monthly_chart():
    rows = [
        {"month": "2026-11", "series": "Touch", "value": 90},
        {"month": "2026-12", "series": "Touch", "value": 0},
    ]
    assert set(_labels(monthly_spec(rows, title="t", y_title="%"))) == {
        "2026-11",
        "2026-12 (partial)",
    }
    health = health_trend_spec(
        [TrendPoint(dt.date(2026, 11, 1), 60, 3), TrendPoint(dt.date(2026, 12, 1), 20, 1)]
    )
    assert set(_labels(health)) == {"2026-11", "2026-12 (partial)"}
    pulse = trend_values_spec([("2026-11", 10.0, {}), ("2026-12", -50.0, {})])
    assert set(_labels(pulse)) == {"2026-11", "2026-12 (partial)"}
    svg = stacked_chart([{"month": "2026-12", "series": "Not ICP", "value": 1}], title="t")
    assert "2026-12 (partial)" in svg


@time_machine.travel(MID_DECEMBER, tick=False)
def test_it_shows_a_single_answer_this_month_as_partial_on_the_customers_page(acme, alice):
    for day, score in ((dt.datetime(2026, 11, 10, tzinfo=dt.UTC), 9),) * 5:
        ResponseFactory.create(organization=acme, score=score, created_at=day)
    ResponseFactory.create(organization=acme, score=0, created_at=MID_DECEMBER)
    trend = nps_by(acme, by="month")
    assert [(g.key, g.n) for g in trend.groups] == [("2026-11", 5), ("2026-12", 1)]
    assert set(_labels(nps_trend_spec(trend, "t"))) == {"2026-11", "2026-12 (partial)"}

    client = Client()
    client.force_login(alice)
    page = client.get("/o/acme/customers/").content.decode()
    assert "2026-12 (partial)" in page
    assert "2026-11 (partial)" not in page
