"""Reads for the pipeline: the funnel, SLA compliance, attribution, the triage
queue, and the functions other apps call (goal metrics, survey recipients,
account owners).

Aggregates are computed in SQL (``values``/``annotate``); medians come from a
histogram the database groups, so nothing loads a whole table into Python.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Round
from django.utils import timezone

from accord.goals.metrics import MetricValues
from accord.lib.business_time import (
    BusinessCalendar,
    add_business_days,
    add_business_hours,
    business_hours_between,
    subtract_business_hours,
)
from accord.lib.keyset import Segment, keyset_page
from accord.lib.local_time import day_start
from accord.orgs.models import Membership, Organization
from accord.orgs.selectors import business_calendar, get_scoped, scoped
from accord.pipeline.models import (
    AgreementStatus,
    BreachKind,
    Campaign,
    ColumnMapping,
    Contact,
    HandoffAgreement,
    ImportRowError,
    ImportRun,
    Lead,
    Opportunity,
    OpportunityStatus,
    OpportunityTouch,
    RejectionReason,
    SlaBreach,
    Stage,
    StageMapping,
)

# -- agreement and calendar ----------------------------------------------------


def agreement_active(organization: Organization) -> HandoffAgreement | None:
    return HandoffAgreement.objects.filter(
        organization=organization, status=AgreementStatus.ACTIVE
    ).first()


def agreements(membership: Membership) -> QuerySet[HandoffAgreement]:
    return scoped(membership, HandoffAgreement.objects.all()).select_related(
        "organization", "proposed_by__user", "sales_agreed_by__user", "marketing_agreed_by__user"
    )


def calendar_for(organization: Organization) -> BusinessCalendar:
    """The organisation's business calendar (``orgs.selectors.business_calendar``:
    time zone, country and own holidays) with the active agreement's hours."""
    return calendar_with(organization, agreement_active(organization))


def calendar_with(
    organization: Organization, agreement: HandoffAgreement | None
) -> BusinessCalendar:
    """``calendar_for`` when the caller has read the active agreement already."""
    calendar = business_calendar(organization)
    if agreement is None:
        return calendar
    return replace(calendar, day_start=agreement.day_start, day_end=agreement.day_end)


# -- lists ---------------------------------------------------------------------


# Stages a lead reaches only after sales took it: an import or a sync that
# brings a lead at one of them brings no decision left to make.
PAST_DECISION = (Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER)
# An MQL waiting in the triage queue: undecided, and not past the decision.
IN_QUEUE = Q(accepted_at__isnull=True, rejected_at__isnull=True) & ~Q(stage__in=PAST_DECISION)
TRIAGE_SORTS = {
    "sla": "Closest to breaching the SLA",
    "oldest": "Oldest first",
    "newest": "Newest first",
}

# The orders the leads, import runs and an import's refused rows page in
# (``accord.lib.keyset``), each backed by an index on (scope, key, id).
LEAD_ORDER = ("-mql_at", "-id")
LEAD_UNQUALIFIED_ORDER = ("-id",)
TRIAGE_ORDER = ("mql_at", "id")
BREACH_ORDER = ("-due_at", "-id")
IMPORT_RUN_ORDER = ("-created_at", "-id")
ROW_ERROR_ORDER = ("row", "id")


def triage_queue(membership: Membership) -> QuerySet[Lead]:
    """Undecided MQLs, oldest first: what sales must accept or reject.

    A lead imported or synced at SQL, opportunity or customer is past the
    decision and never enters the queue, whatever its dates say.
    """
    return (
        scoped(membership, Lead.objects.all())
        .filter(IN_QUEUE, mql_at__isnull=False)
        .select_related("campaign", "owner__user")
        .order_by("mql_at", "id")
    )


@dataclass
class SlaClock:
    """One lead's deadlines under the active agreement, and whether they passed."""

    touch_due: dt.datetime | None
    decision_due: dt.datetime
    touch_overdue: bool
    decision_overdue: bool
    hours_left: float  # business hours to the next deadline; 0 when overdue

    @property
    def overdue(self) -> bool:
        return self.touch_overdue or self.decision_overdue


@dataclass
class TriagePage:
    """One keyset page of the triage queue and the cursors of its neighbours."""

    leads: list[Lead]
    next: str | None
    previous: str | None
    clocks: dict[int, SlaClock] = field(default_factory=dict)


def decision_cutoff(organization: Organization, now: dt.datetime) -> dt.datetime | None:
    """The latest MQL time whose decision deadline has passed at ``now``
    (``None`` without an active agreement: nothing is overdue)."""
    agreement = agreement_active(organization)
    if agreement is None:
        return None
    calendar = calendar_for(organization)
    return subtract_business_hours(calendar, now, agreement.decision_days * calendar.hours_per_day)


