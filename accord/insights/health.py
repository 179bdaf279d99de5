"""Alignment health: one score from 0 to 100 made of transparent, weighted parts.

Each part reads other apps' selectors over one period and turns their figure
into 0-100 (see ``PARTS`` for how). A part without data in the period is left
out of the score and says so: it never counts as zero. The score is the
weighted mean of the parts with data and a positive weight, or None when no
part has data. Each part measures many periods at once, so the monthly trend
(twelve periods) runs as many grouped queries as the current score (one).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
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
    # The part's figure for each period (start, end inclusive), in order;
    # the dict holds reads the parts of one computation share (``Reads``).
    measure: Callable[[Organization, Sequence[tuple[dt.date, dt.date]], Reads], list[Figure | None]]


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
#
# Each part measures many periods at once (the trend asks for twelve months,
# the current score for one period): a fixed number of grouped queries over
# all of them, so the trend costs about what one period does.

Periods = Sequence[tuple[dt.date, dt.date]]
# What the parts of one computation (and a page around it) read once and
# share: the pulse's cycles, the SLA rows by month, the goals' computed
# metrics (keyed as ``goals.selectors.metric_value`` keys its cache). Lives
# as long as one call or one page view, so it is never stale.
Reads = dict[Any, Any]


def _window(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return _since(start), _since(end + dt.timedelta(days=1))


def _goals_part(org: Organization, periods: Periods, reads: Reads) -> list[Figure | None]:
    """Shared goals of the period: agreed (active or closed, not proposed) and on track."""
    lo, hi = min(p[0] for p in periods), max(p[1] for p in periods)
    candidates = list(
        Goal.objects.filter(
            organization=org,
            status__in=[
                GoalStatus.PROPOSED,
                GoalStatus.ACTIVE,
                GoalStatus.ACHIEVED,
                GoalStatus.MISSED,
            ],
            period_start__lte=hi,
            period_end__gte=lo,
            created_at__lt=_since(hi + dt.timedelta(days=1)),
        ).order_by("pk")
    )
    chosen = [
        [
            goal
            for goal in candidates
            # A goal counts from the period it was written in, not before.
            if goal.period_start <= end
            and goal.period_end >= start
            and goal.created_at < _since(end + dt.timedelta(days=1))
        ]
        for start, end in periods
    ]
    requests = sorted(
        {
            (goal.metric, goal.period_start, min(goal.period_end, end))
            for found, (_, end) in zip(chosen, periods, strict=True)
            for goal in found
            if goal.status == GoalStatus.ACTIVE
        }
    )
    values = dict(zip(requests, goals.metric_values_many(org, requests, cache=reads), strict=True))
    checkins: dict[int, list[CheckIn]] = {}
    active = {g.pk for g in candidates if g.status == GoalStatus.ACTIVE}
    if active:
        for checkin in CheckIn.objects.filter(goal_id__in=active, date__lte=hi).order_by(
            "date", "pk"
        ):
            checkins.setdefault(checkin.goal_id, []).append(checkin)
    out: list[Figure | None] = []
    for found, (_, end) in zip(chosen, periods, strict=True):
        if not found:
            out.append(None)
            continue
        good = 0
        for goal in found:
            if goal.status == GoalStatus.PROPOSED:
                continue  # not agreed yet: counts against
            if goal.status == GoalStatus.ACHIEVED:
                good += 1
                continue
            if goal.status == GoalStatus.MISSED:
                continue
            upto = min(goal.period_end, end)
            actual = values[(goal.metric, goal.period_start, upto)]
            on = upto
            if actual is None:
                earlier = [c for c in checkins.get(goal.pk, []) if c.date <= end]
                if earlier:
                    actual, on = float(earlier[-1].value), earlier[-1].date
            if actual is not None:
                expected = goals.expected_on(goal, on)
                if (actual >= expected) if goal.direction == "up" else (actual <= expected):
                    good += 1
        out.append(
            Figure(
                _pct(good, len(found)),
                f"{good} of {len(found)} goals agreed and on track",
                len(found),
            )
        )
    return out


def _cycle_points(
    org: Organization, periods: Periods, reads: Reads
) -> list[list[pulse.CyclePoint]]:
    """The pulse's cycles opened in each period, from one read of them all
    (shared by the pulse balance and the follow-through; internal NPS is
    read by its own part, by team of raters)."""
    windows = [_window(start, end) for start, end in periods]
    since, until = min(w[0] for w in windows), max(w[1] for w in windows)
    key = ("cycle_points", org.pk, since, until)
    if key not in reads:
        reads[key] = pulse.cycle_points(org, since=since, until=until, with_internal=False)
    points: list[pulse.CyclePoint] = reads[key]
    return [[p for p in points if since <= p.opens_at < until] for since, until in windows]


def _pulse_balance(org: Organization, periods: Periods, reads: Reads) -> list[Figure | None]:
    out: list[Figure | None] = []
    for points in _cycle_points(org, periods, reads):
        better = worse = n = 0
        for point in points:
            better += point.votes.better
            worse += point.votes.worse
            n += point.votes.n
        if not n:
            out.append(None)
            continue
        balance = 100 * (better - worse) / n
        out.append(
            Figure(round((balance + 100) / 2, 1), f"balance {balance:+.0f} points ({n} votes)", n)
        )
    return out


def _follow_through(org: Organization, periods: Periods, reads: Reads) -> list[Figure | None]:
    out: list[Figure | None] = []
    for points in _cycle_points(org, periods, reads):
        row = pulse.follow_through_of(points)
        if row.rate is None:
            out.append(None)
            continue
        out.append(
            Figure(
                row.rate, f"{row.done} done, {row.partly} partly, {row.not_done} not done", row.n
            )
        )
    return out


def _meetings(org: Organization, periods: Periods, reads: Reads) -> list[Figure | None]:
    out: list[Figure | None] = []
    for counts in meetings.collaboration_counts_many(org, list(periods)):
        held = counts["collaborative"] + counts["report_outs"]
        if not held:
            out.append(None)
            continue
        out.append(
            Figure(
                _pct(counts["collaborative"], held),
                f"{counts['collaborative']} collaborative, {counts['report_outs']} report-outs",
                held,
            )
        )
    return out


def _loops(org: Organization, periods: Periods, reads: Reads) -> list[Figure | None]:
    out: list[Figure | None] = []
    for on_time, due in feedback.loops_closed_on_time_many(org, list(periods)):
        if not due:
            out.append(None)
            continue
        out.append(Figure(_pct(on_time, due), f"{on_time} of {due} follow-ups closed on time", due))
    return out


def compliance_by_month(
    org: Organization, since: dt.date, reads: Reads
) -> list[pipeline.Compliance]:
    """``pipeline.compliance(org, by="month", since=since)``, read once per
    ``reads``: a later call for a month from the first one's on picks its
    rows from that read."""
    found = reads.get(("compliance", org.pk))
    month = since.strftime("%Y-%m")
    if found is None or found[0] > month:
        found = (month, pipeline.compliance(org, by="month", since=since))
        reads[("compliance", org.pk)] = found
    return [row for row in found[1] if str(row.key) >= month]


def _sla(org: Organization, periods: Periods, reads: Reads) -> list[Figure | None]:
    """Both sides of the hand-off agreement, averaged: sales' leads touched and
    decided in time, and marketing's MQLs against its monthly commitment
    (capped at 100%). A side without data is left out."""
    lo = min(p[0] for p in periods)
    rows = compliance_by_month(org, lo.replace(day=1), reads)
    out: list[Figure | None] = []
    for start, end in periods:
        touched_ok = known = mqls = committed = 0
        for row in rows:
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
            out.append(None)
            continue
        out.append(Figure(round(sum(sides) / len(sides), 1), "; ".join(raw), known + mqls))
    return out


def _activity(org: Organization, periods: Periods, reads: Reads) -> list[Figure | None]:
    """Each active activity goal's team count against its pro-rata target in
    the period's end month, capped at 100, averaged."""
    hi = max(p[1] for p in periods)
    candidates = list(
        ActivityGoal.objects.filter(
            organization=org, is_active=True, created_at__lt=_since(hi + dt.timedelta(days=1))
        ).order_by("pk")
    )
    progress = goals.activity_team_progress(org, candidates, [end for _, end in periods])
    out: list[Figure | None] = []
    for _, end in periods:
        shares = []
        for goal in candidates:
            if goal.created_at >= _since(end + dt.timedelta(days=1)):
                continue
            count, expected = progress[(goal.pk, end.replace(day=1))]
            if expected > 0:
                shares.append(min(1.0, count / expected))
        if not shares:
            out.append(None)
            continue
        out.append(
            Figure(
                round(100 * sum(shares) / len(shares), 1),
                f"{len(shares)} activity goals, {sum(1 for s in shares if s >= 1)} on pace",
                len(shares),
            )
        )
    return out


