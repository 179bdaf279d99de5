"""Alignment health: one score from 0 to 100 made of transparent, weighted parts.

Each part reads other apps' selectors over one period and turns their figure
into 0-100 (see ``PARTS`` for how). A part without data in the period is left
out of the score and says so: it never counts as zero. The score is the
weighted mean of the parts with data and a positive weight, or None when no
part has data. The monthly trend runs the same functions once per calendar
month.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accord.feedback import selectors as feedback
from accord.goals import selectors as goals
from accord.goals.models import ActivityGoal, CheckIn, Goal, GoalStatus
from accord.insights.models import HealthWeights
from accord.meetings import selectors as meetings
from accord.orgs.models import Membership, Organization
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record
from accord.pipeline import selectors as pipeline
from accord.pulse import selectors as pulse

MAX_WEIGHT = 10
TREND_MONTHS = 12
# The current score reads the last 90 days: long enough to hold a monthly
# pulse cycle and a few joint meetings, short enough to move.
WINDOW_DAYS = 90


@dataclass(frozen=True)
class Figure:
    """What one part measured: its value 0-100 and the raw figure behind it."""

    value: float
    raw: str
    n: int


@dataclass(frozen=True)
class PartDef:
    key: str
    name: str
    default_weight: int
    how: str  # how the raw figure becomes 0-100
    raise_it: str  # what would raise it
    url_name: str
    measure: Callable[[Organization, dt.date, dt.date], Figure | None]


@dataclass
class Part:
    """One part of the score over a period; ``value`` None: no data, left out."""

    key: str
    name: str
    weight: int
    value: float | None
    raw: str
    n: int
    period: str
    how: str
    raise_it: str
    url: str

    @property
    def has_data(self) -> bool:
        return self.value is not None

    @property
    def counted(self) -> bool:
        return self.value is not None and self.weight > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "weight": self.weight,
            "value": self.value,
            "has_data": self.has_data,
            "raw": self.raw,
            "n": self.n,
            "period": self.period,
            "how": self.how,
            "raise_it": self.raise_it,
            "url": self.url,
        }


@dataclass
class Health:
    score: float | None
    start: dt.date
    end: dt.date
    parts: list[Part] = field(default_factory=list)

    @property
    def period(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def missing(self) -> list[Part]:
        return [p for p in self.parts if not p.has_data]


def weighted_score(pairs: list[tuple[float | None, int]]) -> float | None:
    """The weighted mean of the values that exist, 0-100, or None.

    A None value is left out; it never counts as zero. Weights of 0 leave a
    value out too. Values are clipped to 0-100 first.
    """
    counted = [(min(100.0, max(0.0, v)), w) for v, w in pairs if v is not None and w > 0]
    total = sum(w for _, w in counted)
    if not total:
        return None
    return round(sum(v * w for v, w in counted) / total, 1)


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1)


def _since(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


# -- the parts -----------------------------------------------------------------


def _goals_part(org: Organization, start: dt.date, end: dt.date) -> Figure | None:
    """Shared goals of the period: agreed (active or closed, not proposed) and on track."""
    found = list(
        Goal.objects.filter(
            organization=org,
            status__in=[
                GoalStatus.PROPOSED,
                GoalStatus.ACTIVE,
                GoalStatus.ACHIEVED,
                GoalStatus.MISSED,
            ],
            period_start__lte=end,
            period_end__gte=start,
            # A goal counts from the period it was written in, not before.
            created_at__lt=_since(end + dt.timedelta(days=1)),
        ).order_by("pk")
    )
    if not found:
        return None
    good = 0
    cache: dict[Any, Any] = {}
    for goal in found:
        if goal.status == GoalStatus.PROPOSED:
            continue  # not agreed yet: counts against
        if goal.status == GoalStatus.ACHIEVED:
            good += 1
            continue
        if goal.status == GoalStatus.MISSED:
            continue
        upto = min(goal.period_end, end)
        actual = goals.metric_value(org, goal.metric, goal.period_start, upto, cache=cache)
        on = upto
        if actual is None:
            last = CheckIn.objects.filter(goal=goal, date__lte=end).order_by("-date", "-pk").first()
            if last is not None:
                actual, on = float(last.value), last.date
        if actual is not None:
            expected = goals.expected_on(goal, on)
            if (actual >= expected) if goal.direction == "up" else (actual <= expected):
                good += 1
    return Figure(
        _pct(good, len(found)), f"{good} of {len(found)} goals agreed and on track", len(found)
    )


def _pulse_balance(org: Organization, start: dt.date, end: dt.date) -> Figure | None:
    better = worse = n = 0
    for point in pulse.cycle_points(org, since=_since(start), until=_since(end + dt.timedelta(1))):
        better += point.votes.better
        worse += point.votes.worse
        n += point.votes.n
    if not n:
        return None
    balance = 100 * (better - worse) / n
    return Figure(round((balance + 100) / 2, 1), f"balance {balance:+.0f} points ({n} votes)", n)


def _follow_through(org: Organization, start: dt.date, end: dt.date) -> Figure | None:
    row = pulse.follow_through_rate(org, _since(start), _since(end + dt.timedelta(1)))
    if row.rate is None:
        return None
    return Figure(row.rate, f"{row.done} done, {row.partly} partly, {row.not_done} not done", row.n)


def _meetings(org: Organization, start: dt.date, end: dt.date) -> Figure | None:
    counts = meetings.collaboration_counts(org, start, end)
    held = counts["collaborative"] + counts["report_outs"]
    if not held:
        return None
    return Figure(
        _pct(counts["collaborative"], held),
        f"{counts['collaborative']} collaborative, {counts['report_outs']} report-outs",
        held,
    )


def _loops(org: Organization, start: dt.date, end: dt.date) -> Figure | None:
    on_time, due = feedback.loops_closed_on_time(org, start=start, end=end, kind=None)
    if not due:
        return None
    return Figure(_pct(on_time, due), f"{on_time} of {due} follow-ups closed on time", due)


def _sla(org: Organization, start: dt.date, end: dt.date) -> Figure | None:
    """Both sides of the hand-off agreement, averaged: sales' leads touched and
    decided in time, and marketing's MQLs against its monthly commitment
    (capped at 100%). A side without data is left out."""
    touched_ok = known = mqls = committed = 0
    for row in pipeline.compliance(org, by="month", since=start.replace(day=1)):
        month = str(row.key)[:7]
        if not (start.isoformat()[:7] <= month <= end.isoformat()[:7]):
            continue
        touched_ok += row.touched_in_time + row.decided_in_time
        known += row.touched_in_time + row.touched_late + row.decided_in_time + row.decided_late
        if row.commitment:
            mqls += row.mqls
            committed += row.commitment
    sides: list[float] = []
    raw = []
    if known:
        sides.append(_pct(touched_ok, known))
        raw.append(f"sales: {touched_ok} of {known} touches and decisions in time")
    if committed:
        sides.append(min(100.0, _pct(mqls, committed)))
        raw.append(f"marketing: {mqls} MQLs of {committed} committed")
    if not sides:
        return None
    return Figure(round(sum(sides) / len(sides), 1), "; ".join(raw), known + mqls)


def _activity(org: Organization, start: dt.date, end: dt.date) -> Figure | None:
    """Each active activity goal's team count against its pro-rata target in
    ``end``'s month, capped at 100, averaged."""
    shares = []
    for goal in ActivityGoal.objects.filter(
        organization=org, is_active=True, created_at__lt=_since(end + dt.timedelta(days=1))
    ).order_by("pk"):
        progress = goals.activity_progress(goal, end, months=1)
        if progress.team_expected > 0:
            shares.append(min(1.0, progress.team_count / progress.team_expected))
    if not shares:
        return None
    return Figure(
        round(100 * sum(shares) / len(shares), 1),
        f"{len(shares)} activity goals, {sum(1 for s in shares if s >= 1)} on pace",
        len(shares),
    )


