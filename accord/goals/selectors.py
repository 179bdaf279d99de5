"""Reads of the Goals section: goals and their progress, activity-goal progress,
the content library (with the untouched list) and events.

Everything starts from the acting member's organisation (``scoped``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    Case,
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accord.goals import metrics
from accord.goals.models import (
    CLOSED_STATUSES,
    ActivityGoal,
    ActivityLog,
    ActivityType,
    Agreement,
    CheckIn,
    ContentAsset,
    ContentUsage,
    Direction,
    Event,
    EventSignup,
    EventSlot,
    Goal,
    GoalEvent,
    GoalStatus,
    SlotRole,
    TargetPer,
)
from accord.goals.services import goals_settings_of, today
from accord.orgs.models import Membership, Organization, Role, Side, TeamKind
from accord.orgs.selectors import get_scoped, scoped

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

logger = logging.getLogger(__name__)


# -- goals -------------------------------------------------------------------


def goals(
    membership: Membership,
    *,
    status: str | None = None,
    kind: str | None = None,
    team_id: int | None = None,
    owner_id: int | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
) -> QuerySet[Goal]:
    """Goals of the organisation, filtered; a period keeps goals that overlap it."""
    found = scoped(
        membership,
        Goal.objects.select_related("organization", "sales_owner__user", "marketing_owner__user"),
    )
    if status:
        found = found.filter(status=status)
    if kind:
        found = found.filter(kind=kind)
    if team_id:
        found = found.filter(Q(sales_owner__team_id=team_id) | Q(marketing_owner__team_id=team_id))
    if owner_id:
        found = found.filter(Q(sales_owner_id=owner_id) | Q(marketing_owner_id=owner_id))
    if period_start:
        found = found.filter(period_end__gte=period_start)
    if period_end:
        found = found.filter(period_start__lte=period_end)
    return found.order_by("-period_start", "title", "pk")


def goal_history(goal: Goal) -> QuerySet[GoalEvent]:
    return GoalEvent.objects.filter(goal=goal).order_by("created_at", "pk")


def goal_agreements(goal: Goal) -> QuerySet[Agreement]:
    return Agreement.objects.filter(goal=goal).order_by("-version", "created_at", "pk")


def current_agreements(goal: Goal) -> dict[str, Agreement | None]:
    """Each side's answer to the goal's current version (None: not yet)."""
    answers: dict[str, Agreement | None] = {Side.SALES: None, Side.MARKETING: None}
    for agreement in Agreement.objects.filter(goal=goal, version=goal.version).select_related(
        "member__user"
    ):
        answers[agreement.side] = agreement
    return answers


def goal_checkins(goal: Goal) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(goal=goal).select_related("author__user").order_by("date", "pk")


def is_fully_agreed(goal: Goal) -> bool:
    """Both sides agreed to the goal's current version."""
    sides = set(
        Agreement.objects.filter(
            goal=goal, version=goal.version, decision=Agreement.Decision.AGREED
        ).values_list("side", flat=True)
    )
    return sides >= {Side.SALES, Side.MARKETING}


# -- one object, by id --------------------------------------------------------------


def goal(membership: Membership, pk: int) -> Goal:
    return get_scoped(
        membership,
        Goal.objects.select_related(
            "organization", "sales_owner__user", "marketing_owner__user", "sales_owner__team"
        ),
        pk=pk,
    )


def activity_goal(membership: Membership, pk: int) -> ActivityGoal:
    return get_scoped(membership, ActivityGoal.objects.select_related("team"), pk=pk)


def activity_log(membership: Membership, pk: int) -> ActivityLog:
    return get_scoped(membership, ActivityLog.objects.all(), pk=pk)


def content_asset(membership: Membership, pk: int) -> ContentAsset:
    return get_scoped(membership, ContentAsset.objects.select_related("owner__user"), pk=pk)


def event(membership: Membership, pk: int) -> Event:
    return get_scoped(membership, Event.objects.all(), pk=pk)


def event_slot(membership: Membership, pk: int) -> EventSlot:
    return get_scoped(membership, EventSlot.objects.select_related("event"), pk=pk)


def event_signup(membership: Membership, pk: int) -> EventSignup:
    return get_scoped(membership, EventSignup.objects.select_related("slot"), pk=pk)


# -- metric values from other apps ---------------------------------------------


