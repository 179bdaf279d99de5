"""Reads scoped to the acting member. Every org-owned lookup goes through here.

A missing object and another organisation's object look the same: 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from accord.accounts.models import User
from accord.jobs.models import DeadJob
from accord.lib.business_time import BusinessCalendar, calendar_from
from accord.mail.models import CapturedMessage
from accord.orgs.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    Role,
    Side,
    Team,
    TeamKind,
)
from accord.orgs.permissions import Action, can, require

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


_LEAD_SIDES = {Role.SALES_LEAD: Side.SALES, Role.MARKETING_LEAD: Side.MARKETING}
_TEAM_SIDES = {TeamKind.SALES: Side.SALES, TeamKind.MARKETING: Side.MARKETING}


def lead_side(membership: Membership) -> Side | None:
    """The side a sales or marketing lead leads; None for any other role."""
    return _LEAD_SIDES.get(Role(membership.role))


def side_of(membership: Membership) -> Side | None:
    """The side a member acts for by default: a lead's own side, else the side
    of their team (whatever their role, owners and admins included), else None."""
    led = lead_side(membership)
    if led is not None:
        return led
    if membership.team is None:
        return None
    return _TEAM_SIDES.get(TeamKind(membership.team.kind))


def side_acting(membership: Membership, side: str | None) -> Side:
    """The side ``membership`` answers for when agreeing to something both sides
    sign (a shared goal, the hand-off agreement); ``side`` is what they asked for.

    * A sales or marketing lead answers only for their own side; naming the
      other is refused (PermissionDenied).
    * An owner or admin answers for the side they name, or, naming none, for
      the side of their team; with neither, a ValidationError on ``side``.
    * Anyone else answers for no side (PermissionDenied).
    """
    if side not in (None, "", *Side.values):
        raise ValidationError({"side": "Choose sales or marketing."})
    led = lead_side(membership)
    if led is not None:
        if side and side != led:
            raise PermissionDenied(
                f"As {membership.get_role_display()} you answer for {led}, not {side}."
            )
        return led
    if membership.role not in (Role.OWNER, Role.ADMIN):
        raise PermissionDenied("Only the leads, owners and admins answer for a side.")
    if side:
        return Side(side)
    found = side_of(membership)
    if found is None:
        raise ValidationError({"side": "Say which side you answer for: sales or marketing."})
    return found


def business_calendar(organization: Organization) -> BusinessCalendar:
    """The organisation's business calendar: its time zone, Monday to Friday
    from 09:00 to 17:00, its country's public holidays and its own.

    The one calendar of every business-day rule (follow-up due dates, the
    hand-off agreement, which sets its own opening hours on it).
    """
    return calendar_from(
        time_zone=organization.time_zone,
        country=organization.country,
        # Stored in JSON as ISO dates (organization_update writes them).
        holidays=[date.fromisoformat(day) for day in organization.holidays],
    )


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


# What a client is told when an id it sent names no member of its organisation.
NO_SUCH_MEMBER = "No such member in this organisation."


def member_find(membership: Membership, pk: int | None) -> Membership | None:
    """A member of the acting member's organisation by id (with user and team),
    or None: for no id, an unknown id and another organisation's member alike."""
    if pk is None:
        return None
    return (
        scoped(membership, Membership.objects.select_related("user", "team")).filter(pk=pk).first()
    )


def member_named(membership: Membership, pk: int | None, field: str) -> Membership:
    """A member of the acting member's organisation chosen by id in input
    ``field``; a ValidationError naming ``field`` if there is none (also for
    another organisation's member)."""
    found = member_find(membership, pk)
    if found is None:
        raise ValidationError({field: NO_SUCH_MEMBER})
    return found


def team_find(membership: Membership, pk: int | None) -> Team | None:
    """A team of the acting member's organisation by id, or None (also for another's)."""
    if pk is None:
        return None
    return scoped(membership, Team.objects.all()).filter(pk=pk).first()


def invitation(membership: Membership, pk: int) -> Invitation:
    return get_scoped(membership, Invitation.objects.all(), pk=pk)


def own_api_token(membership: Membership, pk: int) -> ApiToken:
    """One of the acting member's own tokens in this organisation (not another user's)."""
    return get_scoped(membership, ApiToken.objects.filter(user=membership.user), pk=pk)


# The orders the audit log and the Outbox page in (``accord.lib.keyset``),
# backed by their (organisation, created_at, id) indexes.
AUDIT_ORDER = ("-created_at", "-id")
OUTBOX_ORDER = ("-created_at", "-id")


def audit_events(membership: Membership) -> QuerySet[AuditEvent]:
    require(membership, Action.AUDIT_READ)
    return scoped(membership, AuditEvent.objects.select_related("actor"))


# -- outbox and failed jobs ------------------------------------------------------


def _readable_mail(membership: Membership) -> QuerySet[CapturedMessage]:
    """Mail captured for the organisation that ``membership`` may read: all of
    it with the Outbox permission (owners, admins), else the messages sent to
    the member and those about the campaigns and goals they own."""
    found = scoped(membership, CapturedMessage.objects.all())
    if not can(membership, Action.OUTBOX_READ):
        found = found.filter(readers__contains=f",{membership.user.email.lower()},")
    return found


def captured_messages(membership: Membership, *, search: str = "") -> QuerySet[CapturedMessage]:
    """The captured mail ``membership`` may read, newest first; ``search``
    keeps the messages whose recipients or subject hold each of its words."""
    found = _readable_mail(membership)
    for word in search.split()[:8]:
        found = found.filter(Q(recipients__icontains=word) | Q(subject__icontains=word))
    return found


def captured_message(membership: Membership, pk: int) -> CapturedMessage:
    """One message ``membership`` may read; 404 for any other (missing or not theirs)."""
    return get_scoped(membership, _readable_mail(membership), pk=pk)


def dead_jobs(membership: Membership) -> QuerySet[DeadJob]:
    """The organisation's failed jobs, newest first."""
    return scoped(membership, DeadJob.objects.all())


def dead_job(membership: Membership, pk: int) -> DeadJob:
    return get_scoped(membership, DeadJob.objects.all(), pk=pk)
