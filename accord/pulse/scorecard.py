"""The scorecard: weekly measurables with an owner, a goal value and a direction."""

from __future__ import annotations

import datetime as dt

from accord.orgs.models import Organization


def scorecard_remind(*, organization: Organization, now: dt.datetime) -> dt.datetime:
    """Remind owners of manual measurables; return when to look again."""
    return now + dt.timedelta(days=1)
