"""Helpers shared by the Goals section's services: dates, members, sides, history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accord.goals.models import (
    Goal,
    GoalEvent,
)
from accord.lib.claimed_time import FIRST_YEAR, LAST_YEAR
from accord.lib.local_time import local_date
from accord.orgs.models import Membership, Organization, Role, Side
from accord.orgs.selectors import member_named
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


def today(organization: Organization | None = None) -> dt.date:
    """Today on ``organization``'s calendar (its time zone); without one, in
    the server's zone. Activity is counted by the organisation's days."""
    if organization is None:
        return timezone.localdate()
    return local_date(timezone.now(), organization.time_zone)


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar quarter that holds ``day``."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    if first_month == 10:
        end = dt.date(day.year, 12, 31)
    else:
        end = dt.date(day.year, first_month + 3, 1) - dt.timedelta(days=1)
    return start, end


# Dates outside the years FIRST_YEAR..LAST_YEAR are typing mistakes (and would
# overflow date arithmetic); the span is the one every claimed date obeys.


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


def _member(acting: Membership, member: Membership, field: str) -> Membership:
    """``member`` afresh (with team and user) if it belongs to the acting
    member's organisation; the field's error if not."""
    return member_named(acting, member.pk, field)


def _team_kind(member: Membership) -> str | None:
    return member.team.kind if member.team is not None else None


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


def _chat_goal(goal: Goal, event: str, title: str, *, actor: Membership, text: str = "") -> None:
    """Tell the organisation's chat channels about ``goal`` (queued in this transaction)."""
    from accord.chat.services import chat_notify

    url = settings.SITE_URL + reverse(
        "goals_goal", kwargs={"org_slug": goal.organization.slug, "pk": goal.pk}
    )
    chat_notify(
        organization=goal.organization,
        event=event,
        title=f"{title}: {goal.title}",
        text=text,
        url=url,
        fields=[("By", actor.user.display_name), ("Version", str(goal.version))],
    )


def goal_readers(goal: Goal) -> list[str]:
    """The addresses of the members who own ``goal`` (its two owners and who
    created it): they read its email in the Outbox of a development instance."""
    owners = (goal.sales_owner, goal.marketing_owner, goal.created_by)
    return [m.user.email for m in owners if m is not None]


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
                readers=goal_readers(goal),
            )
