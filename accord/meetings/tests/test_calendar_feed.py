"""The personal webcal feed: a random token stored hashed, revocable, no login."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import recurring_ical_events
import time_machine
from django.test import Client
from django.urls import reverse

from accord.lib.tokens import hash_token
from accord.meetings import services
from accord.meetings.models import CalendarFeed
from accord.meetings.tests.factories import series_for

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
def test_it_serves_the_members_meetings_to_a_calendar_without_login(sales_lead, seller, marketer):
    series = series_for(sales_lead, [seller, marketer])
    series_for(sales_lead, [sales_lead], name="Acme lead sync", kind="pipeline_review")
    new = services.calendar_feed_create(membership=seller)

    response = Client().get(reverse("meetings_feed", kwargs={"token": new.token}))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert "METHOD" not in calendar
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [series.uid]
    stored = CalendarFeed.objects.get(member=seller)
    assert stored.token_hash == hash_token(new.token)
    assert new.token not in stored.token_hash
    assert len(new.token) >= 40  # 256 random bits, URL-safe


@time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
def test_it_stops_a_revoked_or_replaced_feed(sales_lead, seller, marketer):
    series_for(sales_lead, [seller, marketer])
    first = services.calendar_feed_create(membership=seller)
    second = services.calendar_feed_create(membership=seller)
    url = reverse("meetings_feed", kwargs={"token": first.token})
    assert Client().get(url).status_code == 404
    current = Client().get(reverse("meetings_feed", kwargs={"token": second.token}))
    assert current.status_code == 200
    assert b"BEGIN:VCALENDAR" in current.content

    services.calendar_feed_revoke(membership=seller, feed=second.feed)

    assert Client().get(reverse("meetings_feed", kwargs={"token": second.token})).status_code == 404
    assert Client().get(reverse("meetings_feed", kwargs={"token": "cal_guess"})).status_code == 404


def test_it_ends_a_cancelled_series_in_the_feed_and_keeps_its_past(sales_lead, seller, marketer):
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False):
        series = series_for(sales_lead, [seller, marketer], cadence="weekly")
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, tzinfo=UTC), tick=False):
        services.series_cancel(membership=sales_lead, series=series)
        token = services.calendar_feed_create(membership=seller).token
        body = Client().get(reverse("meetings_feed", kwargs={"token": token})).content

    calendar = icalendar.Calendar.from_ical(body)
    starts = [
        e["DTSTART"].dt.date()
        for e in recurring_ical_events.of(calendar).between(
            dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 6, 1, tzinfo=UTC)
        )
    ]
    assert starts == [dt.date(2026, 3, 5), dt.date(2026, 3, 12), dt.date(2026, 3, 19)]