def _internal_nps(org: Organization, periods: Periods, reads: Reads) -> list[Figure | None]:
    out: list[Figure | None] = []
    windows = [_window(start, end) for start, end in periods]
    for by_team in pulse.internal_nps_by_team_many(org, windows):
        scored = [(team, r) for team, r in by_team.items() if r.nps is not None and r.n]
        if not scored:
            out.append(None)
            continue
        mean = sum(r.nps or 0 for _, r in scored) / len(scored)
        raw = "; ".join(f"{team} rated {r.nps:+.0f} (n={r.n})" for team, r in scored)
        out.append(Figure(round((mean + 100) / 2, 1), raw, sum(r.n for _, r in scored)))
    return out


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
    return health_many(organization, [(start, end)], weights=weights)[0]


def health_many(
    organization: Organization,
    periods: Sequence[tuple[dt.date, dt.date]],
    *,
    weights: dict[str, int] | None = None,
    reads: Reads | None = None,
) -> list[Health]:
    """``health_between`` for each period, in order: each part measures all
    periods at once, so the number of queries does not grow with them.
    ``reads`` (see ``Reads``) lets a page share what the parts read."""
    if not periods:
        return []
    weights = weights if weights is not None else weights_of(organization)
    reads = {} if reads is None else reads
    slug = organization.slug
    figures = {part.key: part.measure(organization, periods, reads) for part in PARTS}
    urls = {part.key: reverse(part.url_name, kwargs={"org_slug": slug}) for part in PARTS}
    out = []
    for index, (start, end) in enumerate(periods):
        period = f"{start.isoformat()}..{end.isoformat()}"
        parts = []
        for part in PARTS:
            figure = figures[part.key][index]
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
                    url=urls[part.key],
                )
            )
        score = weighted_score([(p.value, p.weight) for p in parts])
        out.append(Health(score=score, start=start, end=end, parts=parts))
    return out


