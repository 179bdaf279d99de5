"""Writes of the Goals section: goals and their buy-in, check-ins, activity goals
and logs, the content library and events.

Every service takes the acting ``membership``, checks the permission matrix,
validates its input (a ValidationError names the field, or the CSV row and
column) and records what it did in the goal's history and the audit log.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accord.goals import metrics
from accord.goals.models import (
    CLOSED_STATUSES,
    MARKETING_ACTIVITIES,
    SALES_ACTIVITIES,
    ActivityGoal,
    ActivityLog,
    ActivitySource,
    ActivityType,
    Agreement,
    AssetKind,
    CheckIn,
    Confidence,
    ContentAsset,
    ContentUsage,
    Direction,
    Event,
    EventKind,
    EventSignup,
    EventSlot,
    Goal,
    GoalEvent,
    GoalKind,
    GoalsSettings,
    GoalStatus,
    Side,
    SlotRole,
    TargetPer,
)
from accord.orgs.models import Membership, Organization, Role, Team, TeamKind
from accord.orgs.permissions import Action, can, require
from accord.orgs.services import audit_record

# Largest absolute value a goal's numbers may take (DecimalField(16, 4)).
MAX_VALUE = Decimal("999999999999")
# Fields whose change re-opens agreement of a proposed or active goal.
MATERIAL_FIELDS = ("metric", "metric_name", "target", "direction", "period_start", "period_end")
GOAL_FIELDS = (
    "title",
    "why",
    "kind",
    "metric",
    "metric_name",
    "metric_moves",
    "unit",
    "baseline",
    "target",
    "direction",
    "period_start",
    "period_end",
    "sales_owner",
    "marketing_owner",
)


# -- helpers -----------------------------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar quarter that holds ``day``."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    if first_month == 10:
        end = dt.date(day.year, 12, 31)
    else:
        end = dt.date(day.year, first_month + 3, 1) - dt.timedelta(days=1)
    return start, end


# Dates outside these years are typing mistakes (and would overflow date arithmetic).
FIRST_YEAR, LAST_YEAR = 1970, 2200


def _check_date(value: Any, field: str) -> None:
    if isinstance(value, dt.date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError({field: f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}."})


def _label(membership: Membership) -> str:
    return membership.user.email


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: "Enter a number."}) from None
    if not number.is_finite():
        raise ValidationError({field: "Enter a finite number."})
    if abs(number) > MAX_VALUE:
        raise ValidationError({field: f"At most {MAX_VALUE:,} in absolute value."})
    return number.quantize(Decimal("0.0001"))


def _member(acting: Membership, member_id: int | None, field: str) -> Membership:
    """A member of the acting member's organisation; the field's error if not."""
    if member_id is None:
        raise ValidationError({field: "Choose a member."})
    found = (
        Membership.objects.select_related("team", "user")
        .filter(organization=acting.organization, pk=member_id)
        .first()
    )
    if found is None:
        raise ValidationError({field: "No such member in this organisation."})
    return found


def _team_kind(member: Membership) -> str | None:
    return member.team.kind if member.team is not None else None


def side_of(membership: Membership) -> Side | None:
    """The side a member speaks for by default: a lead's own, else their team's."""
    if membership.role == Role.SALES_LEAD:
        return Side.SALES
    if membership.role == Role.MARKETING_LEAD:
        return Side.MARKETING
    kind = _team_kind(membership)
    if kind == TeamKind.SALES:
        return Side.SALES
    if kind == TeamKind.MARKETING:
        return Side.MARKETING
    return None


def _history(
    goal: Goal,
    membership: Membership | None,
    action: str,
    detail: str = "",
    changes: dict[str, Any] | None = None,
) -> None:
    GoalEvent.objects.create(
        organization=goal.organization,
        goal=goal,
        action=action,
        actor=membership,
        actor_label=_label(membership) if membership else "system",
        version=goal.version,
        detail=detail,
        changes=changes or {},
    )
    audit_record(
        organization=goal.organization,
        actor=membership.user if membership else None,
        action=f"goal.{action}",
        obj=goal,
        changes={"detail": detail, **(changes or {})} if detail else changes,
    )


def _lock(goal: Goal) -> Goal:
    """The goal's row, locked for the rest of the transaction, and fresh."""
    return Goal.objects.select_for_update().select_related("organization").get(pk=goal.pk)


def _leads(organization: Organization, side: Side) -> list[Membership]:
    """Who speaks for ``side``: its leads, or the owners if it has none."""
    role = Role.SALES_LEAD if side == Side.SALES else Role.MARKETING_LEAD
    leads = list(
        Membership.objects.filter(organization=organization, role=role).select_related("user")
    )
    if not leads:
        leads = list(
            Membership.objects.filter(organization=organization, role=Role.OWNER).select_related(
                "user"
            )
        )
    return leads