def content_utilisation(organization: Organization, start: dt.date, end: dt.date) -> float | None:
    """Percentage of library assets used by sales between ``start`` and ``end``."""
    assets = ContentAsset.objects.filter(organization=organization)
    total = assets.count()
    if not total:
        return None
    used = assets.filter(usages__used_on__range=(start, end)).values("pk").distinct().count()
    return round(100.0 * used / total, 2)


def content_utilisation_many(
    organization: Organization, periods: list[tuple[dt.date, dt.date]]
) -> list[float | None]:
    """``content_utilisation`` for each period, in order, from one query."""
    windows = [Q(usages__used_on__range=period) for period in periods]
    found = (
        ContentAsset.objects.filter(organization=organization)
        .order_by()
        .aggregate(
            total=Count("pk", distinct=True),
            **{f"used_{i}": Count("pk", filter=w, distinct=True) for i, w in enumerate(windows)},
        )
    )
    if not found["total"]:
        return [None] * len(periods)
    return [round(100.0 * found[f"used_{i}"] / found["total"], 2) for i in range(len(periods))]


def metric_value(
    organization: Organization,
    key: str,
    start: dt.date,
    end: dt.date,
    *,
    cache: dict[Any, Any] | None = None,
) -> float | None:
    """The catalogue metric ``key`` computed from Accord's own data between
    ``start`` and ``end``, or None when it is entered by hand or its data
    does not exist (yet). Goals and the pulse's scorecard both read it here."""
    return metric_values_many(organization, [(key, start, end)], cache=cache)[0]


def metric_values_many(
    organization: Organization,
    requests: Sequence[tuple[str, dt.date, dt.date]],
    *,
    cache: dict[Any, Any] | None = None,
) -> list[float | None]:
    """``metric_value`` for many (key, start, end) at once, in order.

    The requests of a source that registered a series function
    (``metrics.register_metric_series``: pipeline and feedback, reading their
    monthly rollups) are answered together, in a number of queries that does
    not grow with the requests; any other source's once per distinct period.
    With ``cache`` (a dict living as long as one page view), requests answered
    before are taken from it and the others are stored in it.
    """
    if cache is None:
        return _metric_values_computed(organization, requests)
    keys = [("value", organization.pk, *request) for request in requests]
    missing = sorted({r for r, k in zip(requests, keys, strict=True) if k not in cache})
    if missing:
        for request, value in zip(
            missing, _metric_values_computed(organization, missing), strict=True
        ):
            cache[("value", organization.pk, *request)] = value
    return [cache[k] for k in keys]


def _metric_values_computed(
    organization: Organization, requests: Sequence[tuple[str, dt.date, dt.date]]
) -> list[float | None]:
    out: list[float | None] = [None] * len(requests)
    by_source: dict[str, list[int]] = {}
    for i, (key, start, end) in enumerate(requests):
        found = metrics.metric(key)
        if found is None or not found.source or end < start:
            continue
        if found.source == "goals":
            continue  # content_utilisation: below, all periods at once
        by_source.setdefault(found.source, []).append(i)
    used_at = [i for i, r in enumerate(requests) if r[0] == "content_utilisation"]
    if used_at and all(requests[i][2] >= requests[i][1] for i in used_at):
        periods = sorted({(requests[i][1], requests[i][2]) for i in used_at})
        shares = dict(zip(periods, content_utilisation_many(organization, periods), strict=True))
        for i in used_at:
            out[i] = shares[(requests[i][1], requests[i][2])]
    for source, indexes in by_source.items():
        series = metrics.metric_series(source)
        try:
            if series is not None:
                values = series(organization, [requests[i] for i in indexes])
                for i, value in zip(indexes, values, strict=True):
                    out[i] = value
                continue
            provider = metrics.metric_source(source)
            if provider is None:
                continue
            by_period: dict[tuple[dt.date, dt.date], Any] = {}
            for i in indexes:
                key, start, end = requests[i]
                if (start, end) not in by_period:
                    by_period[(start, end)] = provider(organization, start, end)
                value = by_period[(start, end)].get(key)
                out[i] = None if value is None else float(value)
        except Exception:  # another app's bug must not break the goals board
            logger.exception("metric values of %s failed", source)
            for i in indexes:
                out[i] = None
    return out


