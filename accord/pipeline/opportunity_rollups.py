"""The opportunities by month, kept in ``OpportunityRollup``: the funnel
page's attribution block and the goals' opportunity metrics (marketing-sourced
and -influenced pipeline, win rate, sales cycle) read these rows instead of
every opportunity of their period.

Contract: the rows of a month without a ``LeadRollupMark`` equal a fresh
computation from the opportunities and their campaign touches. They are kept
under the leads' marks (``accord.pipeline.rollups``: a month's refresh, the
worker's every minute, recomputes its rows here too, and readers compute
marked months in memory, writing nothing). A month here is both the month
opportunities were created in (``created_on``; ``UNDATED`` for none) and the
month they closed in (``close_date``): every write that changes an
opportunity or its touches marks its old and new months of both, in its own
transaction:

* ``Opportunity`` and ``OpportunityTouch`` saves and deletions, through
  signals (forms, factories, ``queryset.delete()``, a campaign's deletion
  cascading to its touches);
* a campaign's deletion, before it clears the primary campaign of its
  opportunities (an update that sends no signals): ``rollups.campaign_deleting``;
* the importer and CRM sync, which write opportunities and touches in bulk;
* the demo and ``accord bench-data`` (``rollups_rebuild``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accord.lib import months as months_lib
from accord.orgs.models import Organization
from accord.pipeline.models import (
    UNDATED,
    Opportunity,
    OpportunityRollup,
    OpportunityStatus,
    OpportunityTouch,
)
from accord.pipeline.models import rollup_month as month_of
from accord.pipeline.rollups import ALL, in_months, marked_months, rollups_mark

# Amounts of the opportunities created in a month or on a day.
AMOUNTS = (
    "pipeline",
    "revenue",
    "sourced_pipeline",
    "sourced_revenue",
    "influenced_pipeline",
    "influenced_revenue",
)
CREDITS = ("first_touch", "last_touch", "linear")
CREATED = ("total", "day", "campaign")
CLOSED = ("closed", "closed_day")


# -- marking -------------------------------------------------------------------------


def months_of(opportunities: QuerySet[Opportunity]) -> set[str]:
    """The months of the opportunities as stored now."""
    found: set[str] = set()
    for created, closed in (
        opportunities.order_by().values_list("created_on", "close_date").distinct()
    ):
        found.add(month_of(created))
        if closed is not None:
            found.add(month_of(closed))
    return found


def opportunity_saved(sender: Any, instance: Opportunity, **kwargs: Any) -> None:
    rollups_mark(instance.organization_id, instance.rollup_months() | instance._loaded_months)
    instance._loaded_months = instance.rollup_months()


def opportunity_deleted(
    sender: Any, instance: Opportunity, origin: Any = None, **kwargs: Any
) -> None:
    if isinstance(origin, Organization):
        return  # the organisation goes, its rollups with it
    rollups_mark(instance.organization_id, instance.rollup_months())


def touch_changed(
    sender: Any, instance: OpportunityTouch, origin: Any = None, **kwargs: Any
) -> None:
    if isinstance(origin, Organization | Opportunity):
        return  # the opportunity's own deletion marked its months
    rollups_mark(
        instance.organization_id,
        months_of(Opportunity.objects.filter(pk=instance.opportunity_id)),
    )


# -- computing -----------------------------------------------------------------------


def _in_months(column: str, months: Collection[str]) -> Q:
    """Rows whose date ``column`` falls in one of ``months`` ("YYYY-MM", or
    ``UNDATED``: no date)."""
    found = Q(pk__in=[])
    for month in months:
        if month == UNDATED:
            found |= Q(**{f"{column}__isnull": True})
            continue
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError:
            continue
        found |= Q(**{f"{column}__gte": first, f"{column}__lt": months_lib.next_month(first)})
    return found


def _row(organization: Organization, by: str, month: str, key: str, now: Any) -> OpportunityRollup:
    return OpportunityRollup(
        organization=organization, month=month, by=by, key=key, refreshed_at=now
    )


def _compute(
    organization: Organization,
    created: QuerySet[Opportunity],
    closed: QuerySet[Opportunity] | None,
) -> list[OpportunityRollup]:
    """Fresh rows of the opportunities ``created`` (the groupings of
    ``CREATED``) and ``closed`` (those of ``CLOSED``; None: none), from the
    opportunities and their touches: four grouped queries and one read of
    the won deals' touches, in campaign order."""
    from accord.pipeline.selectors import _days_between_sql

    now = timezone.now()
    rows: dict[tuple[str, str, str], OpportunityRollup] = {}

    def row(by: str, month: str, key: str = "") -> OpportunityRollup:
        found = rows.get((by, month, key))
        if found is None:
            found = rows[(by, month, key)] = _row(organization, by, month, key, now)
        return found

    touched = OpportunityTouch.objects.filter(organization=organization).values("opportunity_id")
    won = Q(status=OpportunityStatus.WON)
    sourced = Q(primary_campaign__isnull=False)
    influenced = sourced | Q(pk__in=touched)
    for found in (
        created.order_by()
        .values("created_on")
        .annotate(
            n=Count("id"),
            pipeline=Sum("amount"),
            revenue=Sum("amount", filter=won),
            sourced_pipeline=Sum("amount", filter=sourced),
            sourced_revenue=Sum("amount", filter=sourced & won),
            influenced_pipeline=Sum("amount", filter=influenced),
            influenced_revenue=Sum("amount", filter=influenced & won),
        )
    ):
        day = found["created_on"]
        month = month_of(day)
        targets = [row("total", month)]
        if day is not None:
            targets.append(row("day", month, day.isoformat()))
        for target in targets:
            target.opportunities += found["n"]
            for name in AMOUNTS:
                setattr(target, name, getattr(target, name) + (found[name] or 0))
    # Revenue by campaign, as ``selectors.attribution`` credits it: a won
    # deal's touches in order (first, last, an equal share each) ...
    touches = (
        OpportunityTouch.objects.filter(opportunity__in=created.filter(won))
        .order_by("opportunity_id", F("touched_at").asc(nulls_first=True), "id")
        .values_list(
            "opportunity_id", "opportunity__amount", "opportunity__created_on", "campaign_id"
        )
    )
    for _, deal in itertools.groupby(touches.iterator(chunk_size=5000), key=lambda t: t[0]):
        ordered = list(deal)
        amount, month = Decimal(ordered[0][1]), month_of(ordered[0][2])
        share = amount / len(ordered)
        row("campaign", month, str(ordered[0][3])).first_touch += amount
        row("campaign", month, str(ordered[-1][3])).last_touch += amount
        for touch in ordered:
            row("campaign", month, str(touch[3])).linear += share
    # ... and a won deal with only a primary campaign credits it under all three.
    for day, campaign, amount in (
        created.filter(won, sourced)
        .exclude(pk__in=touched)
        .order_by()
        .values("created_on", "primary_campaign_id")
        .annotate(total=Sum("amount"))
        .values_list("created_on", "primary_campaign_id", "total")
    ):
        target = row("campaign", month_of(day), str(campaign))
        for name in CREDITS:
            setattr(target, name, getattr(target, name) + amount)

    def closed_rows(day: dt.date | None) -> tuple[OpportunityRollup, ...]:
        if day is None:
            return ()  # filtered out: closed in no period
        month = month_of(day)
        return (row("closed", month), row("closed_day", month, day.isoformat()))

    if closed is not None:
        for day, won_n, lost_n in (
            closed.filter(close_date__isnull=False)
            .order_by()
            .values("close_date")
            .annotate(
                won=Count("id", filter=won),
                lost=Count("id", filter=Q(status=OpportunityStatus.LOST)),
            )
            .values_list("close_date", "won", "lost")
        ):
            for target in closed_rows(day):
                target.won += won_n
                target.lost += lost_n
        table = Opportunity._meta.db_table
        expression = _days_between_sql(
            f'"{table}"."created_on"', f'"{table}"."close_date"', dates=True
        )
        for day, days, n in (
            closed.filter(won, created_on__isnull=False, close_date__isnull=False)
            .order_by()
            .annotate(days=RawSQL(expression, []))  # noqa: S611 (our column names)
            .values("close_date", "days")
            .annotate(n=Count("id"))
            .values_list("close_date", "days", "n")
        ):
            key = str(int(days))
            for target in closed_rows(day):
                target.cycle_days[key] = target.cycle_days.get(key, 0) + n
    return list(rows.values())


