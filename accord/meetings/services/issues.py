"""The issues list: frictions raised by anyone, voted on, solved in meetings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from accord.meetings.models import (
    AgendaItem,
    Issue,
    IssueEvent,
    IssueSource,
    IssueStatus,
    IssueVote,
    Occurrence,
    Section,
)
from accord.meetings.services.common import label, link, now, require_participant, text
from accord.meetings.services.live import action_item_create
from accord.meetings.services.series import next_joint_occurrence
from accord.orgs.models import Membership, Team
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record


def _history(issue: Issue, membership: Membership | None, action: str, detail: str = "") -> None:
    IssueEvent.objects.create(
        organization_id=issue.organization_id,
        issue=issue,
        action=action,
        actor=membership,
        actor_label=label(membership),
        detail=detail[:2000],
    )


def _lock(issue: Issue) -> Issue:
    return Issue.objects.select_for_update().get(pk=issue.pk)


@transaction.atomic
def issue_raise(
    *,
    membership: Membership,
    title: str,
    description: str = "",
    team_ids: Iterable[int] = (),
    source_kind: str = IssueSource.SCRATCH,
    source_url: str = "",
    agenda_item: AgendaItem | None = None,
) -> Issue:
    """Raise a friction issue, from scratch or from a theme, a rejection reason,
    a follow-up, a goal or an agenda item (``source_url`` links to it)."""
    require(membership, Action.ISSUE_RAISE)
    if source_kind not in IssueSource.values:
        raise ValidationError({"source_kind": f"Choose one of: {', '.join(IssueSource.values)}."})
    teams = []
    for team_id in team_ids:
        team = Team.objects.filter(organization=membership.organization, pk=team_id).first()
        if team is None:
            raise ValidationError({"team_ids": f"No team {team_id} in this organisation."})
        teams.append(team)
    url = link(source_url, "source_url")
    if agenda_item is not None:
        source_kind = IssueSource.AGENDA_ITEM
        url = url or agenda_item.source_url
    issue = Issue.objects.create(
        organization=membership.organization,
        title=text(title, "title", max_length=200, required=True),
        description=text(description, "description", max_length=10_000),
        source_kind=source_kind,
        source_url=url,
        raised_by=membership,
    )
    issue.teams.set(teams)
    if agenda_item is not None:
        AgendaItem.objects.filter(pk=agenda_item.pk).update(issue=issue)
    _history(issue, membership, "raised", issue.get_source_kind_display())
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="issue.raise",
        obj=issue,
    )
    return issue


@transaction.atomic
def issue_vote(*, membership: Membership, issue: Issue) -> IssueVote:
    """One vote per member and issue; a second is refused."""
    require(membership, Action.ISSUE_RAISE)
    if issue.status == IssueStatus.SOLVED:
        raise ValidationError({"issue": "This issue is solved."})
    try:
        with transaction.atomic():
            vote = IssueVote.objects.create(
                organization=membership.organization, issue=issue, member=membership
            )
    except IntegrityError:
        raise ValidationError({"issue": "You have already voted for this issue."}) from None
    _history(issue, membership, "voted")
    return vote


@transaction.atomic
def issue_unvote(*, membership: Membership, issue: Issue) -> None:
    require(membership, Action.ISSUE_RAISE)
    deleted, _ = IssueVote.objects.filter(issue=issue, member=membership).delete()
    if not deleted:
        raise ValidationError({"issue": "You have not voted for this issue."})
    _history(issue, membership, "vote withdrawn")


def _next_joint(issue: Issue) -> Occurrence | None:
    return next_joint_occurrence(issue.organization_id)


@transaction.atomic
def issue_put_on_agenda(*, membership: Membership, issue: Issue) -> Issue:
    """Put an open issue on the next joint meeting's agenda (leads)."""
    require(membership, Action.MEETING_MANAGE)
    locked = _lock(issue)
    if locked.status != IssueStatus.OPEN:
        raise ValidationError({"issue": f"This issue is {locked.get_status_display().lower()}."})
    locked.status = IssueStatus.ON_AGENDA
    locked.save(update_fields=["status"])
    upcoming = _next_joint(locked)
    detail = ""
    if upcoming is not None:
        detail = f"{upcoming}"
        if not AgendaItem.objects.filter(occurrence=upcoming, issue=locked).exists():
            AgendaItem.objects.create(
                organization_id=locked.organization_id,
                occurrence=upcoming,
                section=Section.ISSUES,
                title=locked.title,
                why="A lead put this issue on the agenda.",
                source_url="",
                source_key=f"issue:{locked.pk}",
                position=4000 + 5,
                issue=locked,
                raised_by=membership,
                team=membership.team,
            )
            Occurrence.objects.filter(pk=upcoming.pk).update(version=F("version") + 1)
    _history(locked, membership, "put on agenda", detail)
    return locked


class ActionItemSpec(TypedDict):
    """An action item decided with a solution: what, who, by when."""

    title: str
    owner: Membership
    due_on: dt.date


@transaction.atomic
def issue_solve(
    *,
    membership: Membership,
    issue: Issue,
    resolution: str,
    occurrence: Occurrence | None = None,
    action_items: Iterable[ActionItemSpec] = (),
) -> Issue:
    """Solve an issue with a resolution (in a meeting, by its attendees, or
    by a lead), with optional action items (title, owner, due_on)."""
    if occurrence is not None:
        require_participant(membership, occurrence)
    else:
        require(membership, Action.MEETING_MANAGE)
    locked = _lock(issue)
    if locked.status == IssueStatus.SOLVED:
        raise ValidationError({"issue": "This issue is already solved."})
    locked.resolution = text(resolution, "resolution", max_length=10_000, required=True)
    locked.status = IssueStatus.SOLVED
    locked.solved_at = now()
    locked.solved_in = occurrence
    locked.save(update_fields=["resolution", "status", "solved_at", "solved_in"])
    for index, spec in enumerate(action_items):
        try:
            action_item_create(
                membership=membership,
                title=spec["title"],
                owner=spec["owner"],
                due_on=spec["due_on"],
                occurrence=occurrence,
                issue_id=locked.pk,
            )
        except ValidationError as error:
            raise ValidationError(
                {f"action_items.{index}.{k}": v for k, v in error.message_dict.items()}
            ) from None
    if occurrence is not None:
        AgendaItem.objects.filter(occurrence=occurrence, issue=locked).update(done=True)
    _history(locked, membership, "solved", locked.resolution)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="issue.solve",
        obj=locked,
    )
    return locked
