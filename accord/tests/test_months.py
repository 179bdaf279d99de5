"""``lib.months.split``, which the rollup readers use: a period as whole
months and the partial months at its ends."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from accord.lib.months import split

D = dt.date


def test_it_splits_a_period_into_whole_months_and_partial_ends():
    found = split(D(2026, 4, 15), D(2026, 7, 31))
    assert found.months == (D(2026, 5, 1), D(2026, 6, 1), D(2026, 7, 1))
    assert found.pieces == ((D(2026, 4, 15), D(2026, 4, 30)),)
    inside = split(D(2026, 2, 3), D(2026, 2, 5))
    assert inside.months == () and inside.pieces == ((D(2026, 2, 3), D(2026, 2, 5)),)
    assert split(D(2026, 2, 1), D(2026, 2, 28)).months == (D(2026, 2, 1),)
    empty = split(D(2026, 3, 2), D(2026, 3, 1))
    assert empty.months == () and empty.pieces == ()


@given(st.dates(D(2020, 1, 1), D(2030, 12, 31)), st.integers(0, 800))
def test_it_covers_every_day_of_the_period_once(start, days):
    end = start + dt.timedelta(days=days)
    found = split(start, end)
    covered = []
    for month in found.months:
        day = month
        while day.month == month.month:
            covered.append(day)
            day += dt.timedelta(days=1)
    for first, last in found.pieces:
        assert first.month == last.month and first <= last
        covered += [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    assert sorted(covered) == [start + dt.timedelta(days=i) for i in range(days + 1)]
    assert len(found.pieces) <= 2