def compute_months(
    organization: Organization, months: Collection[str] | None
) -> list[OpportunityRollup]:
    """Fresh rows of ``months`` (None: every month)."""
    opportunities = Opportunity.objects.filter(organization=organization)
    if months is None:
        return _compute(organization, opportunities, opportunities)
    return _compute(
        organization,
        opportunities.filter(_in_months("created_on", months)),
        opportunities.filter(_in_months("close_date", months)),
    )


def store(organization: Organization, months: Collection[str] | None) -> None:
    """Replace the rows of ``months`` (None: every month) by fresh ones; the
    caller holds the organisation's refresh lock (``rollups.refresh``)."""
    stale = OpportunityRollup.objects.filter(organization=organization)
    if months is not None:
        stale = stale.filter(month__in=sorted(months))
    stale.delete()
    OpportunityRollup.objects.bulk_create(compute_months(organization, months), batch_size=1000)


# -- reading ---------------------------------------------------------------------------


def _wanted(month: str, since: str | None, until: str | None, only: Collection[str] | None) -> bool:
    if month == UNDATED:
        # No date: in no period, only in all history.
        return since is None and until is None and only is None
    return (
        (since is None or month >= since)
        and (until is None or month <= until)
        and (only is None or month in only)
    )


def rows(
    organization: Organization,
    groupings: Collection[str],
    *,
    since: str | None = None,
    until: str | None = None,
    months: Collection[str] | None = None,
    summed: bool = False,
) -> list[OpportunityRollup]:
    """The fresh rows of ``groupings`` from month ``since`` to ``until``
    (inclusive, ``"YYYY-MM"``), and only of ``months`` when given (the
    ``UNDATED`` rows only when there is no bound at all): the stored rows,
    with the marked months computed from the opportunities instead (nothing
    written). Two queries, plus those of the marked months' computation.

    ``summed``: the stored rows come added up over their months by the
    database, one row per grouping and key (``month`` empty; not the
    histograms), so many months cost no more rows read than one."""
    marks = marked_months(organization)
    only = set(months) if months is not None else None
    if ALL in marks:
        found = compute_months(organization, None)
    else:
        stored = OpportunityRollup.objects.filter(organization=organization, by__in=list(groupings))
        if since is not None or until is not None or only is not None:
            stored = stored.exclude(month=UNDATED)
        stored = in_months(stored, since=since, until=until, only=only)
        if summed:
            stored = stored.exclude(month__in=sorted(marks))
            found = [
                OpportunityRollup(organization=organization, month="", **values)
                for values in stored.order_by()
                .values("by", "key")
                .annotate(**{name: Sum(name) for name in ("opportunities", *AMOUNTS, *CREDITS)})
            ]
        else:
            found = [r for r in stored if r.month not in marks]
        redo = {m for m in marks if _wanted(m, since, until, only)}
        if redo:
            found += compute_months(organization, redo)
    return sorted(
        (
            r
            for r in found
            if r.by in groupings and (r.month == "" or _wanted(r.month, since, until, only))
        ),
        key=lambda r: (r.by, r.month, r.key),
    )