def _notify_leads(goal: Goal, sides: Iterable[Side], *, reason: str, actor: Membership) -> None:
    """Email the leads of ``sides`` about ``goal``; queued in this transaction."""
    from accord.mail.services import email_enqueue_template

    url = settings.SITE_URL + reverse(
        "goals_goal", kwargs={"org_slug": goal.organization.slug, "pk": goal.pk}
    )
    seen: set[int] = set()
    for side in sides:
        for lead in _leads(goal.organization, side):
            if lead.pk in seen or lead.pk == actor.pk:
                continue
            seen.add(lead.pk)
            email_enqueue_template(
                to=[lead.user.email],
                template="goals/email/goal_agreement",
                context={
                    "goal": goal,
                    "reason": reason,
                    "actor": actor,
                    "lead": lead,
                    "side": side.label,
                    "path": url,
                },
                organization_id=goal.organization_id,
                key=f"goals:agreement:{goal.pk}:v{goal.version}:{lead.pk}",
            )


# -- goals -------------------------------------------------------------------


def _clean_goal(organization: Organization, data: dict[str, Any]) -> dict[str, Any]:
    """Validate a goal's fields together; every error names its field."""
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    data["title"] = str(data.get("title") or "").strip()
    if not data["title"]:
        fail("title", "Give the goal a title.")
    elif len(data["title"]) > 160:
        fail("title", "At most 160 characters.")
    if data.get("kind") not in GoalKind.values:
        fail("kind", f"Choose one of: {', '.join(GoalKind.values)}.")
    data["metric"] = str(data.get("metric") or "").strip()
    data["metric_name"] = str(data.get("metric_name") or "").strip()[:120]
    data["metric_moves"] = str(data.get("metric_moves") or "").strip()[:160]
    try:
        metrics.validate_metric(
            data["metric"], custom_name=data["metric_name"], moves=data["metric_moves"]
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                fail(field, message)
    builtin = metrics.metric(data["metric"])
    if builtin is not None:
        data["metric_name"] = ""
        data["metric_moves"] = data["metric_moves"] or builtin.moves
        data["unit"] = str(data.get("unit") or "").strip() or builtin.unit
    data["unit"] = str(data.get("unit") or "").strip()[:32]
    for field in ("baseline", "target"):
        try:
            data[field] = _decimal(data.get(field), field)
        except ValidationError as error:
            fail(field, error.message_dict[field][0])
    if "baseline" not in errors and "target" not in errors:
        if data["target"] == data["baseline"]:
            fail("target", "The target must differ from the baseline.")
        else:
            inferred = Direction.UP if data["target"] > data["baseline"] else Direction.DOWN
            direction = data.get("direction") or (builtin.direction if builtin else inferred)
            if direction not in Direction.values:
                fail("direction", "Choose up or down.")
            elif direction != inferred:
                word = "above" if direction == Direction.UP else "below"
                fail(
                    "target",
                    f"With direction {direction} the target must be {word} the baseline.",
                )
            data["direction"] = direction
    start, end = data.get("period_start"), data.get("period_end")
    if start is None and end is None:
        start, end = quarter_of(today())
    if not isinstance(start, dt.date):
        fail("period_start", "Enter the first day of the period.")
    if not isinstance(end, dt.date):
        fail("period_end", "Enter the last day of the period.")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        fail("period_end", "The period must end on or after its start.")
    for name, value in (("period_start", start), ("period_end", end)):
        try:
            _check_date(value, name)
        except ValidationError as error:
            fail(name, error.message_dict[name][0])
    data["period_start"], data["period_end"] = start, end
    for field, kind, label in (
        ("sales_owner", TeamKind.SALES, "Sales"),
        ("marketing_owner", TeamKind.MARKETING, "Marketing"),
    ):
        owner = data.get(field)
        if not isinstance(owner, Membership) or owner.organization_id != organization.pk:
            fail(field, f"Choose an owner from {label}.")
        elif _team_kind(owner) != kind or owner.role == Role.VIEWER:
            fail(field, f"{owner.user.email} is not in the {label} team; choose someone who is.")
    if errors:
        raise ValidationError(errors)
    return data


def _owner(organization: Organization, value: Membership | int | None) -> Membership | None:
    if isinstance(value, Membership):
        return value
    if value is None:
        return None
    return (
        Membership.objects.select_related("team", "user")
        .filter(organization=organization, pk=value)
        .first()
    )


@transaction.atomic
def goal_create(
    *,
    membership: Membership,
    title: str,
    metric: str,
    baseline: Decimal | float | str,
    target: Decimal | float | str,
    sales_owner: Membership | int | None,
    marketing_owner: Membership | int | None,
    why: str = "",
    kind: str = GoalKind.PARTNERSHIP,
    metric_name: str = "",
    metric_moves: str = "",
    unit: str = "",
    direction: str | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
) -> Goal:
    """Create a draft goal. The period defaults to the current quarter; the
    direction to the catalogue metric's (or to where the target lies)."""
    require(membership, Action.GOAL_MANAGE)
    organization = membership.organization
    data = _clean_goal(
        organization,
        {
            "title": title,
            "why": why,
            "kind": kind,
            "metric": metric,
            "metric_name": metric_name,
            "metric_moves": metric_moves,
            "unit": unit,
            "baseline": baseline,
            "target": target,
            "direction": direction,
            "period_start": period_start,
            "period_end": period_end,
            "sales_owner": _owner(organization, sales_owner),
            "marketing_owner": _owner(organization, marketing_owner),
        },
    )
    data["why"] = str(data.get("why") or "").strip()
    goal = Goal.objects.create(organization=organization, created_by=membership, **data)
    _history(goal, membership, "create", f"Created as a draft: {goal.title}.")
    return goal


def _snapshot(goal: Goal) -> dict[str, Any]:
    return {field: getattr(goal, field) for field in GOAL_FIELDS}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Membership):
        return value.user.email
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


