"""The business calendar behind the lead SLA (accord.lib.business_time)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.lib.business_time import (
    BusinessCalendar,
    add_business_days,
    add_business_hours,
    business_hours_between,
    calendar_from,
    clock_start,
)

pytestmark = pytest.mark.dates

BERLIN = ZoneInfo("Europe/Berlin")
CAL = BusinessCalendar(time_zone="Europe/Berlin", holidays=frozenset({date(2026, 12, 25)}))


def at(y, mo, d, h=0, mi=0, tz=BERLIN):
    return datetime(y, mo, d, h, mi, tzinfo=tz)


def test_it_counts_within_one_day():
    assert add_business_hours(CAL, at(2026, 3, 2, 10), 4) == at(2026, 3, 2, 14)


def test_it_rolls_over_to_the_next_morning():
    # Monday 15:00 + 4 h = 2 h on Monday, 2 h on Tuesday.
    assert add_business_hours(CAL, at(2026, 3, 2, 15), 4) == at(2026, 3, 3, 11)


def test_it_starts_the_clock_on_monday_for_a_weekend_lead():
    assert clock_start(CAL, at(2026, 3, 7, 10)) == at(2026, 3, 9, 9)
    assert add_business_hours(CAL, at(2026, 3, 7, 10), 1) == at(2026, 3, 9, 10)


def test_it_starts_the_clock_at_opening_for_an_early_lead_and_next_day_for_a_late_one():
    assert clock_start(CAL, at(2026, 3, 2, 6)) == at(2026, 3, 2, 9)
    assert clock_start(CAL, at(2026, 3, 2, 18)) == at(2026, 3, 3, 9)


def test_it_skips_holidays():
    # Thursday 24 Dec 16:00 + 2 h: 1 h on the 24th, the 25th is a holiday, 1 h on the 28th
    # (26th/27th are the weekend).
    assert add_business_hours(CAL, at(2026, 12, 24, 16), 2) == at(2026, 12, 28, 10)


def test_it_reads_utc_times_in_the_organisations_zone():
    # 08:30 UTC is 09:30 in Berlin in winter.
    start = datetime(2026, 1, 5, 8, 30, tzinfo=ZoneInfo("UTC"))
    assert add_business_hours(CAL, start, 1) == at(2026, 1, 5, 10, 30)


def test_it_keeps_wall_clock_hours_across_daylight_saving():
    # Clocks go forward on Sunday 29 March 2026 in Berlin.
    friday = at(2026, 3, 27, 16)
    assert add_business_hours(CAL, friday, 2) == at(2026, 3, 30, 10)


def test_it_counts_business_days_as_hours_per_day():
    assert add_business_days(CAL, at(2026, 3, 2, 15), 1) == at(2026, 3, 3, 15)
    assert add_business_days(CAL, at(2026, 3, 6, 15), 2) == at(2026, 3, 10, 15)


def test_it_measures_business_hours_between_two_moments():
    assert business_hours_between(CAL, at(2026, 3, 2, 15), at(2026, 3, 3, 11)) == 4
    assert business_hours_between(CAL, at(2026, 3, 6, 16), at(2026, 3, 9, 10)) == 2
    assert business_hours_between(CAL, at(2026, 3, 3, 11), at(2026, 3, 2, 15)) == 0
    assert business_hours_between(CAL, at(2026, 3, 7, 10), at(2026, 3, 8, 10)) == 0


def test_it_refuses_naive_datetimes_and_bad_calendars():
    with pytest.raises(ValueError):
        add_business_hours(CAL, datetime(2026, 3, 2, 10), 1)
    with pytest.raises(ValueError):
        BusinessCalendar(day_start=time(17), day_end=time(9))
    with pytest.raises(Exception):
        BusinessCalendar(time_zone="Mars/Olympus")


def test_it_reads_holidays_given_as_iso_strings():
    cal = calendar_from(time_zone="UTC", holidays=[date(2026, 3, 3)])
    utc = ZoneInfo("UTC")
    assert add_business_hours(cal, at(2026, 3, 2, 16, tz=utc), 2) == at(2026, 3, 4, 10, tz=utc)


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(BERLIN)
)


@given(start=moments, hours=st.floats(min_value=0, max_value=200))
def test_it_inverts_add_with_between(start, hours):
    end = add_business_hours(CAL, start, hours)
    assert business_hours_between(CAL, start, end) == pytest.approx(hours, abs=1e-6)
    assert end >= clock_start(CAL, start)


@given(start=moments, a=st.floats(0, 50), b=st.floats(0, 50))
def test_it_adds_hours_in_steps_the_same_as_at_once(start, a, b):
    stepwise = add_business_hours(CAL, add_business_hours(CAL, start, a), b)
    at_once = add_business_hours(CAL, start, a + b)
    assert abs(stepwise - at_once) < timedelta(seconds=1)