def triage_page(
    membership: Membership,
    *,
    sort: str = "sla",
    mine: bool = False,
    source: str = "",
    campaign: int | None = None,
    search: str = "",
    cursor: str | None = None,
    size: int = 50,
    now: dt.datetime | None = None,
) -> TriagePage:
    """A page of the filtered triage queue in keyset order (``accord.lib.keyset``).

    ``sort``: "sla" (default) lists the leads still inside their decision
    deadline, soonest deadline first, then the overdue ones, most overdue
    first; "oldest" and "newest" order by MQL time. Each page reads at most
    ``size + 1`` rows per segment from the (organisation, MQL time, id)
    index, so a deep page costs what the first does. No count: the queue
    can hold every lead an import brought. Raises ``BadCursor`` for a
    ``cursor`` this list did not give out.
    """
    if sort not in TRIAGE_SORTS:
        raise ValueError(sort)
    now = now or timezone.now()
    queue = triage_queue(membership)
    if mine:
        queue = queue.filter(owner=membership)
    if source:
        queue = queue.filter(source=source)
    if campaign is not None:
        queue = queue.filter(campaign_id=campaign)
    if search:
        queue = queue.filter(
            Q(name__icontains=search) | Q(email__icontains=search) | Q(company__icontains=search)
        )
    cutoff = decision_cutoff(membership.organization, now) if sort == "sla" else None
    segments: list[Segment[Lead]]
    if sort == "newest":
        segments = [Segment(queue, ("-mql_at", "-id"))]
    elif cutoff is None:
        segments = [Segment(queue, TRIAGE_ORDER)]
    else:
        # The SLA sort splits the queue at the cutoff: still saveable, then overdue.
        segments = [
            Segment(queue.filter(mql_at__gt=cutoff), TRIAGE_ORDER),
            Segment(queue.filter(mql_at__lte=cutoff), TRIAGE_ORDER),
        ]
    page = keyset_page(segments, cursor=cursor, size=size)
    return TriagePage(
        leads=page.items,
        next=page.next,
        previous=page.previous,
        clocks=sla_clocks(membership.organization, page.items, now=now),
    )


def sla_clocks(
    organization: Organization, leads: list[Lead], *, now: dt.datetime
) -> dict[int, SlaClock]:
    """Each lead's first-touch and decision deadlines (empty without an agreement)."""
    agreement = agreement_active(organization)
    if agreement is None:
        return {}
    calendar = calendar_for(organization)
    clocks: dict[int, SlaClock] = {}
    for lead in leads:
        assert lead.mql_at is not None
        decision_due = add_business_days(calendar, lead.mql_at, agreement.decision_days)
        touch_due = None
        if lead.first_touch_at is None:
            touch_due = add_business_hours(calendar, lead.mql_at, agreement.first_touch_hours)
        touch_overdue = touch_due is not None and touch_due <= now
        decision_overdue = decision_due <= now
        next_due = touch_due if touch_due is not None and not touch_overdue else decision_due
        clocks[lead.pk] = SlaClock(
            touch_due=touch_due,
            decision_due=decision_due,
            touch_overdue=touch_overdue,
            decision_overdue=decision_overdue,
            hours_left=0.0 if decision_overdue else business_hours_between(calendar, now, next_due),
        )
    return clocks


def triage_sources(membership: Membership) -> list[str]:
    """The sources of the leads waiting in the queue, for the filter: read
    from the rollups by source and cohort month (``queued``), so it costs
    the same however many leads wait."""
    from accord.pipeline import rollups

    rows = rollups.group_rows(membership.organization, "source")
    return sorted({row.key for row in rows if row.queued and row.key})


def triage_count(membership: Membership) -> int:
    """How many leads wait in the triage queue (``triage_queue``'s count),
    read from the rollups' monthly totals."""
    from accord.pipeline import rollups

    return sum(row.queued for row in rollups.group_rows(membership.organization, "total"))


def leads(membership: Membership) -> QuerySet[Lead]:
    return scoped(membership, Lead.objects.select_related("campaign", "owner__user"))


def opportunities(membership: Membership) -> QuerySet[Opportunity]:
    return scoped(membership, Opportunity.objects.select_related("account", "primary_campaign"))


def lead_listing(queryset: QuerySet[Lead]) -> list[Segment[Lead]]:
    """``queryset`` as the leads list reads it: MQLs newest first, then the
    leads never qualified (no MQL time to sort by), newest first."""
    return [
        Segment(queryset.filter(mql_at__isnull=False), LEAD_ORDER),
        Segment(queryset.filter(mql_at__isnull=True), LEAD_UNQUALIFIED_ORDER),
    ]


def import_runs(membership: Membership) -> QuerySet[ImportRun]:
    return scoped(membership, ImportRun.objects.select_related("started_by__user"))


def import_row_errors(run: ImportRun) -> QuerySet[ImportRowError]:
    """The refused and skipped rows of ``run`` (found through the member's scope)."""
    return ImportRowError.objects.filter(run=run, organization_id=run.organization_id)


def lead(membership: Membership, pk: int) -> Lead:
    return get_scoped(membership, Lead.objects.select_related("campaign"), pk=pk)


def handoff_agreement(membership: Membership, pk: int) -> HandoffAgreement:
    return get_scoped(membership, HandoffAgreement.objects.all(), pk=pk)


def import_run(membership: Membership, pk: int) -> ImportRun:
    return get_scoped(membership, ImportRun.objects.all(), pk=pk)


def column_mappings(
    membership: Membership, *, kinds: Collection[str] | None = None
) -> QuerySet[ColumnMapping]:
    """The organisation's saved column mappings (of these ``kinds`` only, when given)."""
    found = scoped(membership, ColumnMapping.objects.all())
    return found if kinds is None else found.filter(kind__in=list(kinds))