@transaction.atomic
def goal_update(*, membership: Membership, goal: Goal, **changes: Any) -> Goal:
    """Change a goal's fields. Closed goals cannot change.

    Changing the metric, target, direction or period of a proposed or active
    goal starts a new version: it is proposed again, earlier agreements no
    longer count, and both leads are told.
    """
    require(membership, Action.GOAL_MANAGE)
    goal = _lock(goal)
    if goal.is_closed:
        raise ValidationError({"status": f"This goal is {goal.status}; it can no longer change."})
    unknown = set(changes) - set(GOAL_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed."})
    before = _snapshot(goal)
    data = dict(before)
    for field in ("sales_owner", "marketing_owner"):
        if field in changes:
            changes[field] = _owner(goal.organization, changes[field])
    data.update(changes)
    if "metric" in changes and "unit" not in changes:
        data["unit"] = ""
    if "direction" not in changes and ("target" in changes or "baseline" in changes):
        data["direction"] = None
    data = _clean_goal(goal.organization, data)
    data["why"] = str(data.get("why") or "").strip()
    diff = {
        field: [_jsonable(before[field]), _jsonable(data[field])]
        for field in GOAL_FIELDS
        if before[field] != data[field]
    }
    if not diff:
        return goal
    for field, value in data.items():
        setattr(goal, field, value)
    goal.updated_at = timezone.now()
    material = [field for field in MATERIAL_FIELDS if field in diff]
    reopen = bool(material) and goal.status in (GoalStatus.PROPOSED, GoalStatus.ACTIVE)
    if reopen:
        goal.version += 1
        goal.status = GoalStatus.PROPOSED
    goal.save()
    _history(goal, membership, "update", "Changed " + ", ".join(sorted(diff)) + ".", diff)
    if reopen:
        _history(
            goal,
            membership,
            "reopen",
            f"Agreement re-opened (version {goal.version}): "
            f"{', '.join(material)} changed. Both leads must agree again.",
        )
        _notify_leads(
            goal,
            (Side.SALES, Side.MARKETING),
            reason=f"{', '.join(material)} changed; agreement is needed again",
            actor=membership,
        )
    return goal


def _resolve_side(membership: Membership, side: str | None) -> Side:
    """The side ``membership`` answers for: a lead only for their own side;
    owners and admins for the side they name (or their team's)."""
    if side not in (None, "", *Side.values):
        raise ValidationError({"side": "Choose sales or marketing."})
    own = {Role.SALES_LEAD: Side.SALES, Role.MARKETING_LEAD: Side.MARKETING}.get(
        Role(membership.role)
    )
    if own is not None:
        if side and side != own:
            raise PermissionDenied(f"As {membership.get_role_display()} you answer for {own}.")
        return own
    if side:
        return Side(side)
    found = side_of(membership)
    if found is None:
        raise ValidationError({"side": "Say which side you answer for: sales or marketing."})
    return found


def _agreed_sides(goal: Goal) -> set[str]:
    return set(
        Agreement.objects.filter(
            goal=goal, version=goal.version, decision=Agreement.Decision.AGREED
        ).values_list("side", flat=True)
    )


def _answer(
    goal: Goal, membership: Membership, side: Side, decision: str, comment: str
) -> Agreement:
    """Record one lead's answer (agreed or declined) to the goal's current version."""
    return Agreement.objects.create(
        organization=goal.organization,
        goal=goal,
        version=goal.version,
        side=side,
        decision=decision,
        member=membership,
        member_label=_label(membership),
        comment=comment,
    )


def _record_agreement(goal: Goal, membership: Membership, side: Side, comment: str) -> None:
    if side in _agreed_sides(goal):
        raise ValidationError(
            {"side": f"{side.label} has already agreed to version {goal.version}."}
        )
    _answer(goal, membership, side, Agreement.Decision.AGREED, comment)
    _history(
        goal,
        membership,
        "agree",
        f"Agreed for {side.label} to version {goal.version}."
        + (f" “{comment}”" if comment else ""),
    )
    if _agreed_sides(goal) >= {Side.SALES, Side.MARKETING}:
        goal.status = GoalStatus.ACTIVE
        goal.updated_at = timezone.now()
        goal.save(update_fields=["status", "updated_at"])
        _history(goal, membership, "activate", "Both teams agreed: the goal is active.")


@transaction.atomic
def goal_propose(*, membership: Membership, goal: Goal, comment: str = "") -> Goal:
    """Propose a draft goal to both teams (a new version of it).

    A sales or marketing lead who proposes agrees for their side at once; the
    other side's leads are emailed (through the job queue).
    """
    require(membership, Action.GOAL_MANAGE)
    goal = _lock(goal)
    if goal.status != GoalStatus.DRAFT:
        raise ValidationError(
            {"status": f"Only a draft can be proposed; this goal is {goal.status}."}
        )
    comment = comment.strip()
    goal.version += 1
    goal.status = GoalStatus.PROPOSED
    goal.updated_at = timezone.now()
    goal.save(update_fields=["version", "status", "updated_at"])
    _history(
        goal,
        membership,
        "propose",
        f"Proposed version {goal.version}." + (f" “{comment}”" if comment else ""),
    )
    own = {Role.SALES_LEAD: Side.SALES, Role.MARKETING_LEAD: Side.MARKETING}.get(
        Role(membership.role)
    )
    if own is not None:
        _record_agreement(goal, membership, own, comment)
    others = [s for s in (Side.SALES, Side.MARKETING) if s != own]
    _notify_leads(goal, others, reason="proposed; your agreement is needed", actor=membership)
    return goal


@transaction.atomic
def goal_agree(
    *, membership: Membership, goal: Goal, side: str | None = None, comment: str = ""
) -> Goal:
    """Record that ``side`` agrees to the goal's current version; when both
    sides have, the goal becomes active."""
    require(membership, Action.GOAL_MANAGE)
    goal = _lock(goal)
    if goal.status != GoalStatus.PROPOSED:
        raise ValidationError(
            {"status": f"Only a proposed goal can be agreed to; this goal is {goal.status}."}
        )
    _record_agreement(goal, membership, _resolve_side(membership, side), comment.strip())
    return goal


@transaction.atomic
def goal_decline(
    *, membership: Membership, goal: Goal, reason: str, side: str | None = None
) -> Goal:
    """Decline a proposed goal for ``side``, with a reason: it goes back to draft."""
    require(membership, Action.GOAL_MANAGE)
    goal = _lock(goal)
    if goal.status != GoalStatus.PROPOSED:
        raise ValidationError(
            {"status": f"Only a proposed goal can be declined; this goal is {goal.status}."}
        )
    resolved = _resolve_side(membership, side)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why you decline, so the goal can be improved."})
    _answer(goal, membership, resolved, Agreement.Decision.DECLINED, reason)
    goal.status = GoalStatus.DRAFT
    goal.updated_at = timezone.now()
    goal.save(update_fields=["status", "updated_at"])
    _history(
        goal,
        membership,
        "decline",
        f"Declined for {resolved.label} (version {goal.version}): “{reason}”. Back to draft.",
    )
    _notify_leads(
        goal, (Side.SALES, Side.MARKETING), reason=f"declined: {reason}", actor=membership
    )
    return goal


@transaction.atomic
def goal_close(*, membership: Membership, goal: Goal, outcome: str, note: str) -> Goal:
    """Close a goal: achieved or missed once its period has ended (active goals
    only), or dropped at any time. A note is required."""
    require(membership, Action.GOAL_MANAGE)
    goal = _lock(goal)
    if outcome not in {s.value for s in CLOSED_STATUSES}:
        raise ValidationError({"outcome": "Choose achieved, missed or dropped."})
    if goal.is_closed:
        raise ValidationError({"status": f"This goal is already {goal.status}."})
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Add a note: what happened, and what was learned."})
    if outcome != GoalStatus.DROPPED:
        if goal.status != GoalStatus.ACTIVE:
            raise ValidationError(
                {"outcome": f"Only an active goal can be {outcome}; this one is {goal.status}."}
            )
        if today() < goal.period_end:
            raise ValidationError(
                {
                    "outcome": f"The period ends on {goal.period_end:%d %b %Y}; "
                    f"mark it {outcome} then (or drop it now)."
                }
            )
    goal.status = outcome
    goal.closed_note = note
    goal.closed_at = timezone.now()
    goal.updated_at = goal.closed_at
    goal.save(update_fields=["status", "closed_note", "closed_at", "updated_at"])
    _history(goal, membership, outcome, f"Closed as {outcome}: “{note}”")
    return goal


def can_check_in(membership: Membership, goal: Goal) -> bool:
    """Leads, admins and owners on any goal; members on goals they own."""
    if not can(membership, Action.GOAL_CHECK_IN):
        return False
    if can(membership, Action.GOAL_MANAGE):
        return True
    return membership.pk in (goal.sales_owner_id, goal.marketing_owner_id)


@transaction.atomic
def goal_check_in(
    *,
    membership: Membership,
    goal: Goal,
    value: Decimal | float | str,
    date: dt.date | None = None,
    confidence: str = Confidence.MEDIUM,
    note: str = "",
) -> CheckIn:
    """Record the metric's value on ``date`` (default today) on a proposed or active goal."""
    require(membership, Action.GOAL_CHECK_IN)
    if not can_check_in(membership, goal):
        raise PermissionDenied("Only the goal's owners, leads, admins and owners check in.")
    goal = _lock(goal)
    if goal.status not in (GoalStatus.PROPOSED, GoalStatus.ACTIVE):
        raise ValidationError(
            {"status": f"Check-ins are for active goals; this one is {goal.status}."}
        )
    number = _decimal(value, "value")
    day = date or today()
    _check_date(day, "date")
    if day > today():
        raise ValidationError({"date": "A check-in cannot be in the future."})
    if day < goal.period_start:
        raise ValidationError(
            {"date": f"The goal's period starts on {goal.period_start:%d %b %Y}."}
        )
    if confidence not in Confidence.values:
        raise ValidationError({"confidence": "Choose low, medium or high."})
    checkin = CheckIn.objects.create(
        organization=goal.organization,
        goal=goal,
        value=number,
        date=day,
        confidence=confidence,
        note=note.strip(),
        author=membership,
    )
    _history(
        goal,
        membership,
        "check_in",
        f"Checked in {number.normalize():f} on {day:%d %b %Y} ({confidence} confidence)."
        + (f" “{checkin.note}”" if checkin.note else ""),
    )
    return checkin


# -- settings ----------------------------------------------------------------


def goals_settings_of(organization: Organization) -> GoalsSettings:
    found, _ = GoalsSettings.objects.get_or_create(organization=organization)
    return found


@transaction.atomic
def goals_settings_update(
    *,
    membership: Membership,
    untouched_days: int | None = None,
    event_reminder_days: int | None = None,
) -> GoalsSettings:
    require(membership, Action.ACTIVITY_GOAL_MANAGE)
    found = goals_settings_of(membership.organization)
    changes: dict[str, Any] = {}
    if untouched_days is not None:
        if not 1 <= untouched_days <= 3650:
            raise ValidationError({"untouched_days": "Between 1 and 3650 days."})
        changes["untouched_days"] = [found.untouched_days, untouched_days]
        found.untouched_days = untouched_days
    if event_reminder_days is not None:
        if not 0 <= event_reminder_days <= 60:
            raise ValidationError({"event_reminder_days": "Between 0 and 60 days."})
        changes["event_reminder_days"] = [found.event_reminder_days, event_reminder_days]
        found.event_reminder_days = event_reminder_days
    found.save()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="goals_settings.update",
        obj=found,
        changes=changes,
    )
    return found


