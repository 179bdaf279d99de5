"""SLA compliance by cohort month, kept in ``LeadMonthRollup``, and the
funnel (in total, by source and by campaign), SLA compliance per lead owner
and per marketer, the rejection reasons, the triage queue's size and sources
by cohort month, and the goals' lead counts by day, kept in
``LeadGroupRollup``, instead of counted from all the leads on every request.
Both tables are kept by month under the same marks: a month's refresh
recomputes its rows in both, and in ``OpportunityRollup``
(``accord.pipeline.opportunity_rollups``, whose writes mark their months here).

Contract: for every organisation, the rollup rows plus its ``LeadRollupMark``
rows describe the leads exactly: a month without a mark has a row equal to a
fresh count (or no row when it has no MQLs). Every write that changes a lead
or a breach marks the months it touched, in its own transaction:

* ``Lead`` and ``SlaBreach`` saves and deletions, through signals (so forms,
  services, factories and ``queryset.delete()`` are covered), and a
  ``Campaign`` handed to another owner or deleted (the months of its leads:
  compliance per marketer is kept by the campaign's owner);
* the bulk paths that bypass signals: the importer and CRM sync
  (``accord.pipeline.importer``), ``lead_sla_refresh``, an agreement taking
  effect (every month: ``ALL``), the demo and ``accord bench-data``
  (``rollups_rebuild``).

``refresh`` recomputes the marked months. The worker runs it every minute
(``accord.insights.rollups.rollups_refresh``). Readers never write: a reader
that finds marks computes those months from the leads in memory and uses the
stored rows for the rest, so an answer is never stale and a GET writes
nothing (on SQLite a write would queue behind the one writer).

Why the order inside ``refresh`` is safe: it takes a lock on the
organisation (one refresher at a time per organisation), reads and deletes
the marks, and only then counts the leads. A writer commits its change and
its mark together. A change committed before the count is in the count; a
change committed after it left a mark that the delete did not see (it was not
committed yet), so the month is refreshed again next time. Two refreshers
cannot interleave their count and upsert, which would let an older count
overwrite a newer one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Round, TruncDate
from django.utils import timezone

from accord.lib import months as months_lib
from accord.lib.business_time import BusinessCalendar
from accord.lib.local_time import zone_of
from accord.orgs.models import Organization
from accord.pipeline.models import (
    AgreementStatus,
    Campaign,
    HandoffAgreement,
    Lead,
    LeadGroupRollup,
    LeadMonthRollup,
    LeadRollupMark,
    Opportunity,
)

ALL = "*"
COUNTS = (
    "mqls",
    "touched_in_time",
    "touched_late",
    "decided_in_time",
    "decided_late",
    "accepted",
    "rejected",
)


# -- marking -------------------------------------------------------------------------


def rollups_mark(organization_id: int, months: Iterable[str]) -> None:
    """Mark cohort months (``"YYYY-MM"``, or ``ALL``) of an organisation stale.

    Call inside the transaction that changes the leads. Empty months (leads
    that never became MQLs) are not in any rollup and are skipped."""
    found = {m for m in months if m}
    if found:
        LeadRollupMark.objects.bulk_create(
            [LeadRollupMark(organization_id=organization_id, month=m) for m in sorted(found)],
            ignore_conflicts=True,
        )


def lead_saved(sender: Any, instance: Lead, **kwargs: Any) -> None:
    rollups_mark(instance.organization_id, [instance.mql_month, instance._loaded_mql_month or ""])
    instance._loaded_mql_month = instance.mql_month


def lead_deleted(sender: Any, instance: Lead, origin: Any = None, **kwargs: Any) -> None:
    if isinstance(origin, Organization):
        return  # the organisation goes, its rollups with it
    rollups_mark(instance.organization_id, [instance.mql_month])


def campaign_saved(sender: Any, instance: Campaign, created: bool = False, **kwargs: Any) -> None:
    """A campaign handed to another marketer (its form, CRM sync): mark the
    months of its leads, whose "marketer" rows are keyed by the campaign's
    owner. A new campaign has no leads yet."""
    if not created and instance.owner_id != instance._loaded_owner_id:
        rollups_mark(instance.organization_id, _months_of_leads(instance))
    instance._loaded_owner_id = instance.owner_id


def campaign_deleting(sender: Any, instance: Campaign, origin: Any = None, **kwargs: Any) -> None:
    """A campaign about to go: its leads lose it, and with it their marketer,
    and its opportunities their primary campaign, by updates that send no
    signals: mark the months of both."""
    if isinstance(origin, Organization):
        return  # the organisation goes, its rollups with it
    from accord.pipeline import opportunity_rollups

    rollups_mark(
        instance.organization_id,
        _months_of_leads(instance)
        | opportunity_rollups.months_of(Opportunity.objects.filter(primary_campaign=instance)),
    )


def _months_of_leads(campaign: Campaign) -> set[str]:
    return set(
        Lead.objects.filter(campaign=campaign)
        .exclude(mql_month="")
        .order_by()
        .values_list("mql_month", flat=True)
        .distinct()
    )


def breach_changed(sender: Any, instance: Any, origin: Any = None, **kwargs: Any) -> None:
    if isinstance(origin, Organization | Lead):
        return  # the lead's own deletion marked its month
    month = Lead.objects.filter(pk=instance.lead_id).values_list("mql_month", flat=True).first()
    rollups_mark(instance.organization_id, [month or ""])


# -- computing -----------------------------------------------------------------------


def _limits(agreement: HandoffAgreement, hours_per_day: float) -> tuple[float, float]:
    return float(agreement.first_touch_hours), float(agreement.decision_days * hours_per_day)


def _histograms(leads: Any) -> dict[str, dict[str, int]]:
    histograms: dict[str, dict[str, int]] = {}
    for month, bucket, n in (
        leads.filter(first_touch_hours__isnull=False)
        .order_by()
        .values("mql_month", bucket=Round(F("first_touch_hours"), 1))
        .annotate(n=Count("id"))
        .values_list("mql_month", "bucket", "n")
    ):
        histograms.setdefault(month, {})[repr(float(bucket))] = n
    return histograms


def _months_of_cohort(
    organization: Organization,
    months: set[str] | None,
    *,
    since: str | None,
    until: str | None,
) -> tuple[
    HandoffAgreement | None, BusinessCalendar, tuple[float | None, float | None], QuerySet[Lead]
]:
    """What a recount of ``months`` (None: every month) from ``since`` to
    ``until`` starts from: the active agreement and its calendar, its touch
    and decision limits in hours (None without an agreement), and the funnel
    cohort's leads of those months."""
    from accord.pipeline.selectors import agreement_active, calendar_for, funnel_cohort

    agreement = agreement_active(organization)
    calendar = calendar_for(organization)
    limits: tuple[float | None, float | None] = (None, None)
    if agreement is not None:
        limits = _limits(agreement, calendar.hours_per_day)
    cohort = funnel_cohort(organization)
    if months is not None:
        cohort = cohort.filter(mql_month__in=sorted(months))
    if since is not None:
        cohort = cohort.filter(mql_month__gte=since)
    if until is not None:
        cohort = cohort.filter(mql_month__lte=until)
    return agreement, calendar, limits, cohort


