"""Northwind's pulse: twelve monthly cycles and a 13-week scorecard.

Over the year the balance climbs from mostly Worse to mostly Better, One
Things get done more often, sales' score of marketing's leads rises while
marketing's score of sales' follow-up dips in the spring and recovers. The
current month's pulse is open when today falls in its week.

Idempotent: each part is made only if Northwind has none of it yet. Dates are
relative to today; everything else comes from a seeded random generator.
Past cycles are written directly (their answers were given while they were
open; the answer service refuses closed cycles, as it should).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from accord.goals.models import Goal
from accord.orgs.models import Membership, Organization, TeamKind
from accord.pulse import scorecard, services
from accord.pulse.models import (
    CycleKind,
    CycleStatus,
    GoalVote,
    Measurable,
    MeasurableValue,
    OneThing,
    PulseAnswer,
    PulseCycle,
)

CYCLES = 12
SALES_THINGS = [
    "Call every new MQL within four hours, even on Fridays.",
    "Use the new case study in three first meetings.",
    "Join one marketing campaign review.",
    "Log a rejection reason for every lead I turn down.",
    "Send marketing two customer quotes from my calls.",
    "Tell marketing which webinar leads actually booked a demo.",
]
MARKETING_THINGS = [
    "Sit in on two prospect calls.",
    "Rewrite the pricing one-pager with sales' objections.",
    "Only pass leads that match the agreed MQL definition.",
    "Attend the Monday pipeline review.",
    "Turn one won deal into a case study.",
    "Ask sales which content they never use, and retire it.",
]
COMMENTS = {
    "worse": [
        "Leads still arrive without any context.",
        "Nobody followed up the webinar leads for a week.",
        "We argued about the MQL definition again.",
    ],
    "same": ["No real change this month.", "Hard to tell; busy month."],
    "better": [
        "The shared lead review is paying off.",
        "Sales calls back the same day now.",
        "The new case study opened two deals.",
    ],
}


def seed(organization: Organization, people: dict[str, Membership]) -> None:
    rng = random.Random(9)
    if not PulseCycle.objects.filter(organization=organization).exists():
        _cycles(organization, rng)
    if not Measurable.objects.filter(organization=organization).exists():
        _scorecard(organization, people, rng)
    # The worker takes over from here: next month's pulse opens by itself.
    services.schedule_ensure(organization)


def _months_back(year: int, month: int, back: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) - back
    return index // 12, index % 12 + 1


def _vote(rng: random.Random, progress: float) -> str:
    """Mostly Worse early in the year, mostly Better late in it."""
    roll = rng.random()
    worse = 0.45 - 0.35 * progress
    better = 0.15 + 0.5 * progress
    if roll < worse:
        return "worse"
    if roll < worse + better:
        return "better"
    return "same"


def _score(rng: random.Random, centre: float) -> int:
    return max(0, min(10, round(rng.gauss(centre, 1.0))))


def _cycles(organization: Organization, rng: random.Random) -> None:
    settings = services.settings_of(organization)
    tz = ZoneInfo(organization.time_zone)
    now = timezone.now()
    local = now.astimezone(tz)
    goals = list(services.shared_goals(organization)) or list(
        Goal.objects.filter(organization=organization)[:3]
    )
    people = list(services.participants(organization))
    year, month = local.year, local.month
    if now < dt.datetime(year, month, settings.open_day, services.OPEN_HOUR, tzinfo=tz):
        year, month = _months_back(year, month, 1)
    previous: dict[int, OneThing] = {}
    for back in range(CYCLES - 1, -1, -1):
        y, m = _months_back(year, month, back)
        opens = dt.datetime(y, m, settings.open_day, services.OPEN_HOUR, tzinfo=tz)
        closes = opens + dt.timedelta(days=settings.duration_days)
        is_open = closes > now
        cycle = PulseCycle.objects.create(
            organization=organization,
            kind=CycleKind.MONTHLY,
            period=f"{y}-{m:02d}",
            opens_at=opens,
            closes_at=closes,
            status=CycleStatus.OPEN if is_open else CycleStatus.CLOSED,
            closed_at=None if is_open else closes,
            first_reminder_at=opens + dt.timedelta(days=settings.reminder_days)
            if now > opens + dt.timedelta(days=settings.reminder_days)
            else None,
        )
        cycle.goals.set(goals)
        progress = (CYCLES - 1 - back) / (CYCLES - 1)
        for person in people:
            # An open cycle is half answered; closed ones nearly fully.
            if rng.random() > (0.5 if is_open else 0.9):
                continue
            _answer(cycle, person, goals, progress, previous, rng)


def _answer(
    cycle: PulseCycle,
    person: Membership,
    goals: list[Goal],
    progress: float,
    previous: dict[int, OneThing],
    rng: random.Random,
) -> None:
    kind = person.team.kind if person.team else None
    rated = services.rated_team_of(person)
    if kind == TeamKind.SALES:
        centre = 5.0 + 4.0 * progress  # marketing's leads get better all year
    else:
        centre = 7.5 - 3.0 * (1 - abs(2 * progress - 1))  # follow-up dips mid-year
    when = cycle.opens_at + dt.timedelta(hours=rng.randint(1, 120))
    answer = PulseAnswer.objects.create(
        organization=cycle.organization,
        cycle=cycle,
        member=person,
        team=person.team,
        internal_score=_score(rng, centre) if rated else None,
        rated_team=rated,
        submitted_at=when,
        updated_at=when,
    )
    for goal in goals:
        vote = _vote(rng, progress)
        comment = rng.choice(COMMENTS[vote]) if rng.random() < 0.25 else ""
        GoalVote.objects.create(
            organization=cycle.organization, answer=answer, goal=goal, vote=vote, comment=comment
        )
    last = previous.get(person.pk)
    if last is not None:
        roll = rng.random()
        done = 0.35 + 0.45 * progress
        last.follow_through = (
            "done" if roll < done else "partly" if roll < done + 0.3 else "not_done"
        )
        if last.follow_through != "done" and rng.random() < 0.5:
            last.follow_through_comment = rng.choice(
                [
                    "Ran out of time at quarter end.",
                    "Did it once, not every week.",
                    "Blocked on data.",
                ]
            )
        last.followed_up_in = cycle
        last.save()
    things = SALES_THINGS if kind == TeamKind.SALES else MARKETING_THINGS
    previous[person.pk] = OneThing.objects.create(
        organization=cycle.organization,
        answer=answer,
        cycle=cycle,
        member=person,
        team=person.team,
        text=rng.choice(things),
        goal=rng.choice(goals) if goals and rng.random() < 0.6 else None,
    )


def _scorecard(
    organization: Organization, people: dict[str, Membership], rng: random.Random
) -> None:
    by_email = people  # keyed by email
    owner = by_email["nadia@northwind.example"]
    computed = [
        ("MQL → SQL conversion", "mql_to_sql_conversion", "maya@northwind.example", "25"),
        ("Median lead first touch", "median_first_touch_hours", "sam@northwind.example", "4"),
        ("Customer NPS", "nps", "nadia@northwind.example", "30"),
        ("Pulse balance", "pulse_balance", "nadia@northwind.example", "0"),
    ]
    for name, metric, email, goal in computed:
        scorecard.measurable_create(
            membership=owner,
            name=name,
            metric=metric,
            owner=by_email[email],
            goal_value=Decimal(goal),
        )
    manual = [
        ("Joint prospect calls", "Pipeline creation", "priya@northwind.example", "4", 4.0),
        ("Case studies used in deals", "Closing revenue", "alex@northwind.example", "3", 3.0),
        ("Leads rejected without a reason", "Lead hand-off", "jordan@northwind.example", "2", 2.0),
    ]
    this_week = scorecard.week_of(scorecard.local_today(organization))
    for name, moves, email, goal, centre in manual:
        direction = "down" if "without" in name else "up"
        measurable = scorecard.measurable_create(
            membership=owner,
            name=name,
            moves=moves,
            owner=by_email[email],
            goal_value=Decimal(goal),
            direction=direction,
        )
        for back in range(scorecard.WEEKS - 1, 0, -1):  # this week is not over yet
            week = this_week - dt.timedelta(weeks=back)
            value = max(0, round(rng.gauss(centre, 1.3)))
            MeasurableValue.objects.create(
                organization=organization,
                measurable=measurable,
                week=week,
                value=Decimal(value),
                entered_by=measurable.owner,
            )
