"""Writes for organisations, teams, members, invitations, tokens and the audit log.

Every service that acts for a member takes that ``membership`` (the actor) and
checks the permission matrix itself; views and API operations only translate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from accord.accounts.models import User
from accord.accounts.selectors import email_is_unverified, email_is_users
from accord.jobs import services as job_services
from accord.jobs.models import DeadJob
from accord.jobs.registry import on_worker_start
from accord.lib.business_time import countries
from accord.lib.emails import email_clean
from accord.lib.tokens import hash_token, new_token
from accord.mail.services import email_enqueue_template
from accord.orgs.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    Role,
    Team,
    TeamKind,
)
from accord.orgs.permissions import Action, require

INVITATION_LIFETIME = timedelta(days=14)
RESERVED_SLUGS = frozenset({"new", "api", "admin", "accounts", "static", "s", "o", "invitations"})


# -- audit -----------------------------------------------------------------


def audit_record(
    *,
    organization: Organization,
    actor: User | None,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``obj``. Call inside the change's transaction."""
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        actor_label=actor.email if actor else "system",
        action=action,
        object_type=obj._meta.model_name or "",
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
    )


# -- organisations ---------------------------------------------------------


def _validate_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not slug or slugify(slug) != slug:
        raise ValidationError(
            {"slug": "Use lower-case letters, digits and hyphens only, e.g. 'northwind'."}
        )
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": f"'{slug}' is reserved; choose another."})
    if len(slug) > 50:
        raise ValidationError({"slug": "At most 50 characters."})
    return slug


# Each organisation's own chains of jobs, registered by the apps above
# (meetings' daily run, the pulse's checks, the quarterly report) from their
# AppConfig.ready(): checked for every organisation when a worker starts and
# by the worker's every-minute rollups refresh (so a new organisation's
# chains start within a minute), never by a page view (a GET writes nothing).
_CHAINS: list[Callable[[Organization], object]] = []


def organization_chain(func: Callable[[Organization], object]) -> Callable[[Organization], object]:
    """Register ``func(organization)``: idempotent, it starts one of the
    organisation's chains of jobs if it is not running."""
    if func not in _CHAINS:
        _CHAINS.append(func)
    return func


def organization_chains_ensure(organization: Organization) -> None:
    """Start every registered chain of ``organization`` that is not running."""
    for func in _CHAINS:
        func(organization)


@on_worker_start
def organization_chains_ensure_all() -> None:
    """``organization_chains_ensure`` for every organisation (a worker runs
    it when it starts: an organisation created before an app's chain existed,
    or whose chain was lost, gets it then)."""
    for organization in Organization.objects.order_by("pk"):
        organization_chains_ensure(organization)


