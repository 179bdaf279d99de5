"""What a member's weekly digest says, read through each app's selectors.

``digest_of`` gathers, for one member: their open action items (overdue ones
marked), the next occurrence of each meeting series they attend with its
agenda, their open customer follow-ups (feedback) and the goals they own with
their status (goals). It only reads; sending is in
``accord.meetings.services.digest``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse

from accord.feedback import selectors as feedback_selectors
from accord.feedback.models import FollowUp
from accord.goals import selectors as goal_selectors
from accord.goals.models import Goal
from accord.meetings import selectors
from accord.meetings.models import ActionItem, AgendaItem, Occurrence, OccurrenceStatus
from accord.meetings.recurrence import zone
from accord.orgs.models import Membership

# The digest goes on this weekday (Monday) at this local hour of the
# organisation's time zone; the daily run (action-item alerts) shares the hour.
DIGEST_WEEKDAY = 0
RUN_TIME = dt.time(7, 0)


def site_url(name: str, membership: Membership, **kwargs: object) -> str:
    """An absolute link to an organisation page, as emails need."""
    return str(settings.SITE_URL) + reverse(
        name, kwargs={"org_slug": membership.organization.slug, **kwargs}
    )


@dataclass(frozen=True)
class DigestAction:
    item: ActionItem
    overdue: bool
    url: str


@dataclass(frozen=True)
class DigestMeeting:
    occurrence: Occurrence
    local_start: dt.datetime
    agenda: list[AgendaItem]
    url: str


@dataclass(frozen=True)
class DigestFollowUp:
    followup: FollowUp
    overdue: bool
    url: str


@dataclass(frozen=True)
class DigestGoal:
    goal: Goal
    status: str
    url: str


@dataclass
class Digest:
    """One member's week: empty lists where there is nothing to say."""

    member: Membership
    today: dt.date
    actions: list[DigestAction] = field(default_factory=list)
    meetings: list[DigestMeeting] = field(default_factory=list)
    followups: list[DigestFollowUp] = field(default_factory=list)
    goals: list[DigestGoal] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.actions or self.meetings or self.followups or self.goals)

    @property
    def overdue_count(self) -> int:
        return sum(a.overdue for a in self.actions)


def local_today(membership: Membership, at: dt.datetime) -> dt.date:
    """The date at ``at`` in the member's organisation's time zone."""
    return at.astimezone(zone(membership.organization.time_zone)).date()


def _actions(member: Membership, today: dt.date) -> list[DigestAction]:
    url = site_url("meetings_action_items", member)
    return [
        DigestAction(item=item, overdue=item.due_on < today, url=url)
        for item in selectors.action_items(member, open_only=True, owner_id=member.pk)
    ]


def _meetings(member: Membership, at: dt.datetime) -> list[DigestMeeting]:
    found: list[DigestMeeting] = []
    for series in selectors.series_of_member(member).filter(cancelled_at__isnull=True):
        occurrence = (
            selectors.occurrences(member, series_id=series.pk)
            .filter(status=OccurrenceStatus.SCHEDULED, starts_at__gte=at)
            .first()
        )
        if occurrence is None:
            continue
        found.append(
            DigestMeeting(
                occurrence=occurrence,
                local_start=occurrence.starts_at.astimezone(zone(series.time_zone)),
                agenda=list(selectors.agenda(occurrence)),
                url=site_url("meetings_occurrence", member, pk=occurrence.pk),
            )
        )
    return sorted(found, key=lambda m: (m.occurrence.starts_at, m.occurrence.pk))


def _followups(member: Membership, at: dt.datetime) -> list[DigestFollowUp]:
    return [
        DigestFollowUp(
            followup=followup,
            overdue=followup.due_at < at,
            url=site_url("feedback_followup", member, pk=followup.pk),
        )
        for followup in feedback_selectors.followups_owned(member)
    ]


def _goals(member: Membership) -> list[DigestGoal]:
    rows: list[DigestGoal] = []
    for goal, progress in goal_selectors.goals_owned(member):
        status = goal.get_status_display()
        if progress is not None:
            status = f"{status}, {progress.label}"
        rows.append(
            DigestGoal(goal=goal, status=status, url=site_url("goals_goal", member, pk=goal.pk))
        )
    return rows


def digest_of(member: Membership, at: dt.datetime) -> Digest:
    """What ``member``'s digest says at instant ``at``; only their organisation's data."""
    today = local_today(member, at)
    return Digest(
        member=member,
        today=today,
        actions=_actions(member, today),
        meetings=_meetings(member, at),
        followups=_followups(member, at),
        goals=_goals(member),
    )
