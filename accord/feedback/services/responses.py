"""The public side: links, responses, opt-out.

The public survey acts for nobody: ``response_record`` is authorised by the
link's token alone.
"""

from __future__ import annotations

import functools
import re
import secrets
import time
import weakref
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    ProgrammingError,
    connection,
    transaction,
)
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.utils import timezone

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
            job_enqueue(responses_process, organization_id=organization_id)
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
        job_enqueue(responses_process, organization_id=organization_id)


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
