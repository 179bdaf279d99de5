"""Realistic history for benchmarks, written through the database's bulk path.

``bench_data`` fills an organisation with what years of use leave behind:
leads over 24 months across sources, campaigns and owners, with their SLA
timestamps, rejections and reasons, opportunities, SLA breaches; survey
campaigns with their recipients, responses (scores and comments) and
follow-ups; and the teams' activity logs. Counts are totals, not additions:
asking for 5,000,000 leads tops the organisation up to that many, so running
the same command twice changes nothing the second time.

Rows are written with COPY on PostgreSQL (psycopg's ``cursor.copy``) and
``executemany`` of one INSERT on SQLite, in batches, with primary keys taken
in advance (from the table's sequence on PostgreSQL; on SQLite the write lock
taken at BEGIN makes ``max(id)`` safe) so that rows can point at each other
without reading them back. Everything happens in one transaction: a failure
leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.accounts.services import user_ensure
from accord.feedback import rollups as feedback_rollups
from accord.feedback.models import Campaign as SurveyCampaign
from accord.feedback.models import Contact as SurveyContact
from accord.feedback.models import FollowUp, Recipient, Response, Survey
from accord.goals.models import ActivityGoal, ActivityLog, ActivityType
from accord.insights.rollups import rollups_rebuild
from accord.lib.nps import category
from accord.orgs.models import Membership, Organization, Role, Team, TeamKind
from accord.orgs.services import organization_create
from accord.pipeline import rollups as pipeline_rollups
from accord.pipeline.import_writing import LEAD_COLUMNS as IMPORTED_LEAD_COLUMNS
from accord.pipeline.models import (
    AgreementStatus,
    BreachKind,
    Campaign,
    HandoffAgreement,
    Lead,
    Opportunity,
    OpportunityStatus,
    RejectionReason,
    SlaBreach,
    SourceSystem,
    Stage,
)

# Rows per COPY or executemany call: large enough to amortise the round trip,
# small enough that a batch's Python tuples stay a few tens of megabytes.
BATCH = 50_000
MONTHS = 24
SELLERS = 8
MARKETERS = 4
CAMPAIGNS = 40
SOURCES = ("Organic Search", "Paid Search", "Email", "Social", "Referrals", "Events")
MARKETING_SOURCES = frozenset({"Paid Search", "Email", "Social", "Events"})
# Reasons weighted as sales teams give them: mostly fit and data quality.
REASONS = (
    (RejectionReason.NOT_ICP, 30),
    (RejectionReason.BAD_DATA, 20),
    (RejectionReason.NO_BUDGET, 18),
    (RejectionReason.DUPLICATE, 10),
    (RejectionReason.IN_PIPELINE, 8),
    (RejectionReason.STUDENT_COMPETITOR, 6),
    (RejectionReason.OTHER, 8),
)
# The hand-off agreement the breaches are measured against.
FIRST_TOUCH_HOURS = 4
DECISION_DAYS = 2
SUBJECTS = (
    "support",
    "pricing",
    "onboarding",
    "reporting",
    "invoices",
    "integrations",
    "account manager",
    "mobile app",
    "exports",
    "performance",
    "training",
    "roadmap",
)
GOOD = ("is great", "was fast and helpful", "saves us hours", "is reliable", "is clear")
BAD = ("is too slow", "is confusing", "is too expensive", "keeps failing", "took too long")
TAILS = ("for our team", "this quarter", "since the last release", "", "", "for new hires")
# NPS scores 0-10 weighted like a B2B product with an NPS around +20.
SCORE_WEIGHTS = (2, 1, 1, 2, 2, 4, 6, 10, 18, 24, 30)


@dataclass(frozen=True)
class Sizes:
    """How many of each the organisation should hold (totals, not additions)."""

    leads: int = 0
    responses: int = 0
    activity: int = 0


@dataclass
class Filled:
    """What one organisation holds after ``bench_data``, and what was added."""

    organization: Organization
    added: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)


# -- the bulk path ----------------------------------------------------------------


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys for new rows of ``model``, not used by anyone else.

    On PostgreSQL they come from the table's own sequence (safe beside other
    writers); on SQLite the transaction holds the write lock from BEGIN
    (``transaction_mode`` IMMEDIATE), so the ids above ``max(id)`` are free.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (a model's table)
        first = int(cursor.fetchone()[0]) + 1
    return list(range(first, first + count))


def _defaults(model: type[models.Model], columns: Sequence[str]) -> list[tuple[str, Any]]:
    """Every other column of ``model`` with its field's default (``""``, None, …)."""
    given = set(columns)
    filled = []
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        if not f.has_default() and not f.null and not f.blank:
            raise ValueError(f"{model.__name__}.{f.name} needs a value")
        filled.append((f.column, f.get_default()))
    return filled