def computed_value(goal: Goal, *, cache: dict[Any, Any] | None = None) -> float | None:
    """The goal's metric computed from Accord's own data, or None when the
    metric is entered by hand or its data does not exist (yet)."""
    return metric_value(
        goal.organization,
        goal.metric,
        goal.period_start,
        min(goal.period_end, today()),
        cache=cache,
    )


# -- progress ----------------------------------------------------------------


@dataclass
class Progress:
    """Where a goal stands against the straight line from baseline to target."""

    actual: float | None  # latest value (computed or checked in)
    actual_date: dt.date | None
    expected: float | None  # where the line is on ``actual_date``
    expected_today: float
    on_track: bool | None  # None: no value yet
    computed: bool  # the value comes from Accord's data, not a check-in
    points: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.on_track is None:
            return "no data yet"
        return "on track" if self.on_track else "off track"


def expected_on(goal: Goal, day: dt.date) -> float:
    """The straight line from baseline to target (period end), leaving the
    baseline on the goal's ``line_start``: the day it became active when that
    is inside the period, so a goal agreed mid-period is not off track at once."""
    baseline, target = float(goal.baseline), float(goal.target)
    start = goal.line_start
    span = (goal.period_end - start).days
    if span <= 0:
        fraction = 1.0 if day >= start else 0.0
    else:
        fraction = min(max((day - start).days / span, 0.0), 1.0)
    return baseline + (target - baseline) * fraction


def _is_on_track(goal: Goal, actual: float, expected: float) -> bool:
    if goal.direction == Direction.UP:
        return actual >= expected
    return actual <= expected


def goal_progress(
    goal: Goal,
    *,
    checkins: list[CheckIn] | None = None,
    cache: dict[Any, Any] | None = None,
    latest: tuple[Decimal, dt.date] | None = None,
) -> Progress:
    """On/off track from the latest value: computed from Accord's data when the
    metric is built in and its data exists, else the latest check-in."""
    now = today()
    computed = computed_value(goal, cache=cache)
    points: list[dict[str, Any]] = []
    if checkins is not None:
        points = [
            {"date": c.date.isoformat(), "value": float(c.value), "series": "Checked in"}
            for c in checkins
        ]
    actual: float | None = None
    actual_date: dt.date | None = None
    if computed is not None:
        actual, actual_date = computed, min(goal.period_end, now)
        points.append({"date": actual_date.isoformat(), "value": computed, "series": "Computed"})
    elif checkins:
        actual, actual_date = float(checkins[-1].value), checkins[-1].date
    elif latest is not None:
        actual, actual_date = float(latest[0]), latest[1]
    elif checkins is None:
        last = CheckIn.objects.filter(goal=goal).order_by("-date", "-pk").first()
        if last is not None:
            actual, actual_date = float(last.value), last.date
    expected = expected_on(goal, actual_date) if actual_date else None
    on_track = (
        _is_on_track(goal, actual, expected)
        if actual is not None and expected is not None
        else None
    )
    return Progress(
        actual=actual,
        actual_date=actual_date,
        expected=expected,
        expected_today=expected_on(goal, now),
        on_track=on_track,
        computed=computed is not None,
        points=points,
    )


def board(
    goals_page: list[Goal], *, cache: dict[Any, Any] | None = None
) -> list[tuple[Goal, Progress | None]]:
    """Goals with their progress (active and proposed ones), latest check-ins
    in one query, the computed metrics of each organisation's goals in one
    ``metric_values_many``. ``cache``: as ``metric_values_many``'s."""
    ids = [g.pk for g in goals_page]
    cache = {} if cache is None else cache
    now = today()
    by_organization: dict[int, list[Goal]] = {}
    for goal in goals_page:
        if goal.status in (GoalStatus.ACTIVE, GoalStatus.PROPOSED):
            by_organization.setdefault(goal.organization_id, []).append(goal)
    for found in by_organization.values():
        organization = found[0].organization
        for goal in found:
            goal.organization = organization  # read once, not once per goal
        metric_values_many(
            organization,
            [(g.metric, g.period_start, min(g.period_end, now)) for g in found],
            cache=cache,
        )
    latest: dict[int, tuple[Decimal, dt.date]] = {}
    for row in (
        CheckIn.objects.filter(goal_id__in=ids)
        .order_by("goal_id", "date", "pk")
        .values_list("goal_id", "value", "date")
    ):
        latest[row[0]] = (row[1], row[2])
    rows: list[tuple[Goal, Progress | None]] = []
    for goal in goals_page:
        if goal.status in (GoalStatus.ACTIVE, GoalStatus.PROPOSED):
            rows.append(
                (goal, goal_progress(goal, checkins=[], cache=cache, latest=latest.get(goal.pk)))
            )
        else:
            rows.append((goal, None))
    return rows


