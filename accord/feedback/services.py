"""Writes for customer feedback: surveys, campaigns, recipients, responses,
follow-ups, themes and imports.

Services acting for a member take that ``membership`` and check the matrix.
The public survey acts for nobody: ``response_record`` is authorised by the
link's token alone.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import importlib
import io
import re
import secrets
import time
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    ProgrammingError,
    connection,
    transaction,
)
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.urls import reverse
from django.utils import timezone

from accord.feedback.i18n import LANGUAGES
from accord.feedback.models import (
    Campaign,
    Contact,
    FeedbackSettings,
    FollowUp,
    Recipient,
    Response,
    Survey,
    SurveyRateCounter,
    Theme,
)
from accord.lib.nps import category
from accord.lib.tokens import hash_token, new_token
from accord.orgs.models import Membership, Organization, Role
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record

# Longest answer kept per question; longer ones are refused with a message,
# the customer's text is shown back to them so nothing is lost.
COMMENT_MAX_LENGTH = 10_000
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class AlreadyRecorded(Exception):
    """The link already has its one response."""


class LinkExpired(Exception):
    """The link's time is up."""


# -- settings ----------------------------------------------------------------


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


# -- surveys -------------------------------------------------------------------


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


# -- campaigns and recipients ----------------------------------------------------


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
    """The pipeline's account owner of this customer, when the pipeline app says."""
    try:
        module = importlib.import_module("accord.pipeline.selectors")
        lookup = module.account_owner_for_email
    except (ImportError, AttributeError):
        return None
    owner = lookup(organization, email)
    return owner if isinstance(owner, Membership) else None


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


def pipeline_contacts_available() -> bool:
    try:
        module = importlib.import_module("accord.pipeline.selectors")
    except ImportError:
        return False
    return hasattr(module, "contacts_for_survey")


@transaction.atomic
def recipients_add_contacts(
    *, membership: Membership, campaign: Campaign, segment: dict[str, str] | None = None
) -> RecipientsAdded:
    """Add the pipeline's contacts (optionally one segment) to a draft campaign."""
    require(membership, Action.SURVEY_MANAGE)
    if not Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DRAFT).exists():
        raise ValidationError({"segment": "This campaign has been sent; start a new one."})
    try:
        module = importlib.import_module("accord.pipeline.selectors")
        contacts = module.contacts_for_survey
    except (ImportError, AttributeError):
        raise ValidationError(
            {"segment": "Pipeline contacts are not available yet; upload a CSV list instead."}
        ) from None

    def rows() -> Iterator[tuple[int, RecipientRow | str]]:
        for number, item in enumerate(contacts(membership, segment=segment), start=1):
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
    from accord.jobs.services import job_enqueue

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


# -- the public side: links, responses, opt-out ---------------------------------


# What the public form reads of a personal link, in one narrow query: the
# public POST is the hottest path (see bench/feedback_public_post.py).
LINK_FIELDS = (
    *(
        f"{field}"
        for field in (
            "id",
            "organization_id",
            "campaign_id",
            "contact_id",
            "email",
            "name",
            "company",
            "language",
            "attributes",
            "account_owner_id",
            "status",
            "expires_at",
            "opened_at",
            "responded_at",
        )
    ),
    "campaign__id",
    "campaign__survey_id",
    "campaign__organization_id",
    *(
        f"campaign__survey__{field}"
        for field in (
            "id",
            "organization_id",
            "name",
            "brand_name",
            "colour",
            "thank_you",
            "default_language",
            "logo_type",
        )
    ),
    *(f"campaign__survey__organization__{f}" for f in ("id", "name", "slug", "time_zone")),
    *(
        f"campaign__survey__organization__feedback_settings__{field}"
        for field in (
            "id",
            "organization_id",
            "nurture_passives",
            "themes_queued_at",
            "followups_queued_at",
        )
    ),
)


@dataclass(frozen=True)
class Link:
    """What a token opens: a personal recipient link or a survey's anonymous link."""

    survey: Survey
    recipient: Recipient | None


_DIGEST = "0" * 64