def _compute(
    organization: Organization,
    months: set[str] | None,
    *,
    since: str | None = None,
    until: str | None = None,
) -> list[LeadMonthRollup]:
    """Fresh rows for ``months`` (None: every month) from ``since`` to
    ``until`` (inclusive, ``"YYYY-MM"``) from the leads. Without an active
    agreement the rows hold no limits and no touch or decision counts."""
    from accord.pipeline.selectors import (
        REACHED,
        _compliance_aggregates,
    )

    agreement, calendar, (touch_limit, decision_limit), cohort = _months_of_cohort(
        organization, months, since=since, until=until
    )
    rows = {
        row.pop("mql_month"): row
        for row in cohort.order_by()
        .values("mql_month")
        .annotate(
            **_compliance_aggregates(agreement, calendar),
            sqls=Count("id", filter=REACHED["sql"], distinct=True),
        )
    }
    histograms = _histograms(cohort)
    now = timezone.now()
    return [
        LeadMonthRollup(
            organization=organization,
            month=month,
            touch_limit=touch_limit,
            decision_limit=decision_limit,
            first_touch_histogram=histograms.get(month, {}),
            refreshed_at=now,
            **counts,
        )
        for month, counts in rows.items()
    ]


# The groupings kept in ``LeadGroupRollup`` and the lead column of each
# ("total": one row per month; "mql_day": the day of ``mql_at`` in the
# organisation's time zone, annotated for that grouping).
GROUP_COLUMNS: dict[str, str | None] = {
    "total": None,
    "source": "source",
    "campaign": "campaign_id",
    "owner": "owner_id",
    # The campaign's owner: compliance per marketer reads a row per marketer
    # and month, not one per campaign and month (ten times fewer histograms).
    "marketer": "campaign__owner_id",
    "reason": "rejection_reason",
    "day": "mql_day",
}
# The groupings whose rows keep a first-touch histogram (the per-person and
# partial-month medians).
HISTOGRAM_GROUPINGS = ("campaign", "owner", "marketer", "day")
# The funnel's stages as ``LeadGroupRollup`` fields.
FUNNEL_FIELDS = {
    "mql": "mqls",
    "accepted": "reached_accepted",
    "sql": "sqls",
    "opportunity": "opportunities",
    "won": "won",
}
GROUP_COUNTS = (
    *FUNNEL_FIELDS.values(),
    *(name for name in COUNTS if name != "mqls"),
    "queued",
)


