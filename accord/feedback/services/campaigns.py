"""Campaigns and their recipients, from an uploaded list or from pipeline
contacts, added by the worker in batches (``recipients_import_run``)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import (
    transaction,
)
from django.utils import timezone

from accord.feedback.counts import campaign_recipients_added
from accord.feedback.i18n import LANGUAGES
from accord.feedback.models import (
    Campaign,
    Contact,
    Recipient,
    RecipientImport,
    RecipientImportError,
    Survey,
)
from accord.feedback.services.surveys import feedback_settings
from accord.jobs.services import job_enqueue
from accord.lib.csvfile import CsvFileError, normalise_header, row_width_error
from accord.lib.emails import email_clean
from accord.lib.tables import Skipped, Unreadable, open_table
from accord.orgs.models import Membership, Organization
from accord.orgs.permissions import Action, can, require
from accord.orgs.services import audit_record
from accord.pipeline.selectors import (
    account_owners_for_emails,
    contacts_for_survey,
    contacts_for_survey_count,
)


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
# An uploaded list is read from the database by the worker, so it has a size
# (the page's form allows the same). Documented in docs/user-guide.md.
MAX_LIST_BYTES = 20 * 1024 * 1024


def recipient_rows_from_csv(data: bytes) -> Iterator[tuple[int, RecipientRow | str | None]]:
    """Each row of an uploaded recipients list (CSV or .xlsx) after its header,
    with its number in the file (the first row is 1): a RecipientRow, an error
    message naming the column, or None for a row that is not data (a title
    row, a report footer). A file that cannot be read at all yields one error
    for row 1 (``recipients_header_check`` finds those before a run starts).

    Strict, like every import: a row with more or fewer fields than the
    header, a quote never closed and bytes the encoding cannot read are
    refused with the row's number; a value too long for its field is refused
    with the limit, never cut.
    """
    try:
        table = open_table(io.BytesIO(data))
        header = [normalise_header(name) for name in table.header]
        _require_email(header)
    except CsvFileError as error:
        yield error.row, str(error)
        return
    delimiter = table.delimiter if table.source == "csv" else ""
    for record in table.records():
        if isinstance(record, Skipped):
            yield record.number, None
        elif isinstance(record, Unreadable):
            yield record.number, record.message
        else:
            number, cells = record
            wrong = row_width_error(cells, len(header), delimiter)
            if wrong:
                yield number, wrong
                continue
            values = {name: cells[i].strip() for i, name in enumerate(header) if name}
            yield number, _recipient_row(values)


def _require_email(header: list[str]) -> None:
    if "email" not in header:
        found = ", ".join(name for name in header if name) or "none"
        raise CsvFileError(f"Row 1: missing column email; found {found}.")


def recipients_header_check(data: bytes) -> None:
    """Raise ``ValidationError`` on ``file`` when the list cannot be read at all
    (empty, binary, an old .xls, no email column, too wide): found at once,
    before a run is queued, from the first rows only."""
    if len(data) > MAX_LIST_BYTES:
        raise ValidationError(
            {
                "file": f"The list is {len(data) / 2**20:.1f} MB; at most "
                f"{MAX_LIST_BYTES // 2**20} MB per file. Split it."
            }
        )
    try:
        table = open_table(io.BytesIO(data))
        _require_email([normalise_header(name) for name in table.header])
    except CsvFileError as error:
        raise ValidationError({"file": str(error)}) from None


def _recipient_row(values: dict[str, str]) -> RecipientRow | str:
    if not values.get("email", ""):
        return "email: missing."
    try:
        email = email_clean(values["email"])
    except ValidationError as error:
        return f"email: {error.messages[0]}"
    language = values.get("language", "").lower()
    if language and (len(language) > 10 or language[:2] not in LANGUAGES):
        return (
            f"language: unknown '{language[:10]}'; use one of {', '.join(LANGUAGES)} "
            "or leave empty."
        )
    for column in ("name", "company"):
        if len(values.get(column, "")) > 200:
            return f"{column}: {len(values[column])} characters; at most 200 fit."
    attributes = {k: v for k, v in values.items() if k and k not in RECIPIENT_COLUMNS and v}
    for key, value in attributes.items():
        # Refused, never cut: a segment must read as the file wrote it.
        if len(key) > 60:
            return f"{key[:60]}…: a column name of at most 60 characters."
        if len(value) > 200:
            return f"{key}: {len(value)} characters; at most 200 fit."
    return RecipientRow(
        email=email,
        name=values.get("name", ""),
        company=values.get("company", ""),
        language=language[:2],
        attributes=attributes,
    )


# Rows added per round of queries: a constant number of statements per batch,
# and IN lists well within every database's limit on parameters. Each batch
# commits with the run's progress.
ADD_BATCH = 500


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
    # The campaign's row is locked (``_batch_commit``), so no other batch adds
    # to it meanwhile: no conflict is left to ignore, and the count is exact.
    Recipient.objects.bulk_create(new, ignore_conflicts=True)
    campaign_recipients_added(campaign, len(new))
    result.added += len(new)


def _draft(campaign: Campaign, field_name: str) -> None:
    if not Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DRAFT).exists():
        raise ValidationError({field_name: "This campaign has been sent; start a new one."})


def _import_start(run: RecipientImport, membership: Membership) -> RecipientImport:
    from accord.feedback.jobs import recipients_import_job

    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="campaign.recipients_import",
        obj=run.campaign,
        changes={
            "import": run.pk,
            "source": run.source,
            "filename": run.filename,
            "segment": run.segment,
            "dry_run": run.dry_run,
        },
    )
    job_enqueue(recipients_import_job, organization_id=run.organization_id, import_id=run.pk)
    return run


@transaction.atomic
def recipients_import_csv(
    *,
    membership: Membership,
    campaign: Campaign,
    data: bytes,
    filename: str = "",
    dry_run: bool = False,
) -> RecipientImport:
    """Queue adding a list (CSV or .xlsx: email, name, company, language, any
    other column as a segment attribute) to a draft campaign; the worker adds
    it in batches (``recipients_import_run``), the campaign's page shows how
    far it got. A file that cannot be read at all is refused here, on
    ``file``; bad rows are refused one by one by the run, with their numbers,
    and the good rows are added. A dry run counts and checks, adding no one."""
    require(membership, Action.SURVEY_MANAGE)
    _draft(campaign, "file")
    recipients_header_check(data)
    run = RecipientImport.objects.create(
        organization=membership.organization,
        campaign=campaign,
        source=RecipientImport.Source.CSV,
        filename=filename[:255],
        data=data,
        file_size=len(data),
        dry_run=dry_run,
        started_by=membership,
    )
    return _import_start(run, membership)


@transaction.atomic
def recipients_import_contacts(
    *, membership: Membership, campaign: Campaign, segment: dict[str, str] | None = None
) -> RecipientImport:
    """Queue adding the pipeline's contacts (optionally one segment) to a draft
    campaign; the worker adds them in batches like an uploaded list."""
    require(membership, Action.SURVEY_MANAGE)
    _draft(campaign, "segment")
    run = RecipientImport.objects.create(
        organization=membership.organization,
        campaign=campaign,
        source=RecipientImport.Source.PIPELINE,
        segment=segment or {},
        started_by=membership,
    )
    return _import_start(run, membership)


def _contact_rows(
    membership: Membership, segment: dict[str, str]
) -> Iterator[tuple[int, RecipientRow | str | None]]:
    """The pipeline's contacts as numbered rows (their place in the list, by id)."""
    for number, item in enumerate(contacts_for_survey(membership, segment=segment), start=1):
        values = {
            "email": str(item.get("email", "") or ""),
            "name": str(item.get("name", "") or ""),
            "company": str(item.get("company", "") or ""),
            "language": str(item.get("language", "") or ""),
        }
        extra = item.get("extra", None) or {}
        values.update({str(k): str(v) for k, v in extra.items() if v not in (None, "")})
        parsed = _recipient_row(values)
        if isinstance(parsed, RecipientRow):
            parsed.account_owner_id = item.get("account_owner_id", None)
            yield number, parsed
        else:
            # Named by its address: a place in the list means little to the reader.
            yield number, f"contact {values['email'][:100]}: {parsed}"


