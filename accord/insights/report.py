"""The quarterly alignment report: one function gathers it, everything shows it.

``report_build`` reads every app's selectors over one quarter and returns a
``Report``; the page, the PDF, the JSON API, ``accord report`` and the
quarter-end email all show that one structure (``report_as_dict`` is its JSON
form), so their numbers cannot differ. A quarter still running is reported
up to today and says so. The pulse part is anonymous: counts and the text of
One Things, never names.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone

from accord.feedback import selectors as feedback
from accord.goals import selectors as goals
from accord.goals.models import GoalStatus
from accord.insights import health
from accord.insights.quarters import Quarter
from accord.lib.nps import Nps
from accord.meetings import selectors as meetings
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, require
from accord.pipeline import selectors as pipeline
from accord.pulse import selectors as pulse

DECISIONS_LISTED = 30
ONE_THINGS_LISTED = 12


@dataclass(frozen=True)
class HealthPartRow:
    name: str
    weight: int
    value: float | None
    raw: str


@dataclass(frozen=True)
class HealthMonth:
    month: str  # YYYY-MM
    score: float | None


@dataclass(frozen=True)
class GoalOutcome:
    title: str
    status: str
    metric: str
    unit: str
    baseline: float
    target: float
    actual: float | None
    progress_pct: float | None  # of the way from baseline to target
    outcome: str  # achieved, missed, dropped, on track, off track, not agreed, no data
    url: str


@dataclass(frozen=True)
class PulseCycleRow:
    label: str
    period: str
    votes: int
    worse: int
    same: int
    better: int
    balance_pct: float | None
    follow_through_done: int
    follow_through_partly: int
    follow_through_not_done: int
    follow_through_rate: float | None
    internal_nps: dict[str, float | None]


@dataclass(frozen=True)
class NpsFigure:
    """An NPS with n and its adjusted-Wald 95% interval (``accord.lib.nps``)."""

    key: str
    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    ci95_low: float | None
    ci95_high: float | None

    @classmethod
    def of(cls, result: Nps, key: str = "") -> NpsFigure:
        return cls(
            key=key or result.key,
            n=result.n,
            promoters=result.promoters,
            passives=result.passives,
            detractors=result.detractors,
            nps=result.nps,
            ci95_low=result.ci95[0] if result.ci95 else None,
            ci95_high=result.ci95[1] if result.ci95 else None,
        )


@dataclass(frozen=True)
class ThemeRow:
    name: str
    mentions: int
    detractors: int


@dataclass(frozen=True)
class FunnelStage:
    stage: str
    count: int
    conversion_from_previous: float | None


@dataclass(frozen=True)
class SlaMonth:
    month: str
    mqls: int
    commitment: int | None
    commitment_pct: float | None
    touch_compliance: float | None
    decision_compliance: float | None


@dataclass(frozen=True)
class MeetingMonth:
    month: str
    collaborative: int
    report_outs: int


@dataclass(frozen=True)
class DecisionRow:
    day: dt.date
    meeting: str
    title: str
    text: str


@dataclass
class Report:
    organization: str
    quarter: str
    start: dt.date
    end: dt.date
    complete: bool  # False: the quarter is still running, figures are to date
    through: dt.date  # the last day the figures cover
    generated_at: dt.datetime
    health_score: float | None
    health_previous: float | None  # the previous quarter's score
    health_parts: list[HealthPartRow]
    health_trend: list[HealthMonth]
    goals: list[GoalOutcome]
    goal_outcomes: dict[str, int]
    pulse_cycles: list[PulseCycleRow]
    pulse_balance_pct: float | None
    pulse_votes: int
    one_things_committed: int
    one_things: list[str]
    follow_through_rate: float | None
    internal_nps: list[NpsFigure]
    nps: NpsFigure
    nps_previous: NpsFigure
    nps_months: list[NpsFigure]
    themes: list[ThemeRow]
    funnel: list[FunnelStage]
    sla: list[SlaMonth]
    meetings: list[MeetingMonth]
    collaborative: int
    report_outs: int
    decisions_count: int
    decisions: list[DecisionRow] = field(default_factory=list)


def _month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _outcome(status: str, progress: goals.Progress | None) -> str:
    if status == GoalStatus.PROPOSED:
        return "not agreed"
    if status in (GoalStatus.ACHIEVED, GoalStatus.MISSED, GoalStatus.DROPPED):
        return str(status)  # closed: the outcome both leads recorded
    if progress is None or progress.on_track is None:
        return "no data"
    return progress.label


def _goals(membership: Membership, start: dt.date, end: dt.date) -> list[GoalOutcome]:
    found = [
        g
        for g in goals.goals(membership, period_start=start, period_end=end)
        if g.status != GoalStatus.DRAFT
    ]
    slug = membership.organization.slug
    out = []
    for goal, progress in goals.board(found):
        if progress is None and goal.status != GoalStatus.DROPPED:
            # A closed goal: where it ended (its latest computed or checked-in value).
            progress = goals.goal_progress(goal)
        baseline, target = float(goal.baseline), float(goal.target)
        actual = progress.actual if progress is not None else None
        share = None
        if actual is not None and target != baseline:
            share = round(100 * (actual - baseline) / (target - baseline), 1)
        out.append(
            GoalOutcome(
                title=goal.title,
                status=goal.get_status_display(),
                metric=goal.metric_label,
                unit=goal.unit,
                baseline=baseline,
                target=target,
                actual=actual,
                progress_pct=share,
                outcome=_outcome(goal.status, progress),
                url=reverse("goals_goal", kwargs={"org_slug": slug, "pk": goal.pk}),
            )
        )
    return out


def report_build(membership: Membership, quarter: Quarter) -> Report:
    """The report of ``quarter`` for ``membership``'s organisation (any reader).

    The quarter must have begun (``quarters.quarter_parse`` checks input).
    """
    require(membership, Action.REPORT_READ)
    organization = membership.organization
    today = health.local_today(organization)
    start, end = quarter.start, quarter.end
    through = min(end, today)
    after = through + dt.timedelta(days=1)
    months = [m for m in (*quarter.previous.months, *quarter.months) if m <= through]

    now = health.health_between(organization, start, through)
    previous = health.health_between(organization, quarter.previous.start, quarter.previous.end)
    weights = health.weights_of(organization)
    trend = [
        HealthMonth(
            m.strftime("%Y-%m"),
            health.health_between(
                organization, m, min(_month_end(m), through), weights=weights
            ).score,
        )
        for m in months
    ]

    goal_rows = _goals(membership, start, end)
    outcomes: dict[str, int] = {}
    for row in goal_rows:
        outcomes[row.outcome] = outcomes.get(row.outcome, 0) + 1

    points = pulse.cycle_points(organization, since=_at(start), until=_at(after))
    cycles = [
        PulseCycleRow(
            label=p.label,
            period=p.period,
            votes=p.votes.n,
            worse=p.votes.worse,
            same=p.votes.same,
            better=p.votes.better,
            balance_pct=p.balance_pct,
            follow_through_done=p.follow_through.done,
            follow_through_partly=p.follow_through.partly,
            follow_through_not_done=p.follow_through.not_done,
            follow_through_rate=p.follow_through.rate,
            internal_nps={team: r.nps for team, r in p.internal.items()},
        )
        for p in points
    ]
    better = sum(c.better for c in cycles)
    worse = sum(c.worse for c in cycles)
    votes = sum(c.votes for c in cycles)
    committed, one_things = pulse.one_things_between(
        organization, _at(start), _at(after), limit=ONE_THINGS_LISTED
    )
    follow = pulse.follow_through_rate(organization, _at(start), _at(after))
    internal = pulse.internal_nps_by_team(organization, _at(start), _at(after))

    nps = feedback.nps_by(organization, by="month", since=start, until=after)
    nps_before = feedback.nps_total(organization, since=quarter.previous.start, until=quarter.start)
    themes = feedback.themes_between(organization, since=start, until=after)

    stages = pipeline.funnel(organization, since=start, until=through, medians=False)["stages"]
    sla = [
        SlaMonth(
            month=str(row.key),
            mqls=row.mqls,
            commitment=row.commitment,
            commitment_pct=row.commitment_percent,
            touch_compliance=row.touch_compliance,
            decision_compliance=row.decision_compliance,
        )
        for row in pipeline.compliance(organization, by="month", since=start)
        if str(row.key) <= through.strftime("%Y-%m")
    ]

    meeting_months = []
    for m in quarter.months:
        if m > through:
            break
        counts = meetings.collaboration_counts(organization, m, min(_month_end(m), through))
        meeting_months.append(
            MeetingMonth(m.strftime("%Y-%m"), counts["collaborative"], counts["report_outs"])
        )
    decided, decisions = meetings.decisions_between(
        organization, start, through, limit=DECISIONS_LISTED
    )

    return Report(
        organization=organization.name,
        quarter=quarter.label,
        start=start,
        end=end,
        complete=today > end,
        through=through,
        generated_at=timezone.now(),
        health_score=now.score,
        health_previous=previous.score,
        health_parts=[HealthPartRow(p.name, p.weight, p.value, p.raw) for p in now.parts],
        health_trend=trend,
        goals=goal_rows,
        goal_outcomes=outcomes,
        pulse_cycles=cycles,
        pulse_balance_pct=round(100 * (better - worse) / votes, 1) if votes else None,
        pulse_votes=votes,
        one_things_committed=committed,
        one_things=one_things,
        follow_through_rate=follow.rate,
        internal_nps=[NpsFigure.of(result, team) for team, result in sorted(internal.items())],
        nps=NpsFigure.of(nps),
        nps_previous=NpsFigure.of(nps_before),
        nps_months=[NpsFigure.of(g) for g in nps.groups],
        themes=[ThemeRow(t.name, t.mentions, t.detractors) for t in themes],
        funnel=[FunnelStage(s["stage"], s["count"], s["conversion_from_previous"]) for s in stages],
        sla=sla,
        meetings=meeting_months,
        collaborative=sum(m.collaborative for m in meeting_months),
        report_outs=sum(m.report_outs for m in meeting_months),
        decisions_count=decided,
        decisions=[DecisionRow(d.day, d.meeting, d.title, d.text) for d in decisions],
    )


def report_as_dict(report: Report) -> dict[str, Any]:
    """The JSON form (dates as ISO strings), for the API and ``accord report --json``."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dt.date):  # datetimes too
            return value.isoformat()
        return value

    result: dict[str, Any] = plain(asdict(report))
    return result
