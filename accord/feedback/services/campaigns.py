"""Campaigns and their recipients, from a CSV or from pipeline contacts."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import (
    transaction,
)
from django.utils import timezone

from accord.feedback.i18n import LANGUAGES
from accord.feedback.models import (
    Campaign,
    Contact,
    Recipient,
    Survey,
)
from accord.feedback.services.surveys import feedback_settings
from accord.jobs.services import job_enqueue
from accord.orgs.models import Membership, Organization
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record
from accord.pipeline.selectors import account_owner_for_email, contacts_for_survey


@transaction.atomic
def campaign_create(*, membership: Membership, survey: Survey, name: str) -> Campaign:
    require(membership, Action.SURVEY_MANAGE)
    if survey.organization_id != membership.organization_id:
        raise ValidationError({"survey": "Choose a survey of this organisation."})
    if not name.strip():
        raise ValidationError({"name": "Give the campaign a name."})
    campaign = Campaign.objects.create(
        organization=membership.organization,
        survey=survey,
        name=name.strip(),
        created_by=membership,
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="campaign.create",
        obj=campaign,
    )
    return campaign


@dataclass
class RecipientRow:
    email: str
    name: str = ""
    company: str = ""
    language: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    account_owner_id: int | None = None


@dataclass
class RecipientsAdded:
    """What adding a list did: counts, and each bad row with its number and reason."""

    added: int = 0
    skipped_recent: int = 0
    skipped_opted_out: int = 0
    duplicates: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


RECIPIENT_COLUMNS = ("email", "name", "company", "language")


def recipient_rows_from_csv(text: str) -> Iterator[tuple[int, RecipientRow | str]]:
    """Each data row of a recipients CSV (row 2 is the first after the header),
    as a RecipientRow or an error message naming the column."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as error:
        yield 1, f"The file is not readable CSV: {error}"
        return
    if "email" not in header:
        yield 1, "The header row needs an 'email' column."
        return
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = dict(zip(header, (cell.strip() for cell in row), strict=False))
        yield number, _recipient_row(values)


def _recipient_row(values: dict[str, str]) -> RecipientRow | str:
    email = values.get("email", "").lower()
    if not email:
        return "email: missing."
    try:
        validate_email(email)
    except ValidationError:
        return f"email: '{email[:80]}' is not an email address."
    language = values.get("language", "").lower()[:10]
    if language and language[:2] not in LANGUAGES:
        return f"language: unknown '{language}'; use one of {', '.join(LANGUAGES)} or leave empty."
    for column in ("name", "company"):
        if len(values.get(column, "")) > 200:
            return f"{column}: at most 200 characters."
    attributes = {
        k[:60]: v[:200] for k, v in values.items() if k and k not in RECIPIENT_COLUMNS and v
    }
    return RecipientRow(
        email=email,
        name=values.get("name", ""),
        company=values.get("company", ""),
        language=language[:2],
        attributes=attributes,
    )


def _account_owner(organization: Organization, email: str) -> Membership | None:
    """The pipeline's account owner of this customer, if any."""
    return account_owner_for_email(organization, email)


def _recipients_add(
    membership: Membership,
    campaign: Campaign,
    rows: Iterable[tuple[int, RecipientRow | str]],
    *,
    dry_run: bool,
) -> RecipientsAdded:
    organization = membership.organization
    rules = feedback_settings(organization)
    recent = timezone.now() - timedelta(days=rules.contact_interval_days)
    result = RecipientsAdded()
    seen: set[str] = set()
    pending: list[tuple[int, RecipientRow]] = []
    for number, row in rows:
        if isinstance(row, str):
            result.errors.append((number, row))
            continue
        if row.email in seen:
            result.duplicates += 1
            continue
        seen.add(row.email)
        pending.append((number, row))
    if result.errors and not dry_run:
        # A list with bad rows changes nothing: the user fixes the file and uploads again.
        return result
    for _, row in pending:
        contact = Contact.objects.filter(organization=organization, email=row.email).first()
        if contact and contact.opted_out_at:
            result.skipped_opted_out += 1
            continue
        if contact and contact.last_surveyed_at and contact.last_surveyed_at > recent:
            result.skipped_recent += 1
            continue
        if dry_run:
            result.added += 1
            continue
        if contact is None:
            contact = Contact.objects.create(
                organization=organization, email=row.email, name=row.name, company=row.company
            )
        owner: Membership | None = None
        if row.account_owner_id:
            owner = Membership.objects.filter(
                organization=organization, pk=row.account_owner_id
            ).first()
        owner = owner or _account_owner(organization, row.email)
        _, created = Recipient.objects.get_or_create(
            campaign=campaign,
            contact=contact,
            defaults={
                "organization": organization,
                "email": row.email,
                "name": row.name or contact.name,
                "company": row.company or contact.company,
                "language": row.language,
                "attributes": row.attributes,
                "account_owner": owner,
            },
        )
        if created:
            result.added += 1
        else:
            result.duplicates += 1
    return result