def _internal_nps(org: Organization, start: dt.date, end: dt.date) -> Figure | None:
    by_team = pulse.internal_nps_by_team(org, _since(start), _since(end + dt.timedelta(1)))
    scored = [(team, r) for team, r in by_team.items() if r.nps is not None and r.n]
    if not scored:
        return None
    mean = sum(r.nps or 0 for _, r in scored) / len(scored)
    raw = "; ".join(f"{team} rated {r.nps:+.0f} (n={r.n})" for team, r in scored)
    return Figure(round((mean + 100) / 2, 1), raw, sum(r.n for _, r in scored))


PARTS: tuple[PartDef, ...] = (
    PartDef(
        "goals",
        "Shared goals agreed and on track",
        3,
        "Share of the period's shared goals that both teams agreed and that are on track "
        "(or achieved).",
        "Get both leads to agree pending goals; act on goals off track.",
        "goals_index",
        _goals_part,
    ),
    PartDef(
        "pulse_balance",
        "Pulse balance",
        2,
        "Better minus Worse votes in points (-100..100), mapped to 0-100.",
        "Take the Worse votes to the joint meeting and fix one thing each month.",
        "pulse_index",
        _pulse_balance,
    ),
    PartDef(
        "follow_through",
        "One Thing follow-through",
        1,
        "One Things done (partly counts half) as a percentage of those followed up.",
        "Commit to smaller One Things and check them at the joint meeting.",
        "pulse_index",
        _follow_through,
    ),
    PartDef(
        "meetings",
        "Collaborative-meeting cadence",
        2,
        "Joint meetings closed as collaborative as a percentage of all closed joint meetings.",
        "Hold the joint meeting and make both teams raise and decide something in it.",
        "meetings_index",
        _meetings,
    ),
    PartDef(
        "loops",
        "Customer loops closed on time",
        2,
        "Follow-ups due in the period closed by their due time, in percent.",
        "Work the overdue follow-ups first.",
        "feedback_followups",
        _loops,
    ),
    PartDef(
        "sla",
        "Lead-SLA compliance, both sides",
        2,
        "The mean of sales' side (leads touched and decided in time, in percent of known "
        "outcomes) and marketing's side (MQLs against the monthly commitment, capped at 100%).",
        "Sales: touch and decide on MQLs within the agreed times. Marketing: send the "
        "committed MQLs.",
        "pipeline_compliance",
        _sla,
    ),
    PartDef(
        "activity",
        "Activity-goal progress",
        1,
        "Each activity goal's count against its pro-rata target (capped at 100%), averaged.",
        "Log the cross-team activities you do; help the people behind.",
        "goals_activity",
        _activity,
    ),
    PartDef(
        "internal_nps",
        "Internal NPS, both ways",
        2,
        "The mean of each team's internal NPS (-100..100) from the pulse, mapped to 0-100.",
        "Ask the other team what would make them score you a 9.",
        "pulse_index",
        _internal_nps,
    ),
)
PART_KEYS = tuple(p.key for p in PARTS)