@dataclass
class Period:
    """The opportunities of a period: of those created in it, the count and
    amounts (``AMOUNTS``) and the revenue credited to each campaign id
    (``CREDITS``); of those closed in it, won, lost and the histogram of
    days from creation to close of the won ones."""

    opportunities: int = 0
    amounts: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(AMOUNTS, Decimal(0)))
    credits: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    won: int = 0
    lost: int = 0
    cycle_days: dict[float, int] = field(default_factory=dict)

    def add(self, row: OpportunityRollup) -> None:
        if row.by in ("total", "day"):
            self.opportunities += row.opportunities
            for name in AMOUNTS:
                self.amounts[name] += Decimal(getattr(row, name))
        elif row.by == "campaign":
            credits = self.credits.setdefault(row.key, dict.fromkeys(CREDITS, Decimal(0)))
            for name in CREDITS:
                credits[name] += Decimal(getattr(row, name))
        else:
            self.won += row.won
            self.lost += row.lost
            for days, n in row.cycle_days.items():
                self.cycle_days[float(days)] = self.cycle_days.get(float(days), 0) + n


def all_history(organization: Organization, *, since: dt.date | None = None) -> Period:
    """The opportunities created from ``since`` on (None: all of them, with
    those without a date): whole months from the month rows; a partial first
    month (``since`` not a 1st) counted from its opportunities."""
    if since is None:
        period = Period()
        for row in rows(organization, ("total", "campaign"), summed=True):
            period.add(row)
        return period
    first = since.strftime("%Y-%m")
    period = Period()
    whole = first if since.day == 1 else months_lib.next_month(since).strftime("%Y-%m")
    for row in rows(organization, ("total", "campaign"), since=whole, summed=True):
        period.add(row)
    if since.day != 1:
        piece = Opportunity.objects.filter(
            organization=organization,
            created_on__gte=since,
            created_on__lt=months_lib.next_month(since),
        )
        for row in _compute(organization, piece, None):
            if row.by in ("total", "campaign"):
                period.add(row)
    return period


def periods(organization: Organization, spans: Sequence[tuple[dt.date, dt.date]]) -> list[Period]:
    """For each span (inclusive days): the opportunities created in it and
    those closed in it, from the month rows for whole months and the day
    rows for the partial ones; one read for all spans, so neither the
    queries nor the rows read grow with the opportunities."""
    splits = [months_lib.split(start, end) for start, end in spans]
    wanted = {m.strftime("%Y-%m") for s in splits for m in s.months}
    wanted |= {first.strftime("%Y-%m") for s in splits for first, _ in s.pieces}
    found = (
        rows(organization, ("total", "day", "closed", "closed_day"), months=wanted)
        if wanted
        else []
    )
    out = []
    for split in splits:
        whole = {m.strftime("%Y-%m") for m in split.months}
        period = Period()
        for row in found:
            if row.by in ("total", "closed"):
                if row.month in whole:
                    period.add(row)
            elif any(
                first.isoformat() <= row.key <= last.isoformat() for first, last in split.pieces
            ):
                period.add(row)
        out.append(period)
    return out
