"""Reads of the Meetings section, scoped to the acting member's organisation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from accord.meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    CalendarFeed,
    Issue,
    IssueEvent,
    IssueStatus,
    IssueVote,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
    Rating,
    Section,
)
from accord.orgs.models import Membership, Organization
from accord.orgs.selectors import get_scoped, scoped


def series_list(membership: Membership) -> QuerySet[MeetingSeries]:
    return scoped(membership, MeetingSeries.objects.all()).order_by("cancelled_at", "name", "pk")


def series_get(membership: Membership, pk: int) -> MeetingSeries:
    return get_scoped(membership, MeetingSeries.objects.all(), pk=pk)


def occurrences(
    membership: Membership,
    *,
    series_id: int | None = None,
    when: str = "",
) -> QuerySet[Occurrence]:
    """Occurrences, soonest first; ``when`` is "upcoming", "past" or all."""
    found = scoped(membership, Occurrence.objects.select_related("series"))
    if series_id:
        found = found.filter(series_id=series_id)
    now = timezone.now()
    if when == "upcoming":
        return found.filter(ends_at__gte=now).order_by("starts_at", "pk")
    if when == "past":
        return found.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    return found.order_by("starts_at", "pk")


def occurrence_get(membership: Membership, pk: int) -> Occurrence:
    return get_scoped(
        membership, Occurrence.objects.select_related("series", "organization"), pk=pk
    )


def agenda(occurrence: Occurrence) -> QuerySet[AgendaItem]:
    return (
        AgendaItem.objects.filter(occurrence=occurrence)
        .select_related(
            "raised_by__user", "team", "decided_by__user", "carried_from__occurrence", "issue"
        )
        .order_by("position", "pk")
    )


def agenda_sections(occurrence: Occurrence) -> list[tuple[str, str, list[AgendaItem]]]:
    """(section value, label, items) in the meeting's order, empty sections included."""
    items = list(agenda(occurrence))
    return [(v, label, [i for i in items if i.section == v]) for v, label in Section.choices]


def agenda_item_get(membership: Membership, pk: int) -> AgendaItem:
    return get_scoped(membership, AgendaItem.objects.select_related("occurrence__series"), pk=pk)


def action_items(
    membership: Membership,
    *,
    open_only: bool = False,
    owner_id: int | None = None,
    occurrence_id: int | None = None,
) -> QuerySet[ActionItem]:
    found = scoped(membership, ActionItem.objects.select_related("owner__user", "agenda_item"))
    if open_only:
        found = found.filter(done_at__isnull=True)
    if owner_id:
        found = found.filter(owner_id=owner_id)
    if occurrence_id:
        found = found.filter(occurrence_id=occurrence_id)
    return found.order_by("done_at", "due_on", "pk")


def action_item_get(membership: Membership, pk: int) -> ActionItem:
    return get_scoped(membership, ActionItem.objects.select_related("owner__user"), pk=pk)


def issues(membership: Membership, *, status: str = "") -> QuerySet[Issue]:
    """Issues, most votes first; each knows whether the member voted."""
    found = scoped(membership, Issue.objects.select_related("raised_by__user")).annotate(
        vote_count=Count("votes", distinct=True),
        voted=Exists(IssueVote.objects.filter(issue=OuterRef("pk"), member=membership)),
    )
    if status:
        found = found.filter(status=status)
    return found.order_by("-vote_count", "-created_at", "-pk")


def issue_get(membership: Membership, pk: int) -> Issue:
    return get_scoped(membership, issues(membership), pk=pk)


def issue_history(issue: Issue) -> QuerySet[IssueEvent]:
    return IssueEvent.objects.filter(issue=issue).order_by("created_at", "pk")


def attendance(occurrence: Occurrence) -> set[int]:
    return set(Attendance.objects.filter(occurrence=occurrence).values_list("member_id", flat=True))


def ratings(occurrence: Occurrence) -> QuerySet[Rating]:
    return Rating.objects.filter(occurrence=occurrence).select_related("member__user")


@dataclass(frozen=True)
class RatingSummary:
    count: int
    average: float | None


def rating_summary(occurrence: Occurrence) -> RatingSummary:
    scores = list(Rating.objects.filter(occurrence=occurrence).values_list("score", flat=True))
    return RatingSummary(len(scores), round(sum(scores) / len(scores), 1) if scores else None)


def feed_of(membership: Membership) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(member=membership, revoked_at__isnull=True).first()


def series_of_member(membership: Membership) -> QuerySet[MeetingSeries]:
    """Series the member attends (for their calendar feed)."""
    return MeetingSeries.objects.filter(
        organization_id=membership.organization_id, attendees=membership
    ).order_by("pk")


