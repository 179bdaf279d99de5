"""Activity goals and the activity log, typed in or imported from CSV."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accord.goals.models import (
    MARKETING_ACTIVITIES,
    SALES_ACTIVITIES,
    ActivityGoal,
    ActivityLog,
    ActivitySource,
    ActivityType,
    ContentUsage,
    EventSignup,
    TargetPer,
)
from accord.goals.services.common import _member
from accord.lib.claimed_time import claimed_day_check
from accord.lib.csvfile import CsvFileError, read_csv, require_columns
from accord.lib.emails import email_clean
from accord.orgs.models import Membership, Organization, Team, TeamKind
from accord.orgs.permissions import Action, can, require
from accord.orgs.services import audit_record


def allowed_activities(team: Team) -> frozenset[str]:
    """What a team may commit to: the other team's usual work, or a custom activity."""
    if team.kind == TeamKind.MARKETING:
        return MARKETING_ACTIVITIES | {ActivityType.CUSTOM}
    if team.kind == TeamKind.SALES:
        return SALES_ACTIVITIES | {ActivityType.CUSTOM}
    return frozenset()


@transaction.atomic
def activity_goal_create(
    *,
    membership: Membership,
    team: Team | None,
    activity_type: str,
    target_count: int,
    per: str = TargetPer.PERSON,
    custom_name: str = "",
) -> ActivityGoal:
    """Commit a team to an activity the other team normally does, ``target_count``
    times a month per person or per team. One active activity goal per team."""
    require(membership, Action.ACTIVITY_GOAL_MANAGE)
    organization = membership.organization
    if team is None or team.organization_id != organization.pk:
        raise ValidationError({"team": "Choose the Sales or the Marketing team."})
    allowed = allowed_activities(team)
    if not allowed:
        raise ValidationError({"team": "Activity goals are for the Sales and Marketing teams."})
    if activity_type not in ActivityType.values:
        raise ValidationError({"activity_type": "Choose an activity type."})
    if activity_type not in allowed:
        raise ValidationError(
            {
                "activity_type": f"{team.name} commits to something the other team normally "
                f"does; choose one of: {', '.join(sorted(allowed))}."
            }
        )
    custom_name = custom_name.strip()
    if activity_type == ActivityType.CUSTOM and not custom_name:
        raise ValidationError({"custom_name": "Name the custom activity."})
    if not isinstance(target_count, int) or not 1 <= target_count <= 1000:
        raise ValidationError({"target_count": "Between 1 and 1000 a month."})
    if per not in TargetPer.values:
        raise ValidationError({"per": "Choose per person or per team."})
    if ActivityGoal.objects.filter(organization=organization, team=team, is_active=True).exists():
        raise ValidationError(
            {"team": f"{team.name} already has an activity goal; end it before setting another."}
        )
    try:
        with transaction.atomic():
            goal = ActivityGoal.objects.create(
                organization=organization,
                team=team,
                activity_type=activity_type,
                custom_name=custom_name if activity_type == ActivityType.CUSTOM else "",
                target_count=target_count,
                per=per,
                created_by=membership,
            )
    except IntegrityError:
        raise ValidationError({"team": f"{team.name} already has an activity goal."}) from None
    audit_record(
        organization=organization,
        actor=membership.user,
        action="activity_goal.create",
        obj=goal,
        changes={"team": team.name, "activity": goal.label, "target": target_count, "per": per},
    )
    return goal


@transaction.atomic
def activity_goal_end(*, membership: Membership, activity_goal: ActivityGoal) -> ActivityGoal:
    """Stop an activity goal (its logs stay); the team may then set another."""
    require(membership, Action.ACTIVITY_GOAL_MANAGE)
    if not activity_goal.is_active:
        raise ValidationError({"activity_goal": "This activity goal has already ended."})
    activity_goal.is_active = False
    activity_goal.save(update_fields=["is_active"])
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="activity_goal.end",
        obj=activity_goal,
    )
    return activity_goal


def _active_activity_goal(team: Team) -> ActivityGoal | None:
    return ActivityGoal.objects.filter(team=team, is_active=True).first()


@dataclass
class _LogPlan:
    member: Membership
    activity_type: str
    activity_goal: ActivityGoal | None
    occurred_on: dt.date
    note: str