# COPY's text format: these four characters are escaped, NULL is \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value as COPY's text format writes it."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, dt.date):  # datetimes too: ISO 8601 with the offset
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value).translate(_COPY_ESCAPES)
    return str(value)


def _sqlite_value(value: Any) -> Any:
    """One value as Django would hand it to SQLite."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def bulk_write(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``model``'s table
    with the database's bulk path, in batches; columns not named get their
    field's default. Returns how many rows were written."""
    extra = _defaults(model, columns)
    # Quoted: some columns are SQL words (CapturedMessage.to).
    names = ", ".join(
        connection.ops.quote_name(name) for name in [*columns, *(column for column, _ in extra)]
    )
    table = model._meta.db_table
    written = 0
    if connection.vendor == "postgresql":
        # COPY through psycopg's copy API, each batch as one block of text
        # lines: the fastest way rows reach PostgreSQL from Python.
        tail = "".join("\t" + _copy_text(value) for _, value in extra) + "\n"
        lines: list[str] = []

        def flush_copy() -> None:
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                copy.write("".join(lines))

        tabs = len(columns) - 1
        for row in rows:
            # The quick form (str() of each value) is right unless a value holds
            # a tab, newline, carriage return or backslash; then escape them.
            line = "\t".join(["\\N" if value is None else str(value) for value in row])
            if (
                line.count("\t") != tabs
                or line.count("\\") != line.count("\\N")
                or "\n" in line
                or "\r" in line
            ):
                line = "\t".join([_copy_text(value) for value in row])
            lines.append(line + tail)
            if len(lines) >= BATCH:
                flush_copy()
                written += len(lines)
                lines = []
        if lines:
            flush_copy()
            written += len(lines)
        return written
    constant = tuple(_sqlite_value(value) for _, value in extra)
    marks = ", ".join(["%s"] * (len(columns) + len(extra)))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (a model's table)
    batch: list[tuple[Any, ...]] = []

    def flush_insert() -> None:
        with connection.cursor() as cursor:
            cursor.executemany(sql, batch)

    for row in rows:
        batch.append((*[_sqlite_value(value) for value in row], *constant))
        if len(batch) >= BATCH:
            flush_insert()
            written += len(batch)
            batch = []
    if batch:
        flush_insert()
        written += len(batch)
    return written


# -- people and settings -----------------------------------------------------------


@dataclass
class _People:
    owner: Membership
    sales_team: int
    marketing_team: int
    sellers: list[int]
    marketers: list[int]


def organization_for_bench(slug: str, *, create: bool) -> Organization:
    """The organisation ``slug``, created (owned by a bench user) when missing
    and ``create`` is set; a ValidationError naming the field otherwise."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is not None:
        return organization
    if not create:
        raise ValidationError({"org": f"No organisation '{slug}'."})
    owner = user_ensure(email=f"{slug}-owner@bench.example", name=f"Owner of {slug}").user
    return organization_create(name=slug.replace("-", " ").title(), slug=slug, owner=owner)


def _people(organization: Organization) -> _People:
    """The owner plus a sales and a marketing team of bench people (made once)."""
    owner = Membership.objects.get(
        pk=Membership.objects.filter(organization=organization, role=Role.OWNER)
        .order_by("created_at", "pk")
        .values("pk")[:1]
    )
    teams = {t.kind: t for t in Team.objects.filter(organization=organization)}
    wanted = [
        (f"{organization.slug}-seller{i}@bench.example", f"Seller {i}", TeamKind.SALES, Role.MEMBER)
        for i in range(1, SELLERS + 1)
    ] + [
        (
            f"{organization.slug}-marketer{i}@bench.example",
            f"Marketer {i}",
            TeamKind.MARKETING,
            Role.MARKETING_LEAD if i == 1 else Role.MEMBER,
        )
        for i in range(1, MARKETERS + 1)
    ]
    emails = [email for email, *_ in wanted]
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    # No password: bench people exist to own rows, not to sign in, and hashing
    # a dozen passwords per organisation would cost seconds.
    User.objects.bulk_create(
        [
            User(email=email, name=name, password=make_password(None))
            for email, name, *_ in wanted
            if email not in users
        ]
    )
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    have = set(
        Membership.objects.filter(organization=organization, user__in=users.values()).values_list(
            "user_id", flat=True
        )
    )
    Membership.objects.bulk_create(
        [
            Membership(organization=organization, user=users[email], role=role, team=teams[kind])
            for email, _, kind, role in wanted
            if users[email].pk not in have
        ]
    )
    members = dict(
        Membership.objects.filter(organization=organization, user__email__in=emails).values_list(
            "user__email", "pk"
        )
    )
    return _People(
        owner=owner,
        sales_team=teams[TeamKind.SALES].pk,
        marketing_team=teams[TeamKind.MARKETING].pk,
        sellers=[members[e] for e, _, kind, _ in wanted if kind == TeamKind.SALES],
        marketers=[members[e] for e, _, kind, _ in wanted if kind == TeamKind.MARKETING],
    )


def _agreement(organization: Organization, people: _People, now: dt.datetime) -> None:
    """An active hand-off agreement, agreed by both sides, if there is none."""
    if HandoffAgreement.objects.filter(
        organization=organization, status=AgreementStatus.ACTIVE
    ).exists():
        return
    version = 1 + HandoffAgreement.objects.filter(organization=organization).count()
    agreed = now - dt.timedelta(days=MONTHS * 31)
    HandoffAgreement.objects.create(
        organization=organization,
        version=version,
        mql_definition="Fits the customer profile and asked for a demo or pricing.",
        monthly_mql_commitment=100,
        first_touch_hours=FIRST_TOUCH_HOURS,
        decision_days=DECISION_DAYS,
        day_start=dt.time(9),
        day_end=dt.time(17),
        status=AgreementStatus.ACTIVE,
        proposed_by_id=people.marketers[0],
        created_at=agreed,
        sales_agreed_by_id=people.sellers[0],
        sales_agreed_at=agreed,
        marketing_agreed_by_id=people.marketers[0],
        marketing_agreed_at=agreed,
        activated_at=agreed,
    )


def _campaigns(organization: Organization, now: dt.datetime) -> list[int]:
    have = dict(
        Campaign.objects.filter(organization=organization, source_system=SourceSystem.ACCORD)
        .filter(source_id__startswith="bench-campaign-")
        .values_list("source_id", "pk")
    )
    Campaign.objects.bulk_create(
        [
            Campaign(
                organization=organization,
                source_system=SourceSystem.ACCORD,
                source_id=f"bench-campaign-{i}",
                name=f"{SOURCES[i % len(SOURCES)]} campaign {i}",
                channel=SOURCES[i % len(SOURCES)],
                started_on=(now - dt.timedelta(days=30 * (i % MONTHS))).date(),
                cost=Decimal(1000 + 250 * (i % 9)),
            )
            for i in range(CAMPAIGNS)
            if f"bench-campaign-{i}" not in have
        ]
    )
    return list(
        Campaign.objects.filter(
            organization=organization, source_id__startswith="bench-campaign-"
        ).values_list("pk", flat=True)
    )


# -- leads, opportunities, breaches ---------------------------------------------------

# The importer's columns, plus the id (given in advance) and the SLA hours
# the importer leaves to ``lead_sla_refresh``.
LEAD_COLUMNS = ("id", *IMPORTED_LEAD_COLUMNS, "first_touch_hours", "decision_hours")
OPPORTUNITY_COLUMNS = (
    "organization_id",
    "source_system",
    "source_id",
    "name",
    "lead_id",
    "amount",
    "currency",
    "stage",
    "status",
    "created_on",
    "close_date",
    "source",
    "primary_campaign_id",
    "owner_id",
)
BREACH_COLUMNS = ("organization_id", "lead_id", "kind", "due_at", "detected_at", "owner_id")


def _leads(
    organization: Organization, people: _People, campaigns: list[int], count: int, now: dt.datetime
) -> tuple[int, int, int]:
    """Add ``count`` leads with their opportunities and breaches; return the three counts."""
    rng = random.Random(f"leads-{organization.pk}-{count}")
    reasons = [r for r, _ in REASONS]
    reason_weights = [w for _, w in REASONS]
    span = MONTHS * 30 * 86400
    # random() and arithmetic rather than randrange(): this loop runs millions of times.
    r = rng.random
    hour = dt.timedelta(hours=1)
    day = dt.timedelta(days=1)
    n_sellers, n_campaigns = len(people.sellers), len(campaigns)
    opportunities = breaches = 0
    for batch_size in range(0, count, BATCH):
        size = min(BATCH, count - batch_size)
        ids = reserve_ids(Lead, size)
        leads: list[tuple[Any, ...]] = []
        opps: list[tuple[Any, ...]] = []
        found: list[tuple[Any, ...]] = []
        for pk in ids:
            mql = now - dt.timedelta(seconds=3600 + int(r() * span))
            age_days = (now - mql).days
            source = SOURCES[int(r() * len(SOURCES))]
            owner = people.sellers[int(r() * n_sellers)]
            touch_hours = rng.expovariate(1 / 2.5) if r() < 0.9 or age_days > 3 else None
            touched = mql + hour * (touch_hours * 2) if touch_hours is not None else None
            decision_hours = None
            accepted = rejected = sql = opportunity = customer = None
            reason = text = ""
            fate = r()
            if touch_hours is not None and (age_days > 5 or fate < 0.5):
                decision_hours = touch_hours + rng.expovariate(1 / 6)
                decided = mql + hour * (decision_hours * 2)
                if fate < 0.78:
                    accepted = decided
                    if r() < 0.4:
                        sql = decided + day * (1 + int(r() * 14))
                        if r() < 0.4:
                            opportunity = sql + day * (1 + int(r() * 21))
                            if r() < 0.3:
                                customer = opportunity + day * (14 + int(r() * 107))
                else:
                    rejected = decided
                    reason = rng.choices(reasons, reason_weights)[0]
                    text = "Asked for a student licence" if reason == RejectionReason.OTHER else ""
            stage = (
                Stage.CUSTOMER
                if customer and customer < now
                else Stage.OPPORTUNITY
                if opportunity and opportunity < now
                else Stage.SQL
                if sql and sql < now
                else Stage.ACCEPTED
                if accepted
                else Stage.REJECTED
                if rejected
                else Stage.MQL
            )
            sql = sql if sql and sql < now else None
            opportunity = opportunity if opportunity and opportunity < now else None
            customer = customer if customer and customer < now else None
            campaign = campaigns[int(r() * n_campaigns)] if source in MARKETING_SOURCES else None
            leads.append(
                (
                    pk,
                    organization.pk,
                    SourceSystem.ACCORD,
                    f"bench-{pk}",
                    f"lead{pk}@prospect.example",
                    f"Lead {pk}",
                    f"Company {pk % 5000}",
                    source,
                    campaign,
                    owner,
                    stage,
                    mql - day * int(r() * 21),
                    mql,
                    f"{mql.year}-{mql.month:02d}",
                    accepted,
                    rejected,
                    reason,
                    text,
                    sql,
                    opportunity,
                    customer,
                    touched,
                    touch_hours,
                    decision_hours,
                )
            )
            if opportunity is not None:
                won = customer is not None
                lost = not won and (now - opportunity).days > 90 and rng.random() < 0.7
                opps.append(
                    (
                        organization.pk,
                        SourceSystem.ACCORD,
                        f"bench-opp-{pk}",
                        f"Company {pk % 5000} deal",
                        pk,
                        Decimal(rng.randrange(5, 200) * 500),
                        "USD",
                        "Closed Won" if won else "Closed Lost" if lost else "Proposal",
                        OpportunityStatus.WON
                        if won
                        else OpportunityStatus.LOST
                        if lost
                        else OpportunityStatus.OPEN,
                        opportunity.date(),
                        customer.date()
                        if customer
                        else (opportunity + dt.timedelta(days=80)).date()
                        if lost
                        else None,
                        source,
                        campaign,
                        owner,
                    )
                )
            due = mql + dt.timedelta(hours=FIRST_TOUCH_HOURS * 2)
            if (touch_hours is None and due < now) or (touch_hours or 0) > FIRST_TOUCH_HOURS:
                found.append(
                    (
                        organization.pk,
                        pk,
                        BreachKind.FIRST_TOUCH,
                        due,
                        due + dt.timedelta(minutes=5),
                        owner,
                    )
                )
            due = mql + dt.timedelta(days=DECISION_DAYS * 1.5)
            if (decision_hours is None and due < now) or (decision_hours or 0) > DECISION_DAYS * 8:
                found.append(
                    (
                        organization.pk,
                        pk,
                        BreachKind.DECISION,
                        due,
                        due + dt.timedelta(minutes=5),
                        owner,
                    )
                )
        bulk_write(Lead, LEAD_COLUMNS, leads)
        opportunities += bulk_write(Opportunity, OPPORTUNITY_COLUMNS, opps)
        breaches += bulk_write(SlaBreach, BREACH_COLUMNS, found)
    return count, opportunities, breaches


# -- surveys: campaigns, contacts, recipients, responses, follow-ups ------------------

CONTACT_COLUMNS = ("id", "organization_id", "email", "name", "company", "last_surveyed_at")
RECIPIENT_COLUMNS = (
    "id",
    "organization_id",
    "campaign_id",
    "contact_id",
    "email",
    "name",
    "company",
    "language",
    "account_owner_id",
    "status",
    "expires_at",
    "sent_at",
    "responded_at",
)
RESPONSE_COLUMNS = (
    "id",
    "organization_id",
    "survey_id",
    "campaign_id",
    "recipient_id",
    "source",
    "score",
    "category",
    "better",
    "well",
    "may_quote",
    "language",
    "email",
    "name",
    "company",
    "account_owner_id",
    "created_at",
    "month",
)
FOLLOWUP_COLUMNS = (
    "organization_id",
    "response_id",
    "kind",
    "status",
    "sales_owner_id",
    "marketing_owner_id",
    "due_at",
    "created_at",
    "closed_at",
    "outcome",
)


def _comment(rng: random.Random, good: bool) -> str:
    words = rng.choice(GOOD if good else BAD)
    return f"The {rng.choice(SUBJECTS)} {words} {rng.choice(TAILS)}".strip()


def _survey_campaigns(
    organization: Organization, people: _People, now: dt.datetime
) -> list[tuple[int, int, dt.datetime]]:
    """One sent campaign a month for the last ``MONTHS`` months: (survey, campaign, sent_at)."""
    survey = Survey.objects.filter(organization=organization, name="Customer NPS").first()
    if survey is None:
        survey = Survey.objects.create(
            organization=organization,
            name="Customer NPS",
            created_at=now - dt.timedelta(days=MONTHS * 31 + 5),
        )
    first = now.date().replace(day=1)
    wanted = []
    for back in range(MONTHS - 1, -1, -1):
        year, index = divmod(first.year * 12 + first.month - 1 - back, 12)
        month = dt.date(year, index + 1, 1)
        sent = min(
            dt.datetime.combine(month + dt.timedelta(days=2), dt.time(9), tzinfo=dt.UTC),
            now - dt.timedelta(days=1),
        )
        wanted.append((f"NPS {month:%B %Y}", sent))
    have = {
        c.name: c for c in SurveyCampaign.objects.filter(organization=organization, survey=survey)
    }
    SurveyCampaign.objects.bulk_create(
        [
            SurveyCampaign(
                organization=organization,
                survey=survey,
                name=name,
                status=SurveyCampaign.Status.SENT,
                created_by_id=people.marketers[0],
                created_at=sent - dt.timedelta(days=1),
                send_requested_at=sent,
                sent_at=sent,
                reminder_sent_at=sent + dt.timedelta(days=3),
            )
            for name, sent in wanted
            if name not in have
        ]
    )
    have = {
        c.name: c for c in SurveyCampaign.objects.filter(organization=organization, survey=survey)
    }
    return [(survey.pk, have[name].pk, sent) for name, sent in wanted]


def _responses(
    organization: Organization, people: _People, count: int, now: dt.datetime
) -> tuple[int, int, int]:
    """Add ``count`` responses (two recipients in three answer) with their
    contacts, recipients and follow-ups; return recipients, responses, follow-ups."""
    campaigns = _survey_campaigns(organization, people, now)
    rng = random.Random(f"responses-{organization.pk}-{count}")
    recipients_total = count + count // 2
    # Each contact is asked at most once per campaign: recipient j goes to
    # contact j % contacts and campaign j // contacts.
    contact_ids = reserve_ids(SurveyContact, math.ceil(recipients_total / MONTHS))
    contacts = [
        (
            pk,
            organization.pk,
            f"customer{pk}@customer.example",
            f"Customer {pk}",
            f"Client {pk % 3000}",
            now,
        )
        for pk in contact_ids
    ]
    bulk_write(SurveyContact, CONTACT_COLUMNS, contacts)
    answered = followups = 0
    scores = list(range(11))
    for first in range(0, recipients_total, BATCH):
        size = min(BATCH, recipients_total - first)
        recipient_ids = reserve_ids(Recipient, size)
        # Who answers: spread evenly so exactly ``count`` of all recipients do.
        answers = [
            (first + k) * count // recipients_total != (first + k + 1) * count // recipients_total
            for k in range(size)
        ]
        response_ids = iter(reserve_ids(Response, sum(answers)))
        recipients: list[tuple[Any, ...]] = []
        responses: list[tuple[Any, ...]] = []
        loops: list[tuple[Any, ...]] = []
        for k, pk in enumerate(recipient_ids):
            j = first + k
            survey, campaign, sent = campaigns[j // len(contacts)]
            contact = contacts[j % len(contacts)]
            owner = people.sellers[rng.randrange(len(people.sellers))]
            responded = None
            if answers[k]:
                responded = min(
                    sent + dt.timedelta(minutes=rng.randrange(5, 20 * 24 * 60)),
                    now - dt.timedelta(minutes=rng.randrange(1, 600)),
                )
                score = rng.choices(scores, SCORE_WEIGHTS)[0]
                kind = category(score)
                response = next(response_ids)
                responses.append(
                    (
                        response,
                        organization.pk,
                        survey,
                        campaign,
                        pk,
                        Response.Source.LINK,
                        score,
                        kind,
                        _comment(rng, False) if score < 9 and rng.random() < 0.6 else "",
                        _comment(rng, True) if score >= 7 and rng.random() < 0.5 else "",
                        score >= 9 and rng.random() < 0.3,
                        "en",
                        contact[2],
                        contact[3],
                        contact[4],
                        owner,
                        responded,
                        responded.date().replace(day=1),
                    )
                )
                if kind == Response.Category.DETRACTOR or (
                    kind == Response.Category.PROMOTER and rng.random() < 0.3
                ):
                    due = responded + dt.timedelta(days=2)
                    old = (now - responded).days > 21
                    status = (
                        (FollowUp.Status.RESOLVED if rng.random() < 0.8 else FollowUp.Status.LOST)
                        if old
                        else FollowUp.Status.OPEN
                        if rng.random() < 0.6
                        else FollowUp.Status.CONTACTED
                    )
                    loops.append(
                        (
                            organization.pk,
                            response,
                            FollowUp.Kind.RECOVERY
                            if kind == Response.Category.DETRACTOR
                            else FollowUp.Kind.ADVOCACY,
                            status,
                            owner,
                            people.marketers[rng.randrange(len(people.marketers))],
                            due,
                            responded,
                            due + dt.timedelta(days=rng.randint(-1, 10)) if old else None,
                            "Called back" if old else "",
                        )
                    )
            recipients.append(
                (
                    pk,
                    organization.pk,
                    campaign,
                    contact[0],
                    contact[2],
                    contact[3],
                    contact[4],
                    "en",
                    owner,
                    Recipient.Status.SENT,
                    sent + dt.timedelta(days=60),
                    sent,
                    responded,
                )
            )
        bulk_write(Recipient, RECIPIENT_COLUMNS, recipients)
        answered += bulk_write(Response, RESPONSE_COLUMNS, responses)
        followups += bulk_write(FollowUp, FOLLOWUP_COLUMNS, loops)
    return recipients_total, answered, followups


# -- activity logs ------------------------------------------------------------------

ACTIVITY_COLUMNS = (
    "organization_id",
    "member_id",
    "team_id",
    "activity_type",
    "activity_goal_id",
    "occurred_on",
    "source",
    "created_at",
)


def _activity_goals(organization: Organization, people: _People) -> dict[int, tuple[int, str]]:
    """Each team's active activity goal (made if missing): team -> (goal, type)."""
    goals = {}
    for team, kind, target in (
        (people.sales_team, ActivityType.CONTENT_USE, 4),
        (people.marketing_team, ActivityType.PIPELINE_REVIEW, 2),
    ):
        goal = ActivityGoal.objects.filter(
            organization=organization, team_id=team, is_active=True
        ).first()
        if goal is None:
            goal = ActivityGoal.objects.create(
                organization=organization,
                team_id=team,
                activity_type=kind,
                target_count=target,
                created_by=people.owner,
            )
        goals[team] = (goal.pk, goal.activity_type)
    return goals


def _activity(organization: Organization, people: _People, count: int, now: dt.datetime) -> int:
    goals = _activity_goals(organization, people)
    members = [(m, people.sales_team) for m in people.sellers] + [
        (m, people.marketing_team) for m in people.marketers
    ]
    rng = random.Random(f"activity-{organization.pk}-{count}")
    today = now.date()

    def rows() -> Iterator[tuple[Any, ...]]:
        for _ in range(count):
            member, team = members[rng.randrange(len(members))]
            goal, kind = goals[team]
            day = today - dt.timedelta(days=rng.randint(0, MONTHS * 30))
            yield (
                organization.pk,
                member,
                team,
                kind,
                goal,
                day,
                "manual",
                dt.datetime.combine(day, dt.time(17), tzinfo=dt.UTC),
            )

    return bulk_write(ActivityLog, ACTIVITY_COLUMNS, rows())


# -- the whole ------------------------------------------------------------------------


def _count(model: type[models.Model], organization: Organization) -> int:
    return model._default_manager.filter(organization=organization).count()


def bench_data(
    *,
    slugs: Sequence[str],
    sizes: Sizes,
    create: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[Filled]:
    """Fill each organisation in ``slugs`` up to ``sizes`` (creating the missing
    ones when ``create``), in one transaction; a ValidationError naming the
    field (``org``, ``slug``, ``leads``…) and nothing written on bad input."""
    for name in ("leads", "responses", "activity"):
        value = getattr(sizes, name)
        if value < 0:
            raise ValidationError({name: f"Give 0 or more, not {value}."})
    if not slugs:
        raise ValidationError({"orgs": "Give 1 or more organisations."})
    if not create:
        known = set(Organization.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        missing = [s for s in slugs if s not in known]
        if missing:
            raise ValidationError({"org": f"No organisation '{missing[0]}'."})
    say = progress or (lambda _: None)
    now = timezone.now()
    filled: list[Filled] = []
    with transaction.atomic():
        for slug in slugs:
            organization = organization_for_bench(slug, create=create)
            people = _people(organization)
            done = Filled(organization)
            leads = sizes.leads - _count(Lead, organization)
            if leads > 0:
                say(f"{slug}: adding {leads:,} leads")
                _agreement(organization, people, now)
                campaigns = _campaigns(organization, now)
                _, done.added["opportunities"], done.added["breaches"] = _leads(
                    organization, people, campaigns, leads, now
                )
                done.added["leads"] = leads
            responses = sizes.responses - _count(Response, organization)
            if responses > 0:
                say(f"{slug}: adding {responses:,} responses")
                done.added["recipients"], done.added["responses"], done.added["followups"] = (
                    _responses(organization, people, responses, now)
                )
            activity = sizes.activity - _count(ActivityLog, organization)
            if activity > 0:
                say(f"{slug}: adding {activity:,} activity logs")
                done.added["activity"] = _activity(organization, people, activity, now)
            if done.added:
                # The bulk path sends no signals: every month's rollups are
                # stale until the rebuild below (or a reader) recomputes them.
                pipeline_rollups.rollups_mark(organization.pk, [pipeline_rollups.ALL])
                feedback_rollups.rollups_mark(organization.pk, [feedback_rollups.ALL])
                feedback_rollups.rollups_forget_days(organization.pk)
            done.totals = {
                "leads": _count(Lead, organization),
                "opportunities": _count(Opportunity, organization),
                "responses": _count(Response, organization),
                "activity": _count(ActivityLog, organization),
            }
            filled.append(done)
    if any(done.added for done in filled):
        # Fresh statistics, as autovacuum would gather later, so the planner
        # sees the new rows' real distribution right away.
        with connection.cursor() as cursor:
            for model in (Lead, Opportunity, SlaBreach, Recipient, Response, FollowUp, ActivityLog):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    for done in filled:
        if done.added:
            say(f"{done.organization.slug}: rebuilding its rollups")
            rollups_rebuild(done.organization)
    return filled
