"""Business-hours arithmetic on a calendar with a time zone and holidays.

Pure functions, no Django: the lead hand-off SLA ("first touch within N
business hours, decide within M business days") is computed with these.

Conventions, stated once:

* Times going in must be time-zone aware; they are read in the calendar's
  zone. Results are aware datetimes in the calendar's zone.
* A business day is a weekday in ``calendar.weekdays`` that is not a holiday
  (a country's public holidays from the ``holidays`` package, plus dates of
  the organisation's own; see ``Holidays``);
  its business hours run from ``day_start`` to ``day_end`` local time.
* A moment outside business hours counts from the next business opening:
  a lead arriving on Saturday at 10:00 has its clock start on Monday at 09:00.
* ``M business days`` means ``M x hours-per-day`` business hours, so a lead
  that arrives at 15:00 on Monday with M=1 is due at 15:00 on Tuesday.
* Daylight-saving changes are honoured: the opening hours are wall-clock.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holiday_sets

WEEKDAYS = frozenset({0, 1, 2, 3, 4})
# A search for the next business day gives up after this long: a calendar
# whose every day is a holiday is a configuration error, not an endless loop.
_MAX_SCAN_DAYS = 3660


def countries() -> list[tuple[str, str]]:
    """(ISO code, English name) of every country the ``holidays`` package knows."""
    return sorted(_registry().items(), key=lambda item: item[1])


@functools.cache
def _registry() -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in holiday_sets.registry.COUNTRIES.values():
        # (class name, ISO alpha-2, ISO alpha-3, ...): the class is the name in CamelCase.
        found[entry[1]] = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", entry[0])
    return found


@functools.cache
def _country_days(country: str) -> Container[date]:
    # The package's set grows by whole years as dates are looked up.
    return holiday_sets.country_holidays(country)


@dataclass(frozen=True)
class Holidays:
    """The days off of a calendar: a country's public holidays (ISO code, from
    the ``holidays`` package; empty for none) plus dates of one's own."""

    country: str = ""
    extra: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.country and self.country not in _registry():
            raise ValueError(f"No public holidays are known for country '{self.country}'.")

    def __contains__(self, day: object) -> bool:
        if day in self.extra:
            return True
        return bool(self.country) and isinstance(day, date) and day in _country_days(self.country)


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours of an organisation: zone, weekdays, daily hours, holidays."""

    time_zone: str = "UTC"
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)
    weekdays: frozenset[int] = WEEKDAYS
    holidays: Container[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.day_end <= self.day_start:
            raise ValueError("The business day must end after it starts.")
        if not self.weekdays:
            raise ValueError("At least one weekday must be a business day.")
        ZoneInfo(self.time_zone)  # raises for an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def hours_per_day(self) -> float:
        start = datetime.combine(date(2000, 1, 3), self.day_start)
        end = datetime.combine(date(2000, 1, 3), self.day_end)
        return (end - start).total_seconds() / 3600

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def opening(self, day: date) -> datetime:
        return datetime.combine(day, self.day_start, tzinfo=self.zone)

    def closing(self, day: date) -> datetime:
        return datetime.combine(day, self.day_end, tzinfo=self.zone)


def calendar_from(
    *,
    time_zone: str,
    holidays: Iterable[date] = (),
    day_start: time = time(9, 0),
    day_end: time = time(17, 0),
    country: str = "",
) -> BusinessCalendar:
    """A calendar from an organisation's settings: its own ``holidays`` and
    ``country``'s public holidays are days off."""
    days = frozenset(holidays)
    return BusinessCalendar(
        time_zone=time_zone,
        day_start=day_start,
        day_end=day_end,
        holidays=Holidays(country=country, extra=days),
    )