@transaction.atomic
def organization_create(
    *, name: str, owner: User, slug: str | None = None, time_zone: str = "UTC"
) -> Organization:
    """Create an organisation with its Sales and Marketing teams; ``owner`` owns it."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the organisation a name."})
    slug = _validate_slug(slug if slug is not None else slugify(name)[:50])
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"The address '{slug}' is taken; choose another."})
    try:
        with transaction.atomic():
            organization = Organization.objects.create(name=name, slug=slug, time_zone=time_zone)
    except IntegrityError:
        raise ValidationError({"slug": f"The address '{slug}' is taken; choose another."}) from None
    Team.objects.create(organization=organization, name="Sales", kind=TeamKind.SALES)
    Team.objects.create(organization=organization, name="Marketing", kind=TeamKind.MARKETING)
    membership = Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
    audit_record(
        organization=organization, actor=owner, action="organization.create", obj=organization
    )
    audit_record(
        organization=organization,
        actor=owner,
        action="member.add",
        obj=membership,
        changes={"role": Role.OWNER},
    )
    return organization


@transaction.atomic
def organization_update(
    *,
    membership: Membership,
    name: str | None = None,
    time_zone: str | None = None,
    country: str | None = None,
    holidays: Iterable[date] | None = None,
    currency: str | None = None,
) -> Organization:
    """Change the name and the business calendar: time zone, ``country`` (an ISO
    code whose public holidays become days off; "" for none) and the
    organisation's own ``holidays``; and the ``currency`` amounts are shown
    in. ``None`` (or an empty currency) leaves a field as it is.

    A new time zone queues ``jobs.organization_months_refile``: days and
    months are the organisation's, so stored months (NPS by month, lead
    cohorts) are filed again in the new zone and their rollups rebuilt."""
    require(membership, Action.ORG_UPDATE)
    organization = membership.organization
    changes: dict[str, Any] = {}
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": "The name cannot be empty."})
        changes["name"] = [organization.name, name.strip()]
        organization.name = name.strip()
    if time_zone is not None:
        import zoneinfo

        if time_zone not in zoneinfo.available_timezones():
            raise ValidationError({"time_zone": f"Unknown time zone '{time_zone}'."})
        if time_zone != organization.time_zone:
            from accord.orgs.jobs import organization_months_refile

            # Stored months are the organisation's: file them again in the
            # new zone (queued with the change, so it happens iff it commits).
            job_services.job_enqueue(
                organization_months_refile,
                organization_id=organization.pk,
            )
        changes["time_zone"] = [organization.time_zone, time_zone]
        organization.time_zone = time_zone
    if country is not None:
        code = country.strip().upper()
        if code and code not in dict(countries()):
            raise ValidationError({"country": f"No public holidays are known for '{country}'."})
        changes["country"] = [organization.country, code]
        organization.country = code
    if currency is not None and currency.strip():
        code = currency.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValidationError(
                {"currency": f"'{currency[:20]}' is not a currency code like EUR."}
            )
        changes["currency"] = [organization.currency, code]
        organization.currency = code
    if holidays is not None:
        days = sorted({d.isoformat() for d in holidays})
        if len(days) > 400:
            raise ValidationError({"holidays": "At most 400 days of one's own."})
        changes["holidays"] = [organization.holidays, days]
        organization.holidays = days
    organization.save()
    audit_record(
        organization=organization,
        actor=membership.user,
        action="organization.update",
        obj=organization,
        changes=changes,
    )
    moved = changes.get("time_zone")
    if moved and moved[0] != moved[1]:
        # The chains' next runs are in local time (the quarter-end report).
        organization_chains_ensure(organization)
    return organization


# -- teams -----------------------------------------------------------------


@transaction.atomic
def team_create(*, membership: Membership, name: str) -> Team:
    require(membership, Action.TEAM_CREATE)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the team a name."})
    if Team.objects.filter(organization=membership.organization, name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a team called '{name}'."})
    team = Team.objects.create(organization=membership.organization, name=name)
    audit_record(
        organization=membership.organization, actor=membership.user, action="team.create", obj=team
    )
    return team


def _team_in_org(organization: Organization, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(organization=organization, pk=team_id).first()
    if team is None:
        raise ValidationError({"team": "No such team in this organisation."})
    return team


def _default_team(organization: Organization, role: str) -> Team | None:
    kind = {Role.SALES_LEAD: TeamKind.SALES, Role.MARKETING_LEAD: TeamKind.MARKETING}.get(
        Role(role)
    )
    return Team.objects.filter(organization=organization, kind=kind).first() if kind else None


def _check_role_grant(membership: Membership, role: str) -> None:
    """Only owners hand out ownership; only admins and owners hand out admin."""
    if role not in Role.values:
        raise ValidationError(
            {"role": f"Unknown role '{role}'. Choose one of: {', '.join(Role.values)}."}
        )
    if role == Role.OWNER:
        require(membership, Action.OWNER_ASSIGN)
    if role == Role.ADMIN and membership.role not in (Role.OWNER, Role.ADMIN):
        raise PermissionDenied("Only owners and admins may make someone an admin.")


# -- members ---------------------------------------------------------------


@transaction.atomic
def member_add(
    *,
    organization: Organization,
    user: User,
    role: str,
    team: Team | None = None,
    actor: User | None = None,
) -> Membership:
    """Add ``user`` directly (CLI and demo); for people, invitations are the way in."""
    if role not in Role.values:
        raise ValidationError(
            {"role": f"Unknown role '{role}'. Choose one of: {', '.join(Role.values)}."}
        )
    if team is not None and team.organization_id != organization.pk:
        raise ValidationError({"team": "No such team in this organisation."})
    team = team or _default_team(organization, role)
    membership, created = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role, "team": team}
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="member.add" if created else "member.update",
        obj=membership,
        changes={"role": role, "team": team.name if team else None},
    )
    return membership


def _owners_left(organization: Organization, excluding: Membership) -> bool:
    return (
        Membership.objects.filter(organization=organization, role=Role.OWNER)
        .exclude(pk=excluding.pk)
        .exists()
    )


@transaction.atomic
def member_change_role(
    *, membership: Membership, target: Membership, role: str, team_id: int | None = None
) -> Membership:
    require(membership, Action.MEMBER_CHANGE_ROLE)
    _check_role_grant(membership, role)
    if target.role == Role.OWNER:
        require(membership, Action.OWNER_ASSIGN)
        if role != Role.OWNER and not _owners_left(membership.organization, target):
            raise ValidationError({"role": "An organisation needs at least one owner."})
    team = _team_in_org(membership.organization, team_id) if team_id is not None else target.team
    changes = {"role": [target.role, role], "team": [target.team_id, team.pk if team else None]}
    target.role = role
    target.team = team
    target.save(update_fields=["role", "team"])
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="member.change_role",
        obj=target,
        changes=changes,
    )
    return target


@transaction.atomic
def member_remove(*, membership: Membership, target: Membership) -> None:
    """Remove ``target``: their membership and their API tokens here end at once.

    Membership is checked on every request, so the removed member's open
    sessions lose this organisation on their very next request, while their
    sessions in other organisations (a consultant's clients) go on.
    """
    require(membership, Action.MEMBER_REMOVE)
    if target.role == Role.OWNER:
        require(membership, Action.OWNER_ASSIGN)
        if not _owners_left(membership.organization, target):
            raise ValidationError({"member": "An organisation needs at least one owner."})
    ApiToken.objects.filter(
        organization=membership.organization, user=target.user, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="member.remove",
        obj=target,
        changes={"email": target.user.email, "role": target.role},
    )
    target.delete()


# -- invitations -----------------------------------------------------------


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # shown only here and in the email

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}/invitations/{self.token}/"


@transaction.atomic
def invitation_create(
    *, membership: Membership, email: str, role: str, team_id: int | None = None
) -> IssuedInvitation:
    """Invite ``email`` with ``role``; the email with the link is queued."""
    require(membership, Action.MEMBER_INVITE)
    _check_role_grant(membership, role)
    try:
        email = email_clean(email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages[0]}) from None
    organization = membership.organization
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member."})
    if Invitation.objects.filter(
        organization=organization,
        email=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists():
        raise ValidationError({"email": f"{email} already has a pending invitation."})
    # An expired pending one would block the unique constraint: close it.
    Invitation.objects.filter(
        organization=organization,
        email=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
    team = _team_in_org(organization, team_id) or _default_team(organization, role)
    token = new_token()
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        team=team,
        token_hash=hash_token(token),
        invited_by=membership.user,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    issued = IssuedInvitation(invitation=invitation, token=token)
    email_enqueue_template(
        to=[email],
        template="orgs/email/invitation",
        context={"invitation": invitation, "url": issued.url, "inviter": membership.user},
        organization_id=organization.pk,
        key=f"invitation:{invitation.pk}",
    )
    audit_record(
        organization=organization,
        actor=membership.user,
        action="invitation.create",
        obj=invitation,
        changes={"email": email, "role": role, "team": team.name if team else None},
    )
    return issued


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation behind a link, whatever its state; None if unknown."""
    return (
        Invitation.objects.select_related("organization", "team", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Join the organisation of a pending invitation as ``user``, whose
    (verified, when verification is on) address must be the invited one."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if invitation is None:
        raise ValidationError({"token": "This invitation link is not valid."})
    if invitation.status != "pending":
        raise ValidationError({"token": f"This invitation is {invitation.status}."})
    # An invitation is for one address: only its owner, once it is verified,
    # may use it (a forwarded or leaked link lets nobody else in).
    if email_is_unverified(user, invitation.email):
        raise ValidationError(
            {"email": f"Verify {invitation.email} first: follow the link in the email we sent."}
        )
    if not email_is_users(user, invitation.email):
        raise ValidationError(
            {
                "email": f"This invitation is for {invitation.email}; "
                f"you are logged in as {user.email}."
            }
        )
    organization = invitation.organization
    membership = Membership.objects.filter(organization=organization, user=user).first()
    if membership is None:
        membership = Membership.objects.create(
            organization=organization, user=user, role=invitation.role, team=invitation.team
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        organization=organization,
        actor=user,
        action="invitation.accept",
        obj=invitation,
        changes={"role": invitation.role},
    )
    return membership


@transaction.atomic
def invitation_revoke(*, membership: Membership, invitation: Invitation) -> None:
    require(membership, Action.INVITATION_REVOKE)
    if invitation.organization_id != membership.organization_id:
        raise PermissionDenied("Not this organisation's invitation.")
    if invitation.status != "pending":
        raise ValidationError({"invitation": f"This invitation is already {invitation.status}."})
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="invitation.revoke",
        obj=invitation,
    )


# -- API tokens ------------------------------------------------------------


TOKEN_PREFIX = "acc_"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once


@transaction.atomic
def api_token_create(*, membership: Membership, name: str) -> IssuedToken:
    """A personal token for the member in this organisation; the secret is shown once."""
    require(membership, Action.TOKEN_CREATE_OWN)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token after where it is used, e.g. 'CI export'."})
    if len(name) > 80:
        raise ValidationError({"name": "At most 80 characters."})
    secret = new_token(TOKEN_PREFIX)
    token = ApiToken.objects.create(
        organization=membership.organization,
        user=membership.user,
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="token.create",
        obj=token,
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, membership: Membership, token: ApiToken) -> None:
    if token.user_id != membership.user_id or token.organization_id != membership.organization_id:
        raise PermissionDenied("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="token.revoke",
            obj=token,
        )


def api_token_authenticate(secret: str) -> Membership | None:
    """The membership a bearer token acts as, or None. Revoked or orphaned: None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("organization", "user")
        .filter(token_hash=hash_token(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    membership = (
        Membership.objects.select_related("organization", "team", "user")
        .filter(organization=token.organization, user=token.user)
        .first()
    )
    if membership is None:
        return None
    now = timezone.now()
    # Write at most once a minute: a busy token must not write on every call.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return membership


# -- failed jobs -------------------------------------------------------------------


@transaction.atomic
def dead_job_retry(*, membership: Membership, dead_job: DeadJob) -> bool:
    """An admin queues the organisation's dead job again, recorded in the audit log.

    Retrying twice queues it once: returns False when it had already been retried.
    """
    require(membership, Action.JOBS_MANAGE)
    if dead_job.organization_id != membership.organization_id:
        raise DeadJob.DoesNotExist("Not this organisation's job.")
    if not job_services.dead_job_retry(dead_job=dead_job):
        return False
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="job.retry",
        obj=dead_job,
        changes={"job": dead_job.job_name},
    )
    return True