def with_progress(goals_page: list[Goal]) -> list[Goal]:
    """``goals_page`` with what the API shows of each goal read for all at once:
    ``prefetched_progress`` (as ``board``; None for a closed goal) and
    ``prefetched_answers`` (as ``current_agreements``), in a number of queries
    that does not grow with the goals."""
    answers: dict[int, dict[str, Agreement | None]] = {
        g.pk: {Side.SALES: None, Side.MARKETING: None} for g in goals_page
    }
    versions = {g.pk: g.version for g in goals_page}
    for agreement in Agreement.objects.filter(goal_id__in=list(versions)).select_related(
        "member__user"
    ):
        if agreement.version == versions[agreement.goal_id]:
            answers[agreement.goal_id][agreement.side] = agreement
    for goal, progress in board(goals_page):
        goal.prefetched_progress = progress  # type: ignore[attr-defined]
        goal.prefetched_answers = answers[goal.pk]  # type: ignore[attr-defined]
    return goals_page


def goals_owned(membership: Membership) -> list[tuple[Goal, Progress | None]]:
    """The goals the member owns (either side) that are not closed, with progress."""
    owned = goals(membership, owner_id=membership.pk).exclude(status__in=CLOSED_STATUSES)
    return board(list(owned.order_by("period_end", "title", "pk")))


def status_counts(membership: Membership) -> dict[str, int]:
    counts = dict(
        scoped(membership, Goal.objects.all())
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in GoalStatus.values}


def goal_owner_choices(membership: Membership, kind: TeamKind) -> QuerySet[Membership]:
    """Who may own a goal for a team: its members (not viewers)."""
    return (
        scoped(membership, Membership.objects.select_related("user"))
        .filter(team__kind=kind)
        .exclude(role=Role.VIEWER)
        .order_by("user__email")
    )


# -- activity goals ----------------------------------------------------------


def activity_goals(
    membership: Membership, *, include_ended: bool = False
) -> QuerySet[ActivityGoal]:
    found = scoped(membership, ActivityGoal.objects.select_related("team"))
    if not include_ended:
        found = found.filter(is_active=True)
    return found.order_by("team__name", "-created_at")


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def _previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@dataclass
class PersonProgress:
    member: Membership
    count: int
    target: float  # this person's share of the month's target
    expected: float  # how many by now
    behind: bool


@dataclass
class ActivityProgress:
    goal: ActivityGoal
    month: dt.date
    people: list[PersonProgress]
    team_count: int
    team_target: int
    team_expected: float
    behind: list[PersonProgress]
    history: list[tuple[dt.date, int, int]]  # (month, team count, team target)

    @property
    def team_behind(self) -> bool:
        return self.team_count < self.team_expected


def _logs_for(goal: ActivityGoal) -> QuerySet[ActivityLog]:
    logs = ActivityLog.objects.filter(
        organization_id=goal.organization_id, team_id=goal.team_id, activity_type=goal.activity_type
    )
    if goal.activity_type == ActivityType.CUSTOM:
        logs = logs.filter(activity_goal=goal)
    return logs


