"""API operations for the organisation, teams, members, invitations and audit log.

No ``from __future__ import annotations`` here: ninja reads these signatures at
import time, and ``@paginate`` hides the module's names from string annotations.
"""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator

from accord.lib.api import InputSchema, KeysetPagination, Pagination, fields_named, with_errors
from accord.lib.emails import email_clean
from accord.orgs import selectors, services
from accord.orgs.api_auth import acting_member
from accord.orgs.models import AuditEvent, Invitation, Membership, Role, Team

router = Router(tags=["organisation"])


class OrganizationOut(Schema):
    slug: str
    name: str
    time_zone: str
    country: str
    holidays: list[date]
    created_at: datetime


class OrganizationPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=120)
    time_zone: str | None = Field(
        None, min_length=1, max_length=64, description="An IANA time zone, e.g. Europe/Berlin"
    )
    country: str | None = Field(
        None,
        max_length=2,
        description="ISO 3166 code whose public holidays are days off, e.g. DE; empty for none",
    )
    holidays: list[date] | None = Field(
        None, max_length=400, description="The organisation's own days off"
    )


class TeamOut(Schema):
    id: int
    name: str
    kind: str


class TeamIn(InputSchema):
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


class MemberPatch(InputSchema):
    role: Role | None = Field(None, description="The new role; unchanged when left out")
    team_id: int | None = Field(None, description="A team of this organisation")


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    team_id: int | None
    status: str
    created_at: datetime
    expires_at: datetime


class InvitationIn(InputSchema):
    email: str = Field(..., max_length=1000)
    role: Role = Role.MEMBER
    team_id: int | None = Field(
        None, description="A team of this organisation; by default the role's own team"
    )

    @field_validator("email", mode="after")
    @classmethod
    def _fits(cls, value: str) -> str:
        # Django's validator, as the invitation form and every import use;
        # lower-casing can lengthen an address ("İ" becomes two characters).
        try:
            email_clean(value)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None
        return value.strip()


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


class AuditFilter(InputSchema):
    action: str | None = Field(None, max_length=64, description="Actions starting with this")


@router.get("/organization", response=with_errors({200: OrganizationOut}))
def organization_get(request: HttpRequest) -> Any:
    """The organisation the token acts in."""
    return acting_member(request).organization


@router.patch("/organization", response=with_errors({200: OrganizationOut}))
def organization_patch(request: HttpRequest, payload: OrganizationPatch) -> Any:
    """Rename the organisation or change its business calendar: time zone,
    country (public holidays) and its own holidays (admins and owners). Days
    and months are counted in the time zone; a new one files the stored
    months (NPS, MQL cohorts) again in the background."""
    return services.organization_update(
        membership=acting_member(request), **payload.dict(exclude_unset=True)
    )


@router.get("/teams", response=with_errors({200: list[TeamOut]}))
def teams_list(request: HttpRequest) -> Any:
    """Every team of the organisation, by name."""
    return selectors.teams(acting_member(request))


@router.post("/teams", response=with_errors({201: TeamOut}))
def team_create(request: HttpRequest, payload: TeamIn) -> Any:
    """Add a team (admins and owners). Sales and Marketing always exist."""
    return Status(201, services.team_create(membership=acting_member(request), name=payload.name))


@router.get("/teams/{team_id}", response=with_errors({200: TeamOut}))
def team_get(request: HttpRequest, team_id: int) -> Team:
    return selectors.team(acting_member(request), team_id)


@router.get("/members", response=with_errors({200: list[MemberOut]}))
@paginate(Pagination)
def members_list(request: HttpRequest) -> Any:
    """Members of the organisation, by email."""
    return selectors.members(acting_member(request))


@router.get("/members/{member_id}", response=with_errors({200: MemberOut}))
def member_get(request: HttpRequest, member_id: int) -> Membership:
    return selectors.member(acting_member(request), member_id)


@router.patch("/members/{member_id}", response=with_errors({200: MemberOut}))
def member_patch(request: HttpRequest, member_id: int, payload: MemberPatch) -> Membership:
    """Change a member's role or team (admins and owners; owners for owners)."""
    membership = acting_member(request)
    target = selectors.member(membership, member_id)
    with fields_named(team=("body", "team_id")):
        return services.member_change_role(
            membership=membership,
            target=target,
            role=payload.role or target.role,
            team_id=payload.team_id,
        )


@router.delete("/members/{member_id}", response=with_errors({204: None}))
def member_delete(request: HttpRequest, member_id: int) -> Any:
    """Remove a member: their access and API tokens in this organisation end."""
    membership = acting_member(request)
    target = selectors.member(membership, member_id)
    with fields_named(member=("path", "member_id")):
        services.member_remove(membership=membership, target=target)
    return Status(204, None)


@router.get("/invitations", response=with_errors({200: list[InvitationOut]}))
@paginate(Pagination)
def invitations_list(request: HttpRequest) -> Any:
    """Invitations neither accepted nor revoked (expired ones say so in ``status``)."""
    return selectors.invitations_pending(acting_member(request))


@router.post("/invitations", response=with_errors({201: InvitationCreated}))
def invitation_create(request: HttpRequest, payload: InvitationIn) -> Any:
    """Invite someone by email (leads, admins, owners); the email is queued."""
    with fields_named(team=("body", "team_id")):
        issued = services.invitation_create(
            membership=acting_member(request),
            email=str(payload.email),
            role=payload.role,
            team_id=payload.team_id,
        )
    invitation = InvitationOut.model_validate(issued.invitation).model_dump()
    return Status(201, {**invitation, "url": issued.url})


@router.get("/invitations/{invitation_id}", response=with_errors({200: InvitationOut}))
def invitation_get(request: HttpRequest, invitation_id: int) -> Invitation:
    return selectors.invitation(acting_member(request), invitation_id)


@router.delete("/invitations/{invitation_id}", response=with_errors({204: None}))
def invitation_delete(request: HttpRequest, invitation_id: int) -> Any:
    """Revoke a pending invitation (leads, admins, owners): its link stops working."""
    membership = acting_member(request)
    invitation = selectors.invitation(membership, invitation_id)
    with fields_named(invitation=("path", "invitation_id")):
        services.invitation_revoke(membership=membership, invitation=invitation)
    return Status(204, None)


@router.get("/audit", response=with_errors({200: list[AuditEventOut]}), tags=["audit"])
@paginate(KeysetPagination, order=selectors.AUDIT_ORDER)
def audit_list(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    """The audit log, newest first (admins and owners)."""
    events = selectors.audit_events(acting_member(request))
    if filters.action:
        events = events.filter(action__startswith=filters.action)
    return events