@functools.cache
def _recipient_query(field: str, vendor: str) -> tuple[str, list[Any], int, Any]:
    """The link's one-row query, compiled once per process: (sql, params, the
    digest's position in params, a function making the Recipient from a row).

    The ORM compiles it (the select_related join and the columns of LINK_FIELDS)
    and builds the objects the way its ModelIterable does; only the compiling,
    about a millisecond of Python on every public POST, is done once.
    """
    queryset = (
        Recipient.objects.select_related("campaign__survey__organization__feedback_settings")
        .only(*LINK_FIELDS)
        .order_by()
        .filter(**{field: _DIGEST})[:1]
    )
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    select, klass_info = compiler.select, compiler.klass_info
    assert klass_info is not None
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    names = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, DEFAULT_DB_ALIAS)
    converters = compiler.get_converters([column[0] for column in select])

    def build(row: tuple[Any, ...]) -> Recipient:
        if converters:
            row = next(iter(compiler.apply_converters([list(row)], converters)))
        found = Recipient.from_db(DEFAULT_DB_ALIAS, names, row[start:end])
        for populator in populators:
            populator.populate(row, found)
        return found

    return sql, list(params), list(params).index(_DIGEST), build


def _recipient_by(field: str, digest: str) -> Recipient | None:
    sql, params, position, build = _recipient_query(field, connection.vendor)
    params = [*params[:position], digest, *params[position + 1 :]]
    with connection.cursor() as cursor:
        _execute_prepared(cursor, f"accord_link_{field}", sql, params)
        row = cursor.fetchone()
    return build(row) if row is not None else None


