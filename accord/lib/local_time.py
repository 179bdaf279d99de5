"""Days and months on the organisation's calendar.

Every "by month" and "by day" figure (NPS by month, the funnel and SLA
compliance by MQL month, activity by day) files an instant under the day or
month it was *in the organisation's time zone*, whatever offset the source
timestamp carried: an answer stamped 2025-07-31 22:30 -07:00 is in August for
an organisation on UTC and in July for one on America/Los_Angeles.

Pure functions over ``zoneinfo``; an unknown zone name reads as UTC (the
organisation's settings refuse unknown names, so this only guards old rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_of(time_zone: str) -> ZoneInfo:
    """The zone named ``time_zone``; UTC for an unknown or empty name."""
    try:
        return ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return ZoneInfo("UTC")


def local_date(moment: dt.datetime, time_zone: str) -> dt.date:
    """The day ``moment`` (aware) falls on in ``time_zone``."""
    return moment.astimezone(zone_of(time_zone)).date()


def month_first(moment: dt.datetime, time_zone: str) -> dt.date:
    """The first day of the month ``moment`` (aware) falls in, in ``time_zone``."""
    return local_date(moment, time_zone).replace(day=1)


def month_key(moment: dt.datetime, time_zone: str) -> str:
    """``month_first`` as ``"YYYY-MM"`` (the lead cohort's form)."""
    return month_first(moment, time_zone).strftime("%Y-%m")


def day_start(day: dt.date, time_zone: str) -> dt.datetime:
    """The instant ``day`` begins in ``time_zone`` (aware, in that zone)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone_of(time_zone))


def next_month(first: dt.date) -> dt.date:
    """The first day of the month after the one ``first`` is in."""
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_spans(
    earliest: dt.datetime, latest: dt.datetime, time_zone: str
) -> Iterator[tuple[dt.date, dt.datetime, dt.datetime]]:
    """Each month of ``time_zone`` from the one holding ``earliest`` to the one
    holding ``latest``: (its first day, the instant it starts, the instant the
    next one starts). The spans tile the line: every instant in between is in
    exactly one, ``start <= instant < end``."""
    month = month_first(earliest, time_zone)
    last = month_first(latest, time_zone)
    while month <= last:
        following = next_month(month)
        yield month, day_start(month, time_zone), day_start(following, time_zone)
        month = following