# -- activity goals and logs -------------------------------------------------


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
    team: Team | int | None,
    activity_type: str,
    target_count: int,
    per: str = TargetPer.PERSON,
    custom_name: str = "",
) -> ActivityGoal:
    """Commit a team to an activity the other team normally does, ``target_count``
    times a month per person or per team. One active activity goal per team."""
    require(membership, Action.ACTIVITY_GOAL_MANAGE)
    organization = membership.organization
    if not isinstance(team, Team):
        team = Team.objects.filter(organization=organization, pk=team).first() if team else None
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
    day = occurred_on or today()
    _check_date(day, "occurred_on")
    if day > today():
        raise ValidationError({"occurred_on": "An activity cannot be in the future."})
    if len(note) > 300:
        raise ValidationError({"note": "At most 300 characters."})
    linked = goal if goal is not None and goal.activity_type == activity_type else None
    return _LogPlan(member, activity_type, linked, day, note.strip())


def _write_log(plan: _LogPlan, source: str, **links: Any) -> ActivityLog:
    assert plan.member.team is not None
    return ActivityLog.objects.create(
        organization=plan.member.organization,
        member=plan.member,
        team=plan.member.team,
        activity_type=plan.activity_type,
        activity_goal=plan.activity_goal,
        occurred_on=plan.occurred_on,
        note=plan.note,
        source=source,
        **links,
    )


