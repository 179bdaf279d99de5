"""The organisation's feedback settings and its surveys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import (
    transaction,
)
from django.urls import reverse

from accord.feedback.i18n import LANGUAGES
from accord.feedback.models import (
    FeedbackSettings,
    Survey,
)
from accord.feedback.services.common import HEX_COLOUR
from accord.lib.tokens import hash_token, new_token
from accord.orgs.models import Membership, Organization
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record


def feedback_settings(organization: Organization) -> FeedbackSettings:
    """The organisation's feedback rules, with defaults until someone changes them."""
    try:
        # Loaded with the link (select_related) on the public form's path.
        cached: FeedbackSettings = organization.feedback_settings
        return cached
    except FeedbackSettings.DoesNotExist:
        pass
    found = (
        FeedbackSettings.objects.select_related("marketing_partner")
        .filter(organization=organization)
        .first()
    )
    if found is None:
        found, _ = FeedbackSettings.objects.get_or_create(organization=organization)
    return found


@transaction.atomic
def feedback_settings_update(
    *,
    membership: Membership,
    contact_interval_days: int,
    link_lifetime_days: int,
    reminder_after_days: int,
    marketing_partner_id: int | None = None,
    nurture_passives: bool = False,
) -> FeedbackSettings:
    require(membership, Action.SURVEY_MANAGE)
    found = feedback_settings(membership.organization)
    errors: dict[str, str] = {}
    for name, value, low, high in [
        ("contact_interval_days", contact_interval_days, 0, 3650),
        ("link_lifetime_days", link_lifetime_days, 1, 365),
        ("reminder_after_days", reminder_after_days, 1, 60),
    ]:
        if not low <= value <= high:
            errors[name] = f"Between {low} and {high} days."
    partner = None
    if marketing_partner_id is not None:
        partner = Membership.objects.filter(
            organization=membership.organization, pk=marketing_partner_id
        ).first()
        if partner is None:
            errors["marketing_partner"] = "Choose a member of this organisation."
    if errors:
        raise ValidationError(errors)
    found.contact_interval_days = contact_interval_days
    found.link_lifetime_days = link_lifetime_days
    found.reminder_after_days = reminder_after_days
    found.marketing_partner = partner
    found.nurture_passives = nurture_passives
    found.save()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="feedback_settings.update",
        obj=found,
    )
    return found


def _survey_fields(name: str, colour: str, default_language: str, thank_you: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Give the survey a name."
    if not HEX_COLOUR.match(colour):
        errors["colour"] = "A colour like #2f5d8a."
    if default_language not in LANGUAGES:
        errors["default_language"] = f"One of {', '.join(LANGUAGES)}."
    if len(thank_you) > 2000:
        errors["thank_you"] = "At most 2000 characters."
    return errors


LOGO_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
LOGO_MAX_BYTES = 200_000


def _logo_errors(logo: bytes, logo_type: str) -> dict[str, str]:
    if not logo:
        return {}
    if logo_type not in LOGO_TYPES:
        # SVG is refused: it can carry script.
        return {"logo": "A PNG, JPEG, GIF or WebP image."}
    if len(logo) > LOGO_MAX_BYTES:
        return {"logo": f"At most {LOGO_MAX_BYTES // 1000} kB."}
    return {}


@transaction.atomic
def survey_create(
    *,
    membership: Membership,
    name: str,
    brand_name: str = "",
    logo: bytes = b"",
    logo_type: str = "",
    colour: str = "#2f5d8a",
    thank_you: str = "",
    default_language: str = "en",
) -> Survey:
    """A branded three-question survey."""
    require(membership, Action.SURVEY_MANAGE)
    errors = _survey_fields(name, colour, default_language, thank_you)
    errors.update(_logo_errors(logo, logo_type))
    if errors:
        raise ValidationError(errors)
    survey = Survey.objects.create(
        organization=membership.organization,
        name=name.strip(),
        brand_name=brand_name.strip(),
        logo=logo,
        logo_type=logo_type,
        colour=colour.lower(),
        thank_you=thank_you,
        default_language=default_language,
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="survey.create",
        obj=survey,
    )
    return survey


@transaction.atomic
def survey_update(*, membership: Membership, survey: Survey, **changes: Any) -> Survey:
    """Change a survey's frame; only the given fields change."""
    require(membership, Action.SURVEY_MANAGE)
    allowed = {"name", "brand_name", "logo", "logo_type", "colour", "thank_you", "default_language"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Not a survey field."))
    merged = {k: getattr(survey, k) for k in allowed} | changes
    errors = _survey_fields(
        merged["name"], merged["colour"], merged["default_language"], merged["thank_you"]
    )
    if "logo" in changes:
        errors.update(_logo_errors(merged["logo"], merged["logo_type"]))
    if errors:
        raise ValidationError(errors)
    before = {k: getattr(survey, k) for k in changes if k != "logo"}
    for key, value in changes.items():
        if key in {"name", "brand_name"}:
            value = value.strip()
        if key == "colour":
            value = value.lower()
        setattr(survey, key, value)
    survey.save()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="survey.update",
        obj=survey,
        changes={k: [before[k], changes[k]] for k in before if before[k] != changes[k]},
    )
    return survey


@transaction.atomic
def survey_anonymous_link(*, membership: Membership, survey: Survey) -> str:
    """A new shareable link for anyone (the previous one stops working). Shown once."""
    require(membership, Action.SURVEY_MANAGE)
    token = "a" + new_token()
    survey.anonymous_token_hash = hash_token(token)
    survey.save(update_fields=["anonymous_token_hash"])
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="survey.anonymous_link",
        obj=survey,
    )
    return survey_url(token)


def survey_url(token: str, score: int | None = None) -> str:
    url = settings.SITE_URL + reverse("survey_link", kwargs={"token": token})
    return url if score is None else f"{url}?score={score}"
