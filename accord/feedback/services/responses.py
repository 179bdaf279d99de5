"""The public side: links, responses, opt-out.

The public survey acts for nobody: ``response_record`` is authorised by the
link's token alone.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accord.feedback.counts import recipient_answered
from accord.feedback.i18n import LANGUAGES
from accord.feedback.models import (
    Contact,
    FeedbackSettings,
    FollowUp,
    Recipient,
    Response,
    Survey,
    SurveyRateCounter,
)
from accord.feedback.services.common import COMMENT_MAX_LENGTH, AlreadyRecorded, LinkExpired
from accord.feedback.services.followups import followup_open_for
from accord.feedback.services.surveys import feedback_settings
from accord.jobs.services import job_enqueue
from accord.lib.inputs import text_problem, whole_number
from accord.lib.local_time import month_first
from accord.lib.nps import category
from accord.lib.tokens import hash_token

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
            "sent_at",
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
        )
    ),
)


@dataclass(frozen=True)
class Link:
    """What a token opens: a personal recipient link or a survey's anonymous link."""

    survey: Survey
    recipient: Recipient | None


def _recipient_by(field: str, digest: str) -> Recipient | None:
    """The personal link whose ``field`` is ``digest``, with its campaign, survey,
    organisation and feedback rules, in one narrow indexed query."""
    found = (
        Recipient.objects.select_related("campaign__survey__organization__feedback_settings")
        .only(*LINK_FIELDS)
        .order_by()
        .filter(**{field: digest})[:1]
    )
    return next(iter(found), None)


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
    if whole_number(score, low=0, high=10) is None:
        errors["score"] = "score_error"
    for name, text in (("better", better), ("well", well)):
        if len(text) > COMMENT_MAX_LENGTH:
            errors[name] = "too_long"
        elif text_problem(text):
            errors[name] = "text_error"
    return errors


def month_of(moment: datetime, time_zone: str) -> date:
    """The first day of the month ``moment`` is in on the organisation's
    calendar (``time_zone``, its zone), whatever offset ``moment`` carries:
    ``Response.month``, the month NPS by month files the answer under."""
    return month_first(moment, time_zone)


def _response_values(
    link: Link,
    score: Any,
    better: str,
    well: str,
    may_quote: bool,
    language: str,
    now: datetime,
) -> dict[str, Any]:
    """The new response's field values, validated (ValidationError naming the field)."""
    errors = response_errors(score, better, well)
    if errors:
        raise ValidationError(errors)
    score = int(score.strip() if isinstance(score, str) else score)
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
        "month": month_of(now, survey.organization.time_zone),
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
    return values


# Names quoted as Django quotes them ("window" is a keyword in both databases).
RATE_UPSERT = (
    'INSERT INTO "feedback_surveyratecounter" ("key", "window", "count") VALUES {rows} '
    'ON CONFLICT ("key") DO UPDATE SET "count" = CASE '
    'WHEN "feedback_surveyratecounter"."window" = EXCLUDED."window" '
    'THEN "feedback_surveyratecounter"."count" + 1 ELSE 1 END, '
    '"window" = EXCLUDED."window" '
    'RETURNING "key", "count"'
)


class RateLimited(Exception):
    """An attempt over one of its rate limits for the current minute."""