@transaction.atomic
def activity_log(
    *,
    membership: Membership,
    activity_type: str | None = None,
    occurred_on: dt.date | None = None,
    note: str = "",
    member: Membership | int | None = None,
    source: str = ActivitySource.MANUAL,
) -> ActivityLog:
    """Log one cross-team activity (default: the member's own, today, of their
    team's activity goal). Leads may log for someone else."""
    require(membership, Action.ACTIVITY_LOG)
    if member is None:
        target = Membership.objects.select_related("team", "user").get(pk=membership.pk)
    elif isinstance(member, Membership):
        target = _member(membership, member.pk, "member")
    else:
        target = _member(membership, member, "member")
    plan = _plan_log(
        membership, member=target, activity_type=activity_type, occurred_on=occurred_on, note=note
    )
    log = _write_log(plan, source)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="activity.log",
        obj=log,
        changes={"member": target.user.email, "type": plan.activity_type},
    )
    return log


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


def _csv_rows(text: str, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV with a header line; row numbers count the header as row 1."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ValidationError(
            {"file": "The file is empty; the first row names the columns."}
        ) from None
    except csv.Error as error:
        raise ValidationError({"file": f"Row 1: not valid CSV ({error})."}) from None
    missing = [c for c in required if c not in header]
    if missing:
        raise ValidationError(
            {"file": f"Row 1: missing column(s) {', '.join(missing)}; found {', '.join(header)}."}
        )
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= CSV_MAX_ROWS:
                raise ValidationError({"file": f"At most {CSV_MAX_ROWS} rows per file."})
            rows.append(
                (
                    number,
                    {
                        h: (values[i].strip() if i < len(values) else "")
                        for i, h in enumerate(header)
                    },
                )
            )
    except csv.Error as error:
        raise ValidationError(
            {"file": f"Row {reader.line_num}: not valid CSV ({error})."}
        ) from None
    return rows


