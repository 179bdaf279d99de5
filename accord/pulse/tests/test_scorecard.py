"""The scorecard: 13 rolling weeks, green or red; computed measurables come
from the goals app's metric machinery, manual ones from their owner."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accord.jobs.testing import run_queued_jobs
from accord.mail.models import CapturedMessage
from accord.pulse import scorecard, services
from accord.pulse.models import Measurable, MeasurableValue

MONDAY = dt.date(2026, 11, 2)


def _client(m) -> Client:
    client = Client()
    client.force_login(m.user)
    return client


@pytest.fixture
def calls(owner, seller):
    return scorecard.measurable_create(
        membership=owner,
        name="Acme joint prospect calls",
        moves="Pipeline creation",
        owner=seller,
        goal_value=Decimal("5"),
        direction="up",
    )


def test_it_refuses_vanity_metrics_and_unexplained_numbers(owner, seller):
    with pytest.raises(ValidationError) as error:
        scorecard.measurable_create(
            membership=owner,
            name="Page views",
            owner=seller,
            goal_value=Decimal("1000"),
            direction="up",
        )
    assert "Page views is a vanity metric" in error.value.message_dict["name"][0]
    with pytest.raises(ValidationError) as error:
        scorecard.measurable_create(
            membership=owner, name="Demos", owner=seller, goal_value=Decimal("3"), direction="up"
        )
    assert "moves" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        scorecard.measurable_create(
            membership=owner,
            name="Reach",
            metric="impressions",
            owner=seller,
            goal_value=Decimal("3"),
        )
    assert "vanity metric" in error.value.message_dict["metric"][0]
    assert not Measurable.objects.exists()


def test_it_lets_only_leads_manage_the_scorecard(seller, viewer):
    for someone in (seller, viewer):
        with pytest.raises(PermissionDenied):
            scorecard.measurable_create(
                membership=someone,
                name="Demos",
                moves="Pipeline",
                owner=seller,
                goal_value=Decimal("3"),
            )


def test_it_lets_the_owner_enter_weekly_values_green_or_red(calls, seller, marketer, owner):
    scorecard.measurable_value_enter(
        membership=seller, measurable=calls, week=MONDAY - dt.timedelta(days=5), value=Decimal("6")
    )
    scorecard.measurable_value_enter(
        membership=seller, measurable=calls, week=MONDAY, value=Decimal("2")
    )
    with pytest.raises(PermissionDenied):
        scorecard.measurable_value_enter(
            membership=marketer, measurable=calls, week=MONDAY, value=Decimal("9")
        )
    with pytest.raises(ValidationError) as error:
        scorecard.measurable_value_enter(
            membership=seller,
            measurable=calls,
            week=MONDAY + dt.timedelta(days=7),
            value=Decimal("1"),
        )
    assert "week" in error.value.message_dict
    weeks, rows = scorecard.scorecard(owner)
    assert len(weeks) == 13 and weeks[-1] == MONDAY
    cells = {c.week: c.state for c in rows[0].cells}
    assert cells[MONDAY - dt.timedelta(weeks=1)] == "green"
    assert cells[MONDAY] == "red"
    assert cells[MONDAY - dt.timedelta(weeks=2)] == "none"
    assert MeasurableValue.objects.get(week=MONDAY - dt.timedelta(weeks=1)).value == Decimal("6")


def test_it_shows_weeks_on_the_page_and_lets_the_owner_enter(calls, seller, viewer):
    response = _client(seller).post(
        f"/o/acme/pulse/scorecard/{calls.pk}/value/", {"week": "2026-10-26", "value": "7"}
    )
    assert response.status_code == 302
    bad = _client(seller).post(
        f"/o/acme/pulse/scorecard/{calls.pk}/value/", {"week": "2026-10-26", "value": "lots"}
    )
    assert bad.status_code == 400 and "Enter a number." in bad.content.decode()
    html = _client(viewer).get("/o/acme/pulse/scorecard/").content.decode()
    assert "Acme joint prospect calls" in html and 'class="green"' in html
    assert 'name="value"' not in html  # viewers do not enter


def test_it_computes_measurables_through_the_metric_registry(owner, seller, goals, marketer):
    balance = scorecard.measurable_create(
        membership=owner,
        name="Pulse balance",
        metric="pulse_balance",
        owner=owner,
        goal_value=Decimal("0"),
    )
    assert (balance.direction, balance.moves) == ("up", "Alignment")
    cycle = services.cycle_open_now(membership=owner)
    for m, vote in ((seller, "worse"), (marketer, "worse")):
        services.answer_submit(
            membership=m,
            cycle=cycle,
            votes={g.pk: (vote, "") for g in goals},
            internal_score=4,
            one_thing="Meet weekly.",
        )
    _weeks, rows = scorecard.scorecard(owner)
    last = rows[0].cells[-1]
    assert (last.value, last.state) == (-100.0, "red")
    with pytest.raises(ValidationError):
        scorecard.measurable_value_enter(
            membership=owner, measurable=balance, week=MONDAY, value=Decimal("3")
        )


def test_it_reminds_owners_of_manual_measurables_on_monday(calls, owner):
    with time_machine.travel(datetime(2026, 11, 9, 15, 0, tzinfo=UTC), tick=False):
        scorecard.scorecard_remind(organization=owner.organization, now=datetime.now(UTC))
        scorecard.scorecard_remind(organization=owner.organization, now=datetime.now(UTC))
        run_queued_jobs()
    sent = CapturedMessage.objects.filter(subject__startswith="Scorecard:")
    assert [m.to for m in sent] == [["bob@acme.example"]]
    assert "week of 2 Nov" in sent[0].subject


def test_it_puts_a_red_measurable_on_the_next_joint_meetings_agenda(calls, seller, owner):
    from accord.meetings.models import AgendaItem, Section
    from accord.meetings.tests.factories import series_for

    scorecard.measurable_value_enter(
        membership=seller, measurable=calls, week=MONDAY, value=Decimal("1")
    )
    with pytest.raises(ValidationError) as error:
        scorecard.measurable_send_to_agenda(membership=owner, measurable=calls)
    assert "No joint meeting is scheduled" in error.value.message_dict["agenda"][0]

    series_for(owner, [owner, seller], start_date=MONDAY + dt.timedelta(days=3))
    item = scorecard.measurable_send_to_agenda(membership=owner, measurable=calls)
    assert item.title == "Red: Acme joint prospect calls"
    assert "the goal is 5 or more" in item.why
    stored = AgendaItem.objects.get(title=item.title)
    assert stored.section == Section.SCORECARD
    assert stored.why == item.why
    assert stored.occurrence.starts_at.date() >= MONDAY