def _compute_groups(
    organization: Organization,
    months: set[str] | None,
    groupings: Iterable[str],
    *,
    since: str | None = None,
    until: str | None = None,
) -> list[LeadGroupRollup]:
    """Fresh ``LeadGroupRollup`` rows of ``groupings`` for ``months`` (None:
    every month) from ``since`` to ``until`` (inclusive, ``"YYYY-MM"``),
    counted from the leads: one grouped query per grouping, plus the
    first-touch histograms of owners, campaigns and days and the
    stage-to-stage days of the totals, each grouped by the database as the
    live reads did."""
    from accord.pipeline.selectors import (
        IN_QUEUE,
        REACHED,
        STAGE_DATES,
        _compliance_aggregates,
        _days_between_sql,
    )

    agreement, calendar, (touch_limit, decision_limit), cohort = _months_of_cohort(
        organization, months, since=since, until=until
    )
    # The compliance counts join the breaches (a row per breach): count
    # each lead once then, as they do.
    distinct = agreement is not None
    aggregates = {
        **_compliance_aggregates(agreement, calendar),
        **{
            name: Count("id", filter=REACHED[stage], distinct=distinct)
            for stage, name in FUNNEL_FIELDS.items()
        },
        "queued": Count("id", filter=IN_QUEUE, distinct=distinct),
    }
    now = timezone.now()
    rows: dict[tuple[str, str, str], LeadGroupRollup] = {}
    table = Lead._meta.db_table
    for by in groupings:
        column = GROUP_COLUMNS[by]
        grouped = ["mql_month", column] if column else ["mql_month"]
        leads = cohort
        if by == "day":
            # The day as ``lead_totals`` cuts periods: in the organisation's zone.
            leads = cohort.annotate(
                mql_day=TruncDate("mql_at", tzinfo=zone_of(organization.time_zone))
            )
        for found in leads.order_by().values(*grouped).annotate(**aggregates):
            month = found.pop("mql_month")
            key = _group_key(found.pop(column)) if column else ""
            rows[(by, month, key)] = LeadGroupRollup(
                organization=organization,
                month=month,
                by=by,
                key=key,
                touch_limit=touch_limit,
                decision_limit=decision_limit,
                refreshed_at=now,
                **found,
            )
        if by in HISTOGRAM_GROUPINGS:
            assert column is not None
            for month, value, bucket, n in (
                leads.filter(first_touch_hours__isnull=False)
                .order_by()
                .values("mql_month", column, bucket=Round(F("first_touch_hours"), 1))
                .annotate(n=Count("id"))
                .values_list("mql_month", column, "bucket", "n")
            ):
                row = rows[(by, month, _group_key(value))]
                row.first_touch_histogram[repr(float(bucket))] = n
        if by == "total":
            for stage, start, end in STAGE_DATES:
                expression = _days_between_sql(f'"{table}"."{start}"', f'"{table}"."{end}"')
                for month, days, n in (
                    cohort.filter(**{f"{start}__isnull": False, f"{end}__isnull": False})
                    .order_by()
                    .annotate(days=RawSQL(expression, []))  # noqa: S611 (our column names)
                    .values("mql_month", "days")
                    .annotate(n=Count("id"))
                    .values_list("mql_month", "days", "n")
                ):
                    row = rows[("total", month, "")]
                    row.stage_days.setdefault(stage, {})[repr(float(days))] = n
    return list(rows.values())