def add_working_days(calendar: BusinessCalendar, start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` business days at the same local time of day.

    For due dates counted in whole days (a follow-up due in two business
    days), not in opening hours: a start on a day off counts from the next
    business day's opening.
    """
    _require_aware(start)
    local = start.astimezone(calendar.zone)
    if not calendar.is_business_day(local.date()):
        local = calendar.opening(next_business_day(calendar, local.date()))
    day = local.date()
    for _ in range(days):
        day = next_business_day(calendar, day + timedelta(days=1))
    # Wall-clock time on the due day, whatever daylight saving did in between.
    return datetime.combine(day, local.time(), tzinfo=calendar.zone)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("A time-zone aware datetime is required.")


def next_business_day(calendar: BusinessCalendar, day: date) -> date:
    """``day`` itself if it is a business day, else the next one."""
    for _ in range(_MAX_SCAN_DAYS):
        if calendar.is_business_day(day):
            return day
        day += timedelta(days=1)
    raise ValueError("The calendar has no business day in ten years.")


def clock_start(calendar: BusinessCalendar, moment: datetime) -> datetime:
    """The first business moment at or after ``moment``."""
    _require_aware(moment)
    local = moment.astimezone(calendar.zone)
    day = local.date()
    if calendar.is_business_day(day):
        if local < calendar.opening(day):
            return calendar.opening(day)
        if local < calendar.closing(day):
            return local
    return calendar.opening(next_business_day(calendar, day + timedelta(days=1)))


def add_business_hours(calendar: BusinessCalendar, start: datetime, hours: float) -> datetime:
    """The moment ``hours`` business hours after ``start``."""
    if hours < 0:
        raise ValueError("Hours must not be negative.")
    current = clock_start(calendar, start)
    remaining = timedelta(hours=hours)
    for _ in range(_MAX_SCAN_DAYS):
        closing = calendar.closing(current.date())
        left_today = closing - current
        if remaining <= left_today:
            return current + remaining
        remaining -= left_today
        current = calendar.opening(next_business_day(calendar, current.date() + timedelta(days=1)))
    raise ValueError("The deadline is more than ten years away.")


def add_business_days(calendar: BusinessCalendar, start: datetime, days: float) -> datetime:
    """The moment ``days`` business days after ``start`` (days x hours per day)."""
    return add_business_hours(calendar, start, days * calendar.hours_per_day)


def business_hours_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Business hours from ``start`` to ``end``; 0 when ``end`` is not after ``start``."""
    _require_aware(end)
    current = clock_start(calendar, start)
    end_local = end.astimezone(calendar.zone)
    if end_local <= current:
        return 0.0
    total = timedelta()
    day = current.date()
    # Whole days in between are added per day; the loop is bounded by the span.
    while day <= end_local.date():
        if calendar.is_business_day(day):
            opening = max(calendar.opening(day), current)
            closing = min(calendar.closing(day), end_local)
            if closing > opening:
                total += closing - opening
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def _previous_business_day(calendar: BusinessCalendar, day: date) -> date:
    """``day`` itself if it is a business day, else the one before."""
    for _ in range(_MAX_SCAN_DAYS):
        if calendar.is_business_day(day):
            return day
        day -= timedelta(days=1)
    raise ValueError("The calendar has no business day in ten years.")


def subtract_business_hours(calendar: BusinessCalendar, end: datetime, hours: float) -> datetime:
    """The latest moment that lies ``hours`` business hours before ``end``.

    The inverse of ``add_business_hours`` for ordering: a start ``s`` has
    ``add_business_hours(calendar, s, hours) <= end`` exactly when
    ``s <= subtract_business_hours(calendar, end, hours)``, so "which MQLs are
    past their deadline" becomes one comparison a database can index.
    """
    if hours < 0:
        raise ValueError("Hours must not be negative.")
    _require_aware(end)
    local = end.astimezone(calendar.zone)
    day = local.date()
    if calendar.is_business_day(day) and local > calendar.opening(day):
        current = min(local, calendar.closing(day))
    else:
        day = _previous_business_day(calendar, day - timedelta(days=1))
        current = calendar.closing(day)
    remaining = timedelta(hours=hours)
    for _ in range(_MAX_SCAN_DAYS):
        opening = calendar.opening(current.date())
        available = current - opening
        if remaining <= available:
            return current - remaining
        remaining -= available
        day = _previous_business_day(calendar, current.date() - timedelta(days=1))
        current = calendar.closing(day)
    raise ValueError("The start is more than ten years back.")
