"""The closed loop: a follow-up for every detractor and promoter."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import (
    transaction,
)
from django.utils import timezone

from accord.feedback.models import (
    FollowUp,
    Response,
)
from accord.feedback.services.surveys import feedback_settings
from accord.jobs.services import job_enqueue
from accord.lib.business_time import add_working_days
from accord.orgs.models import Membership, Organization, Role
from accord.orgs.permissions import Action, require
from accord.orgs.selectors import business_calendar
from accord.orgs.services import audit_record


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
    notes: str | None = None,
    play: str | None = None,
    sales_owner_id: int | None = None,
    marketing_owner_id: int | None = None,
) -> FollowUp:
    """Move a follow-up along open -> contacted -> resolved or lost; closing needs an outcome."""
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
    if notes is not None and len(notes) > 20_000:
        errors["notes"] = "At most 20000 characters."
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
    if notes is not None:
        followup.notes = notes
    if play is not None:
        followup.play = play
    for name, owner in owners.items():
        setattr(followup, name, owner)
    followup.save()
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
