"""Recurrence rules of meeting series: checking them and expanding them.

A series' rule is an RFC 5545 RRULE anchored at a local start time in a time
zone, so a 10:00 meeting stays at 10:00 local time across a daylight-saving
change (its UTC instant moves). Expansion goes through icalendar and
recurring-ical-events, the same reading a calendar client makes of the
invitation.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError

from accord.meetings.models import Cadence

CADENCE_RULES = {
    Cadence.BIWEEKLY: "FREQ=WEEKLY;INTERVAL=2",
    Cadence.WEEKLY: "FREQ=WEEKLY",
    Cadence.MONTHLY: "FREQ=MONTHLY",
}
# Finer frequencies make no sense for a meeting and would let one rule fill
# the database with occurrences.
ALLOWED_FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
# A rule's first date must come within this many years of the start.
FIRST_DATE_WITHIN_YEARS = 5
MAX_RULE_LENGTH = 500
# NAME=value pairs separated by semicolons: the shape of every RRULE.
_RULE_SHAPE = re.compile(r"^[A-Za-z]+=[^;=]+(;[A-Za-z]+=[^;=]+)*$")


def zone(name: str, field: str = "time_zone") -> ZoneInfo:
    """The IANA time zone ``name``; a ValidationError naming ``field`` if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError({field: f"Unknown time zone '{name}'."}) from None


def local_start(start_date: dt.date, start_time: dt.time, time_zone: str) -> dt.datetime:
    """The first occurrence's start as an aware local date-time."""
    return dt.datetime.combine(start_date, start_time.replace(tzinfo=None), tzinfo=zone(time_zone))


def rule_for(cadence: str, rrule: str = "") -> str:
    """The RRULE text of a cadence; for ``custom``, the given rule as typed."""
    if cadence == Cadence.CUSTOM:
        text = rrule.strip()
        if text.upper().startswith("RRULE:"):
            text = text[6:]
        return text
    if cadence not in CADENCE_RULES:
        raise ValidationError({"cadence": "Choose every two weeks, weekly, monthly or custom."})
    return CADENCE_RULES[Cadence(cadence)]


def clean_rule(text: str, *, start: dt.datetime, field: str = "rrule") -> str:
    """Check an RRULE against the series' first start; return it normalised.

    Refuses, naming ``field``: text that is not an RRULE, frequencies finer
    than daily, an UNTIL before the start, and a rule that yields no date
    within a few years of the start.
    """
    if not text:
        raise ValidationError({field: "Enter a recurrence rule, e.g. FREQ=WEEKLY;INTERVAL=2."})
    if len(text) > MAX_RULE_LENGTH or "\n" in text or "\r" in text:
        raise ValidationError({field: "A recurrence rule is one line of at most 500 characters."})
    if not _RULE_SHAPE.match(text):
        raise ValidationError(
            {field: f"'{text}' is not an RFC 5545 rule, e.g. FREQ=WEEKLY;INTERVAL=2."}
        )
    try:
        recur = icalendar.vRecur.from_ical(text)
    except (ValueError, TypeError, KeyError):
        raise ValidationError(
            {field: f"'{text}' is not an RFC 5545 rule, e.g. FREQ=WEEKLY;INTERVAL=2."}
        ) from None
    freq = [str(f).upper() for f in recur.get("FREQ", [])]
    if len(freq) != 1:
        raise ValidationError({field: "The rule needs exactly one FREQ, e.g. FREQ=WEEKLY."})
    if freq[0] not in ALLOWED_FREQUENCIES:
        raise ValidationError({field: "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY."})
    normal = recur.to_ical().decode()
    until = recur.get("UNTIL")
    if until:
        end = until[0]
        end_at = (
            end
            if isinstance(end, dt.datetime)
            else dt.datetime.combine(end, dt.time.max, tzinfo=start.tzinfo)
        )
        if end_at.tzinfo is None:
            end_at = end_at.replace(tzinfo=start.tzinfo)
        if end_at < start:
            raise ValidationError({field: "The rule's UNTIL is before the first meeting."})
    try:
        # dateutil wants UNTIL in UTC when DTSTART is aware: expand in naive
        # local time instead, which is also what the calendar shows.
        rule = rrulestr(_naive_rule(normal), dtstart=start.replace(tzinfo=None))
        horizon = start.replace(tzinfo=None).replace(year=start.year + FIRST_DATE_WITHIN_YEARS)
        first = rule.between(
            start.replace(tzinfo=None) - dt.timedelta(seconds=1), horizon, inc=True, count=1
        )
    except (ValueError, TypeError, OverflowError) as error:
        raise ValidationError({field: f"The rule cannot be used: {error}."}) from None
    if not first:
        raise ValidationError(
            {
                field: "The rule yields no date within "
                f"{FIRST_DATE_WITHIN_YEARS} years of the first meeting."
            }
        )
    return str(normal)


def _naive_rule(text: str) -> str:
    """The rule with a UTC UNTIL turned into a naive one, for dateutil."""
    parts = []
    for part in text.split(";"):
        if part.upper().startswith("UNTIL=") and part.endswith("Z"):
            part = part[:-1]
        parts.append(part)
    return ";".join(parts)


def master_event(
    *,
    uid: str,
    start: dt.datetime,
    duration: dt.timedelta,
    rrule: str,
) -> icalendar.Event:
    """The VEVENT that carries a series' rule (no exceptions)."""
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstart", start)
    event.add("duration", duration)
    event.add("rrule", icalendar.vRecur.from_ical(rrule))
    return event


def expand(
    *,
    start: dt.datetime,
    rrule: str,
    window_start: dt.datetime,
    window_end: dt.datetime,
    limit: int = 500,
) -> list[dt.datetime]:
    """Instants (UTC) the rule gives in [window_start, window_end), at most ``limit``."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Accord//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add_component(
        master_event(uid="expand@accord", start=start, duration=dt.timedelta(0), rrule=rrule)
    )
    found: list[dt.datetime] = []
    for event in recurring_ical_events.of(calendar).between(window_start, window_end):
        value = event["DTSTART"].dt
        if not isinstance(value, dt.datetime):
            continue
        found.append(value.astimezone(dt.UTC))
        if len(found) >= limit:
            break
    return sorted(found)
