"""Calendar quarters as the report names them: ``2026Q4``.

``quarter_parse`` is the one place a quarter typed by a person (page, API,
command line) is checked; its refusals name the field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

FIRST_YEAR = 2000
_SHAPE = re.compile(r"^(\d{4})\s*-?\s*Q(\d+)$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1-4

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the quarter (inclusive)."""
        return self.next.start - dt.timedelta(days=1)

    @property
    def months(self) -> list[dt.date]:
        """The first day of each of its three months."""
        return [dt.date(self.year, 3 * self.number - 2 + i, 1) for i in range(3)]

    @property
    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    @property
    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def __str__(self) -> str:
        return self.label


def quarter_of(day: dt.date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def quarter_parse(value: str | None, *, today: dt.date, field: str = "quarter") -> Quarter:
    """``2026Q4`` (also ``2026-q4``) as a Quarter that has begun by ``today``.

    Refused, with a message under ``field``: an empty value, another shape,
    a quarter number other than 1-4, a year before 2000, a quarter that has
    not started yet (the current one is allowed: its report runs to date).
    """
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: "Enter a quarter such as 2026Q4."})
    match = _SHAPE.match(text)
    if match is None:
        raise ValidationError(
            {field: f"'{text[:20]}' is not a quarter: write the year and the quarter, as 2026Q4."}
        )
    year, number = int(match.group(1)), int(match.group(2))
    if not 1 <= number <= 4:
        raise ValidationError({field: f"A year has quarters Q1 to Q4, not Q{number}."})
    if year < FIRST_YEAR:
        raise ValidationError({field: f"Choose a quarter from {FIRST_YEAR}Q1 on."})
    quarter = Quarter(year, number)
    current = quarter_of(today)
    if quarter > current:
        raise ValidationError(
            {field: f"{quarter.label} has not started yet: choose a quarter up to {current.label}."}
        )
    return quarter