def next_occurrence_of(organization: Organization) -> Occurrence | None:
    """The organisation's next scheduled joint meeting (else any meeting)."""
    upcoming = Occurrence.objects.filter(
        organization=organization,
        status=OccurrenceStatus.SCHEDULED,
        ends_at__gte=timezone.now(),
        series__cancelled_at__isnull=True,
    ).select_related("series")
    joint = upcoming.filter(series__kind=MeetingKind.JOINT).order_by("starts_at", "pk").first()
    return joint or upcoming.order_by("starts_at", "pk").first()


def metric_values(organization: Organization, start: dt.date, end: dt.date) -> dict[str, Decimal]:
    """Values for the goals' metric catalogue over ``start``..``end`` (inclusive):
    ``collaborative_meetings``, the joint meetings closed as collaborative
    that took place in the period (report-outs do not count). Registered as
    the goals' metric source "meetings"."""
    tz = timezone.get_current_timezone()
    start_at = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    end_at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    held = Occurrence.objects.filter(
        organization=organization,
        series__kind=MeetingKind.JOINT,
        status=OccurrenceStatus.CLOSED,
        collaborative=True,
        starts_at__gte=start_at,
        starts_at__lt=end_at,
    ).count()
    return {"collaborative_meetings": Decimal(held)}


def metric_series(
    organization: Organization, requests: Sequence[tuple[str, dt.date, dt.date]]
) -> list[float | None]:
    """``metric_values`` for many (key, start, end) at once, in order, from
    one query (``collaboration_counts_many``)."""
    periods = sorted(
        {(start, end) for key, start, end in requests if key == "collaborative_meetings"}
    )
    counts = dict(zip(periods, collaboration_counts_many(organization, periods), strict=True))
    return [
        float(counts[(start, end)]["collaborative"]) if key == "collaborative_meetings" else None
        for key, start, end in requests
    ]


def collaboration_counts(
    organization: Organization, start: dt.date, end: dt.date
) -> dict[str, int]:
    """Closed joint meetings in the period: collaborative and report-outs."""
    tz = timezone.get_current_timezone()
    closed = Occurrence.objects.filter(
        organization=organization,
        series__kind=MeetingKind.JOINT,
        status=OccurrenceStatus.CLOSED,
        starts_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        starts_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )
    return {
        "collaborative": closed.filter(collaborative=True).count(),
        "report_outs": closed.filter(collaborative=False).count(),
    }


def collaboration_counts_many(
    organization: Organization, periods: list[tuple[dt.date, dt.date]]
) -> list[dict[str, int]]:
    """``collaboration_counts`` for each period, in order, from one query over
    all of them (joint meetings are few: their rows are read, not grouped)."""
    if not periods:
        return []
    tz = timezone.get_current_timezone()
    bounds = [
        (
            dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
        )
        for start, end in periods
    ]
    rows = list(
        Occurrence.objects.filter(
            organization=organization,
            series__kind=MeetingKind.JOINT,
            status=OccurrenceStatus.CLOSED,
            starts_at__gte=min(b[0] for b in bounds),
            starts_at__lt=max(b[1] for b in bounds),
        ).values_list("starts_at", "collaborative")
    )
    out = []
    for since, until in bounds:
        held = [collaborative for starts_at, collaborative in rows if since <= starts_at < until]
        out.append(
            {
                "collaborative": sum(1 for c in held if c),
                "report_outs": sum(1 for c in held if not c),
            }
        )
    return out


@dataclass(frozen=True)
class Decision:
    """A decision written on a joint meeting's agenda item."""

    day: dt.date
    meeting: str
    title: str
    text: str


def decisions_between(
    organization: Organization, start: dt.date, end: dt.date, *, limit: int = 50
) -> tuple[int, list[Decision]]:
    """Decisions recorded at the joint meetings held ``start``..``end`` (inclusive):
    how many in all, and the first ``limit`` of them, oldest first."""
    tz = timezone.get_current_timezone()
    found = (
        AgendaItem.objects.filter(
            organization=organization,
            occurrence__series__kind=MeetingKind.JOINT,
            occurrence__starts_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            occurrence__starts_at__lt=dt.datetime.combine(
                end + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            ),
        )
        .exclude(decision="")
        .select_related("occurrence__series")
        .order_by("occurrence__starts_at", "position", "pk")
    )
    return found.count(), [
        Decision(
            day=item.occurrence.starts_at.date(),
            meeting=item.occurrence.series.name,
            title=item.title,
            text=item.decision,
        )
        for item in found[:limit]
    ]


def open_issue_count(membership: Membership) -> int:
    return scoped(membership, Issue.objects.exclude(status=IssueStatus.SOLVED)).count()
