"""Events and their staffing slots: sign-ups and reminders."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from accord.goals.models import (
    ActivitySource,
    ActivityType,
    Event,
    EventKind,
    EventSignup,
    EventSlot,
    SlotRole,
)
from accord.goals.services.activity import activity_log_row
from accord.goals.services.common import _check_date, _member, _team_kind, today
from accord.goals.services.goals import goals_settings_of
from accord.orgs.models import Membership, Role, TeamKind
from accord.orgs.permissions import Action, can, require
from accord.orgs.services import audit_record


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
    *, membership: Membership, slot: EventSlot, member: Membership | None = None
) -> EventSignup:
    """Sign a member (default: the actor) up for a slot. A sales member who
    staffs a slot counts toward sales' event activity goal; a reminder is
    queued for before the slot."""
    require(membership, Action.EVENT_SIGNUP)
    target = _member(membership, membership if member is None else member, "member")
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
        activity_log_row(
            member=target,
            activity_type=ActivityType.EVENT_STAFFING,
            occurred_on=locked.date,
            note=f"{locked.get_role_display()} at {locked.event.name}",
            source=ActivitySource.EVENT,
            event_signup=signup,
        )
    if locked.date >= today():
        from accord.goals.jobs import event_reminder_send
        from accord.jobs.services import job_enqueue

        days = goals_settings_of(locked.organization).event_reminder_days
        job_enqueue(
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