def _csv_date(value: str, row: int, column: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else today()
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


@transaction.atomic
def activity_import_csv(*, membership: Membership, text: str) -> int:
    """Import activity logs from CSV (columns: email, date, activity_type, note).

    All rows or none: every bad row is reported by number and column.
    Returns how many activities were logged.
    """
    require(membership, Action.ACTIVITY_LOG)
    rows = _csv_rows(text, ("email",))
    people = _members_by_email(membership.organization)
    plans: list[_LogPlan] = []
    errors: list[str] = []
    for number, row in rows:
        try:
            member = people.get(row.get("email", "").lower())
            if member is None:
                raise ValidationError(
                    {"email": f"no member with the address '{row.get('email', '')}'."}
                )
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


# -- content library ---------------------------------------------------------


def _clean_tags(tags: Iterable[str] | None) -> list[str]:
    cleaned: list[str] = []
    for tag in tags or []:
        tag = str(tag).strip().lower()[:40]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return cleaned[:20]


def _clean_asset(title: str, kind: str, url: str) -> tuple[str, str, str]:
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Give the asset a title."})
    if len(title) > 200:
        raise ValidationError({"title": "At most 200 characters."})
    if kind not in AssetKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(AssetKind.values)}."})
    url = url.strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError(
                {"url": "Enter a web address starting with http:// or https://."}
            ) from None
        if len(url) > 500:
            raise ValidationError({"url": "At most 500 characters."})
    return title, kind, url


@transaction.atomic
def content_asset_create(
    *,
    membership: Membership,
    title: str,
    kind: str,
    url: str = "",
    tags: list[str] | None = None,
    body: str = "",
) -> ContentAsset:
    """Add an asset to the content library, owned by ``membership``.

    Other apps use this too (feedback saves a promoter's quote as a
    ``testimonial``), so the caller needs only the content permission.
    """
    require(membership, Action.CONTENT_MANAGE)
    title, kind, url = _clean_asset(title, kind, url)
    asset = ContentAsset.objects.create(
        organization=membership.organization,
        title=title,
        kind=kind,
        url=url,
        body=body.strip(),
        owner=membership,
        tags=_clean_tags(tags),
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="content.create",
        obj=asset,
        changes={"kind": kind},
    )
    return asset


@transaction.atomic
def content_asset_update(
    *,
    membership: Membership,
    asset: ContentAsset,
    title: str | None = None,
    kind: str | None = None,
    url: str | None = None,
    tags: list[str] | None = None,
    body: str | None = None,
    owner: Membership | int | None = None,
) -> ContentAsset:
    require(membership, Action.CONTENT_MANAGE)
    title_, kind_, url_ = _clean_asset(
        asset.title if title is None else title,
        asset.kind if kind is None else kind,
        asset.url if url is None else url,
    )
    asset.title, asset.kind, asset.url = title_, kind_, url_
    if tags is not None:
        asset.tags = _clean_tags(tags)
    if body is not None:
        asset.body = body.strip()
    if owner is not None:
        asset.owner = _member(
            membership, owner.pk if isinstance(owner, Membership) else owner, "owner"
        )
    asset.save()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="content.update",
        obj=asset,
    )
    return asset


