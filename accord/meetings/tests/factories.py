"""Building meeting series for tests through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accord.meetings import services
from accord.meetings.models import MeetingSeries
from accord.orgs.models import Membership


def series_for(
    lead: Membership,
    attendees: list[Membership],
    *,
    name: str = "Acme joint meeting",
    start_date: dt.date = dt.date(2026, 3, 5),
    start_time: dt.time = dt.time(10, 0),
    time_zone: str = "Europe/Berlin",
    **kwargs: Any,
) -> MeetingSeries:
    return services.series_create(
        membership=lead,
        name=name,
        start_date=start_date,
        start_time=start_time,
        time_zone=time_zone,
        attendees=attendees,
        **kwargs,
    )
