"""Organisations, their teams and members, invitations, API tokens, audit log.

Every row that belongs to an organisation carries an ``organization`` foreign
key, and every lookup of such a row starts from the acting member's
organisation (see ``accord.orgs.selectors``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    SALES_LEAD = "sales_lead", "Sales lead"
    MARKETING_LEAD = "marketing_lead", "Marketing lead"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


class TeamKind(models.TextChoices):
    SALES = "sales", "Sales"
    MARKETING = "marketing", "Marketing"
    OTHER = "other", "Other"


class Side(models.TextChoices):
    """The two sides of every agreement between the teams."""

    SALES = "sales", "Sales"
    MARKETING = "marketing", "Marketing"


class Organization(models.Model):
    """A company using Accord. Its slug is the first part of every URL.

    Its time zone, ``country`` (whose public holidays are days off) and own
    ``holidays`` (ISO dates) make its business calendar, used by every
    business-day rule (see ``accord.orgs.selectors.business_calendar``).
    """

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, default="UTC")
    country = models.CharField(max_length=2, blank=True, default="")
    holidays = models.JSONField(default=list, blank=True)
    # The ISO code amounts are shown in (pipeline, revenue): one per
    # organisation, as imported amounts are summed as they are.
    currency = models.CharField(max_length=3, default="USD")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team inside an organisation. Sales and Marketing always exist."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=TeamKind.choices, default=TeamKind.OTHER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="team_unique_name"),
            # One Sales and one Marketing team per organisation; any number of others.
            models.UniqueConstraint(
                fields=["organization", "kind"],
                condition=~Q(kind="other"),
                name="team_unique_core_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in an organisation: a role and, usually, a team."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="memberships"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user__email"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"


class Invitation(models.Model):
    """An emailed invitation to join an organisation with a role and team.

    Only a hash of the token is stored; the token itself is in the email.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one pending invitation per address and organisation.
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_unique_pending",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ApiToken(models.Model):
    """A personal API token: acts as its user, inside one organisation only.

    The secret is shown once at creation; only its SHA-256 is stored.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditEvent(models.Model):
    """Who did what to which object, when, in one organisation.

    The actor's email is copied so the record survives the user's deletion.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The audit log pages newest first (``accord.lib.keyset``).
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="audit_org_recent_id")
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_type} {self.object_repr}"