class _CampaignSent(Exception):
    """The campaign left draft while its recipients were being added."""


def recipients_import_run(*, import_id: int) -> RecipientImport:
    """Run (or resume) a queued recipients import; the worker's job calls it.

    Rows are read in file order and added ``ADD_BATCH`` at a time; each
    batch (its recipients, its refused rows and the run's counts and
    ``rows_done``) commits in one transaction, so a run cut off anywhere and
    run again skips the batches already committed and ends as one clean run
    would. A dry run writes only its counts: run again, it starts over.
    The stored file is emptied when the run ends.
    """
    with transaction.atomic():
        run = (
            RecipientImport.objects.select_for_update(of=("self",))
            .select_related("organization", "campaign", "started_by__user")
            .get(pk=import_id)
        )
        if not run.running:
            return run
        if run.dry_run and run.rows_done:
            _counts_reset(run)
        run.status = RecipientImport.Status.RUNNING
        if not run.rows_total:
            run.rows_total = _rows_estimate(run, run.started_by)
        run.save()
    membership = run.started_by
    if membership is None or not can(membership, Action.SURVEY_MANAGE):
        return _finish(run, failed="The member who started it may no longer manage surveys.")
    rows = (
        recipient_rows_from_csv(bytes(run.data))
        if run.source == RecipientImport.Source.CSV
        else _contact_rows(membership, run.segment)
    )
    rules = feedback_settings(run.organization)
    recent = timezone.now() - timedelta(days=rules.contact_interval_days)
    seen: set[str] = set()
    batch = _Batch()
    try:
        for number, row in rows:
            if number <= run.rows_done:
                continue
            batch.last = number
            if row is None:
                batch.skipped += 1
            elif isinstance(row, str):
                batch.errors.append((number, row))
            elif row.email in seen:
                batch.duplicates += 1
            else:
                seen.add(row.email)
                batch.rows.append(row)
            if batch.size >= ADD_BATCH:
                _batch_commit(run, batch, recent)
                batch = _Batch()
        if batch.last:
            _batch_commit(run, batch, recent)
    except _CampaignSent:
        return _finish(
            run,
            failed=f"The campaign was sent while its list was being added; rows after "
            f"{run.rows_done} were not added.",
        )
    return _finish(run)