def _group_key(value: Any) -> str:
    """A lead column's value as a row key: empty for none, a day as ``YYYY-MM-DD``."""
    return "" if value is None else str(value)


def _store(organization: Organization, months: set[str] | None) -> None:
    from accord.pipeline import opportunity_rollups

    opportunity_rollups.store(organization, months)
    groups = LeadGroupRollup.objects.filter(organization=organization)
    if months is not None:
        groups = groups.filter(month__in=sorted(months))
    groups.delete()
    LeadGroupRollup.objects.bulk_create(
        _compute_groups(organization, months, GROUP_COLUMNS), batch_size=1000
    )
    fresh = _compute(organization, months)
    stale = LeadMonthRollup.objects.filter(organization=organization)
    if months is not None:
        stale = stale.filter(month__in=sorted(months))
    stale.exclude(month__in=[r.month for r in fresh]).delete()
    LeadMonthRollup.objects.bulk_create(
        fresh,
        update_conflicts=True,
        unique_fields=["organization", "month"],
        update_fields=[
            *COUNTS,
            "sqls",
            "touch_limit",
            "decision_limit",
            "first_touch_histogram",
            "refreshed_at",
        ],
    )


def refresh(organization: Organization) -> int:
    """Recompute the organisation's marked months; returns how many marks it took.

    See the module's docstring for why the lock, then the marks, then the count."""
    with transaction.atomic():
        Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()
        months = marked_months(organization)
        if not months:
            return 0
        LeadRollupMark.objects.filter(organization=organization, month__in=months).delete()
        _store(organization, None if ALL in months else months)
        return len(months)


def rollups_rebuild(organization: Organization) -> None:
    """Recompute every month of the organisation from its leads."""
    with transaction.atomic():
        Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()
        LeadRollupMark.objects.filter(organization=organization).delete()
        _store(organization, None)


def marked_organization_ids() -> list[int]:
    return sorted(set(LeadRollupMark.objects.values_list("organization_id", flat=True)))


def mark_other_limits() -> list[int]:
    """Mark every month of the organisations whose rows were measured against
    other limits than their active agreement's and calendar's (the calendar's
    working hours changed, which leaves no mark by itself); returns their ids.

    The worker calls it before refreshing, so readers, who never write,
    compute such rows in memory for at most a minute."""
    from accord.pipeline.selectors import calendar_for

    found = []
    for agreement in HandoffAgreement.objects.filter(status=AgreementStatus.ACTIVE).select_related(
        "organization"
    ):
        organization = agreement.organization
        touch, decision = _limits(agreement, calendar_for(organization).hours_per_day)
        if (
            LeadMonthRollup.objects.filter(organization=organization)
            .exclude(touch_limit=touch, decision_limit=decision)
            .exists()
        ):
            rollups_mark(organization.pk, [ALL])
            found.append(organization.pk)
    return found