def _plan_usage(
    membership: Membership,
    *,
    asset: ContentAsset,
    member: Membership,
    used_on: dt.date | None,
    note: str,
) -> tuple[ContentAsset, Membership, dt.date, str]:
    if member.pk != membership.pk and not can(membership, Action.ACTIVITY_GOAL_MANAGE):
        raise PermissionDenied("Members log their own content use; leads may log for others.")
    if _team_kind(member) != TeamKind.SALES:
        raise ValidationError(
            {"member": f"{member.user.email} is not in Sales: the library counts use by sales."}
        )
    day = used_on or today()
    _check_date(day, "used_on")
    if day > today():
        raise ValidationError({"used_on": "A use cannot be in the future."})
    if len(note) > 300:
        raise ValidationError({"note": "At most 300 characters."})
    return asset, member, day, note.strip()


def _write_usage(
    asset: ContentAsset, member: Membership, day: dt.date, note: str, source: str
) -> ContentUsage:
    first = not ContentUsage.objects.filter(asset=asset, member=member).exists()
    usage = ContentUsage.objects.create(
        organization=asset.organization,
        asset=asset,
        member=member,
        used_on=day,
        note=note,
        first_use=first,
    )
    if first and member.team is not None:
        # Using an asset for the first time is the cross-team activity sales commits to.
        goal = _active_activity_goal(member.team)
        ActivityLog.objects.create(
            organization=asset.organization,
            member=member,
            team=member.team,
            activity_type=ActivityType.CONTENT_USE,
            activity_goal=goal if goal and goal.activity_type == ActivityType.CONTENT_USE else None,
            occurred_on=day,
            note=f"First use of {asset.title}"[:300],
            source=ActivitySource.CONTENT,
            content_usage=usage,
        )
    return usage


@transaction.atomic
def content_usage_log(
    *,
    membership: Membership,
    asset: ContentAsset,
    used_on: dt.date | None = None,
    note: str = "",
    member: Membership | int | None = None,
) -> ContentUsage:
    """Log that a sales member (default: the actor) used ``asset``. A member's
    first use of an asset counts toward sales' content activity goal."""
    require(membership, Action.CONTENT_USE_LOG)
    if asset.organization_id != membership.organization_id:
        raise ValidationError({"asset": "No such asset."})
    target = _member(
        membership,
        membership.pk
        if member is None
        else (member.pk if isinstance(member, Membership) else member),
        "member",
    )
    asset, target, day, note = _plan_usage(
        membership, asset=asset, member=target, used_on=used_on, note=note
    )
    usage = _write_usage(asset, target, day, note, "manual")
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="content.use",
        obj=usage,
        changes={"asset": asset.title, "member": target.user.email},
    )
    return usage


@transaction.atomic
def content_usage_import_csv(*, membership: Membership, text: str) -> int:
    """Import content uses from CSV (columns: email, asset, date, note); ``asset``
    is an asset's id or exact title. All rows or none; errors name row and column."""
    require(membership, Action.CONTENT_USE_LOG)
    rows = _csv_rows(text, ("email", "asset"))
    people = _members_by_email(membership.organization)
    assets = ContentAsset.objects.filter(organization=membership.organization)
    plans = []
    errors: list[str] = []
    for number, row in rows:
        try:
            member = people.get(row.get("email", "").lower())
            if member is None:
                raise ValidationError(
                    {"email": f"no member with the address '{row.get('email', '')}'."}
                )
            ref = row.get("asset", "")
            asset = None
            if ref.isdigit():
                asset = assets.filter(pk=int(ref)).first()
            if asset is None and ref:
                asset = assets.filter(title__iexact=ref).first()
            if asset is None:
                raise ValidationError({"asset": f"no asset '{ref}' in the content library."})
            day = _csv_date(row.get("date", ""), number)
            plans.append(
                _plan_usage(
                    membership, asset=asset, member=member, used_on=day, note=row.get("note", "")
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
    for asset, member, day, note in plans:
        _write_usage(asset, member, day, note, "csv")
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="content.import",
        obj=membership.organization,
        changes={"rows": len(plans)},
    )
    return len(plans)


# -- events ------------------------------------------------------------------


@transaction.atomic
def event_create(
    *,
    membership: Membership,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    kind: str = EventKind.TRADESHOW,
    place: str = "",
    url: str = "",
    notes: str = "",
    slots: list[tuple[str, dt.date, int]] | None = None,
) -> Event:
    """Create an event; ``slots`` are (role, date, capacity). Without slots it
    gets a set-up slot on its first day, booth duty and a tear-down on its last."""
    require(membership, Action.EVENT_MANAGE)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the event."})
    if len(name) > 200:
        raise ValidationError({"name": "At most 200 characters."})
    if kind not in EventKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(EventKind.values)}."})
    ends_on = ends_on or starts_on
    _check_date(starts_on, "starts_on")
    _check_date(ends_on, "ends_on")
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The event must end on or after its first day."})
    url = url.strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError(
                {"url": "Enter a web address starting with http:// or https://."}
            ) from None
    event = Event.objects.create(
        organization=membership.organization,
        name=name,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        place=place.strip()[:200],
        url=url[:500],
        notes=notes.strip(),
        created_by=membership,
    )
    if slots is None:
        slots = [
            (SlotRole.SETUP, starts_on, 2),
            (SlotRole.BOOTH, starts_on, 3),
            (SlotRole.TEARDOWN, ends_on, 2),
        ]
    for role, day, capacity in slots:
        _slot_add(event, role, day, capacity)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="event.create",
        obj=event,
        changes={"starts_on": str(starts_on), "ends_on": str(ends_on)},
    )
    return event