@transaction.atomic
def recipients_add_csv(
    *, membership: Membership, campaign: Campaign, text: str, dry_run: bool = False
) -> RecipientsAdded:
    """Add a CSV list (email, name, company, language, any other column as a segment
    attribute). Any bad row: nothing is added and every bad row is reported."""
    require(membership, Action.SURVEY_MANAGE)
    if not Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DRAFT).exists():
        raise ValidationError({"file": "This campaign has been sent; start a new one."})
    result = _recipients_add(membership, campaign, recipient_rows_from_csv(text), dry_run=dry_run)
    if result.added and not dry_run:
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="campaign.recipients_add",
            obj=campaign,
            changes={
                "added": result.added,
                "skipped_recent": result.skipped_recent,
                "skipped_opted_out": result.skipped_opted_out,
            },
        )
    return result


@transaction.atomic
def recipients_add_contacts(
    *, membership: Membership, campaign: Campaign, segment: dict[str, str] | None = None
) -> RecipientsAdded:
    """Add the pipeline's contacts (optionally one segment) to a draft campaign."""
    require(membership, Action.SURVEY_MANAGE)
    if not Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DRAFT).exists():
        raise ValidationError({"segment": "This campaign has been sent; start a new one."})

    def rows() -> Iterator[tuple[int, RecipientRow | str]]:
        for number, item in enumerate(contacts_for_survey(membership, segment=segment), start=1):
            get = item.get if isinstance(item, dict) else lambda k, d=None, i=item: getattr(i, k, d)
            values = {
                "email": str(get("email", "") or ""),
                "name": str(get("name", "") or ""),
                "company": str(get("company", "") or ""),
                "language": str(get("language", "") or ""),
            }
            # The agreed interface names it "extra attributes": accept either key.
            extra = get("attributes", None) or get("extra", None) or {}
            values.update({str(k): str(v) for k, v in extra.items() if v not in (None, "")})
            parsed = _recipient_row(values)
            if isinstance(parsed, RecipientRow):
                parsed.account_owner_id = get("account_owner_id", None)
                yield number, parsed
            # A pipeline contact without a usable address is not an upload error.

    result = _recipients_add(membership, campaign, rows(), dry_run=False)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="campaign.recipients_add",
        obj=campaign,
        changes={"from": "pipeline", "added": result.added},
    )
    return result


@transaction.atomic
def campaign_send(*, membership: Membership, campaign: Campaign) -> Campaign:
    """Start sending: the worker sends in batches and schedules the reminder."""
    from accord.feedback.jobs import campaign_send_batch

    require(membership, Action.SURVEY_MANAGE)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise ValidationError({"campaign": "This campaign is already sending or sent."})
    if not campaign.recipients.filter(status=Recipient.Status.QUEUED).exists():
        raise ValidationError({"campaign": "Add recipients before sending."})
    campaign.status = Campaign.Status.SENDING
    campaign.send_requested_at = timezone.now()
    campaign.save(update_fields=["status", "send_requested_at"])
    job_enqueue(
        campaign_send_batch, organization_id=campaign.organization_id, campaign_id=campaign.pk
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="campaign.send",
        obj=campaign,
    )
    return campaign
