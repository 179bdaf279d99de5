"""During and at the end of a meeting: action items, attendance, ratings, closing.

Closing decides whether the meeting was collaborative or a report-out,
carries unfinished items over, counts marketing's attendance at sales
meetings toward its activity goal and emails the summary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from accord.goals.models import ActivityType
from accord.goals.services import activity_record_meeting
from accord.lib.claimed_time import claimed_time_check
from accord.lib.local_time import local_date
from accord.meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    MeetingKind,
    Occurrence,
    OccurrenceStatus,
    Rating,
)
from accord.meetings.services.agenda import carry_over
from accord.meetings.services.common import (
    check_version,
    is_attendee,
    member_of,
    now,
    require_open,
    require_participant,
    text,
)
from accord.meetings.services.series import next_occurrence, occurrences_sync, schedule_agenda
from accord.orgs.models import Membership, Role, TeamKind
from accord.orgs.permissions import Action, can, require
from accord.orgs.services import audit_record

# Which activity a marketing member's attendance counts as, by meeting kind.
ATTENDANCE_ACTIVITY = {
    MeetingKind.PIPELINE_REVIEW: ActivityType.PIPELINE_REVIEW,
    MeetingKind.CUSTOMER_CALL: ActivityType.CUSTOMER_CALL,
}


def _due(value: Any) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({"due_on": "Enter a due date."})
    if not 2000 <= value.year <= 2200:
        raise ValidationError({"due_on": "Enter a date between 2000 and 2200."})
    return value


@transaction.atomic
def action_item_create(
    *,
    membership: Membership,
    title: str,
    owner: Membership,
    due_on: dt.date,
    occurrence: Occurrence | None = None,
    agenda_item: AgendaItem | None = None,
    issue_id: int | None = None,
) -> ActionItem:
    """An action item with an owner of this organisation and a due date,
    optionally decided at ``occurrence`` about ``agenda_item``."""
    if agenda_item is not None:
        occurrence = agenda_item.occurrence
    if occurrence is not None:
        require_participant(membership, occurrence)
    else:
        require(membership, Action.MEETING_TAKE_PART)
    owner_member = member_of(membership.organization, owner, "owner_id")
    if owner_member.role == Role.VIEWER:
        raise ValidationError({"owner_id": "Viewers cannot own action items."})
    item = ActionItem.objects.create(
        organization=membership.organization,
        title=text(title, "title", max_length=200, required=True),
        owner=owner_member,
        due_on=_due(due_on),
        occurrence=occurrence,
        agenda_item=agenda_item,
        issue_id=issue_id,
        created_by=membership,
    )
    if occurrence is not None:
        Occurrence.objects.filter(pk=occurrence.pk).update(version=F("version") + 1)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="action_item.create",
        obj=item,
        changes={"owner": owner_member.user.email, "due_on": str(item.due_on)},
    )
    return item


@transaction.atomic
def action_item_update(
    *,
    membership: Membership,
    action_item: ActionItem,
    version: int | None,
    **changes: Any,
) -> ActionItem:
    """Change or tick off an action item: its owner, its creator or a lead."""
    require(membership, Action.MEETING_TAKE_PART)
    locked = ActionItem.objects.select_for_update().get(pk=action_item.pk)
    if membership.pk not in (locked.owner_id, locked.created_by_id) and not can(
        membership, Action.MEETING_MANAGE
    ):
        raise PermissionDenied("Only the owner, whoever added it, or a lead may change it.")
    check_version("action item", locked.version, version)
    unknown = set(changes) - {"title", "owner", "due_on", "done"}
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed."})
    if "title" in changes:
        locked.title = text(changes["title"], "title", max_length=200, required=True)
    if "owner" in changes:
        locked.owner = member_of(membership.organization, changes["owner"], "owner_id")
    if "due_on" in changes:
        locked.due_on = _due(changes["due_on"])
    if "done" in changes:
        if not isinstance(changes["done"], bool):
            raise ValidationError({"done": "true or false."})
        if changes["done"] and locked.done_at is None:
            locked.done_at = now()
        elif not changes["done"]:
            locked.done_at = None
    locked.version += 1
    locked.save()
    if locked.occurrence_id:
        Occurrence.objects.filter(pk=locked.occurrence_id).update(version=F("version") + 1)
    return locked


@transaction.atomic
def attendance_set(
    *, membership: Membership, occurrence: Occurrence, member: Membership, present: bool
) -> bool:
    """Record whether ``member`` (an attendee of the series) was there."""
    locked = Occurrence.objects.select_for_update().select_related("series").get(pk=occurrence.pk)
    require_participant(membership, locked)
    require_open(locked)
    person = member_of(membership.organization, member, "member_id")
    if not is_attendee(locked.series, person) and present:
        raise ValidationError({"member_id": f"{person.user.email} is not invited to this meeting."})
    if present:
        # Attendance counts toward the collaborative-meeting cadence and activity
        # goals: nobody attends a meeting before it starts.
        claimed_time_check(locked.starts_at, field="present", earliest_what="the meeting starts")
        try:
            with transaction.atomic():
                Attendance.objects.create(
                    organization=locked.organization, occurrence=locked, member=person
                )
        except IntegrityError:
            pass  # already recorded
    else:
        Attendance.objects.filter(occurrence=locked, member=person).delete()
    locked.version += 1
    locked.save(update_fields=["version"])
    return present


@transaction.atomic
def rating_set(*, membership: Membership, occurrence: Occurrence, score: int) -> Rating:
    """The member's own 1-10 rating of a meeting they were invited to (changeable)."""
    require(membership, Action.MEETING_TAKE_PART)
    if not is_attendee(occurrence.series, membership):
        raise PermissionDenied("Only the meeting's attendees rate it.")
    if occurrence.status == OccurrenceStatus.CANCELLED:
        raise ValidationError({"occurrence": "This meeting was cancelled."})
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 10:
        raise ValidationError({"score": "A whole number from 1 to 10."})
    rating, _ = Rating.objects.update_or_create(
        occurrence=occurrence,
        member=membership,
        defaults={"score": score, "organization": occurrence.organization},
    )
    return rating