def column_mapping_named(membership: Membership, name: str, kind: str) -> ColumnMapping:
    """The saved mapping called ``name`` (ValidationError naming it when there is
    none, or when it maps another kind)."""
    from django.core.exceptions import ValidationError

    found = scoped(membership, ColumnMapping.objects.filter(name=name.strip())).first()
    if found is None:
        raise ValidationError({"mapping": f"No saved mapping '{name}'."})
    if found.kind != kind:
        raise ValidationError({"mapping": f"'{found.name}' maps {found.kind}, not {kind}."})
    return found


def column_mapping(membership: Membership, pk: int) -> ColumnMapping:
    return get_scoped(membership, ColumnMapping.objects.all(), pk=pk)


def stage_mappings(membership: Membership) -> QuerySet[StageMapping]:
    """The organisation's own lifecycle stages and what each means in Accord."""
    return scoped(membership, StageMapping.objects.all())


def breaches(membership: Membership) -> QuerySet[SlaBreach]:
    return scoped(membership, SlaBreach.objects.select_related("lead", "owner__user"))


# -- medians from histograms -----------------------------------------------------


def _median_of_histogram(pairs: list[tuple[float, int]]) -> float | None:
    total = sum(n for _, n in pairs)
    if total == 0:
        return None
    pairs.sort()
    middle = (total - 1) / 2
    seen = 0
    lower: float | None = None
    for value, n in pairs:
        if lower is None and seen + n > int(middle):
            lower = value
        if seen + n > int(middle + 0.5):
            return (float(lower if lower is not None else value) + float(value)) / 2
        seen += n
    return float(pairs[-1][0])


def median_of(queryset: QuerySet[Any], field_name: str, *, precision: int = 1) -> float | None:
    """Median of a numeric column, rounded to ``precision`` decimals, grouped in SQL."""
    rows = (
        queryset.filter(**{f"{field_name}__isnull": False})
        .order_by()
        .values(bucket=Round(F(field_name), precision))
        .annotate(n=Count("id"))
        .values_list("bucket", "n")
    )
    return _median_of_histogram([(float(b), n) for b, n in rows])


def _days_between_sql(start: str, end: str, *, dates: bool = False) -> str:
    if connection.vendor == "postgresql" and dates:
        return f"({end} - {start})"
    if connection.vendor == "postgresql":
        return f"floor(extract(epoch from ({end} - {start})) / 86400)::int"
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


def median_days(
    queryset: QuerySet[Any], start: str, end: str, *, dates: bool = False
) -> float | None:
    """Median whole days from column ``start`` to column ``end`` (both set);
    ``dates`` when they are date (not datetime) columns."""
    table = queryset.model._meta.db_table
    expression = _days_between_sql(f'"{table}"."{start}"', f'"{table}"."{end}"', dates=dates)
    rows = (
        queryset.filter(**{f"{start}__isnull": False, f"{end}__isnull": False})
        .order_by()
        .annotate(days=RawSQL(expression, []))  # noqa: S611 (our column names)
        .values("days")
        .annotate(n=Count("id"))
        .values_list("days", "n")
    )
    return _median_of_histogram([(float(d), n) for d, n in rows])


# -- the funnel ----------------------------------------------------------------

FUNNEL_STAGES = ["mql", "accepted", "sql", "opportunity", "won"]
# A lead has reached a stage when that stage's date or any later one is set:
# CRMs often skip steps (an SQL that was never formally accepted).
REACHED = {
    "mql": Q(mql_at__isnull=False),
    "accepted": Q(accepted_at__isnull=False)
    | Q(sql_at__isnull=False)
    | Q(opportunity_at__isnull=False)
    | Q(customer_at__isnull=False),
    "sql": Q(sql_at__isnull=False) | Q(opportunity_at__isnull=False) | Q(customer_at__isnull=False),
    "opportunity": Q(opportunity_at__isnull=False) | Q(customer_at__isnull=False),
    "won": Q(customer_at__isnull=False),
}
STAGE_DATES = [
    ("accepted", "mql_at", "accepted_at"),
    ("sql", "mql_at", "sql_at"),
    ("opportunity", "sql_at", "opportunity_at"),
    ("won", "opportunity_at", "customer_at"),
]
GROUP_FIELDS = {"source": "source", "campaign": "campaign__name", "month": "mql_month"}


def _stages(counts: dict[str, int]) -> list[dict[str, Any]]:
    out = []
    previous: int | None = None
    for stage in FUNNEL_STAGES:
        count = int(counts.get(stage) or 0)
        conversion = None
        if previous is not None:
            conversion = round(100 * count / previous, 1) if previous else None
        out.append({"stage": stage, "count": count, "conversion_from_previous": conversion})
        previous = count
    return out


def funnel_cohort(
    organization: Organization, *, since: dt.date | None = None, until: dt.date | None = None
) -> QuerySet[Lead]:
    """MQLs of the organisation, by cohort month (the month they became MQLs):
    from ``since``'s month on, and up to ``until``'s month (inclusive)."""
    queryset = Lead.objects.filter(organization=organization, mql_at__isnull=False)
    if since is not None:
        queryset = queryset.filter(mql_month__gte=since.strftime("%Y-%m"))
    if until is not None:
        queryset = queryset.filter(mql_month__lte=until.strftime("%Y-%m"))
    return queryset


