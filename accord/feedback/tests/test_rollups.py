"""NPS by month from the rollups: the answer page pays nothing for them, and a
month leaving the live window is rolled up by the worker's refresh."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accord.feedback.models import Response, ResponseMonthRollup, ResponseRollupMark
from accord.feedback.selectors import nps_by
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
