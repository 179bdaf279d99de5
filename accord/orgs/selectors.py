"""Reads scoped to the acting member. Every org-owned lookup goes through here.

A missing object and another organisation's object look the same: 404.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

from accord.accounts.models import User
from accord.jobs.models import DeadJob
from accord.mail.models import CapturedMessage
from accord.orgs.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    Team,
    TeamKind,
)
from accord.orgs.permissions import Action, require

M = TypeVar("M", bound=Model)


def membership_for(user: User | Any, org_slug: str) -> Membership:
    """The acting user's membership of ``org_slug``, or 404 if they have none."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such organisation")
    try:
        return Membership.objects.select_related("organization", "team", "user").get(
            organization__slug=org_slug, user=user
        )
    except Membership.DoesNotExist:
        raise Http404("No such organisation") from None


def memberships_of(user: User) -> QuerySet[Membership]:
    """Every organisation the user belongs to, for the switcher."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )


def scoped(membership: Membership, queryset: QuerySet[M]) -> QuerySet[M]:
    """``queryset`` narrowed to the member's organisation."""
    return queryset.filter(organization=membership.organization)


def get_scoped(membership: Membership, queryset: QuerySet[M], **lookup: Any) -> M:
    """One object of the member's organisation, or 404 (also for other orgs')."""
    try:
        return scoped(membership, queryset).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404(f"No such {queryset.model._meta.verbose_name}") from None


def teams(membership: Membership) -> QuerySet[Team]:
    return scoped(membership, Team.objects.all()).order_by("name")


def core_team(organization: Organization, kind: TeamKind) -> Team:
    """The organisation's Sales or Marketing team."""
    return Team.objects.get(organization=organization, kind=kind)


def members(membership: Membership) -> QuerySet[Membership]:
    return scoped(membership, Membership.objects.select_related("user", "team")).order_by(
        "user__email"
    )


def invitations_pending(membership: Membership) -> QuerySet[Invitation]:
    return scoped(
        membership,
        Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True),
    ).select_related("team", "invited_by")


def api_tokens_of(membership: Membership) -> QuerySet[ApiToken]:
    """The member's own tokens in this organisation (a token is personal)."""
    return scoped(membership, ApiToken.objects.filter(user=membership.user))


def team(membership: Membership, pk: int) -> Team:
    return get_scoped(membership, Team.objects.all(), pk=pk)


def member(membership: Membership, pk: int) -> Membership:
    """A member of the acting member's organisation, by membership id."""
    return get_scoped(membership, Membership.objects.select_related("user"), pk=pk)


def invitation(membership: Membership, pk: int) -> Invitation:
    return get_scoped(membership, Invitation.objects.all(), pk=pk)


def own_api_token(membership: Membership, pk: int) -> ApiToken:
    """One of the acting member's own tokens in this organisation (not another user's)."""
    return get_scoped(membership, ApiToken.objects.filter(user=membership.user), pk=pk)


def audit_events(membership: Membership) -> QuerySet[AuditEvent]:
    require(membership, Action.AUDIT_READ)
    return scoped(membership, AuditEvent.objects.select_related("actor"))


# -- outbox and failed jobs ------------------------------------------------------


def captured_messages(membership: Membership) -> QuerySet[CapturedMessage]:
    """Mail captured for the member's organisation, newest first."""
    return scoped(membership, CapturedMessage.objects.all())


def captured_message(membership: Membership, pk: int) -> CapturedMessage:
    return get_scoped(membership, CapturedMessage.objects.all(), pk=pk)


def dead_jobs(membership: Membership) -> QuerySet[DeadJob]:
    """The organisation's failed jobs, newest first."""
    return scoped(membership, DeadJob.objects.all())


def dead_job(membership: Membership, pk: int) -> DeadJob:
    return get_scoped(membership, DeadJob.objects.all(), pk=pk)
