"""Campaigns and their recipients, from a CSV or from pipeline contacts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
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
from accord.lib.csvfile import CsvFileError, read_csv, require_columns
from accord.lib.emails import email_clean
from accord.orgs.models import Membership, Organization
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record
from accord.pipeline.selectors import account_owners_for_emails, contacts_for_survey


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


def recipient_rows_from_csv(data: bytes) -> Iterator[tuple[int, RecipientRow | str]]:
    """Each data row of an uploaded recipients CSV with its number in the file
    (the header is row 1), as a RecipientRow or an error message naming the column."""
    try:
        table = read_csv(data)
        require_columns(table, "email")
        for row in table.rows:
            yield row.number, _recipient_row(row.values)
    except CsvFileError as error:
        yield error.row, str(error)


def _recipient_row(values: dict[str, str]) -> RecipientRow | str:
    if not values.get("email", ""):
        return "email: missing."
    try:
        email = email_clean(values["email"])
    except ValidationError as error:
        return f"email: {error.messages[0]}"
    language = values.get("language", "").lower()[:10]
    if language and language[:2] not in LANGUAGES:
        return f"language: unknown '{language}'; use one of {', '.join(LANGUAGES)} or leave empty."
    for column in ("name", "company"):
        if len(values.get(column, "")) > 200:
            return f"{column}: at most 200 characters."
    attributes = {k: v for k, v in values.items() if k and k not in RECIPIENT_COLUMNS and v}
    for key, value in attributes.items():
        # Refused, never cut: a segment must read as the file wrote it.
        if len(key) > 60:
            return f"{key[:60]}…: a column name of at most 60 characters."
        if len(value) > 200:
            return f"{key}: at most 200 characters."
    return RecipientRow(
        email=email,
        name=values.get("name", ""),
        company=values.get("company", ""),
        language=language[:2],
        attributes=attributes,
    )


# Rows added per round of queries: a constant number of statements per batch,
# and IN lists well within every database's limit on parameters.
ADD_BATCH = 500


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
    pending: list[RecipientRow] = []
    for number, row in rows:
        if isinstance(row, str):
            result.errors.append((number, row))
            continue
        if row.email in seen:
            result.duplicates += 1
            continue
        seen.add(row.email)
        pending.append(row)
    if result.errors and not dry_run:
        # A list with bad rows changes nothing: the user fixes the file and uploads again.
        return result
    for start in range(0, len(pending), ADD_BATCH):
        _recipients_add_batch(
            organization, campaign, pending[start : start + ADD_BATCH], recent, result, dry_run
        )
    return result


def _recipients_add_batch(
    organization: Organization,
    campaign: Campaign,
    batch: list[RecipientRow],
    recent: datetime,
    result: RecipientsAdded,
    dry_run: bool,
) -> None:
    """Add one batch of distinct, valid rows in a fixed number of queries: read
    their contacts, create the missing ones, find the account owners, insert
    the recipients not on the campaign yet."""
    emails = [row.email for row in batch]
    contacts = {
        contact.email: contact
        for contact in Contact.objects.filter(organization=organization, email__in=emails)
    }
    addable: list[RecipientRow] = []
    for row in batch:
        contact = contacts.get(row.email)
        if contact and contact.opted_out_at:
            result.skipped_opted_out += 1
        elif contact and contact.last_surveyed_at and contact.last_surveyed_at > recent:
            result.skipped_recent += 1
        else:
            addable.append(row)
    if dry_run:
        result.added += len(addable)
        return
    if not addable:
        return
    missing = [row for row in addable if row.email not in contacts]
    if missing:
        # Ignoring conflicts: another upload may have created the same contact meanwhile.
        Contact.objects.bulk_create(
            [
                Contact(
                    organization=organization, email=row.email, name=row.name, company=row.company
                )
                for row in missing
            ],
            ignore_conflicts=True,
        )
        contacts.update(
            (contact.email, contact)
            for contact in Contact.objects.filter(
                organization=organization, email__in=[row.email for row in missing]
            )
        )
    named = {row.account_owner_id for row in addable if row.account_owner_id}
    members = (
        Membership.objects.filter(organization=organization, pk__in=named).in_bulk()
        if named
        else {}
    )
    owners = account_owners_for_emails(
        organization, [row.email for row in addable if members.get(row.account_owner_id) is None]
    )
    on_campaign = set(
        Recipient.objects.filter(
            campaign=campaign, contact__in=[contacts[row.email].pk for row in addable]
        ).values_list("contact_id", flat=True)
    )
    new: list[Recipient] = []
    for row in addable:
        contact = contacts[row.email]
        if contact.pk in on_campaign:
            result.duplicates += 1
            continue
        new.append(
            Recipient(
                organization=organization,
                campaign=campaign,
                contact=contact,
                email=row.email,
                name=row.name or contact.name,
                company=row.company or contact.company,
                language=row.language,
                attributes=row.attributes,
                account_owner=members.get(row.account_owner_id) or owners.get(row.email),
            )
        )
    # Ignoring conflicts: a second upload at the same moment may add the same person.
    Recipient.objects.bulk_create(new, ignore_conflicts=True)
    result.added += len(new)


@transaction.atomic
def recipients_add_csv(
    *, membership: Membership, campaign: Campaign, data: bytes, dry_run: bool = False
) -> RecipientsAdded:
    """Add a CSV list (email, name, company, language, any other column as a segment
    attribute). Any bad row: nothing is added and every bad row is reported."""
    require(membership, Action.SURVEY_MANAGE)
    if not Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DRAFT).exists():
        raise ValidationError({"file": "This campaign has been sent; start a new one."})
    result = _recipients_add(membership, campaign, recipient_rows_from_csv(data), dry_run=dry_run)
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
