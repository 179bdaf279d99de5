"""iCalendar (RFC 5545 / iTIP RFC 5546) documents of meeting series.

One stable UID per series; SEQUENCE is the series' ``sequence``, raised on
every change, so a calendar that already has the meeting replaces it. Moved
occurrences are overrides (RECURRENCE-ID), cancelled ones EXDATEs; a
cancelled series or occurrence is a METHOD:CANCEL message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.db.models import F, Q

from accord.meetings.models import MeetingSeries, Occurrence, OccurrenceStatus
from accord.meetings.recurrence import local_start, master_event, zone

PRODID = "-//Accord//Meetings//EN"


def _calendar(method: str | None, name: str = "") -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def _organizer() -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{_email_of(settings.DEFAULT_FROM_EMAIL)}")
    address.params["cn"] = icalendar.vText("Accord")
    return address


def _email_of(from_email: str) -> str:
    # "Accord <accord@example.com>" → accord@example.com
    if "<" in from_email and from_email.endswith(">"):
        return from_email.rsplit("<", 1)[1][:-1]
    return from_email


def _attendee(email: str, name: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params["cn"] = icalendar.vText(name or email)
    address.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    address.params["partstat"] = icalendar.vText("NEEDS-ACTION")
    address.params["rsvp"] = icalendar.vText("TRUE")
    return address


def _describe(event: icalendar.Event, series: MeetingSeries, *, stamp: dt.datetime) -> None:
    event.add("dtstamp", stamp)
    event.add("sequence", series.sequence)
    event.add("summary", series.name)
    text = series.description
    if series.video_url:
        text = f"{text}\n\nJoin: {series.video_url}".strip()
        event.add("location", series.video_url)
        event.add("url", series.video_url)
    if text:
        event.add("description", text)
    event.add("organizer", _organizer())


def _series_events(
    series: MeetingSeries,
    occurrences: Iterable[Occurrence],
    *,
    stamp: dt.datetime,
    attendees: list[tuple[str, str]],
) -> list[icalendar.Event]:
    tz = zone(series.time_zone)
    start = local_start(series.start_date, series.start_time, series.time_zone)
    duration = dt.timedelta(minutes=series.duration_minutes)
    rule = series.rrule
    if series.cancelled_at is not None and not any(
        part in rule.upper() for part in ("UNTIL=", "COUNT=")
    ):
        # A cancelled series ends where it was cancelled; its past stays.
        rule += ";UNTIL=" + series.cancelled_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    master = master_event(uid=series.uid, start=start, duration=duration, rrule=rule)
    _describe(master, series, stamp=stamp)
    for email, name in attendees:
        master.add("attendee", _attendee(email, name))
    events = [master]
    for occurrence in occurrences:
        original = occurrence.original_start.astimezone(tz)
        if occurrence.status == OccurrenceStatus.CANCELLED:
            master.add("exdate", original)
        elif occurrence.moved:
            override = icalendar.Event()
            override.add("uid", series.uid)
            override.add("recurrence-id", original)
            override.add("dtstart", occurrence.starts_at.astimezone(tz))
            override.add("dtend", occurrence.ends_at.astimezone(tz))
            _describe(override, series, stamp=stamp)
            for email, name in attendees:
                override.add("attendee", _attendee(email, name))
            events.append(override)
    return events


def _people(series: MeetingSeries) -> list[tuple[str, str]]:
    return [
        (m.user.email, m.user.name)
        for m in series.attendees.select_related("user").order_by("user__email")
    ]


def _exceptions(series: MeetingSeries) -> list[Occurrence]:
    """Occurrences that differ from the rule: cancelled or moved."""
    return list(
        series.occurrences.filter(
            Q(status=OccurrenceStatus.CANCELLED) | ~Q(starts_at=F("original_start"))
        ).order_by("original_start")
    )


def series_request(series: MeetingSeries, *, stamp: dt.datetime) -> bytes:
    """The invitation (METHOD:REQUEST) of a whole series, with its exceptions."""
    calendar = _calendar("REQUEST")
    for event in _series_events(
        series, _exceptions(series), stamp=stamp, attendees=_people(series)
    ):
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def series_cancel(series: MeetingSeries, *, stamp: dt.datetime) -> bytes:
    """METHOD:CANCEL of a whole series."""
    calendar = _calendar("CANCEL")
    start = local_start(series.start_date, series.start_time, series.time_zone)
    event = master_event(
        uid=series.uid,
        start=start,
        duration=dt.timedelta(minutes=series.duration_minutes),
        rrule=series.rrule,
    )
    _describe(event, series, stamp=stamp)
    event.add("status", "CANCELLED")
    for email, name in _people(series):
        event.add("attendee", _attendee(email, name))
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def occurrence_cancel(occurrence: Occurrence, *, stamp: dt.datetime) -> bytes:
    """METHOD:CANCEL of one occurrence (its RECURRENCE-ID), the series going on."""
    series = occurrence.series
    tz = zone(series.time_zone)
    calendar = _calendar("CANCEL")
    event = icalendar.Event()
    event.add("uid", series.uid)
    event.add("recurrence-id", occurrence.original_start.astimezone(tz))
    event.add("dtstart", occurrence.starts_at.astimezone(tz))
    event.add("dtend", occurrence.ends_at.astimezone(tz))
    _describe(event, series, stamp=stamp)
    event.add("status", "CANCELLED")
    for email, name in _people(series):
        event.add("attendee", _attendee(email, name))
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def feed(series_list: Iterable[MeetingSeries], *, name: str, stamp: dt.datetime) -> bytes:
    """A subscribable calendar (no METHOD) of every series in ``series_list``."""
    calendar = _calendar(None, name)
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for series in series_list:
        for event in _series_events(series, _exceptions(series), stamp=stamp, attendees=[]):
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