def _slot_add(event: Event, role: str, day: dt.date, capacity: int) -> EventSlot:
    if role not in SlotRole.values:
        raise ValidationError({"role": "Choose set-up, booth or tear-down."})
    _check_date(day, "date")
    if not event.starts_on - dt.timedelta(days=7) <= day <= event.ends_on + dt.timedelta(days=7):
        raise ValidationError({"date": "A slot is within a week of the event's dates."})
    if not isinstance(capacity, int) or not 1 <= capacity <= 100:
        raise ValidationError({"capacity": "Between 1 and 100 people."})
    return EventSlot.objects.create(
        organization=event.organization, event=event, role=role, date=day, capacity=capacity
    )


@transaction.atomic
def event_slot_add(
    *, membership: Membership, event: Event, role: str, date: dt.date, capacity: int = 2
) -> EventSlot:
    require(membership, Action.EVENT_MANAGE)
    slot = _slot_add(event, role, date, capacity)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="event.slot_add",
        obj=slot,
    )
    return slot


def _reminder_at(slot: EventSlot, days_before: int) -> dt.datetime:
    """When staff of ``slot`` hear about it: 08:00 UTC ``days_before`` days before."""
    at = dt.datetime.combine(slot.date - dt.timedelta(days=days_before), dt.time(8, 0), dt.UTC)
    return max(at, timezone.now())


@transaction.atomic
def event_signup(
    *, membership: Membership, slot: EventSlot, member: Membership | int | None = None
) -> EventSignup:
    """Sign a member (default: the actor) up for a slot. A sales member who
    staffs a slot counts toward sales' event activity goal; a reminder is
    queued for before the slot."""
    require(membership, Action.EVENT_SIGNUP)
    target = _member(
        membership,
        membership.pk
        if member is None
        else (member.pk if isinstance(member, Membership) else member),
        "member",
    )
    if target.pk != membership.pk and not can(membership, Action.EVENT_MANAGE):
        raise PermissionDenied("Members sign up themselves; leads may sign up others.")
    if target.role == Role.VIEWER:
        raise ValidationError({"member": "Viewers cannot staff events."})
    locked = EventSlot.objects.select_for_update().select_related("event").get(pk=slot.pk)
    if EventSignup.objects.filter(slot=locked, member=target).exists():
        raise ValidationError({"slot": f"{target.user.email} is already signed up for this slot."})
    if EventSignup.objects.filter(slot=locked).count() >= locked.capacity:
        raise ValidationError({"slot": "This slot is full."})
    signup = EventSignup.objects.create(
        organization=locked.organization, slot=locked, member=target
    )
    if _team_kind(target) == TeamKind.SALES and target.team is not None:
        goal = _active_activity_goal(target.team)
        ActivityLog.objects.create(
            organization=locked.organization,
            member=target,
            team=target.team,
            activity_type=ActivityType.EVENT_STAFFING,
            activity_goal=goal
            if goal and goal.activity_type == ActivityType.EVENT_STAFFING
            else None,
            occurred_on=locked.date,
            note=f"{locked.get_role_display()} at {locked.event.name}"[:300],
            source=ActivitySource.EVENT,
            event_signup=signup,
        )
    if locked.date >= today():
        from accord.goals.jobs import event_reminder_send, job_enqueue_at

        days = goals_settings_of(locked.organization).event_reminder_days
        job_enqueue_at(
            event_reminder_send,
            run_after=_reminder_at(locked, days),
            organization_id=locked.organization_id,
            signup_id=signup.pk,
            slot_date=str(locked.date),
        )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="event.signup",
        obj=signup,
        changes={"member": target.user.email},
    )
    return signup


@transaction.atomic
def event_signup_cancel(*, membership: Membership, signup: EventSignup) -> None:
    """Withdraw a sign-up (one's own, or anyone's for leads); it stops counting."""
    require(membership, Action.EVENT_SIGNUP)
    if signup.member_id != membership.pk and not can(membership, Action.EVENT_MANAGE):
        raise PermissionDenied("Members withdraw only their own sign-ups.")
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="event.signup_cancel",
        obj=signup,
    )
    signup.delete()