def funnel(
    organization: Organization,
    *,
    by: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    medians: bool = True,
) -> dict[str, Any]:
    """``{"stages": [{stage, count, conversion_from_previous, median_days}], "groups": [...]}``.

    Cohorts are by the month a lead became an MQL; ``since`` keeps cohorts
    from that month on, ``until`` up to its month. Conversion is in percent of
    the previous stage.
    ``groups`` (with ``by`` = source, campaign or month) holds the same for each
    group: ``{"key": ..., "stages": [...]}``.

    Read from the rollups (``accord.pipeline.rollups.group_rows``: stored
    rows, and marked months counted from the leads), a fixed number of
    queries however many months and groups; medians come from the months'
    histograms of days between stages.
    """
    if by is not None and by not in GROUP_FIELDS:
        raise ValueError(f"by must be one of: {', '.join(GROUP_FIELDS)}")
    from accord.pipeline import rollups

    first, last = _month_span(since, until)
    months = rollups.group_rows(organization, "total", since=first, until=last)
    stages = _stages(_funnel_counts(months))
    if medians:
        for stage in stages:
            stage["median_days_from_previous"] = (
                _median_of_histogram(
                    list(_merged([r.stage_days.get(stage["stage"], {}) for r in months]).items())
                )
                if stage["stage"] != "mql"
                else None
            )
    groups: list[dict[str, Any]] = []
    if by == "month":
        groups = [
            {"key": row.month or "(none)", "stages": _stages(_funnel_counts([row]))}
            for row in months
        ]
    elif by is not None:
        rows = rollups.group_rows(organization, by, since=first, until=last)
        names: dict[str, str | None] = {row.key: row.key for row in rows}
        if by == "campaign":
            names = _campaign_names(organization, rows, "name")
        by_name: dict[str | None, list[Any]] = defaultdict(list)
        for row in rows:
            by_name[names[row.key]].append(row)
        for key in _column_order(by_name):
            groups.append(
                {
                    "key": key if key not in (None, "") else "(none)",
                    "stages": _stages(_funnel_counts(by_name[key])),
                }
            )
    return {"stages": stages, "groups": groups}


def _month_span(since: dt.date | None, until: dt.date | None) -> tuple[str | None, str | None]:
    """The cohort months (``"YYYY-MM"``) of ``since`` and ``until``."""
    return (
        since.strftime("%Y-%m") if since is not None else None,
        until.strftime("%Y-%m") if until is not None else None,
    )


def _funnel_counts(rows: Sequence[Any]) -> dict[str, int]:
    from accord.pipeline.rollups import FUNNEL_FIELDS

    return {stage: sum(getattr(r, name) for r in rows) for stage, name in FUNNEL_FIELDS.items()}


def _merged(histograms: Iterable[dict[str, int]]) -> dict[float, int]:
    """The histograms (value -> count, values as stored: text) added up, by value."""
    # Added up by their text first (Counter's update), then by value: a
    # person's months hold thousands of buckets at millions of leads, and
    # one float() per distinct bucket instead of per bucket and month keeps
    # the compliance page's merging four times faster.
    counted: Counter[str] = Counter()
    for histogram in histograms:
        counted.update(histogram)
    total: dict[float, int] = {}
    for value, n in counted.items():
        total[float(value)] = total.get(float(value), 0) + n
    return total


def _column_order(keys: Iterable[str | None]) -> list[str | None]:
    """``keys`` in the order ``ORDER BY`` the column gave when these were
    counted live: text by code point (the databases' C collation), the empty
    value (NULL) first on SQLite and last on PostgreSQL."""
    found = list(keys)
    present = sorted(k for k in found if k is not None)
    if None not in found:
        return list(present)
    return [*present, None] if connection.vendor == "postgresql" else [None, *present]


def _campaign_names(
    organization: Organization, rows: Sequence[Any], field_name: str
) -> dict[str, str | None]:
    """Row key (a campaign id, or empty) -> ``field_name`` of that campaign
    (None without one, or for a campaign since deleted: its leads lost it)."""
    ids = {int(r.key) for r in rows if r.key}
    found = dict(
        Campaign.objects.filter(organization=organization, pk__in=sorted(ids)).values_list(
            "pk", field_name
        )
    )
    return {r.key: (found.get(int(r.key)) if r.key else None) for r in rows}


def _owner_emails(organization: Organization, rows: Sequence[Any]) -> dict[str, str | None]:
    """Row key (a membership id, or empty) -> that person's email (None
    without an owner, or for a membership since deleted)."""
    ids = {int(r.key) for r in rows if r.key}
    found = dict(
        Membership.objects.filter(organization=organization, pk__in=sorted(ids)).values_list(
            "pk", "user__email"
        )
    )
    return {r.key: (found.get(int(r.key)) if r.key else None) for r in rows}


# -- pipeline and attribution -----------------------------------------------------


def _opportunities(
    organization: Organization, start: dt.date | None, end: dt.date | None
) -> QuerySet[Opportunity]:
    queryset = Opportunity.objects.filter(organization=organization)
    if start:
        queryset = queryset.filter(created_on__gte=start)
    if end:
        queryset = queryset.filter(created_on__lte=end)
    return queryset