# -- reading ---------------------------------------------------------------------------
#
# Readers never write (a GET writes nothing, and on SQLite a write would wait
# for the database's one writer): rows of marked months are computed from the
# leads in memory, the rows as stored are used for the rest. The worker's
# ``refresh`` writes the marked months within a minute.


def marked_months(organization: Organization) -> set[str]:
    """The months of ``organization`` marked to recount (``ALL`` for every one)."""
    return set(
        LeadRollupMark.objects.filter(organization=organization).values_list("month", flat=True)
    )


def rows_as_they_stand(
    organization: Organization,
    *,
    since: str | None = None,
    until: str | None = None,
    limits: tuple[float, float] | None = None,
    marks: set[str] | None = None,
) -> dict[str, LeadMonthRollup]:
    """Fresh rows by month from ``since`` to ``until`` (inclusive,
    ``"YYYY-MM"``): stored rows, with the marked months (every month when
    ``ALL`` is marked) and, when ``limits`` is given, the rows measured
    against other limits computed from the leads instead (not stored).
    ``marks``: the ``marked_months`` a caller read already, if it did."""
    marks = marked_months(organization) if marks is None else marks
    if ALL in marks:
        return {r.month: r for r in _compute(organization, None, since=since, until=until)}
    stored = LeadMonthRollup.objects.filter(organization=organization).order_by("month")
    if since is not None:
        stored = stored.filter(month__gte=since)
    if until is not None:
        stored = stored.filter(month__lte=until)
    found = {r.month: r for r in stored if r.month not in marks}
    redo = {m for m in marks if (since is None or m >= since) and (until is None or m <= until)}
    if limits is not None:
        redo |= {m for m, r in found.items() if (r.touch_limit, r.decision_limit) != limits}
    if redo:
        for month in redo:
            found.pop(month, None)
        found.update((r.month, r) for r in _compute(organization, redo))
    return dict(sorted(found.items()))


def month_rows(
    organization: Organization,
    agreement: HandoffAgreement,
    hours_per_day: float,
    *,
    since: str | None = None,
) -> list[LeadMonthRollup]:
    """The fresh rollup rows from month ``since`` on, oldest first, measured
    against ``agreement``'s limits (``rows_as_they_stand``: nothing written)."""
    return list(
        rows_as_they_stand(
            organization, since=since, limits=_limits(agreement, hours_per_day)
        ).values()
    )


def group_rows(
    organization: Organization,
    by: str,
    *,
    since: str | None = None,
    until: str | None = None,
    months: Collection[str] | None = None,
    limits: tuple[float, float] | None = None,
    marks: set[str] | None = None,
) -> list[LeadGroupRollup]:
    """The fresh ``LeadGroupRollup`` rows of grouping ``by`` from month
    ``since`` to ``until`` (inclusive, ``"YYYY-MM"``), and only of ``months``
    when given, by month and key: the stored rows, with the marked months
    (every month when ``ALL`` is marked) and, when ``limits`` is given, the
    months measured against other limits counted from the leads instead
    (nothing written). A fixed number of queries, however many months and
    keys. ``marks`` as for ``rows_as_they_stand``."""
    marks = marked_months(organization) if marks is None else marks
    only = set(months) if months is not None else None
    if ALL in marks:
        found = _compute_groups(organization, only, [by], since=since, until=until)
    else:
        stored = in_months(
            LeadGroupRollup.objects.filter(organization=organization, by=by),
            since=since,
            until=until,
            only=only,
        )
        found = [r for r in stored if r.month not in marks]
        redo = {
            m
            for m in marks
            if (since is None or m >= since)
            and (until is None or m <= until)
            and (only is None or m in only)
        }
        if limits is not None:
            redo |= {r.month for r in found if (r.touch_limit, r.decision_limit) != limits}
        if redo:
            found = [r for r in found if r.month not in redo]
            found += _compute_groups(organization, redo, [by])
    return sorted(found, key=lambda r: (r.month, r.key))


