"""API operations for the organisation, teams, members, invitations and audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import EmailStr

from accord.lib.api import acting_member, with_errors
from accord.orgs import selectors, services
from accord.orgs.models import AuditEvent, Invitation, Membership, Role, Team

router = Router(tags=["organisation"])


class OrganizationOut(Schema):
    slug: str
    name: str
    time_zone: str
    created_at: datetime


class OrganizationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    time_zone: str | None = Field(None, min_length=1, max_length=64)


class TeamOut(Schema):
    id: int
    name: str
    kind: str


class TeamIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)


class MemberOut(Schema):
    id: int
    email: str
    name: str
    role: str
    team_id: int | None
    joined_at: datetime

    @staticmethod
    def resolve_email(obj: Membership) -> str:
        return obj.user.email

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.user.name

    @staticmethod
    def resolve_joined_at(obj: Membership) -> datetime:
        return obj.created_at


class MemberPatch(Schema):
    role: Role
    team_id: int | None = None


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    team_id: int | None
    status: str
    created_at: datetime
    expires_at: datetime


class InvitationIn(Schema):
    email: EmailStr
    role: Role = Role.MEMBER
    team_id: int | None = None


class InvitationCreated(InvitationOut):
    url: str = Field(..., description="The link in the invitation email; shown only now.")


class AuditEventOut(Schema):
    id: int
    actor: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    created_at: datetime

    @staticmethod
    def resolve_actor(obj: AuditEvent) -> str:
        return obj.actor_label


class AuditFilter(Schema):
    action: str | None = Field(None, max_length=64, description="Actions starting with this")


@router.get("/organization", response=with_errors({200: OrganizationOut}))
def organization_get(request: HttpRequest) -> Any:
    """The organisation the token acts in."""
    return acting_member(request).organization


@router.patch("/organization", response=with_errors({200: OrganizationOut}))
def organization_patch(request: HttpRequest, payload: OrganizationPatch) -> Any:
    """Rename the organisation or change its time zone (admins and owners)."""
    return services.organization_update(
        membership=acting_member(request), **payload.dict(exclude_unset=True)
    )


@router.get("/teams", response=with_errors({200: list[TeamOut]}))
def teams_list(request: HttpRequest) -> Any:
    return selectors.teams(acting_member(request))


@router.post("/teams", response=with_errors({201: TeamOut}))
def team_create(request: HttpRequest, payload: TeamIn) -> Any:
    """Add a team (admins and owners). Sales and Marketing always exist."""
    return 201, services.team_create(membership=acting_member(request), name=payload.name)


@router.get("/teams/{team_id}", response=with_errors({200: TeamOut}))
def team_get(request: HttpRequest, team_id: int) -> Team:
    return selectors.get_scoped(acting_member(request), Team.objects.all(), pk=team_id)


@router.get("/members", response=with_errors({200: list[MemberOut]}))
@paginate(LimitOffsetPagination)
def members_list(request: HttpRequest) -> Any:
    return selectors.members(acting_member(request))


@router.get("/members/{member_id}", response=with_errors({200: MemberOut}))
def member_get(request: HttpRequest, member_id: int) -> Membership:
    return selectors.get_scoped(
        acting_member(request), Membership.objects.select_related("user"), pk=member_id
    )


@router.patch("/members/{member_id}", response=with_errors({200: MemberOut}))
def member_patch(request: HttpRequest, member_id: int, payload: MemberPatch) -> Membership:
    """Change a member's role or team (admins and owners; owners for owners)."""
    membership = acting_member(request)
    target = selectors.get_scoped(
        membership, Membership.objects.select_related("user"), pk=member_id
    )
    return services.member_change_role(
        membership=membership, target=target, role=payload.role, team_id=payload.team_id
    )


@router.delete("/members/{member_id}", response=with_errors({204: None}))
def member_delete(request: HttpRequest, member_id: int) -> Any:
    """Remove a member: their access and API tokens in this organisation end."""
    membership = acting_member(request)
    target = selectors.get_scoped(
        membership, Membership.objects.select_related("user"), pk=member_id
    )
    services.member_remove(membership=membership, target=target)
    return 204, None


@router.get("/invitations", response=with_errors({200: list[InvitationOut]}))
@paginate(LimitOffsetPagination)
def invitations_list(request: HttpRequest) -> Any:
    """Pending invitations."""
    return selectors.invitations_pending(acting_member(request))


@router.post("/invitations", response=with_errors({201: InvitationCreated}))
def invitation_create(request: HttpRequest, payload: InvitationIn) -> Any:
    """Invite someone by email (leads, admins, owners); the email is queued."""
    issued = services.invitation_create(
        membership=acting_member(request),
        email=str(payload.email),
        role=payload.role,
        team_id=payload.team_id,
    )
    invitation = issued.invitation
    return 201, {
        **InvitationOut.from_orm(invitation).dict(),
        "url": issued.url,
    }


@router.get("/invitations/{invitation_id}", response=with_errors({200: InvitationOut}))
def invitation_get(request: HttpRequest, invitation_id: int) -> Invitation:
    return selectors.get_scoped(acting_member(request), Invitation.objects.all(), pk=invitation_id)


@router.delete("/invitations/{invitation_id}", response=with_errors({204: None}))
def invitation_delete(request: HttpRequest, invitation_id: int) -> Any:
    """Revoke a pending invitation."""
    membership = acting_member(request)
    invitation = selectors.get_scoped(membership, Invitation.objects.all(), pk=invitation_id)
    services.invitation_revoke(membership=membership, invitation=invitation)
    return 204, None


@router.get("/audit", response=with_errors({200: list[AuditEventOut]}), tags=["audit"])
@paginate(LimitOffsetPagination)
def audit_list(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    """The audit log, newest first (admins and owners)."""
    events = selectors.audit_events(acting_member(request))
    if filters.action:
        events = events.filter(action__startswith=filters.action)
    return events
