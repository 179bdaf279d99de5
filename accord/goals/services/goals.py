"""Goals and their buy-in, check-ins, and the section's settings.

Every service takes the acting ``membership``, checks the permission matrix,
validates its input (a ValidationError names the field) and records what it
did in the goal's history and the audit log.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accord.goals import metrics
from accord.goals.models import (
    CLOSED_STATUSES,
    Agreement,
    CheckIn,
    Confidence,
    Direction,
    Goal,
    GoalKind,
    GoalsSettings,
    GoalStatus,
)
from accord.goals.services.common import (
    GOAL_FIELDS,
    MATERIAL_FIELDS,
    _chat_goal,
    _check_date,
    _decimal,
    _history,
    _label,
    _lock,
    _notify_leads,
    _team_kind,
    quarter_of,
    today,
)
from accord.lib.claimed_time import claimed_day_check
from accord.lib.inputs import text_problem
from accord.orgs.models import Membership, Organization, Role, Side, TeamKind
from accord.orgs.permissions import Action, can, require
from accord.orgs.selectors import lead_side, side_acting
from accord.orgs.services import audit_record


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


@transaction.atomic
def goal_create(
    *,
    membership: Membership,
    title: str,
    metric: str,
    baseline: Decimal,
    target: Decimal,
    sales_owner: Membership | None,
    marketing_owner: Membership | None,
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
            "sales_owner": sales_owner,
            "marketing_owner": marketing_owner,
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
        _chat_goal(
            goal,
            "goal_proposed",
            "Goal re-opened",
            actor=membership,
            text=f"{', '.join(material)} changed; both leads must agree again.",
        )
    return goal


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
        # The first agreement counts: re-agreeing to a changed target keeps
        # the line the teams have been measured against since.
        goal.active_since = goal.active_since or today()
        goal.save(update_fields=["status", "updated_at", "active_since"])
        _history(goal, membership, "activate", "Both teams agreed: the goal is active.")
        _chat_goal(
            goal,
            "goal_agreed",
            "Goal agreed",
            actor=membership,
            text="Both teams agreed: the goal is active.",
        )


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
    if problem := text_problem(comment):
        raise ValidationError({"comment": problem})
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
    own = lead_side(membership)
    if own is not None:
        _record_agreement(goal, membership, own, comment)
    others = [s for s in (Side.SALES, Side.MARKETING) if s != own]
    _notify_leads(goal, others, reason="proposed; your agreement is needed", actor=membership)
    _chat_goal(
        goal,
        "goal_proposed",
        "Goal proposed",
        actor=membership,
        text="Both leads' agreement is needed." + (f" “{comment}”" if comment else ""),
    )
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
    _record_agreement(goal, membership, side_acting(membership, side), comment.strip())
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
    resolved = side_acting(membership, side)
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
    _chat_goal(
        goal,
        "goal_declined",
        f"Goal declined for {resolved.label}",
        actor=membership,
        text=f"“{reason}” The goal is back to draft.",
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
    """Leads, admins and owners on any goal; members on goals they own; nobody
    on a goal whose metric Accord computes."""
    if goal.metric_computed or not can(membership, Action.GOAL_CHECK_IN):
        return False
    if can(membership, Action.GOAL_MANAGE):
        return True
    return membership.pk in (goal.sales_owner_id, goal.marketing_owner_id)


@transaction.atomic
def goal_check_in(
    *,
    membership: Membership,
    goal: Goal,
    value: Decimal,
    date: dt.date | None = None,
    confidence: str = Confidence.MEDIUM,
    note: str = "",
) -> CheckIn:
    """Record the metric's value on ``date`` (default today) on a proposed or active goal.

    A metric computed from Accord's data takes no check-in: its value is the
    computed one, and a typed number beside it would be ignored, so it is
    refused (ValidationError on ``value``).
    """
    require(membership, Action.GOAL_CHECK_IN)
    # Before the permission check: nobody may check in on a computed metric,
    # and the reason is the metric, not the member.
    if goal.metric_computed:
        raise ValidationError(
            {"value": f"{goal.metric_label} is computed from Accord's data; it takes no check-ins."}
        )
    if not can_check_in(membership, goal):
        raise PermissionDenied("Only the goal's owners, leads, admins and owners check in.")
    goal = _lock(goal)
    if goal.status not in (GoalStatus.PROPOSED, GoalStatus.ACTIVE):
        raise ValidationError(
            {"status": f"Check-ins are for active goals; this one is {goal.status}."}
        )
    number = _decimal(value, "value")
    day = claimed_day_check(
        date,
        field="date",
        time_zone=goal.organization.time_zone,
        earliest=goal.period_start,
        earliest_what="the goal's period starts",
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