def in_months(
    rows: QuerySet[Any], *, since: str | None, until: str | None, only: Collection[str] | None
) -> QuerySet[Any]:
    """Rollup ``rows`` of the months from ``since`` to ``until`` (inclusive,
    ``"YYYY-MM"``), and only of ``only`` when given."""
    if since is not None:
        rows = rows.filter(month__gte=since)
    if until is not None:
        rows = rows.filter(month__lte=until)
    if only is not None:
        rows = rows.filter(month__in=sorted(only))
    return rows


def group_limits(organization: Organization) -> tuple[float, float] | None:
    """The limits the touch and decision counts are measured against now
    (None without an active agreement)."""
    from accord.pipeline.selectors import agreement_active, calendar_with

    agreement = agreement_active(organization)
    if agreement is None:
        return None
    return _limits(agreement, calendar_with(organization, agreement).hours_per_day)


LEAD_COUNTS = ("mqls", "sqls", "accepted", "rejected", "touched_in_time", "touched_late")


@dataclass
class LeadTotals:
    """The MQLs of a period: counts (``LEAD_COUNTS``) and the histograms of
    first-touch hours (rounded to 0.1) of the rows that make it up."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEAD_COUNTS, 0))
    # Merged only by the reader that wants the median (``median_of_histograms``):
    # a month's holds thousands of buckets at millions of leads.
    histograms: list[dict[str, int]] = field(default_factory=list)

    def add(self, counts: dict[str, int], histogram: dict[str, int]) -> None:
        for name in LEAD_COUNTS:
            self.counts[name] += counts.get(name, 0)
        self.histograms.append(histogram)


def lead_totals(
    organization: Organization,
    periods: Sequence[tuple[dt.date, dt.date]],
) -> list[LeadTotals]:
    """For each period (inclusive days of the organisation's time zone, as
    ``selectors.metric_values``): the counts of the MQLs whose ``mql_at``
    falls in it. Whole months come from the month rows as they stand, filed
    by ``mql_month``, the month in that zone too; the days of partial months
    from the day rows (``LeadGroupRollup`` by "day", the day in that zone),
    one read each for all periods. So the number of queries, and the rows
    read, do not grow with the number of periods or the leads in them."""
    splits = [months_lib.split(start, end) for start, end in periods]
    wanted = sorted({m for s in splits for m in s.months})
    pieces = sorted({p for s in splits for p in s.pieces})
    limits = group_limits(organization)
    marks = marked_months(organization) if wanted and pieces else None
    rows: dict[str, LeadMonthRollup] = {}
    if wanted:
        rows = rows_as_they_stand(
            organization,
            since=wanted[0].strftime("%Y-%m"),
            until=wanted[-1].strftime("%Y-%m"),
            limits=limits,
            marks=marks,
        )
    days: list[LeadGroupRollup] = []
    if pieces:
        days = group_rows(
            organization,
            "day",
            months={first.strftime("%Y-%m") for first, _ in pieces},
            limits=limits,
            marks=marks,
        )
    out = []
    for split in splits:
        totals = LeadTotals()
        for month in split.months:
            stored = rows.get(month.strftime("%Y-%m"))
            if stored is not None:
                totals.add(
                    {name: getattr(stored, name) for name in LEAD_COUNTS},
                    stored.first_touch_histogram,
                )
        for first, last in split.pieces:
            for day in days:
                if first.isoformat() <= day.key <= last.isoformat():
                    totals.add(
                        {name: getattr(day, name) for name in LEAD_COUNTS},
                        day.first_touch_histogram,
                    )
        out.append(totals)
    return out


def median_of_histograms(histograms: Iterable[dict[str, int]]) -> float | None:
    """The median of the combined histograms (as ``selectors.median_of``)."""
    from accord.pipeline.selectors import _median_of_histogram, _merged

    return _median_of_histogram(list(_merged(histograms).items()))