def rate_count(limits: dict[str, int]) -> bool:
    """Count one attempt against each key's limit for the current minute; True
    when the attempt is within every limit, False when over one.

    One statement: an upsert that adds one to each key's count of this minute
    (or starts a new minute at 1) and returns the counts. Django's public
    upsert (``bulk_create(update_conflicts=True)``) can only copy the new
    row's values, not add to the stored one, so this one statement is plain
    SQL through the connection's cursor; it is the same SQL on PostgreSQL and
    SQLite (3.35+). The upsert locks each row, so concurrent attempts are
    counted exactly. Call it in the transaction that acts on the answer: a
    caller that refuses the attempt rolls its count back with everything else
    (a count above the limit in a committed transaction changes nothing, as
    the key is refused until its minute ends either way).
    """
    if not limits:
        return True
    window = int(time.time() // 60)
    keys = sorted(limits)
    rows = ", ".join(["(%s, %s, 1)"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            # Only placeholders are formatted in; the names are constants.
            RATE_UPSERT.format(rows=rows),
            [value for name in keys for value in (name, window)],
        )
        counts = dict(cursor.fetchall())
    if secrets.randbelow(200) == 0:
        rate_counters_forget()
    return all(counts[name] <= limits[name] for name in keys)


def rate_counters_forget() -> None:
    """Forget counters of past minutes (called now and then)."""
    SurveyRateCounter.objects.filter(window__lt=int(time.time() // 60) - 1).delete()


def _followup_due(values: dict[str, Any], rules: FeedbackSettings) -> bool:
    """Whether the new response opens a follow-up: a detractor or a promoter
    always, a passive when the organisation nurtures them."""
    return values["category"] != Response.Category.PASSIVE or rules.nurture_passives


def _recipient_stamp(recipient: Recipient, now: datetime, time_zone: str) -> None:
    """Stamp the recipient answered (and opened), moving the counts on a first
    answer (``accord.feedback.counts``). The first UPDATE holds only while
    the link still reads as loaded (not answered, sent when it was), so the
    day of sending needs no read; otherwise the slower path reads it."""
    stamp = {"responded_at": now, "opened_at": Coalesce(F("opened_at"), Value(now))}
    rows = Recipient.objects.filter(pk=recipient.pk, responded_at__isnull=True)
    if recipient.responded_at is None and rows.filter(sent_at=recipient.sent_at).update(**stamp):
        recipient_answered(recipient, time_zone=time_zone, sent_at=recipient.sent_at)
    elif rows.update(**stamp):
        recipient_answered(recipient, time_zone=time_zone)
    else:
        # Answered before (the answer since deleted): only the time again.
        Recipient.objects.filter(pk=recipient.pk).update(**stamp)


def response_record(
    *,
    link: Link,
    score: int,
    better: str = "",
    well: str = "",
    may_quote: bool = False,
    language: str = "",
    limits: dict[str, int] | None = None,
) -> Response:
    """Store the one response of a personal link (or one more of an anonymous
    link), in one transaction: the attempt counted against ``limits`` (the
    public form's per-link and per-address limits for the minute), the
    response, the recipient's stamp and the job that opens its follow-up
    (the task queue is a table in the same database, so the job exists only
    if the response does).

    Raises ValidationError naming the field for bad input, RateLimited over a
    limit, AlreadyRecorded for a second answer to a personal link (the unique
    constraint on Response.recipient decides, even concurrently); in each case
    nothing is written.
    """
    from accord.feedback.jobs import response_received
    from accord.feedback.themes import themes_queue_soon

    now = timezone.now()
    values = _response_values(link, score, better, well, may_quote, language, now)
    survey, recipient = link.survey, link.recipient
    rules = feedback_settings(survey.organization)
    try:
        with transaction.atomic():
            if limits and not rate_count(limits):
                raise RateLimited
            response = Response.objects.create(**values)
            if recipient is not None:
                _recipient_stamp(recipient, now, survey.organization.time_zone)
            if _followup_due(values, rules):
                job_enqueue(
                    response_received,
                    organization_id=survey.organization_id,
                    response_id=response.pk,
                )
            if response.better or response.well:
                themes_queue_soon(survey.organization_id, rules.themes_queued_at)
    except IntegrityError:
        if recipient is None:
            raise
        raise AlreadyRecorded from None
    return response


def response_process(response_id: int) -> FollowUp | None:
    """Open the response's follow-up if it is due one and has none, in one
    transaction. Runs again harmlessly: a response has at most one follow-up."""
    with transaction.atomic():
        response = (
            Response.objects.select_for_update(of=("self",))
            .select_related("organization", "account_owner")
            .filter(pk=response_id)
            .first()
        )
        if response is None or FollowUp.objects.filter(response=response).exists():
            return None
        return followup_open_for(response)


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