def activity_progress(goal: ActivityGoal, month: dt.date, *, months: int = 6) -> ActivityProgress:
    """Counts per person and for the team in ``month`` against the target, who
    is behind (pro rata for the current month), and the team's last months.

    Only what has happened by today counts: staffing an event slot logs the
    activity on the slot's date, so signing up for a slot later this month
    counts when the slot comes, not on the day of the sign-up.

    One grouped query per month over the indexed (team, type, date) columns.
    """
    first, last = month_bounds(month)
    now = today(goal.organization)
    happened = _logs_for(goal).filter(occurred_on__lte=now)
    if now < first:
        elapsed = 0.0
    elif now > last:
        elapsed = 1.0
    else:
        elapsed = now.day / last.day
    people = list(
        Membership.objects.filter(team_id=goal.team_id)
        .exclude(role=Role.VIEWER)
        .select_related("user")
        .order_by("user__email")
    )
    counts = dict(
        happened.filter(occurred_on__range=(first, last))
        .values_list("member_id")
        .annotate(n=Count("pk"))
        .values_list("member_id", "n")
    )
    if goal.per == TargetPer.PERSON:
        share = float(goal.target_count)
        team_target = goal.target_count * len(people)
    else:
        share = goal.target_count / len(people) if people else 0.0
        team_target = goal.target_count
    rows = []
    for person in people:
        count = counts.get(person.pk, 0)
        expected = share * elapsed
        rows.append(PersonProgress(person, count, share, expected, count < expected))
    history = []
    cursor = first
    for _ in range(months):
        if cursor == first:
            total = sum(counts.values())
        else:
            start, end = month_bounds(cursor)
            total = happened.filter(occurred_on__range=(start, end)).count()
        history.append((cursor, total, team_target))
        cursor = _previous_month(cursor)
    history.reverse()
    return ActivityProgress(
        goal=goal,
        month=first,
        people=rows,
        team_count=sum(counts.values()),
        team_target=team_target,
        team_expected=team_target * elapsed,
        behind=[r for r in rows if r.behind],
        history=history,
    )


# The orders the activity log and an asset's uses page in (``accord.lib.keyset``),
# backed by the (organisation, day, id) and (asset, day, id) indexes.
ACTIVITY_LOG_ORDER = ("-occurred_on", "-id")
USAGE_ORDER = ("-used_on", "-id")