@dataclass(frozen=True)
class Verdict:
    collaborative: bool
    reason: str


def verdict(occurrence: Occurrence) -> Verdict:
    """Collaborative only if both teams attended and both raised or decided an item."""
    attended = set(
        Attendance.objects.filter(occurrence=occurrence).values_list(
            "member__team__kind", flat=True
        )
    )
    raised = set(
        # An item carried over was raised at an earlier meeting, not this one.
        AgendaItem.objects.filter(
            occurrence=occurrence, raised_by__isnull=False, carried_from__isnull=True
        ).values_list("raised_by__team__kind", flat=True)
    ) | set(
        AgendaItem.objects.filter(occurrence=occurrence)
        .filter(Q(decided_by__isnull=False) & ~Q(decision=""))
        .values_list("decided_by__team__kind", flat=True)
    )
    reasons = []
    for kind in (TeamKind.SALES, TeamKind.MARKETING):
        if kind not in attended:
            reasons.append(f"{kind.label} did not attend")
        elif kind not in raised:
            reasons.append(f"{kind.label} raised or decided nothing")
    if reasons:
        return Verdict(False, "Report-out: " + "; ".join(reasons) + ".")
    return Verdict(True, "")


@transaction.atomic
def occurrence_close(
    *,
    membership: Membership,
    occurrence: Occurrence,
    version: int | None = None,
    notify: bool = True,
) -> Occurrence:
    """Close a meeting: decide collaborative or report-out, carry unfinished
    items to the next occurrence, count marketing's attendance at sales
    meetings, and email the summary to attendees (unless ``notify=False``,
    for recording history)."""
    require(membership, Action.MEETING_MANAGE)
    locked = (
        Occurrence.objects.select_for_update()
        .select_related("series", "organization")
        .get(pk=occurrence.pk)
    )
    check_version("meeting", locked.version, version)
    require_open(locked)
    result = verdict(locked)
    locked.status = OccurrenceStatus.CLOSED
    locked.closed_at = now()
    locked.closed_by = membership
    locked.collaborative = result.collaborative
    locked.report_out_reason = result.reason
    locked.version += 1
    locked.save()
    series = locked.series
    occurrences_sync(series)
    following = next_occurrence(series, after=locked.starts_at)
    if following is not None:
        carry_over(locked, following)
    activity = ATTENDANCE_ACTIVITY.get(MeetingKind(series.kind))
    if activity is not None:
        for attendance in Attendance.objects.filter(occurrence=locked).select_related(
            "member__team"
        ):
            person = attendance.member
            if person.team is not None and person.team.kind == TeamKind.MARKETING:
                activity_record_meeting(
                    member=person,
                    activity_type=activity,
                    # Activity days are the organisation's, whatever the
                    # series' own zone.
                    occurred_on=local_date(locked.starts_at, locked.organization.time_zone),
                    note=f"Attended {series.name}",
                )
    if notify:
        from accord.meetings.notify import notify_meeting_summary

        notify_meeting_summary(locked)
    schedule_agenda(series)
    audit_record(
        organization=locked.organization,
        actor=membership.user,
        action="occurrence.close",
        obj=locked,
        changes={"collaborative": result.collaborative, "reason": result.reason},
    )
    return locked
