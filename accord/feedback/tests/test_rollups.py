"""NPS by month and day from the rollups: the answer page pays nothing for
them, a month leaving the live window is rolled up by the worker's refresh,
and a busy day's answers are read from the day rows a few minutes later."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accord.feedback import rollups
from accord.feedback.models import (
    Response,
    ResponseDayMark,
    ResponseDayRollup,
    ResponseDayState,
    ResponseMonthRollup,
    ResponseRollupMark,
)
from accord.feedback.selectors import metric_series, nps_by, nps_compare
from accord.feedback.services import month_of
from accord.insights.rollups import rollups_refresh_due
from accord.lib.nps import category

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)


def answer(acme, score: int, at: dt.datetime) -> Response:
    return Response.objects.create(
        organization=acme,
        score=score,
        category=category(score),
        created_at=at,
        month=month_of(at, acme.time_zone),
    )


@time_machine.travel(NOW, tick=False)
def test_it_writes_no_mark_for_an_answer_of_this_month(acme, django_assert_num_queries):
    with django_assert_num_queries(1):  # the INSERT alone
        answer(acme, 9, NOW)
    assert not ResponseRollupMark.objects.exists()


def test_it_rolls_up_a_month_when_it_leaves_the_live_window(acme):
    with time_machine.travel(NOW, tick=False) as clock:
        answer(acme, 10, NOW)
        answer(acme, 2, NOW)
        assert nps_by(acme, by="month").groups[0].n == 2
        assert not ResponseMonthRollup.objects.exists()  # June is live

        clock.move_to(dt.datetime(2026, 8, 2, tzinfo=dt.UTC))
        rollups_refresh_due()

        row = ResponseMonthRollup.objects.get(organization=acme)
        assert (row.month, row.promoters, row.detractors) == (dt.date(2026, 6, 1), 1, 1)
        found = nps_by(acme, by="month")
        assert [(g.key, g.n, g.nps) for g in found.groups] == [("2026-06", 2, 0.0)]


@time_machine.travel(NOW, tick=False)
def test_it_marks_an_older_month_when_an_answer_there_changes(acme):
    old = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)
    response = answer(acme, 10, old)
    assert ResponseRollupMark.objects.filter(month=dt.date(2026, 1, 1)).exists()
    assert nps_by(acme, by="month").groups[0].promoters == 1
    response.delete()
    assert nps_by(acme, by="month").groups == []


def test_it_reads_a_busy_days_answers_from_the_day_rows_minutes_later(
    acme, django_assert_max_num_queries
):
    with time_machine.travel(NOW, tick=False) as clock:
        for score in (10, 10, 9, 3):
            answer(acme, score, NOW)
        rollups_refresh_due()
        # Five minutes have not passed: the day rows do not hold them yet.
        assert not ResponseDayRollup.objects.filter(organization=acme).exists()
        assert nps_compare(acme).current.n == 4

        clock.shift(rollups.NEW_FOR + dt.timedelta(seconds=1))
        assert rollups.organization_ids_due() == [acme.pk]
        rollups_refresh_due()
        row = ResponseDayRollup.objects.get(organization=acme)
        assert (row.day, row.promoters, row.passives, row.detractors) == (NOW.date(), 3, 0, 1)
        assert ResponseDayState.objects.get(organization=acme).counted_until == (
            NOW + dt.timedelta(seconds=1)
        )
        assert acme.pk not in rollups.organization_ids_due()

        # A new answer is counted live, and written without a mark.
        answer(acme, 0, dt.datetime.now(dt.UTC))
        assert not ResponseDayMark.objects.exists()
        comparison = nps_compare(acme)
        assert (comparison.current.promoters, comparison.current.detractors) == (3, 2)
        quarter = (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
        assert metric_series(acme, [("nps", *quarter)]) == [20.0]
        june = nps_by(acme, by="month").groups
        assert [(g.key, g.promoters, g.detractors) for g in june] == [("2026-06", 3, 2)]


@time_machine.travel(NOW, tick=False)
def test_it_marks_the_days_of_a_counted_answer_that_changes(acme):
    response = answer(acme, 10, NOW - dt.timedelta(hours=1))
    rollups_refresh_due()
    assert ResponseDayRollup.objects.get(organization=acme).promoters == 1

    response.category = category(0)
    response.score = 0
    response.save()
    # Its day is counted live until the refresh: never stale.
    assert ResponseDayMark.objects.filter(organization=acme, day=NOW.date()).exists()
    comparison = nps_compare(acme)
    assert (comparison.current.promoters, comparison.current.detractors) == (0, 1)
    rollups_refresh_due()
    row = ResponseDayRollup.objects.get(organization=acme)
    assert (row.promoters, row.detractors) == (0, 1)
    assert not ResponseDayMark.objects.exists()

    response.delete()
    assert nps_compare(acme).current.n == 0


@time_machine.travel(NOW, tick=False)
def test_it_reads_the_live_months_in_as_many_queries_however_busy(acme, django_assert_num_queries):
    for hours in range(0, 24 * 40, 5):
        answer(acme, hours % 11, NOW - dt.timedelta(hours=hours))
    rollups_refresh_due()
    answer(acme, 9, NOW)
    # Rollup state and marks of the months, the month rows, the day state,
    # marks and rows, the answers since: seven, however busy the days.
    with django_assert_num_queries(7):
        found = nps_by(acme, by="month")
    assert sum(g.n for g in found.groups) == Response.objects.filter(organization=acme).count()