def activity_team_progress(
    organization: Organization, goals: list[ActivityGoal], months: list[dt.date]
) -> dict[tuple[int, dt.date], tuple[int, float]]:
    """(team count, team expected) of each activity goal in each of ``months``
    (keyed by the goal's pk and the month's first day): ``activity_progress``'s
    ``team_count`` and ``team_expected``, from two grouped queries for all of
    them."""
    if not goals or not months:
        return {}
    bounds = {month_bounds(m)[0]: month_bounds(m) for m in months}
    teams = {g.team_id for g in goals}
    people = dict(
        Membership.objects.filter(team_id__in=teams)
        .exclude(role=Role.VIEWER)
        .values("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    )
    logs = list(
        ActivityLog.objects.filter(
            organization=organization,
            team_id__in=teams,
            activity_type__in={g.activity_type for g in goals},
            occurred_on__range=(
                min(b[0] for b in bounds.values()),
                max(b[1] for b in bounds.values()),
            ),
        )
        .values_list("team_id", "activity_type", "activity_goal_id", "occurred_on")
        .annotate(n=Count("pk"))
        .order_by()
    )
    now = today(organization)
    out = {}
    for goal in goals:
        size = people.get(goal.team_id, 0)
        if goal.per == TargetPer.PERSON:
            team_target: float = goal.target_count * size
        else:
            team_target = goal.target_count
        for first, (_, last) in bounds.items():
            if now < first:
                elapsed = 0.0
            elif now > last:
                elapsed = 1.0
            else:
                elapsed = now.day / last.day
            count = sum(
                n
                for team, kind, own, day, n in logs
                if team == goal.team_id
                and kind == goal.activity_type
                and (goal.activity_type != ActivityType.CUSTOM or own == goal.pk)
                and first <= day <= min(last, now)
            )
            out[(goal.pk, first)] = (count, team_target * elapsed)
    return out


def activity_logs(membership: Membership, *, team_id: int | None = None) -> QuerySet[ActivityLog]:
    found = scoped(membership, ActivityLog.objects.select_related("member__user", "team"))
    if team_id:
        found = found.filter(team_id=team_id)
    return found.order_by(*ACTIVITY_LOG_ORDER)


# -- content -----------------------------------------------------------------


class AssetUse(TypedDict):
    """What ``content_assets`` adds to each asset."""

    uses: int
    last_used: dt.date | None


def content_assets(
    membership: Membership,
    *,
    untouched: bool = False,
    kind: str | None = None,
    tag: str | None = None,
    query: str | None = None,
) -> QuerySet[WithAnnotations[ContentAsset, AssetUse]]:
    """Assets with their use counts and last use; ``untouched``: no one in
    sales used them in the organisation's untouched period (N days)."""
    # Correlated subqueries rather than a join + GROUP BY: the database
    # computes them only for the page of assets it returns, each from the
    # (asset, used_on) index, however many uses the library has.
    usages = ContentUsage.objects.filter(asset=OuterRef("pk")).order_by().values("asset")
    found = scoped(membership, ContentAsset.objects.select_related("owner__user")).annotate(
        uses=Coalesce(Subquery(usages.annotate(n=Count("pk")).values("n")), 0),
        last_used=Subquery(usages.annotate(last=Max("used_on")).values("last")),
    )
    if untouched:
        cutoff = today() - dt.timedelta(
            days=goals_settings_of(membership.organization).untouched_days
        )
        recent = ContentUsage.objects.filter(asset=OuterRef("pk"), used_on__gt=cutoff)
        found = found.filter(~Exists(recent))
    if kind:
        found = found.filter(kind=kind)
    if query:
        found = found.filter(title__icontains=query)
    if tag:
        # Tags are a short JSON list; the quoted form matches a whole tag only.
        found = found.filter(tags__icontains=f'"{tag.strip().lower()}"')
    return found.order_by("title", "pk")


def asset_usages(asset: ContentAsset) -> QuerySet[ContentUsage]:
    return (
        ContentUsage.objects.filter(asset=asset)
        .select_related("member__user")
        .order_by(*USAGE_ORDER)
    )


# -- events ------------------------------------------------------------------


def events(membership: Membership, *, when: str = "upcoming") -> QuerySet[Event]:
    """Upcoming events (not yet over) soonest first, or past ones latest first."""
    found = scoped(membership, Event.objects.all())
    if when == "past":
        return found.filter(ends_on__lt=today()).order_by("-starts_on", "pk")
    return found.filter(ends_on__gte=today()).order_by("starts_on", "pk")


# A day's shifts in the order they happen, not the alphabet's (which puts
# the booth before set-up).
SLOT_ORDER = Case(
    *(When(role=role, then=Value(n)) for n, role in enumerate(SlotRole.values)),
    default=Value(len(SlotRole.values)),
)


def event_slots(event: Event) -> list[EventSlot]:
    """The event's slots in time order: by day, then set-up, booth, tear-down."""
    return list(
        EventSlot.objects.filter(event=event)
        .prefetch_related("signups__member__user")
        .order_by("date", SLOT_ORDER, "pk")
    )


# -- for the meetings' agenda ----------------------------------------------------


def goals_to_discuss(
    organization: Organization, *, cache: dict[Any, Any] | None = None
) -> list[tuple[Goal, str]]:
    """Goals a joint meeting should talk about, each with why: active goals
    off track, and proposed goals still waiting for one side's agreement.
    ``cache``: as ``metric_values_many``'s (the Overview shares the goals'
    computed metrics with the health score)."""
    found: list[tuple[Goal, str]] = []
    pending = list(
        Goal.objects.filter(organization=organization, status=GoalStatus.PROPOSED).order_by(
            "period_start", "pk"
        )
    )
    for goal in pending:
        agreed = {
            side
            for side, answer in current_agreements(goal).items()
            if answer is not None and answer.decision == Agreement.Decision.AGREED
        }
        waiting = [s.title() for s in (Side.SALES, Side.MARKETING) if s not in agreed]
        found.append((goal, f"Waiting for agreement from {' and '.join(waiting) or 'both teams'}."))
    active = list(
        Goal.objects.filter(organization=organization, status=GoalStatus.ACTIVE).order_by(
            "period_start", "pk"
        )
    )
    for goal in active:
        goal.organization = organization
    for goal, progress in board(active, cache=cache):
        if progress is not None and progress.on_track is False:
            found.append(
                (
                    goal,
                    f"Off track: {progress.actual:g} against {progress.expected or 0:.4g} "
                    "expected by now.",
                )
            )
    return found


def activity_goals_behind(organization: Organization, day: dt.date) -> list[ActivityProgress]:
    """Active activity goals whose team is behind its pro-rata target in ``day``'s month."""
    behind = []
    for goal in ActivityGoal.objects.filter(
        organization=organization, is_active=True
    ).select_related("team"):
        progress = activity_progress(goal, day, months=1)
        if progress.team_behind:
            behind.append(progress)
    return behind