def _plan_log(
    membership: Membership,
    *,
    member: Membership,
    activity_type: str | None,
    occurred_on: dt.date | None,
    note: str,
) -> _LogPlan:
    """Check one activity log; raise a ValidationError naming the field."""
    if member.pk != membership.pk and not can(membership, Action.ACTIVITY_GOAL_MANAGE):
        raise PermissionDenied("Members log their own activities; leads may log for others.")
    if member.team is None or member.team.kind not in (TeamKind.SALES, TeamKind.MARKETING):
        raise ValidationError({"member": f"{member.user.email} is in neither Sales nor Marketing."})
    goal = _active_activity_goal(member.team)
    if not activity_type:
        if goal is None:
            raise ValidationError(
                {"activity_type": f"{member.team.name} has no activity goal; say which activity."}
            )
        activity_type = goal.activity_type
    if activity_type not in ActivityType.values:
        raise ValidationError({"activity_type": f"Unknown activity type '{activity_type}'."})
    allowed = allowed_activities(member.team)
    if activity_type not in allowed:
        raise ValidationError(
            {
                "activity_type": f"'{activity_type}' is not a cross-team activity for "
                f"{member.team.name}; choose one of: {', '.join(sorted(allowed))}."
            }
        )
    if activity_type == ActivityType.CUSTOM and (
        goal is None or goal.activity_type != ActivityType.CUSTOM
    ):
        raise ValidationError(
            {"activity_type": f"{member.team.name} has no custom activity goal to count toward."}
        )
    day = claimed_day_check(
        occurred_on, field="occurred_on", time_zone=membership.organization.time_zone
    )
    if len(note) > 300:
        raise ValidationError({"note": "At most 300 characters."})
    linked = goal if goal is not None and goal.activity_type == activity_type else None
    return _LogPlan(member, activity_type, linked, day, note.strip())


def activity_log_row(
    *,
    member: Membership,
    activity_type: str,
    occurred_on: dt.date,
    note: str,
    source: str,
    activity_goal: ActivityGoal | None = None,
    content_usage: ContentUsage | None = None,
    event_signup: EventSignup | None = None,
) -> ActivityLog:
    """Store one activity-log row for ``member`` (who must be in a team).

    The one place a log row is built, whether typed in, imported, or written
    by a first content use or an event sign-up. The row counts toward
    ``activity_goal`` when given, else toward the team's active activity goal
    if that goal is for this activity type. The note is cut to 300 characters.
    The caller has checked permissions and values.
    """
    if member.team is None:
        raise ValidationError({"member": f"{member.user.email} is in no team."})
    goal = activity_goal if activity_goal is not None else _active_activity_goal(member.team)
    return ActivityLog.objects.create(
        organization=member.organization,
        member=member,
        team=member.team,
        activity_type=activity_type,
        activity_goal=goal if goal is not None and goal.activity_type == activity_type else None,
        occurred_on=occurred_on,
        note=note[:300],
        source=source,
        content_usage=content_usage,
        event_signup=event_signup,
    )


def _write_log(plan: _LogPlan, source: str) -> ActivityLog:
    return activity_log_row(
        member=plan.member,
        activity_type=plan.activity_type,
        occurred_on=plan.occurred_on,
        note=plan.note,
        source=source,
        activity_goal=plan.activity_goal,
    )


@transaction.atomic
def activity_log(
    *,
    membership: Membership,
    activity_type: str | None = None,
    occurred_on: dt.date | None = None,
    note: str = "",
    member: Membership | None = None,
    source: str = ActivitySource.MANUAL,
) -> ActivityLog:
    """Log one cross-team activity (default: the member's own, today, of their
    team's activity goal). Leads may log for someone else."""
    require(membership, Action.ACTIVITY_LOG)
    target = _member(membership, membership if member is None else member, "member")
    plan = _plan_log(
        membership, member=target, activity_type=activity_type, occurred_on=occurred_on, note=note
    )
    log = _write_log(plan, source)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="activity.log",
        obj=log,
        changes={
            "member": target.user.email,
            "type": plan.activity_type,
            "occurred_on": plan.occurred_on.isoformat(),
        },
    )
    return log


@transaction.atomic
def activity_record_meeting(
    *, member: Membership, activity_type: str, occurred_on: dt.date, note: str
) -> ActivityLog | None:
    """Count a member's attendance at a meeting as a cross-team activity,
    without anyone logging it (the meeting's record is the evidence).

    Only when ``activity_type`` is a cross-team activity of the member's
    team; the same member, type, day and note count once, so recording a
    meeting again changes nothing. Returns None when it does not count.
    """
    team = member.team
    if team is None or activity_type not in allowed_activities(team):
        return None
    note = note.strip()[:300]
    existing = ActivityLog.objects.filter(
        member=member,
        activity_type=activity_type,
        occurred_on=occurred_on,
        source=ActivitySource.MEETING,
        note=note,
    ).first()
    if existing is not None:
        return existing
    goal = _active_activity_goal(team)
    return ActivityLog.objects.create(
        organization_id=member.organization_id,
        member=member,
        team=team,
        activity_type=activity_type,
        activity_goal=goal if goal is not None and goal.activity_type == activity_type else None,
        occurred_on=occurred_on,
        note=note,
        source=ActivitySource.MEETING,
    )


