"""The closed loop: a follow-up for every detractor and promoter."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import (
    transaction,
)
from django.utils import timezone

from accord.feedback.models import (
    FollowUp,
    FollowUpEntry,
    Response,
)
from accord.feedback.services.surveys import feedback_settings
from accord.jobs.services import job_enqueue
from accord.lib.business_time import add_working_days
from accord.orgs.models import Membership, Organization, Role
from accord.orgs.permissions import Action, require
from accord.orgs.selectors import business_calendar
from accord.orgs.services import audit_record

NOTE_MAX_LENGTH = 20_000


def _leads(organization: Organization) -> dict[str, Membership]:
    """The first sales lead and the first marketing lead, by role, in one query."""
    found: dict[str, Membership] = {}
    for member in Membership.objects.filter(
        organization=organization, role__in=[Role.SALES_LEAD, Role.MARKETING_LEAD]
    ).order_by("created_at", "pk"):
        found.setdefault(member.role, member)
    return found


def followup_open_for(response: Response) -> FollowUp | None:
    """Open the response's loop: recovery for a detractor, advocacy for a promoter,
    nurture for a passive when the organisation wants it. Owners are alerted."""
    from accord.feedback.jobs import followup_alert

    organization = response.organization
    rules = feedback_settings(organization)
    owner = response.account_owner
    leads = _leads(organization)
    sales_lead = leads.get(Role.SALES_LEAD)
    marketing_lead = leads.get(Role.MARKETING_LEAD)
    marketing = rules.marketing_partner or marketing_lead
    if response.category == Response.Category.DETRACTOR:
        kind, sales, market = FollowUp.Kind.RECOVERY, owner or sales_lead, marketing
    elif response.category == Response.Category.PROMOTER:
        kind = FollowUp.Kind.ADVOCACY
        sales, market = owner or sales_lead, marketing_lead or marketing
    elif rules.nurture_passives:
        kind, sales, market = FollowUp.Kind.NURTURE, owner or sales_lead, marketing
    else:
        return None
    # The organisation's one business calendar: its weekends and holidays.
    due = add_working_days(
        business_calendar(organization), response.created_at, rules.followup_due_business_days
    )
    followup = FollowUp.objects.create(
        organization=organization,
        response=response,
        kind=kind,
        play=FollowUp.Play.REFERRAL if kind == FollowUp.Kind.ADVOCACY else "",
        sales_owner=sales,
        marketing_owner=market,
        due_at=due,
        created_at=response.created_at,
    )
    if response.source != Response.Source.IMPORT:
        # The alert job also schedules the escalation at the due time: one
        # queue row on the customer's request instead of two.
        job_enqueue(followup_alert, organization_id=organization.pk, followup_id=followup.pk)
    return followup


@transaction.atomic
def followup_update(
    *,
    membership: Membership,
    followup: FollowUp,
    status: str | None = None,
    outcome: str | None = None,
    note: str | None = None,
    play: str | None = None,
    sales_owner_id: int | None = None,
    marketing_owner_id: int | None = None,
) -> FollowUp:
    """Move a follow-up along open -> contacted -> resolved or lost; closing needs an outcome.

    A change of status writes a status-change entry on the timeline (with the
    outcome when it closes); a non-blank ``note`` is added as a note entry.
    Nothing is written when any field is refused."""
    require(membership, Action.FOLLOWUP_UPDATE)
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    before = {
        "status": followup.status,
        "outcome": followup.outcome,
        "play": followup.play,
        "sales_owner": followup.sales_owner_id,
        "marketing_owner": followup.marketing_owner_id,
    }
    errors: dict[str, str] = {}
    if status is not None and status not in FollowUp.Status.values:
        errors["status"] = f"One of {', '.join(FollowUp.Status.values)}."
    if play is not None and play not in FollowUp.Play.values:
        errors["play"] = "One of referral, case_study, review (or empty)."
    if outcome is not None and len(outcome) > 200:
        errors["outcome"] = "At most 200 characters."
    if note is not None and len(note) > NOTE_MAX_LENGTH:
        errors["note"] = f"At most {NOTE_MAX_LENGTH} characters."
    new_outcome = outcome if outcome is not None else followup.outcome
    if status in FollowUp.CLOSED and not new_outcome.strip():
        errors["outcome"] = "Say what came of it before closing the follow-up."
    owners: dict[str, Membership | None] = {}
    for name, value in (("sales_owner", sales_owner_id), ("marketing_owner", marketing_owner_id)):
        if value is not None:
            owners[name] = Membership.objects.filter(
                organization=membership.organization, pk=value
            ).first()
            if owners[name] is None:
                errors[name] = "Choose a member of this organisation."
    if errors:
        raise ValidationError(errors)
    if status is not None:
        if status in FollowUp.CLOSED and followup.closed_at is None:
            followup.closed_at = timezone.now()
        elif status not in FollowUp.CLOSED:
            followup.closed_at = None
        followup.status = status
    if outcome is not None:
        followup.outcome = outcome.strip()
    if play is not None:
        followup.play = play
    for name, owner in owners.items():
        setattr(followup, name, owner)
    followup.save()
    if before["status"] != followup.status:
        was = FollowUp.Status(str(before["status"])).label
        text = f"{was} → {followup.get_status_display()}"
        if followup.is_closed:
            text += f": {followup.outcome}"
        _entry_add(membership, followup, kind=FollowUpEntry.Kind.STATUS_CHANGE, text=text)
    if note is not None and note.strip():
        _entry_add(membership, followup, kind=FollowUpEntry.Kind.NOTE, text=note.strip())
    after = {
        "status": followup.status,
        "outcome": followup.outcome,
        "play": followup.play,
        "sales_owner": followup.sales_owner_id,
        "marketing_owner": followup.marketing_owner_id,
    }
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="followup.update",
        obj=followup,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return followup


def _locked(membership: Membership, followup: FollowUp) -> FollowUp:
    # Entries of one follow-up are written one at a time, and only in the
    # acting member's organisation (another's is missing, as everywhere).
    return FollowUp.objects.select_for_update().get(
        pk=followup.pk, organization=membership.organization
    )


def _entry_add(
    membership: Membership, followup: FollowUp, *, kind: str, text: str, action: str = ""
) -> FollowUpEntry:
    return FollowUpEntry.objects.create(
        organization=membership.organization,
        followup=followup,
        kind=kind,
        action=action,
        text=text,
        actor=membership,
        at=timezone.now(),
    )


@transaction.atomic
def followup_note_add(*, membership: Membership, followup: FollowUp, text: str) -> FollowUpEntry:
    """Add a note to the follow-up's timeline, by ``membership``, now."""
    require(membership, Action.FOLLOWUP_UPDATE)
    followup = _locked(membership, followup)
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the note first."})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError({"text": f"At most {NOTE_MAX_LENGTH} characters."})
    entry = _entry_add(membership, followup, kind=FollowUpEntry.Kind.NOTE, text=text)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="followup.note",
        obj=followup,
        changes={"entry": entry.pk},
    )
    return entry


@transaction.atomic
def followup_action_record(
    *, membership: Membership, followup: FollowUp, action: str, text: str = ""
) -> FollowUpEntry:
    """Record that one of the follow-up's actions was taken (recovery: apologise,
    fix, credit, close the loop; advocacy: referral, case-study and review
    asks), with an optional comment, as an entry on its timeline."""
    require(membership, Action.FOLLOWUP_UPDATE)
    followup = _locked(membership, followup)
    offered = FollowUp.ACTIONS[followup.kind]
    errors: dict[str, str] = {}
    if action not in offered:
        errors["action"] = (
            f"{followup.kind_with_article.capitalize()} follow-up offers "
            + (", ".join(offered) if offered else "no actions; add a note instead")
            + "."
        )
    text = text.strip()
    if len(text) > NOTE_MAX_LENGTH:
        errors["text"] = f"At most {NOTE_MAX_LENGTH} characters."
    if errors:
        raise ValidationError(errors)
    label = FollowUp.Action(action).label
    entry = _entry_add(
        membership,
        followup,
        kind=FollowUpEntry.Kind.ACTION,
        action=action,
        text=f"{label}: {text}" if text else label,
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="followup.action",
        obj=followup,
        changes={"action": action},
    )
    return entry
