"""Meeting series: rules expanded across daylight-saving changes, invitations
with .ics attachments through a real SMTP server, moves, cancellations."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accord.jobs.testing import run_queued_jobs
from accord.meetings import services
from accord.meetings.models import MeetingSeries, Occurrence, OccurrenceStatus
from accord.meetings.tests.factories import series_for

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def _calendars(smtp) -> list[tuple[str, icalendar.Calendar, str]]:
    """(recipient, parsed calendar, content-type method) of every .ics received."""
    found = []
    for envelope, message in smtp.messages:
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                calendar = icalendar.Calendar.from_ical(part.get_content())
                found.append((envelope.rcpt_tos[0], calendar, part.get_param("method")))
    return found


def _sequence(calendar: icalendar.Calendar) -> int:
    """The calendar's highest SEQUENCE: the version a calendar program keeps."""
    return max(int(event.get("SEQUENCE", 0)) for event in calendar.walk("VEVENT"))


def _instant(component: icalendar.cal.Component, name: str) -> dt.datetime:
    """A date-time property of ``component`` (DTSTART, RECURRENCE-ID), decoded."""
    value = component.decoded(name)
    assert isinstance(value, dt.datetime), value
    return value


def _starts(
    calendar: icalendar.Calendar, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    return [
        _instant(e, "DTSTART").astimezone(UTC)
        for e in recurring_ical_events.of(calendar).between(start, end)
    ]


@time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
def test_it_expands_a_berlin_series_across_the_spring_change(sales_lead, seller, marketer):
    series = series_for(
        sales_lead,
        [seller, marketer],
        cadence="weekly",
        start_date=dt.date(2026, 3, 19),
        time_zone="Europe/Berlin",
    )

    starts = list(
        Occurrence.objects.filter(series=series)
        .order_by("starts_at")[:3]
        .values_list("starts_at", flat=True)
    )
    # 10:00 in Berlin is 09:00 UTC in winter and 08:00 UTC from 29 March.
    assert starts == [
        dt.datetime(2026, 3, 19, 9, tzinfo=UTC),
        dt.datetime(2026, 3, 26, 9, tzinfo=UTC),
        dt.datetime(2026, 4, 2, 8, tzinfo=UTC),
    ]
    local = [s.astimezone(ZoneInfo("Europe/Berlin")).time() for s in starts]
    assert local == [dt.time(10)] * 3


@time_machine.travel(dt.datetime(2026, 2, 20, 12, tzinfo=UTC), tick=False)
def test_it_sends_invitations_whose_ics_expands_across_new_york_dst(
    smtp, sales_lead, seller, marketer
):
    series = series_for(
        sales_lead,
        [seller, marketer],
        start_date=dt.date(2026, 2, 23),
        start_time=dt.time(9, 0),
        time_zone="America/New_York",
        video_url="https://meet.example/acme",
    )
    run_queued_jobs()

    received = _calendars(smtp)
    assert sorted(r for r, _, _ in received) == ["bob@acme.example", "mia@acme.example"]
    for _, calendar, method in received:
        assert method == "REQUEST"
        assert calendar["METHOD"] == "REQUEST"
        event = calendar.walk("VEVENT")[0]
        assert str(event["UID"]) == series.uid
        assert event["SEQUENCE"] == 0
        assert str(event["LOCATION"]) == "https://meet.example/acme"
        assert calendar.walk("VTIMEZONE"), "the time zone travels with the invitation"
        # Bi-weekly at 09:00 New York: 14:00 UTC before 8 March, 13:00 UTC after.
        assert _starts(
            calendar,
            dt.datetime(2026, 2, 20, tzinfo=UTC),
            dt.datetime(2026, 3, 25, tzinfo=UTC),
        ) == [
            dt.datetime(2026, 2, 23, 14, tzinfo=UTC),
            dt.datetime(2026, 3, 9, 13, tzinfo=UTC),
            dt.datetime(2026, 3, 23, 13, tzinfo=UTC),
        ]
    subjects = {m["Subject"] for _, m in smtp.messages}
    assert subjects == {"Invitation: Acme joint meeting"}


@time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
def test_it_raises_the_sequence_on_every_change_and_cancels_with_method_cancel(
    smtp, sales_lead, seller, marketer
):
    series = series_for(sales_lead, [seller, marketer])
    services.series_update(membership=sales_lead, series=series, start_time=dt.time(11, 0))
    occurrence = Occurrence.objects.filter(series=series).order_by("starts_at")[1]
    services.occurrence_cancel(
        membership=sales_lead, occurrence=occurrence, version=occurrence.version
    )
    services.series_cancel(membership=sales_lead, series=series)
    run_queued_jobs()

    to_bob = [(c, m) for r, c, m in _calendars(smtp) if r == "bob@acme.example"]
    events = [c.walk("VEVENT")[0] for c, _ in to_bob]
    assert [m for _, m in to_bob] == ["REQUEST", "REQUEST", "CANCEL", "CANCEL"]
    assert {str(e["UID"]) for e in events} == {series.uid}
    assert [e["SEQUENCE"] for e in events] == [0, 1, 2, 3]
    # The one cancelled occurrence names itself; the series' end does not.
    assert _instant(events[2], "RECURRENCE-ID").astimezone(UTC) == occurrence.original_start
    assert str(events[2]["STATUS"]) == "CANCELLED"
    assert "RECURRENCE-ID" not in events[3]
    assert str(events[3]["STATUS"]) == "CANCELLED"
    # 11:00 Berlin after the update.
    assert _instant(events[1], "DTSTART").time() == dt.time(11, 0)
    assert not Occurrence.objects.filter(
        series=series, status=OccurrenceStatus.SCHEDULED, starts_at__gte=dt.datetime.now(UTC)
    ).exists()


@time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
def test_it_moves_one_occurrence_and_the_invitation_says_so(smtp, sales_lead, seller, marketer):
    series = series_for(sales_lead, [seller, marketer], cadence="weekly")
    first = Occurrence.objects.filter(series=series).order_by("starts_at").first()
    assert first is not None
    new_start = dt.datetime(2026, 3, 6, 15, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    services.occurrence_move(
        membership=sales_lead, occurrence=first, starts_at=new_start, version=first.version
    )
    run_queued_jobs()

    first.refresh_from_db()
    assert first.moved and first.starts_at == new_start
    assert first.ends_at - first.starts_at == dt.timedelta(minutes=60)
    # The invitation and its update may arrive in either order (their jobs
    # were queued in the same instant); a calendar keeps the highest SEQUENCE.
    latest = max((c for r, c, _ in _calendars(smtp) if r == "bob@acme.example"), key=_sequence)
    starts = _starts(
        latest, dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 3, 14, tzinfo=UTC)
    )
    assert starts == [
        dt.datetime(2026, 3, 6, 14, tzinfo=UTC),
        dt.datetime(2026, 3, 12, 9, tzinfo=UTC),
    ]


@time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
def test_it_refuses_a_stale_move(sales_lead, seller, marketer):
    series = series_for(sales_lead, [seller, marketer])
    first = Occurrence.objects.filter(series=series).order_by("starts_at").first()
    assert first is not None
    stale = first.version
    services.occurrence_move(
        membership=sales_lead,
        occurrence=first,
        starts_at=first.starts_at + dt.timedelta(hours=1),
        version=stale,
    )
    with pytest.raises(services.StaleEdit):
        services.occurrence_move(
            membership=sales_lead,
            occurrence=first,
            starts_at=first.starts_at + dt.timedelta(hours=2),
            version=stale,
        )
    with pytest.raises(ValidationError) as error:
        services.occurrence_move(
            membership=sales_lead,
            occurrence=first,
            starts_at=first.starts_at + dt.timedelta(hours=2),
            ends_at=first.starts_at,
        )
    assert "ends_at" in error.value.message_dict


@pytest.mark.parametrize(
    ("cadence", "rule", "message"),
    [
        ("custom", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "yields no date"),
        ("custom", "FREQ=WEEKLY;UNTIL=20250101T000000Z", "UNTIL is before"),
        ("custom", "FREQ=SECONDLY", "DAILY, WEEKLY"),
        ("custom", "not a rule", "not an RFC 5545 rule"),
        ("custom", "", "Enter a recurrence rule"),
    ],
)
@time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
def test_it_refuses_bad_rules_and_writes_nothing(
    sales_lead, seller, marketer, cadence, rule, message
):
    with pytest.raises(ValidationError) as error:
        series_for(sales_lead, [seller, marketer], cadence=cadence, rrule=rule)
    assert message in " ".join(error.value.message_dict["rrule"])
    assert not MeetingSeries.objects.exists()
    assert not Occurrence.objects.exists()


@time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
def test_it_takes_any_rfc_5545_rule(sales_lead, seller, marketer):
    series = series_for(
        sales_lead,
        [seller, marketer],
        cadence="custom",
        rrule="RRULE:FREQ=MONTHLY;BYDAY=1TU;COUNT=3",
        start_date=dt.date(2026, 3, 3),
    )
    days = [
        o.starts_at.date() for o in Occurrence.objects.filter(series=series).order_by("starts_at")
    ]
    assert days == [dt.date(2026, 3, 3), dt.date(2026, 4, 7), dt.date(2026, 5, 5)]


def test_it_warns_when_a_joint_series_invites_one_team(sales_lead, seller):
    with time_machine.travel(dt.datetime(2026, 3, 1, tzinfo=UTC), tick=False):
        series = series_for(sales_lead, [sales_lead, seller])
    assert services.series_warnings(series) == [
        "Only one team is invited: a joint meeting needs Marketing too, "
        "or it can only be a report-out."
    ]


def test_it_refuses_attendees_of_another_organisation(sales_lead, seller, globex):
    foreign = globex.memberships.first()
    with pytest.raises(ValidationError) as error:
        series_for(sales_lead, [seller, foreign])
    assert "attendee_ids" in error.value.message_dict
    assert not MeetingSeries.objects.exists()


def test_it_lets_only_leads_create_series(seller, marketer):
    with pytest.raises(PermissionDenied):
        series_for(seller, [seller, marketer])
