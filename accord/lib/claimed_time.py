"""The one rule for times and dates that people claim and that feed a metric.

A first touch, a check-in's date, an activity's or a content use's day and a
meeting's attendance are all counted in shared numbers (SLA compliance, goal
progress, activity goals, collaborative-meeting cadence). A client may say
*when* something happened, but only inside the window in which it can have
happened: not before the thing it follows (a lead's MQL time, a goal's
period), and not after now, give or take ``CLOCK_SKEW`` for a client whose
clock runs a little ahead. Anything else is refused with a ValidationError
naming the field, so the API answers 422 and a form shows the message.

Pure functions: Django's ValidationError and time zone helpers only.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

# How far ahead of the server's clock a client's clock may run.
CLOCK_SKEW = dt.timedelta(minutes=5)

# The span of years any stored date may fall in (DateField/DateTimeField limits
# differ between databases; this is well inside all of them).
FIRST_YEAR, LAST_YEAR = 1970, 2200


def _moment(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def claimed_time_check(
    at: dt.datetime | None,
    *,
    field: str,
    earliest: dt.datetime | None = None,
    earliest_what: str = "",
    now: dt.datetime | None = None,
) -> dt.datetime:
    """The instant someone claims ``at`` (now when None), if it can be true.

    It must carry a time zone (a naive time would be guessed), fall within
    the years Accord stores, be no later than ``now + CLOCK_SKEW`` and no
    earlier than ``earliest`` (``earliest_what`` names it in the message,
    e.g. "the lead became an MQL"). Raises ``ValidationError({field: …})``.
    """
    current = now or timezone.now()
    claimed = current if at is None else at
    if not isinstance(claimed, dt.datetime):
        raise ValidationError({field: "Enter a date and time."})
    if timezone.is_naive(claimed):
        raise ValidationError(
            {field: "Give the time with its offset, e.g. 2026-03-02T10:00:00Z or +01:00."}
        )
    if not FIRST_YEAR <= claimed.astimezone(dt.UTC).year <= LAST_YEAR:
        raise ValidationError({field: f"Enter a time between {FIRST_YEAR} and {LAST_YEAR}."})
    if claimed > current + CLOCK_SKEW:
        raise ValidationError(
            {field: f"{_moment(claimed)} is in the future (now is {_moment(current)})."}
        )
    if earliest is not None and claimed < earliest:
        raise ValidationError(
            {
                field: f"{_moment(claimed)} is before {earliest_what or 'the earliest time'} "
                f"({_moment(earliest)})."
            }
        )
    return claimed


def claimed_day_check(
    day: dt.date | None,
    *,
    field: str,
    time_zone: str = "UTC",
    earliest: dt.date | None = None,
    earliest_what: str = "",
    now: dt.datetime | None = None,
) -> dt.date:
    """The day someone claims ``day`` (today when None), if it can be true.

    When None, the day is today in ``time_zone`` (the organisation's): days
    are the organisation's, so what is logged at 20:00 in Los Angeles is
    filed that day, not on the next day UTC has already reached. The latest
    day allowed is the date at ``now + CLOCK_SKEW`` in ``time_zone`` or in the
    server's zone, whichever is later: a member in Auckland may log what they
    did this morning while it is still yesterday in UTC, and nothing the
    server took as today before is refused. The day must not be later, nor
    earlier than ``earliest``. Raises ``ValidationError({field: …})``.
    """
    try:
        zone = ZoneInfo(time_zone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    current = now or timezone.now()
    moment = current + CLOCK_SKEW
    today = max(moment.astimezone(zone).date(), timezone.localdate(moment))
    claimed = current.astimezone(zone).date() if day is None else day
    if not isinstance(claimed, dt.date) or isinstance(claimed, dt.datetime):
        raise ValidationError({field: "Enter a date (YYYY-MM-DD)."})
    if not FIRST_YEAR <= claimed.year <= LAST_YEAR:
        raise ValidationError({field: f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}."})
    if claimed > today:
        raise ValidationError(
            {field: f"{claimed:%d %b %Y} is in the future (today is {today:%d %b %Y})."}
        )
    if earliest is not None and claimed < earliest:
        raise ValidationError(
            {
                field: f"{claimed:%d %b %Y} is before {earliest_what or 'the earliest day'} "
                f"({earliest:%d %b %Y})."
            }
        )
    return claimed