# -- weights -------------------------------------------------------------------


def weights_of(organization: Organization) -> dict[str, int]:
    """The organisation's weights by part key, defaults filled in."""
    row = HealthWeights.objects.filter(organization=organization).first()
    stored = row.weights if row is not None else {}
    out = {}
    for part in PARTS:
        value = stored.get(part.key, part.default_weight)
        out[part.key] = value if isinstance(value, int) else part.default_weight
    return out


@transaction.atomic
def health_weights_set(*, membership: Membership, weights: dict[str, Any]) -> HealthWeights:
    """Set the weights (leads, admins, owners): whole numbers 0-10 per part,
    at least one above 0. Unknown keys and bad values are refused by field."""
    require(membership, Action.HEALTH_WEIGHTS)
    errors: dict[str, str] = {}
    clean: dict[str, int] = {}
    for key in weights:
        if key not in PART_KEYS:
            errors[key] = f"Unknown part '{key}'."
    for part in PARTS:
        raw = weights.get(part.key, part.default_weight)
        try:
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError
            value = int(str(raw).strip()) if not isinstance(raw, int) else raw
        except (TypeError, ValueError):
            errors[part.key] = "Enter a whole number from 0 to 10."
            continue
        if not 0 <= value <= MAX_WEIGHT:
            errors[part.key] = "Enter a whole number from 0 to 10."
            continue
        clean[part.key] = value
    if not errors and not sum(clean.values()):
        errors["weights"] = "The weights sum to zero: give at least one part a weight above 0."
    if errors:
        raise ValidationError(errors)
    row, _ = HealthWeights.objects.update_or_create(
        organization=membership.organization, defaults={"weights": clean}
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="health.weights",
        obj=row,
        changes={k: str(v) for k, v in clean.items()},
    )
    return row


# -- the score -------------------------------------------------------------------


def local_today(organization: Organization) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(organization.time_zone)).date()


def health_between(
    organization: Organization,
    start: dt.date,
    end: dt.date,
    *,
    weights: dict[str, int] | None = None,
) -> Health:
    """Every part over ``start``..``end`` (inclusive) and the score."""
    weights = weights if weights is not None else weights_of(organization)
    slug = organization.slug
    period = f"{start.isoformat()}..{end.isoformat()}"
    parts = []
    for part in PARTS:
        figure = part.measure(organization, start, end)
        parts.append(
            Part(
                key=part.key,
                name=part.name,
                weight=weights.get(part.key, part.default_weight),
                value=figure.value if figure else None,
                raw=figure.raw if figure else "No data in this period: left out of the score.",
                n=figure.n if figure else 0,
                period=period,
                how=part.how,
                raise_it=part.raise_it,
                url=reverse(part.url_name, kwargs={"org_slug": slug}),
            )
        )
    score = weighted_score([(p.value, p.weight) for p in parts])
    return Health(score=score, start=start, end=end, parts=parts)


def health_now(organization: Organization) -> Health:
    """The score over the last ``WINDOW_DAYS`` days up to today (local time)."""
    today = local_today(organization)
    return health_between(organization, today - dt.timedelta(days=WINDOW_DAYS - 1), today)


@dataclass(frozen=True)
class TrendPoint:
    month: dt.date
    score: float | None
    parts_with_data: int


def health_trend(organization: Organization, months: int = TREND_MONTHS) -> list[TrendPoint]:
    """The score per calendar month, oldest first, ending with the current month."""
    weights = weights_of(organization)
    first = local_today(organization).replace(day=1)
    out = []
    for back in range(months - 1, -1, -1):
        year, month = first.year, first.month - back
        while month < 1:
            year, month = year - 1, month + 12
        start = dt.date(year, month, 1)
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        found = health_between(organization, start, end, weights=weights)
        out.append(TrendPoint(start, found.score, sum(1 for p in found.parts if p.counted)))
    return out
