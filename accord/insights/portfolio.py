"""The portfolio: one person's organisations side by side.

For someone who works in several organisations (an interim CMO, a
consultant): each of *their* organisations' alignment health, customer NPS,
lead-SLA compliance and pulse balance over the last 90 days, each with its
change from the same 90 days a month earlier. Only organisations the person
is a member of appear; each row is read as that person's membership there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from accord.accounts.models import User
from accord.feedback import selectors as feedback
from accord.insights import health
from accord.orgs.models import Membership
from accord.orgs.selectors import memberships_of

WINDOW_DAYS = health.WINDOW_DAYS
# "A month earlier": the same window, ending this many days before today.
TREND_DAYS = 30

SORT_KEYS = ("name", "health", "nps", "sla", "pulse")


@dataclass(frozen=True)
class Figure:
    """One measure now and its change from a month earlier (None: no data)."""

    value: float | None
    change: float | None


@dataclass(frozen=True)
class PortfolioRow:
    organization: str
    slug: str
    role: str
    health: Figure
    nps: Figure
    nps_n: int
    sla: Figure  # lead-SLA compliance of both sides, 0-100
    pulse: Figure  # pulse balance, better minus worse in points (-100..100)

    def as_dict(self) -> dict[str, Any]:
        return {
            "organization": self.organization,
            "slug": self.slug,
            "role": self.role,
            "health": self.health.value,
            "health_change": self.health.change,
            "nps": self.nps.value,
            "nps_change": self.nps.change,
            "nps_n": self.nps_n,
            "sla": self.sla.value,
            "sla_change": self.sla.change,
            "pulse_balance": self.pulse.value,
            "pulse_balance_change": self.pulse.change,
        }


def _figure(now: float | None, before: float | None) -> Figure:
    change = round(now - before, 1) if now is not None and before is not None else None
    return Figure(now, change)


def _parts(found: health.Health) -> dict[str, float | None]:
    parts = {p.key: p.value for p in found.parts}
    pulse = parts.get("pulse_balance")
    return {
        "health": found.score,
        "sla": parts.get("sla"),
        # The part maps the balance (-100..100) onto 0-100; show it in points.
        "pulse": round(2 * pulse - 100, 1) if pulse is not None else None,
    }


def _row(membership: Membership) -> PortfolioRow:
    organization = membership.organization
    today = health.local_today(organization)
    earlier = today - dt.timedelta(days=TREND_DAYS)
    span = dt.timedelta(days=WINDOW_DAYS - 1)
    now = _parts(health.health_between(organization, today - span, today))
    before = _parts(health.health_between(organization, earlier - span, earlier))
    day = dt.timedelta(days=1)
    nps_now = feedback.nps_total(organization, since=today - span, until=today + day)
    nps_before = feedback.nps_total(organization, since=earlier - span, until=earlier + day)
    return PortfolioRow(
        organization=organization.name,
        slug=organization.slug,
        role=membership.get_role_display(),
        health=_figure(now["health"], before["health"]),
        nps=_figure(nps_now.nps, nps_before.nps),
        nps_n=nps_now.n,
        sla=_figure(now["sla"], before["sla"]),
        pulse=_figure(now["pulse"], before["pulse"]),
    )


def portfolio_of(user: User, *, sort: str = "name") -> list[PortfolioRow]:
    """The user's organisations, sorted by ``sort`` (a key of ``SORT_KEYS``,
    ``-`` in front for descending). Organisations without a figure come last
    whichever the direction. An unknown key is a ValueError."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in SORT_KEYS:
        raise ValueError(f"Sort by one of: {', '.join(SORT_KEYS)}.")
    rows = [_row(m) for m in memberships_of(user).select_related("organization")]
    if key == "name":
        return sorted(rows, key=lambda r: r.organization.casefold(), reverse=descending)
    with_value = [r for r in rows if getattr(r, key).value is not None]
    without = [r for r in rows if getattr(r, key).value is None]
    with_value.sort(key=lambda r: (getattr(r, key).value, r.organization), reverse=descending)
    return with_value + sorted(without, key=lambda r: r.organization.casefold())
