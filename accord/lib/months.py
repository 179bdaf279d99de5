"""Splitting a period of days into whole calendar months and the partial
months at its ends: monthly rollups answer the whole months, a live count
the pieces."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


def month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class Split:
    """``start``..``end`` (inclusive) as whole months (their first days, oldest
    first) and pieces: (first day, last day) of partial months, inclusive."""

    months: tuple[dt.date, ...]
    pieces: tuple[tuple[dt.date, dt.date], ...]


def split(start: dt.date, end: dt.date) -> Split:
    """The whole months inside ``start``..``end`` and the partial months at
    either end. Empty when ``end`` is before ``start``."""
    months: list[dt.date] = []
    pieces: list[tuple[dt.date, dt.date]] = []
    day = start
    while day <= end:
        following = next_month(day)
        last = min(end, following - dt.timedelta(days=1))
        if day.day == 1 and last == following - dt.timedelta(days=1):
            months.append(day)
        else:
            pieces.append((day, last))
        day = following
    return Split(tuple(months), tuple(pieces))


def month_keys(days: Iterable[dt.date]) -> list[str]:
    """``"YYYY-MM"`` of each day, in order."""
    return [day.strftime("%Y-%m") for day in days]