def _execute_prepared(cursor: Any, name: str, sql: str, params: list[Any]) -> None:
    """Run ``sql``; on PostgreSQL outside a transaction, as a statement prepared
    once per connection: planning the public POST's two statements costs the
    server more than running them. Only outside a transaction, so that a
    missing statement (after a pooler's reset) can be prepared again."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        cursor.execute(sql, params)
        return
    arguments = ", ".join(["%s"] * len(params))
    try:
        _prepare(cursor, name, sql)
        cursor.execute(f"EXECUTE {name} ({arguments})", params)
    except ProgrammingError:
        _prepared.pop(connection.connection, None)
        _prepare(cursor, name, sql)
        cursor.execute(f"EXECUTE {name} ({arguments})", params)


def _cast_type(field: Any) -> str:
    db_type = str(field.db_type(connection))
    return "text" if db_type.startswith("varchar") else db_type


# The statements prepared on each open PostgreSQL connection.
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def _prepare(cursor: Any, name: str, sql: str) -> None:
    done = _prepared.setdefault(connection.connection, set())
    if name not in done:
        numbered = iter(range(1, sql.count("%s") + 1))
        cursor.execute(f"PREPARE {name} AS " + re.sub("%s", lambda _: f"${next(numbered)}", sql))
        done.add(name)


def link_for_token(token: str, *, allow_expired: bool = False) -> Link | None:
    """The link behind ``token``, or None. Raises LinkExpired for an expired one
    (unless ``allow_expired``: leaving the list works as long as the email exists).

    Reads only: opening a link records nothing (mail scanners open links).
    """
    if not token or len(token) > 100:
        return None
    digest = hash_token(token)
    # Two indexed equality lookups: an OR, or an ORDER BY, would let the
    # planner walk the whole table.
    recipient = _recipient_by("token_hash", digest) or _recipient_by("reminder_token_hash", digest)
    if recipient is not None:
        if not allow_expired and recipient.expires_at and recipient.expires_at <= timezone.now():
            raise LinkExpired
        return Link(recipient.campaign.survey, recipient)
    surveys = Survey.objects.select_related(
        "organization__feedback_settings__marketing_partner"
    ).order_by()
    found = next(iter(surveys.filter(anonymous_token_hash=digest)[:1]), None)
    return Link(found, None) if found else None


def response_errors(score: Any, better: str, well: str) -> dict[str, str]:
    """Field errors for a submitted answer, keyed score/better/well (codes, not text)."""
    errors: dict[str, str] = {}
    if (
        isinstance(score, bool)
        or not (isinstance(score, int) or (isinstance(score, str) and score.strip().isdigit()))
        or not 0 <= int(score) <= 10
    ):
        errors["score"] = "score_error"
    for name, text in (("better", better), ("well", well)):
        if len(text) > COMMENT_MAX_LENGTH:
            errors[name] = "too_long"
    return errors


def month_of(moment: datetime) -> date:
    return moment.date().replace(day=1)


def _response_values(
    link: Link,
    score: Any,
    better: str,
    well: str,
    may_quote: bool,
    language: str,
    now: datetime,
) -> tuple[dict[str, Any], FeedbackSettings]:
    """The new response's field values (validated) and its organisation's rules."""
    errors = response_errors(score, better, well)
    if errors:
        raise ValidationError(errors)
    score = int(score)
    survey = link.survey
    recipient = link.recipient
    values: dict[str, Any] = {
        "organization": survey.organization,
        "survey": survey,
        "score": score,
        "category": category(score),
        "better": better.strip(),
        "well": well.strip(),
        "may_quote": bool(may_quote),
        "language": language if language in LANGUAGES else "",
        "created_at": now,
        "month": month_of(now),
    }
    if recipient is not None:
        values.update(
            campaign_id=recipient.campaign_id,
            recipient=recipient,
            source=Response.Source.LINK,
            email=recipient.email,
            name=recipient.name,
            company=recipient.company,
            attributes=recipient.attributes,
            account_owner_id=recipient.account_owner_id,
        )
    else:
        values["source"] = Response.Source.ANONYMOUS
    rules = feedback_settings(survey.organization)
    # The response row is the outbox: a detractor, a promoter (and a passive
    # when the organisation nurtures them) is marked pending, and the worker's
    # responses_process opens its follow-up, a few at a time per organisation.
    values["followup_pending"] = (
        values["category"] != Response.Category.PASSIVE or rules.nurture_passives
    )
    return values, rules


def response_record(
    *,
    link: Link,
    score: int,
    better: str = "",
    well: str = "",
    may_quote: bool = False,
    language: str = "",
) -> Response:
    """Store the one response of a personal link (or one more of an anonymous link)
    and queue the opening of its follow-up. Raises AlreadyRecorded for a second
    answer to a personal link: the database's unique constraint decides, even
    concurrently. Call it outside a transaction, or inside one that may roll back
    as a whole on AlreadyRecorded."""
    now = timezone.now()
    values, rules = _response_values(link, score, better, well, may_quote, language, now)
    survey, recipient = link.survey, link.recipient

    # One transaction, no savepoint: it joins the caller's (the public form
    # counts the attempt in the same commit). A second answer to the link
    # breaks the unique constraint, the whole transaction rolls back, and the
    # caller hears AlreadyRecorded.
    try:
        with transaction.atomic(savepoint=False):
            response = Response.objects.create(**values)
            if recipient is not None:
                Recipient.objects.filter(pk=recipient.pk).update(
                    responded_at=now, opened_at=recipient.opened_at or now
                )
            if response.followup_pending:
                followups_queue(survey.organization_id, rules.followups_queued_at)
            if response.better or response.well:
                from accord.feedback.themes import themes_queue_soon

                themes_queue_soon(survey.organization_id, rules.themes_queued_at)
    except IntegrityError:
        raise AlreadyRecorded from None
    return response


def rate_count_sql(keys: list[str]) -> tuple[str, list[Any]]:
    """The upsert that adds one to each key's count for the current minute and
    returns (key, count) rows (SQLite 3.35+ and PostgreSQL both speak it)."""
    window = int(time.time() // 60)
    table = SurveyRateCounter._meta.db_table
    values = ", ".join(["(%s, %s, 1)"] * len(keys))
    params: list[Any] = [part for key in keys for part in (key, window)]
    sql = (
        f'INSERT INTO "{table}" ("key", "window", "count") VALUES {values} '  # noqa: S608
        'ON CONFLICT ("key") DO UPDATE SET '
        f'"count" = CASE WHEN "{table}"."window" = excluded."window" '
        f'THEN "{table}"."count" + 1 ELSE 1 END, "window" = excluded."window" '
        'RETURNING "key", "count"'
    )
    return sql, params


def rate_counters_forget() -> None:
    """Forget counters of past minutes (called now and then)."""
    SurveyRateCounter.objects.filter(window__lt=int(time.time() // 60) - 1).delete()


@dataclass(frozen=True)
class Recorded:
    limited: bool  # over a rate limit: counted, nothing stored
    stored: bool  # the response is stored (and committed)


def response_record_counted(
    *,
    link: Link,
    limits: dict[str, int],
    score: int,
    better: str = "",
    well: str = "",
    may_quote: bool = False,
    language: str = "",
) -> Recorded:
    """The public form's POST: count the attempt against each rate limit and,
    within them all, record the response, all committed together.

    On PostgreSQL, when the organisation's follow-up job and themes update are
    already queued (the usual case, known from the link's read), this is one
    statement in autocommit: the counters' upsert, the response's insert, the
    recipient's stamp and the share lock of followups_queue, chained as data-
    modifying CTEs. The insert only happens when the lock finds a job still
    queued; otherwise the statement stores nothing but the count and the
    response goes the ordinary way (response_record) in a transaction. Raises
    AlreadyRecorded (nothing counted) for a second answer to a personal link.
    """
    from accord.feedback.themes import QUEUE_DELAY as THEMES_QUEUE_DELAY

    now = timezone.now()
    values, rules = _response_values(link, score, better, well, may_quote, language, now)
    themes_due = bool(values["better"] or values["well"]) and (
        rules.themes_queued_at is None or rules.themes_queued_at < now - THEMES_QUEUE_DELAY
    )
    quick = (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and rules.pk is not None
        and not themes_due
        and (rules.followups_queued_at is not None or not values["followup_pending"])
    )
    if secrets.randbelow(200) == 0:
        rate_counters_forget()
    if not quick:
        with transaction.atomic():
            limited = _over(limits, rate_count_sql(list(limits)))
            if not limited:
                response_record(
                    link=link,
                    score=score,
                    better=better,
                    well=well,
                    may_quote=may_quote,
                    language=language,
                )
        return Recorded(limited=limited, stored=not limited)
    limited, stored = _record_in_one_statement(link, limits, values, now)
    if not limited and not stored:
        # The follow-up job was cleared since the link was read: the ordinary
        # way queues the next one (the attempt is counted already).
        response_record(
            link=link,
            score=score,
            better=better,
            well=well,
            may_quote=may_quote,
            language=language,
        )
        stored = True
    return Recorded(limited=limited, stored=stored)


def _over(limits: dict[str, int], upsert: tuple[str, list[Any]]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(*upsert)
        counts = {str(key): int(count) for key, count in cursor.fetchall()}
    return any(counts.get(key, 0) > limit for key, limit in limits.items())


def _record_in_one_statement(
    link: Link, limits: dict[str, int], values: dict[str, Any], now: datetime
) -> tuple[bool, bool]:
    """PostgreSQL: (over a limit, stored), in one autocommitted statement."""
    _, params = rate_count_sql(list(limits))
    params += [part for item in limits.items() for part in item]
    pending = bool(values["followup_pending"])
    if pending:
        params.append(values["organization"].pk)
    response = Response(**values)
    for column in _response_fields():
        params.append(column.get_db_prep_save(getattr(response, column.attname), connection))
    recipient = link.recipient
    if recipient is not None:
        params += [now, now, recipient.pk]
    name, sql = _answer_sql(len(limits), pending, recipient is not None)
    try:
        with connection.cursor() as cursor:
            _execute_prepared(cursor, name, sql, params)
            row = cursor.fetchone()
    except IntegrityError:
        raise AlreadyRecorded from None
    return not row[0], bool(row[1])


@functools.cache
def _response_fields() -> list[Any]:
    return [f for f in Response._meta.concrete_fields if not f.primary_key]


@functools.cache
def _answer_sql(keys: int, pending: bool, stamped: bool) -> tuple[str, str]:
    """The public POST's statement for its shape: (prepared name, SQL)."""
    upsert, _ = rate_count_sql(["-"] * keys)
    over = " OR ".join(['("key" = %s AND "count" > %s)'] * keys)
    fields = _response_fields()
    columns = ", ".join(f'"{f.column}"' for f in fields)
    # Typed, so that the statement can be prepared (text, not varchar(n): a cast
    # to varchar(n) would cut a long value where an insert refuses it).
    placeholders = ", ".join(f"%s::{_cast_type(f)}" for f in fields)
    # A pending response needs the job still queued, under the share lock.
    gate = (
        f'SELECT 1 FROM "{FeedbackSettings._meta.db_table}" WHERE "organization_id" = %s '  # noqa: S608
        '   AND "followups_queued_at" IS NOT NULL FOR SHARE'
        if pending
        else "SELECT 1"
    )
    stamp = (
        f', stamp AS (UPDATE "{Recipient._meta.db_table}" SET "responded_at" = %s, '  # noqa: S608
        '"opened_at" = COALESCE("opened_at", %s) '
        'WHERE "id" = %s AND EXISTS (SELECT 1 FROM stored) RETURNING 1)'
        if stamped
        else ""
    )
    sql = (
        f"WITH counted AS ({upsert}), "  # noqa: S608
        f"allowed AS (SELECT NOT EXISTS (SELECT 1 FROM counted WHERE {over}) AS ok), "
        f"gate AS ({gate}), "
        f'stored AS (INSERT INTO "{Response._meta.db_table}" ({columns}) '
        f"SELECT {placeholders} FROM allowed WHERE ok AND EXISTS (SELECT 1 FROM gate) "
        f'RETURNING "id"){stamp} '
        "SELECT (SELECT ok FROM allowed), EXISTS (SELECT 1 FROM stored)"
        + (", (SELECT count(*) FROM stamp)" if stamp else "")
    )
    return f"accord_answer_{keys}_{int(pending)}_{int(stamped)}", sql


def followups_queue(organization_id: int, queued_at: datetime | None = None) -> None:
    """Make sure a responses_process job will see the pending response written in
    the current transaction: queue one if none is pending for the organisation.

    At most one such job waits per organisation, instead of one queue row per
    response. The job first clears ``followups_queued_at`` and then reads the
    pending responses. On PostgreSQL a transaction that finds a job pending
    holds a share lock on the settings row until it commits, so that clearing
    waits for it and the job's read sees its response; a transaction that
    comes after the clearing finds none pending and queues the next job. On
    SQLite writers run one at a time (BEGIN IMMEDIATE), which orders them alike.
    ``queued_at`` is the value read with the link: a hint, never trusted alone.
    """
    from accord.feedback.jobs import responses_process

    now = timezone.now()
    if queued_at is None:
        claimed = FeedbackSettings.objects.filter(
            organization_id=organization_id, followups_queued_at__isnull=True
        ).update(followups_queued_at=now)
        if claimed:
            _enqueue_at(responses_process, now, organization_id)
            return
    table = FeedbackSettings._meta.db_table
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "followups_queued_at" FROM "{table}" WHERE "organization_id" = %s{lock}',  # noqa: S608
            [organization_id],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        # The pending job was cleared in between (or the settings row is
        # missing): queue one more without claiming; an extra run is harmless.
        _enqueue_at(responses_process, now, organization_id)


def response_process(response_id: int) -> FollowUp | None:
    """Open a pending response's follow-up (if it has none) and mark it done, in
    one transaction. Runs again harmlessly: a response has at most one follow-up."""
    with transaction.atomic():
        response = (
            Response.objects.select_for_update(of=("self",))
            .select_related("organization", "account_owner")
            .filter(pk=response_id)
            .first()
        )
        if response is None:
            return None
        followup = None
        if not FollowUp.objects.filter(response=response).exists():
            followup = followup_open_for(response)
        if response.followup_pending:
            Response.objects.filter(pk=response.pk).update(followup_pending=False)
    return followup


def recipient_opened(link: Link) -> None:
    """The form was shown in a browser (reported by the page's script, a POST)."""
    if link.recipient is not None and link.recipient.opened_at is None:
        Recipient.objects.filter(pk=link.recipient.pk, opened_at__isnull=True).update(
            opened_at=timezone.now()
        )


@transaction.atomic
def contact_opt_out(*, link: Link) -> None:
    """The recipient never gets another survey from this organisation."""
    if link.recipient is None:
        return
    Contact.objects.filter(pk=link.recipient.contact_id, opted_out_at__isnull=True).update(
        opted_out_at=timezone.now()
    )


# -- the closed loop -------------------------------------------------------------


def add_business_days(start: datetime, days: int, time_zone: str) -> datetime:
    """``start`` plus ``days`` working days (Monday-Friday) in ``time_zone``,
    keeping the local time of day; a weekend start counts from Monday."""
    try:
        zone = ZoneInfo(time_zone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = start.astimezone(zone)
    while local.weekday() >= 5:
        local = (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    added = 0
    while added < days:
        local += timedelta(days=1)
        if local.weekday() < 5:
            added += 1
    return local.replace(tzinfo=None).replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))


def _leads(organization: Organization) -> dict[str, Membership]:
    """The first sales lead and the first marketing lead, by role, in one query."""
    found: dict[str, Membership] = {}
    for member in Membership.objects.filter(
        organization=organization, role__in=[Role.SALES_LEAD, Role.MARKETING_LEAD]
    ).order_by("created_at", "pk"):
        found.setdefault(member.role, member)
    return found


def followup_open_for(response: Response) -> FollowUp | None:
    """Open the response's loop: recovery for a detractor, advocacy for a promoter,
    nurture for a passive when the organisation wants it. Owners are alerted."""
    from accord.feedback.jobs import followup_alert

    organization = response.organization
    rules = feedback_settings(organization)
    owner = response.account_owner
    leads = _leads(organization)
    sales_lead = leads.get(Role.SALES_LEAD)
    marketing_lead = leads.get(Role.MARKETING_LEAD)
    marketing = rules.marketing_partner or marketing_lead
    if response.category == Response.Category.DETRACTOR:
        kind, sales, market = FollowUp.Kind.RECOVERY, owner or sales_lead, marketing
    elif response.category == Response.Category.PROMOTER:
        kind = FollowUp.Kind.ADVOCACY
        sales, market = owner or sales_lead, marketing_lead or marketing
    elif rules.nurture_passives:
        kind, sales, market = FollowUp.Kind.NURTURE, owner or sales_lead, marketing
    else:
        return None
    due = add_business_days(
        response.created_at, rules.followup_due_business_days, organization.time_zone
    )
    followup = FollowUp.objects.create(
        organization=organization,
        response=response,
        kind=kind,
        play=FollowUp.Play.REFERRAL if kind == FollowUp.Kind.ADVOCACY else "",
        sales_owner=sales,
        marketing_owner=market,
        due_at=due,
        created_at=response.created_at,
    )
    if response.source != Response.Source.IMPORT:
        from accord.jobs.services import job_enqueue

        # The alert job also schedules the escalation at the due time: one
        # queue row on the customer's request instead of two.
        job_enqueue(followup_alert, organization_id=organization.pk, followup_id=followup.pk)
    return followup


def _enqueue_at(func: Any, when: datetime, organization_id: int, **kwargs: Any) -> None:
    """Queue a job to run at ``when`` (the queue's own run_after), in this transaction."""
    from accord.jobs.registry import get_job
    from accord.jobs.tasks import run_job

    spec = get_job(func.job_name)
    kwargs["organization_id"] = organization_id
    run_job.using(queue_name=spec.queue, run_after=when).enqueue(
        spec.name, [], kwargs, 1, organization_id
    )


@transaction.atomic
def followup_update(
    *,
    membership: Membership,
    followup: FollowUp,
    status: str | None = None,
    outcome: str | None = None,
    notes: str | None = None,
    play: str | None = None,
    sales_owner_id: int | None = None,
    marketing_owner_id: int | None = None,
) -> FollowUp:
    """Move a follow-up along open -> contacted -> resolved or lost; closing needs an outcome."""
    require(membership, Action.FOLLOWUP_UPDATE)
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    before = {
        "status": followup.status,
        "outcome": followup.outcome,
        "play": followup.play,
        "sales_owner": followup.sales_owner_id,
        "marketing_owner": followup.marketing_owner_id,
    }
    errors: dict[str, str] = {}
    if status is not None and status not in FollowUp.Status.values:
        errors["status"] = f"One of {', '.join(FollowUp.Status.values)}."
    if play is not None and play not in FollowUp.Play.values:
        errors["play"] = "One of referral, case_study, review (or empty)."
    if outcome is not None and len(outcome) > 200:
        errors["outcome"] = "At most 200 characters."
    if notes is not None and len(notes) > 20_000:
        errors["notes"] = "At most 20000 characters."
    new_outcome = outcome if outcome is not None else followup.outcome
    if status in FollowUp.CLOSED and not new_outcome.strip():
        errors["outcome"] = "Say what came of it before closing the follow-up."
    owners: dict[str, Membership | None] = {}
    for name, value in (("sales_owner", sales_owner_id), ("marketing_owner", marketing_owner_id)):
        if value is not None:
            owners[name] = Membership.objects.filter(
                organization=membership.organization, pk=value
            ).first()
            if owners[name] is None:
                errors[name] = "Choose a member of this organisation."
    if errors:
        raise ValidationError(errors)
    if status is not None:
        if status in FollowUp.CLOSED and followup.closed_at is None:
            followup.closed_at = timezone.now()
        elif status not in FollowUp.CLOSED:
            followup.closed_at = None
        followup.status = status
    if outcome is not None:
        followup.outcome = outcome.strip()
    if notes is not None:
        followup.notes = notes
    if play is not None:
        followup.play = play
    for name, owner in owners.items():
        setattr(followup, name, owner)
    followup.save()
    after = {
        "status": followup.status,
        "outcome": followup.outcome,
        "play": followup.play,
        "sales_owner": followup.sales_owner_id,
        "marketing_owner": followup.marketing_owner_id,
    }
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="followup.update",
        obj=followup,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return followup


# -- themes ------------------------------------------------------------------------


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
def testimonial_save(*, membership: Membership, response: Response) -> Any:
    """Save a promoter's quote, given with consent, to the content library."""
    require(membership, Action.THEME_MANAGE)
    if response.category != Response.Category.PROMOTER:
        raise ValidationError({"response": "Only a promoter's answer becomes a testimonial."})
    if not response.may_quote:
        raise ValidationError({"response": "The customer did not agree to be quoted."})
    if not response.well.strip():
        raise ValidationError({"response": "This answer has no quote to save."})
    try:
        module = importlib.import_module("accord.goals.services")
        create = module.content_asset_create
    except (ImportError, AttributeError):
        raise ValidationError({"response": "The content library is not available yet."}) from None
    who = ", ".join(part for part in (response.name, response.company) if part)
    asset = create(
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


# -- import of past responses ---------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    added: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


DELIGHTED_COLUMNS = {
    "email": ("email", "person email"),
    "score": ("score",),
    "better": ("comment", "what can we do better?"),
    "well": ("what do we do well?", "additional comment"),
    "date": ("response timestamp", "created_at", "date", "responded at"),
    "name": ("name", "person name"),
    "company": ("company",),
    "id": ("response id", "id"),
}
GENERIC_COLUMNS = {
    "email": ("email",),
    "score": ("score",),
    "better": ("better", "what can we do better?"),
    "well": ("well", "what do we do well?"),
    "date": ("date", "created_at"),
    "name": ("name",),
    "company": ("company",),
    "id": ("id",),
}


def _parse_when(text: str) -> datetime | None:
    text = text.strip()
    if text.isdigit():
        try:
            return datetime.fromtimestamp(int(text), tz=ZoneInfo("UTC"))
        except (OverflowError, OSError, ValueError):
            return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment


def import_rows(text: str, fmt: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Parsed rows of a past-responses CSV with their row numbers, or error messages."""
    columns = DELIGHTED_COLUMNS if fmt == "delighted" else GENERIC_COLUMNS
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as error:
        yield 1, f"The file is not readable CSV: {error}"
        return
    index: dict[str, int] = {}
    for key, names in columns.items():
        for name in names:
            if name in header:
                index[key] = header.index(name)
                break
    for needed in ("score", "date"):
        if needed not in index:
            yield 1, f"The header row needs a '{columns[needed][0]}' column."
            return
    known = set(index.values())
    try:
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            cell = {k: (row[i].strip() if i < len(row) else "") for k, i in index.items()}
            score = cell.get("score", "")
            if not score.isdigit() or not 0 <= int(score) <= 10:
                yield number, f"score: '{score[:20]}' is not a whole number from 0 to 10."
                continue
            when = _parse_when(cell.get("date", ""))
            if when is None:
                yield number, f"date: '{cell.get('date', '')[:40]}' is not a date (2025-03-31)."
                continue
            email = cell.get("email", "").lower()
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    yield number, f"email: '{email[:80]}' is not an email address."
                    continue
            too_long = [k for k in ("better", "well") if len(cell.get(k, "")) > COMMENT_MAX_LENGTH]
            if too_long:
                yield number, f"{too_long[0]}: longer than {COMMENT_MAX_LENGTH} characters."
                continue
            attributes = {
                header[i][:60]: value.strip()[:200]
                for i, value in enumerate(row)
                if i < len(header) and i not in known and header[i] and value.strip()
            }
            key_source = cell.get("id") or "|".join(
                [email, when.isoformat(), score, cell.get("better", ""), cell.get("well", "")]
            )
            yield (
                number,
                {
                    "email": email,
                    "score": int(score),
                    "better": cell.get("better", ""),
                    "well": cell.get("well", ""),
                    "when": when,
                    "name": cell.get("name", "")[:200],
                    "company": cell.get("company", "")[:200],
                    "attributes": attributes,
                    "external_key": hashlib.sha256(f"{fmt}:{key_source}".encode()).hexdigest(),
                },
            )
    except csv.Error as error:
        yield reader.line_num, f"The file is not readable CSV: {error}"


@transaction.atomic
def responses_import(
    *, membership: Membership, text: str, fmt: str = "generic", dry_run: bool = False
) -> ImportResult:
    """Import past responses. A dry run lists every bad row and writes nothing;
    a real run with bad rows writes nothing either. Re-importing adds nothing."""
    require(membership, Action.SURVEY_MANAGE)
    if fmt not in {"generic", "delighted"}:
        raise ValidationError({"format": "One of generic, delighted."})
    organization = membership.organization
    result = ImportResult()
    good: list[dict[str, Any]] = []
    for number, row in import_rows(text, fmt):
        if isinstance(row, str):
            result.errors.append((number, row))
        else:
            good.append(row)
    if result.errors:
        return result
    keys = {row["external_key"] for row in good}
    existing: set[str] = set()
    key_list = list(keys)
    for start in range(0, len(key_list), 500):
        existing.update(
            key
            for key in Response.objects.filter(
                organization=organization, external_key__in=key_list[start : start + 500]
            ).values_list("external_key", flat=True)
            if key
        )
    seen: set[str] = set()
    for row in good:
        if row["external_key"] in existing or row["external_key"] in seen:
            result.already += 1
            continue
        seen.add(row["external_key"])
        result.added += 1
        if dry_run:
            continue
        Response.objects.create(
            organization=organization,
            source=Response.Source.IMPORT,
            score=row["score"],
            category=category(row["score"]),
            better=row["better"],
            well=row["well"],
            email=row["email"],
            name=row["name"],
            company=row["company"],
            attributes=row["attributes"],
            account_owner=_account_owner(organization, row["email"]) if row["email"] else None,
            external_key=row["external_key"],
            created_at=row["when"],
            month=month_of(row["when"]),
        )
        # History opens no loops: a year-old detractor is not a follow-up due in two days.
    if result.added and not dry_run:
        from accord.feedback.themes import themes_queue_soon

        feedback_settings(organization)
        themes_queue_soon(organization.pk)
        audit_record(
            organization=organization,
            actor=membership.user,
            action="responses.import",
            obj=organization,
            changes={"added": result.added, "already": result.already, "format": fmt},
        )
    return result