@dataclass
class Attribution:
    """Pipeline and revenue per campaign under each model, plus the totals."""

    sourced_pipeline: Decimal = Decimal(0)
    sourced_revenue: Decimal = Decimal(0)
    influenced_pipeline: Decimal = Decimal(0)
    influenced_revenue: Decimal = Decimal(0)
    total_pipeline: Decimal = Decimal(0)
    total_revenue: Decimal = Decimal(0)
    # campaign name -> {"first_touch": x, "last_touch": y, "linear": z} (revenue of won deals)
    by_campaign: dict[str, dict[str, Decimal]] = field(default_factory=dict)


def attribution(organization: Organization, *, start: dt.date | None = None) -> Attribution:
    """Marketing-sourced and -influenced pipeline and revenue; revenue by campaign
    under first-touch, last-touch and linear attribution.

    Sourced: the opportunity has a primary campaign. Influenced: any campaign
    touched it (or it was sourced). Pipeline counts every opportunity created
    from ``start`` on (None: all of them), revenue the won ones. Amounts are
    summed as they are: one currency per organisation is assumed.

    Read from the opportunity rollups (``opportunity_rollups.all_history``):
    a fixed number of queries, and rows that grow with the months and
    campaigns, not with the opportunities.
    """
    from accord.pipeline import opportunity_rollups

    period = opportunity_rollups.all_history(organization, since=start)
    result = Attribution(
        sourced_pipeline=period.amounts["sourced_pipeline"],
        sourced_revenue=period.amounts["sourced_revenue"],
        influenced_pipeline=period.amounts["influenced_pipeline"],
        influenced_revenue=period.amounts["influenced_revenue"],
        total_pipeline=period.amounts["pipeline"],
        total_revenue=period.amounts["revenue"],
    )
    names = dict(
        Campaign.objects.filter(
            organization=organization, pk__in=sorted(int(k) for k in period.credits)
        ).values_list("pk", "name")
    )
    models: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: {"first_touch": Decimal(0), "last_touch": Decimal(0), "linear": Decimal(0)}
    )
    for campaign, credits in period.credits.items():
        name = names.get(int(campaign))
        if name is None:
            continue  # deleted: its rows go at the next refresh
        for model, amount in credits.items():
            models[name][model] += amount
    result.by_campaign = {
        name: {k: v.quantize(Decimal("0.01")) for k, v in values.items()}
        for name, values in sorted(models.items())
    }
    return result


# -- SLA compliance -------------------------------------------------------------


@dataclass
class Compliance:
    """Both sides of the hand-off agreement over one period (or for one person)."""

    key: str
    mqls: int
    commitment: int | None
    touched_in_time: int
    touched_late: int
    decided_in_time: int
    decided_late: int
    median_first_touch_hours: float | None
    accepted: int
    rejected: int

    @property
    def touch_compliance(self) -> float | None:
        known = self.touched_in_time + self.touched_late
        return round(100 * self.touched_in_time / known, 1) if known else None

    @property
    def decision_compliance(self) -> float | None:
        known = self.decided_in_time + self.decided_late
        return round(100 * self.decided_in_time / known, 1) if known else None

    @property
    def commitment_met(self) -> bool | None:
        return None if self.commitment is None else self.mqls >= self.commitment

    @property
    def commitment_percent(self) -> float | None:
        if not self.commitment:
            return None
        return round(100 * self.mqls / self.commitment, 1)


def _compliance_conditions(
    agreement: HandoffAgreement | None, calendar: BusinessCalendar
) -> dict[str, Q]:
    """What each of a cohort's counts counts (``Q()``: every MQL). Without an
    agreement only the counts that do not depend on it (mqls, accepted,
    rejected); ``_compliance_aggregates`` counts them distinct per lead."""
    conditions = {
        "mqls": Q(),
        "accepted": Q(accepted_at__isnull=False),
        "rejected": Q(rejected_at__isnull=False),
    }
    if agreement is None:
        return conditions
    touch_limit = agreement.first_touch_hours
    decision_limit = agreement.decision_days * calendar.hours_per_day
    breached_touch = Q(breaches__kind=BreachKind.FIRST_TOUCH, first_touch_at__isnull=True)
    breached_decision = Q(
        breaches__kind=BreachKind.DECISION, accepted_at__isnull=True, rejected_at__isnull=True
    )
    return {
        **conditions,
        "touched_in_time": Q(first_touch_hours__lte=touch_limit),
        "touched_late": Q(first_touch_hours__gt=touch_limit) | breached_touch,
        "decided_in_time": Q(decision_hours__lte=decision_limit),
        "decided_late": Q(decision_hours__gt=decision_limit) | breached_decision,
    }


def _compliance_aggregates(
    agreement: HandoffAgreement | None, calendar: BusinessCalendar
) -> dict[str, Any]:
    return {
        name: Count("id", filter=condition or None, distinct=True)
        for name, condition in _compliance_conditions(agreement, calendar).items()
    }