def _now_period(organization: Organization) -> tuple[dt.date, dt.date]:
    today = local_today(organization)
    return today - dt.timedelta(days=WINDOW_DAYS - 1), today


def health_now(organization: Organization) -> Health:
    """The score over the last ``WINDOW_DAYS`` days up to today (local time)."""
    return health_between(organization, *_now_period(organization))


@dataclass(frozen=True)
class TrendPoint:
    month: dt.date
    score: float | None
    parts_with_data: int


def _trend_periods(organization: Organization, months: int) -> list[tuple[dt.date, dt.date]]:
    """The calendar months of the trend, oldest first, ending with the current one."""
    first = local_today(organization).replace(day=1)
    periods = []
    for back in range(months - 1, -1, -1):
        year, month = first.year, first.month - back
        while month < 1:
            year, month = year - 1, month + 12
        periods.append(
            (dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))
        )
    return periods


def _trend_points(periods: list[tuple[dt.date, dt.date]], found: list[Health]) -> list[TrendPoint]:
    return [
        TrendPoint(start, measured.score, sum(1 for p in measured.parts if p.counted))
        for (start, _), measured in zip(periods, found, strict=True)
    ]


def health_trend(organization: Organization, months: int = TREND_MONTHS) -> list[TrendPoint]:
    """The score per calendar month, oldest first, ending with the current
    month: all months measured together (``health_many``)."""
    periods = _trend_periods(organization, months)
    return _trend_points(periods, health_many(organization, periods))


def health_now_and_trend(
    organization: Organization, *, reads: Reads | None = None
) -> tuple[Health, list[TrendPoint]]:
    """``health_now`` and ``health_trend``, measured together: one
    ``health_many`` over the trend's months and the current window, so the
    pages that show both read each part once."""
    periods = _trend_periods(organization, TREND_MONTHS)
    *months, now = health_many(organization, [*periods, _now_period(organization)], reads=reads)
    return now, _trend_points(periods, months)
