"""Themes of the free-text answers, and promoter quotes saved as testimonials."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import (
    transaction,
)

from accord.feedback.models import (
    Response,
    Theme,
)
from accord.goals.models import ContentAsset
from accord.goals.services import content_asset_create
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record


@transaction.atomic
def theme_update(
    *, membership: Membership, theme: Theme, name: str | None = None, backlog: str | None = None
) -> Theme:
    """Rename a theme (the worker keeps the name) or route it to a team's backlog."""
    require(membership, Action.THEME_MANAGE)
    errors: dict[str, str] = {}
    if name is not None and not 1 <= len(name.strip()) <= 120:
        errors["name"] = "Between 1 and 120 characters."
    if backlog is not None and backlog not in Theme.Backlog.values:
        errors["backlog"] = "One of sales, marketing, or empty."
    if errors:
        raise ValidationError(errors)
    changes: dict[str, Any] = {}
    if name is not None and name.strip() != theme.name:
        changes["name"] = [theme.name, name.strip()]
        theme.name = name.strip()
        theme.renamed = True
    if backlog is not None and backlog != theme.backlog:
        changes["backlog"] = [theme.backlog, backlog]
        theme.backlog = backlog
    theme.save()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="theme.update",
        obj=theme,
        changes=changes,
    )
    return theme


@transaction.atomic
def theme_merge(*, membership: Membership, theme: Theme, into: Theme) -> Theme:
    """Move every comment of ``theme`` into ``into``; ``theme`` stays as a pointer."""
    require(membership, Action.THEME_MANAGE)
    if theme.pk == into.pk:
        raise ValidationError({"into": "Choose another theme to merge into."})
    if into.organization_id != theme.organization_id or into.merged_into_id is not None:
        raise ValidationError({"into": "Choose an active theme of this organisation."})
    theme.mentions.update(theme=into)
    theme.merged_into = into
    theme.save(update_fields=["merged_into"])
    Theme.objects.filter(merged_into=theme).update(merged_into=into)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="theme.merge",
        obj=theme,
        changes={"into": into.name},
    )
    return into


@transaction.atomic
def testimonial_save(*, membership: Membership, response: Response) -> ContentAsset:
    """Save a promoter's quote, given with consent, to the content library."""
    require(membership, Action.THEME_MANAGE)
    if response.category != Response.Category.PROMOTER:
        raise ValidationError({"response": "Only a promoter's answer becomes a testimonial."})
    if not response.may_quote:
        raise ValidationError({"response": "The customer did not agree to be quoted."})
    if not response.well.strip():
        raise ValidationError({"response": "This answer has no quote to save."})
    who = ", ".join(part for part in (response.name, response.company) if part)
    asset = content_asset_create(
        membership=membership,
        title=f"Testimonial: {who or 'a customer'}"[:200],
        kind="testimonial",
        tags=["testimonial", "nps"],
        body=f"“{response.well.strip()}” — {who or 'a customer'}",
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="response.testimonial",
        obj=response,
    )
    return asset