def compliance(
    organization: Organization, *, by: str = "month", since: dt.date | None = None
) -> list[Compliance]:
    """SLA compliance per cohort month (``by="month"``), per lead owner (``by="owner"``,
    sales' side) or per campaign owner (``by="marketer"``, marketing's side).

    Touch and decision compliance count the MQLs whose outcome is known: measured
    (touched or decided) or breached. Empty without an active agreement.
    Read from the rollups (by month ``LeadMonthRollup``, by person
    ``LeadGroupRollup``), a fixed number of queries however many months and
    people.
    """
    agreement = agreement_active(organization)
    if agreement is None:
        return []
    calendar = calendar_with(organization, agreement)
    if by == "month":
        return _compliance_by_month(organization, agreement, calendar, since)
    if by not in ("owner", "marketer"):
        raise ValueError(f"by must be one of: month, owner, marketer (not {by!r})")
    from accord.pipeline import rollups

    # Both groupings are keyed by a membership id (the lead's owner, the
    # campaign's owner).
    rows = rollups.group_rows(
        organization,
        by,
        since=since.strftime("%Y-%m") if since is not None else None,
        limits=rollups.group_limits(organization),
    )
    people = _owner_emails(organization, rows)
    by_person: dict[str | None, list[Any]] = defaultdict(list)
    for row in rows:
        by_person[people[row.key]].append(row)
    out = []
    for person in _column_order(by_person):
        found = by_person[person]
        out.append(
            Compliance(
                key=person or "(no owner)",
                commitment=None,
                median_first_touch_hours=_median_of_histogram(
                    list(_merged(r.first_touch_histogram for r in found).items())
                ),
                **{name: sum(getattr(r, name) for r in found) for name in rollups.COUNTS},
            )
        )
    return out


def _compliance_by_month(
    organization: Organization,
    agreement: HandoffAgreement,
    calendar: BusinessCalendar,
    since: dt.date | None,
) -> list[Compliance]:
    """``compliance(by="month")`` read from the monthly rollups (one small
    table), not counted from the leads: see ``accord.pipeline.rollups``."""
    from accord.pipeline import rollups

    rows = rollups.month_rows(
        organization,
        agreement,
        calendar.hours_per_day,
        since=since.strftime("%Y-%m") if since is not None else None,
    )
    return [
        Compliance(
            key=row.month,
            commitment=agreement.monthly_mql_commitment,
            median_first_touch_hours=rollups.median_of_histograms([row.first_touch_histogram]),
            **{name: getattr(row, name) for name in rollups.COUNTS},
        )
        for row in rows
    ]


def rejection_reasons(
    organization: Organization, *, since: dt.date | None = None
) -> dict[str, Any]:
    """Rejections by reason: totals and per cohort month (the trend marketing sees),
    read from the rollups (``accord.pipeline.rollups.group_rows``). Totals are
    ordered by count, most first (ties by reason)."""
    from accord.pipeline import rollups

    rows = [
        r
        for r in rollups.group_rows(organization, "reason", since=_month_span(since, None)[0])
        if r.rejected
    ]
    labels = dict(RejectionReason.choices)

    def label(reason: str) -> str:
        return labels.get(reason, reason or "(none)")

    counted: dict[str, int] = defaultdict(int)
    trend: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counted[row.key] += row.rejected
        trend[row.month][label(row.key)] = row.rejected
    totals = {label(r): counted[r] for r in sorted(counted, key=lambda r: (-counted[r], r))}
    return {"totals": totals, "by_month": dict(sorted(trend.items()))}


# -- for other apps (see the cross-app interfaces) ---------------------------------


PIPELINE_METRICS = (
    "mql_to_sql_conversion",
    "sql_acceptance_rate",
    "median_first_touch_hours",
    "lead_sla_compliance",
    "marketing_sourced_pipeline",
    "marketing_influenced_pipeline",
    "win_rate",
    "sales_cycle_days",
)