@dataclass
class _Batch:
    """Rows read since the last commit."""

    rows: list[RecipientRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    skipped: int = 0
    duplicates: int = 0
    last: int = 0  # the number of the last row read

    @property
    def size(self) -> int:
        return len(self.rows) + len(self.errors) + self.skipped + self.duplicates


def _batch_commit(run: RecipientImport, batch: _Batch, recent: datetime) -> None:
    """Add one batch and record it on the run, in one transaction and a fixed
    number of queries."""
    with transaction.atomic():
        locked = RecipientImport.objects.select_for_update().get(pk=run.pk)
        if locked.rows_done >= batch.last:
            # Committed already (another worker took the run over meanwhile).
            run.rows_done = locked.rows_done
            return
        # Locked: batches of one campaign add one after another, each seeing
        # what the one before added (its counts stay exact), and sending
        # waits for the batch.
        draft = (
            Campaign.objects.select_for_update()
            .filter(pk=run.campaign_id, status=Campaign.Status.DRAFT)
            .values_list("pk", flat=True)
            .first()
        )
        if draft is None:
            raise _CampaignSent
        result = RecipientsAdded(duplicates=batch.duplicates)
        if batch.rows:
            _recipients_add_batch(
                run.organization, run.campaign, batch.rows, recent, result, run.dry_run
            )
        RecipientImportError.objects.bulk_create(
            RecipientImportError(
                organization_id=run.organization_id, run=locked, row=row, message=message[:500]
            )
            for row, message in batch.errors
        )
        locked.added += result.added
        locked.skipped_recent += result.skipped_recent
        locked.skipped_opted_out += result.skipped_opted_out
        locked.duplicates += result.duplicates
        locked.skipped += batch.skipped
        locked.refused += len(batch.errors)
        locked.rows_done = batch.last
        locked.save()
        for name in (*_COUNTS, "rows_done"):
            setattr(run, name, getattr(locked, name))


_COUNTS = ("added", "skipped_recent", "skipped_opted_out", "duplicates", "skipped", "refused")


def _counts_reset(run: RecipientImport) -> None:
    for name in (*_COUNTS, "rows_done"):
        setattr(run, name, 0)
    RecipientImportError.objects.filter(run=run).delete()


def _rows_estimate(run: RecipientImport, membership: Membership | None) -> int:
    if run.source == RecipientImport.Source.CSV:
        # Lines after the header: a quoted cell over several lines counts more.
        return max(bytes(run.data).count(b"\n"), 1)
    if membership is None:
        return 0
    return contacts_for_survey_count(membership, segment=run.segment)


def _finish(run: RecipientImport, *, failed: str = "") -> RecipientImport:
    """Mark the run done (or failed), drop the stored file, and audit what it added."""
    with transaction.atomic():
        locked = RecipientImport.objects.select_for_update().get(pk=run.pk)
        if not locked.running:
            return locked
        locked.status = RecipientImport.Status.FAILED if failed else RecipientImport.Status.DONE
        locked.message = failed[:500]
        locked.data = b""
        locked.finished_at = timezone.now()
        locked.save()
        if locked.added and not locked.dry_run:
            # The organisation, campaign and member as the run loaded them.
            audit_record(
                organization=run.organization,
                actor=run.started_by.user if run.started_by else None,
                action="campaign.recipients_add",
                obj=run.campaign,
                changes={
                    "import": locked.pk,
                    "source": locked.source,
                    "added": locked.added,
                    "skipped_recent": locked.skipped_recent,
                    "skipped_opted_out": locked.skipped_opted_out,
                    "refused": locked.refused,
                },
            )
    return locked


@transaction.atomic
def campaign_send(*, membership: Membership, campaign: Campaign) -> Campaign:
    """Start sending: the worker sends in batches and schedules the reminder."""
    from accord.feedback.jobs import campaign_send_batch

    require(membership, Action.SURVEY_MANAGE)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise ValidationError({"campaign": "This campaign is already sending or sent."})
    if campaign.imports.filter(
        status__in=[RecipientImport.Status.QUEUED, RecipientImport.Status.RUNNING], dry_run=False
    ).exists():
        raise ValidationError(
            {"campaign": "Recipients are still being added; send once the list is in."}
        )
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