@transaction.atomic
def activity_log_delete(*, membership: Membership, log: ActivityLog) -> None:
    """Remove a mistaken log (one's own, or anyone's for leads). Automatic logs
    go away with the content use or sign-up that made them."""
    require(membership, Action.ACTIVITY_LOG)
    if log.member_id != membership.pk and not can(membership, Action.ACTIVITY_GOAL_MANAGE):
        raise PermissionDenied("Members remove only their own activities.")
    if log.source in (ActivitySource.CONTENT, ActivitySource.EVENT):
        raise ValidationError({"source": "Remove the content use or event sign-up instead."})
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="activity.delete",
        obj=log,
    )
    log.delete()


CSV_MAX_ROWS = 10_000
# A service's field name → the CSV column the value came from.
CSV_COLUMNS = {"occurred_on": "date", "used_on": "date", "member": "email"}


def _csv_rows(data: bytes, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of an uploaded CSV (read by ``accord.lib.csvfile``) with their row
    numbers in the file (the header is row 1)."""
    try:
        table = read_csv(data)
        require_columns(table, *required)
        rows: list[tuple[int, dict[str, str]]] = []
        for row in table.rows:
            if len(rows) >= CSV_MAX_ROWS:
                raise ValidationError({"file": f"At most {CSV_MAX_ROWS} rows per file."})
            rows.append((row.number, row.values))
    except CsvFileError as error:
        raise ValidationError({"file": str(error)}) from None
    return rows


def _csv_date(value: str, row: int, column: str = "date") -> dt.date | None:
    # Empty: None, which the day check reads as today in the organisation's zone.
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise ValidationError(
            {"file": f"Row {row}, column '{column}': '{value}' is not a date (YYYY-MM-DD)."}
        ) from None


def _row_error(row: int, error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        parts = [
            f"column '{CSV_COLUMNS.get(field, field)}': {msg}"
            for field, msgs in error.message_dict.items()
            for msg in msgs
        ]
    else:
        parts = list(error.messages)
    return f"Row {row}, " + "; ".join(parts)


def _members_by_email(organization: Organization) -> dict[str, Membership]:
    return {
        m.user.email.lower(): m
        for m in Membership.objects.filter(organization=organization).select_related("team", "user")
    }


def _csv_member(people: dict[str, Membership], value: str) -> Membership:
    """The member a CSV row's email names; ``ValidationError`` on the email column
    for something that is not an address or no member's address."""
    try:
        email = email_clean(value)
    except ValidationError as error:
        raise ValidationError({"email": error.messages[0]}) from None
    member = people.get(email)
    if member is None:
        raise ValidationError({"email": f"no member with the address '{email[:80]}'."})
    return member


@transaction.atomic
def activity_import_csv(*, membership: Membership, data: bytes) -> int:
    """Import activity logs from CSV (columns: email, date, activity_type, note).

    All rows or none: every bad row is reported by number and column.
    Returns how many activities were logged.
    """
    require(membership, Action.ACTIVITY_LOG)
    rows = _csv_rows(data, ("email",))
    people = _members_by_email(membership.organization)
    plans: list[_LogPlan] = []
    errors: list[str] = []
    for number, row in rows:
        try:
            member = _csv_member(people, row.get("email", ""))
            day = _csv_date(row.get("date", ""), number)
            plans.append(
                _plan_log(
                    membership,
                    member=member,
                    activity_type=row.get("activity_type") or None,
                    occurred_on=day,
                    note=row.get("note", ""),
                )
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "file" in error.error_dict:
                errors.extend(error.message_dict["file"])
            else:
                errors.append(_row_error(number, error))
        except PermissionDenied as error:
            errors.append(f"Row {number}, column 'email': {error}")
    if errors:
        raise ValidationError({"file": errors})
    for plan in plans:
        _write_log(plan, ActivitySource.CSV)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="activity.import",
        obj=membership.organization,
        changes={"rows": len(plans)},
    )
    return len(plans)