def metric_values(
    organization: Organization,
    start: dt.date,
    end: dt.date,
    keys: Collection[str] = PIPELINE_METRICS,
) -> dict[str, float | None]:
    """Goal metrics from the pipeline for MQLs / opportunities of [start, end]
    (inclusive days of the organisation's time zone).

    Percentages are 0-100; hours and days are medians; pipeline sums are in the
    organisation's currency. None where there is no data. ``keys`` narrows it
    to those metrics: each runs only the queries it needs, over the period's
    rows (the ``lead_org_mql`` index), never all history.
    """
    # Days of the organisation's time zone, as its months (``mql_month``) and
    # the NPS periods are.
    start_at = day_start(start, organization.time_zone)
    end_at = day_start(end + dt.timedelta(days=1), organization.time_zone)
    mqls = Lead.objects.filter(organization=organization, mql_at__gte=start_at, mql_at__lt=end_at)
    closed = Opportunity.objects.filter(
        organization=organization, close_date__gte=start, close_date__lte=end
    )

    @cache
    def counts() -> dict[str, int]:
        return mqls.order_by().aggregate(
            mql=Count("id"),
            sql=Count("id", filter=REACHED["sql"]),
            accepted=Count("id", filter=Q(accepted_at__isnull=False)),
            rejected=Count("id", filter=Q(rejected_at__isnull=False)),
        )

    @cache
    def pipe() -> dict[str, Any]:
        touched = OpportunityTouch.objects.filter(organization=organization).values(
            "opportunity_id"
        )
        return (
            _opportunities(organization, start, end)
            .order_by()
            .aggregate(
                sourced=Sum("amount", filter=Q(primary_campaign__isnull=False)),
                influenced=Sum(
                    "amount", filter=Q(primary_campaign__isnull=False) | Q(pk__in=touched)
                ),
                n=Count("id"),
            )
        )

    def conversion() -> float | None:
        found = counts()
        return round(100 * found["sql"] / found["mql"], 1) if found["mql"] else None

    def acceptance() -> float | None:
        found = counts()
        decided = found["accepted"] + found["rejected"]
        return round(100 * found["accepted"] / decided, 1) if decided else None

    def touch() -> float | None:
        agreement = agreement_active(organization)
        if agreement is None:
            return None
        agg = mqls.order_by().aggregate(
            **{
                k: v
                for k, v in _compliance_aggregates(agreement, calendar_for(organization)).items()
                if k in ("touched_in_time", "touched_late")
            }
        )
        known = agg["touched_in_time"] + agg["touched_late"]
        return round(100 * agg["touched_in_time"] / known, 1) if known else None

    def sourced() -> float | None:
        found = pipe()
        return float(found["sourced"] or 0) if found["n"] else None

    def influenced() -> float | None:
        found = pipe()
        return float(found["influenced"] or 0) if found["n"] else None

    def win_rate() -> float | None:
        outcome = closed.order_by().aggregate(
            won=Count("id", filter=Q(status=OpportunityStatus.WON)),
            lost=Count("id", filter=Q(status=OpportunityStatus.LOST)),
        )
        decided = outcome["won"] + outcome["lost"]
        return round(100 * outcome["won"] / decided, 1) if decided else None

    computers: dict[str, Callable[[], float | None]] = {
        "mql_to_sql_conversion": conversion,
        "sql_acceptance_rate": acceptance,
        "median_first_touch_hours": lambda: median_of(mqls, "first_touch_hours"),
        "lead_sla_compliance": touch,
        "marketing_sourced_pipeline": sourced,
        "marketing_influenced_pipeline": influenced,
        "win_rate": win_rate,
        "sales_cycle_days": lambda: median_days_dates(
            closed.filter(status=OpportunityStatus.WON), "created_on", "close_date"
        ),
    }
    return {key: computers[key]() for key in PIPELINE_METRICS if key in keys}


def goal_metric_values(organization: Organization, start: dt.date, end: dt.date) -> MetricValues:
    """``metric_values`` as the goals app reads it: Decimals, metrics without data
    left out, each computed only when a goal reads it."""
    return MetricValues(
        PIPELINE_METRICS,
        lambda key: metric_series(organization, [(key, start, end)])[0],
    )


# The lead metrics read the month rollups (``rollups.lead_totals``).
ROLLED_UP_METRICS = (
    "mql_to_sql_conversion",
    "sql_acceptance_rate",
    "median_first_touch_hours",
    "lead_sla_compliance",
)


def metric_series(
    organization: Organization, requests: Sequence[tuple[str, dt.date, dt.date]]
) -> list[float | None]:
    """``metric_values`` for many (metric key, start, end) at once, in order.

    The lead metrics (``ROLLED_UP_METRICS``) of every request come from the
    month rollups and, for partial months, the day rollups; the opportunity
    metrics from the opportunity rollups the same way, one read for all
    periods. A fixed number of queries however many requests and months."""
    from accord.pipeline import rollups

    out: list[float | None] = [None] * len(requests)
    rolled = [i for i, (key, _, _) in enumerate(requests) if key in ROLLED_UP_METRICS]
    if rolled:
        totals = rollups.lead_totals(
            organization, [(requests[i][1], requests[i][2]) for i in rolled]
        )
        has_agreement: bool | None = None
        for i, found in zip(rolled, totals, strict=True):
            key, counts = requests[i][0], found.counts
            if key == "mql_to_sql_conversion":
                if counts["mqls"]:
                    out[i] = round(100 * counts["sqls"] / counts["mqls"], 1)
            elif key == "sql_acceptance_rate":
                decided = counts["accepted"] + counts["rejected"]
                if decided:
                    out[i] = round(100 * counts["accepted"] / decided, 1)
            elif key == "median_first_touch_hours":
                out[i] = rollups.median_of_histograms(found.histograms)
            else:
                if has_agreement is None:
                    has_agreement = agreement_active(organization) is not None
                known = counts["touched_in_time"] + counts["touched_late"]
                if has_agreement and known:
                    out[i] = round(100 * counts["touched_in_time"] / known, 1)
    wanted = sorted({(start, end) for key, start, end in requests if key in OPPORTUNITY_METRICS})
    if wanted:
        opportunities = _opportunity_metrics(organization, wanted)
        for i, (key, start, end) in enumerate(requests):
            if key in OPPORTUNITY_METRICS:
                out[i] = opportunities[(start, end)][key]
    return out


OPPORTUNITY_METRICS = (
    "marketing_sourced_pipeline",
    "marketing_influenced_pipeline",
    "win_rate",
    "sales_cycle_days",
)


def _opportunity_metrics(
    organization: Organization, periods: list[tuple[dt.date, dt.date]]
) -> dict[tuple[dt.date, dt.date], dict[str, float | None]]:
    """The opportunity metrics of ``metric_values`` for every period, from the
    opportunity rollups (``opportunity_rollups.periods``: month rows for
    whole months, day rows for partial ones), in one read for all periods."""
    from accord.pipeline import opportunity_rollups

    out: dict[tuple[dt.date, dt.date], dict[str, float | None]] = {}
    for period, found in zip(
        periods, opportunity_rollups.periods(organization, periods), strict=True
    ):
        values: dict[str, float | None] = dict.fromkeys(OPPORTUNITY_METRICS)
        if found.opportunities:
            values["marketing_sourced_pipeline"] = float(found.amounts["sourced_pipeline"])
            values["marketing_influenced_pipeline"] = float(found.amounts["influenced_pipeline"])
        decided = found.won + found.lost
        if decided:
            values["win_rate"] = round(100 * found.won / decided, 1)
        values["sales_cycle_days"] = _median_of_histogram(list(found.cycle_days.items()))
        out[period] = values
    return out


def median_days_dates(queryset: QuerySet[Opportunity], start: str, end: str) -> float | None:
    """Median days between two date columns."""
    return median_days(queryset, start, end, dates=True)


def _survey_contacts(membership: Membership, segment: dict[str, str] | None) -> QuerySet[Contact]:
    queryset = scoped(membership, Contact.objects.exclude(email=""))
    for key, value in (segment or {}).items():
        if key in ("industry", "region"):
            queryset = queryset.filter(**{f"account__{key}": value})
        elif key == "language":
            queryset = queryset.filter(language=value)
        elif key == "account_owner_id":
            queryset = queryset.filter(Q(account__owner_id=value) | Q(owner_id=value))
        else:
            queryset = queryset.filter(**{f"attributes__{key}": value})
    return queryset


def contacts_for_survey_count(
    membership: Membership, *, segment: dict[str, str] | None = None
) -> int:
    """How many contacts ``contacts_for_survey`` yields (for a progress bar)."""
    return _survey_contacts(membership, segment).count()


def contacts_for_survey(
    membership: Membership, *, segment: dict[str, str] | None = None
) -> Iterator[dict[str, Any]]:
    """Contacts with an email, as survey recipients (streamed, in id order).

    ``segment`` narrows by ``industry``, ``region`` (of the account), ``language``,
    ``account_owner_id``, or any other key of the contact's imported attributes.
    """
    queryset = _survey_contacts(membership, segment).select_related("account")
    for contact in queryset.order_by("pk").iterator(chunk_size=2000):
        account = contact.account
        extra = dict(contact.attributes or {})
        if account is not None:
            extra.setdefault("industry", account.industry)
            extra.setdefault("region", account.region)
        yield {
            "email": contact.email,
            "name": contact.name,
            "company": account.name if account else contact.company,
            "language": contact.language,
            "account_owner_id": (account.owner_id if account and account.owner_id else None)
            or contact.owner_id,
            "extra": extra,
        }


def account_owner_for_email(organization: Organization, email: str) -> Membership | None:
    """Who owns the account of the person at ``email``: the account owner, else the
    contact's or lead's owner; None when unknown."""
    email = email.strip().lower()
    return account_owners_for_emails(organization, [email]).get(email) if email else None


def account_owners_for_emails(
    organization: Organization, emails: list[str]
) -> dict[str, Membership]:
    """The account owner (as ``account_owner_for_email``) of each of ``emails``
    that has one, in two queries whatever their number: keep a batch to a few
    thousand addresses."""
    wanted = {email.strip().lower() for email in emails if email.strip()}
    owners: dict[str, Membership] = {}
    if not wanted:
        return owners
    seen: set[str] = set()
    contacts = Contact.objects.filter(organization=organization, email__in=wanted).select_related(
        "account__owner__user", "owner__user"
    )
    for contact in contacts:
        # The first contact with the address decides, as a single lookup's would.
        if contact.email in seen:
            continue
        seen.add(contact.email)
        if contact.account is not None and contact.account.owner is not None:
            owners[contact.email] = contact.account.owner
        elif contact.owner is not None:
            owners[contact.email] = contact.owner
    leads = Lead.objects.filter(
        organization=organization, email__in=wanted - set(owners), owner__isnull=False
    ).select_related("owner__user")
    for lead in leads:
        if lead.owner is not None:
            owners.setdefault(lead.email, lead.owner)
    return owners


# -- for the meetings' agenda -------------------------------------------------------------


def breaches_between(
    organization: Organization, since: dt.datetime, until: dt.datetime
) -> dict[str, int]:
    """SLA breaches detected in [since, until), counted by kind label."""
    labels = dict(BreachKind.choices)
    return {
        labels.get(kind, kind): n
        for kind, n in SlaBreach.objects.filter(
            organization=organization, detected_at__gte=since, detected_at__lt=until
        )
        .order_by()
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    }


def rejections_between(
    organization: Organization, since: dt.datetime, until: dt.datetime
) -> dict[str, int]:
    """Leads rejected in [since, until), counted by reason label."""
    labels = dict(RejectionReason.choices)
    return {
        labels.get(reason, reason or "(none)"): n
        for reason, n in Lead.objects.filter(
            organization=organization, rejected_at__gte=since, rejected_at__lt=until
        )
        .order_by()
        .values("rejection_reason")
        .annotate(n=Count("id"))
        .values_list("rejection_reason", "n")
    }
