"""NPS counts by month, kept in ``ResponseMonthRollup`` for the months before
the previous one; the current and the previous month are counted live.

Why the split: every survey answer lands in the current month, and the
public answer page must not pay for a rollup write. An answer of the current
or previous month is therefore never marked: readers count those two months
live, an index-only GROUP BY on ``response_org_month`` over at most two
months. When a month leaves that window (``live_from`` moves on), the next
``refresh`` rolls it up (``ResponseRollupState.complete_before`` says how far
the rollups reach).

Changes to older months mark them (``ResponseRollupMark``), in the
transaction of the change: imports (they create responses through the ORM,
so the signal below covers them), edits that move a response, deletions.
Bulk writes that bypass signals (the demo, ``accord bench-data``) rebuild.

``refresh`` locks the organisation, reads and deletes the marks, and only
then counts: the same commit-order argument as ``accord.pipeline.rollups``
(a change committed after the count left a mark the delete did not see).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accord.feedback.models import (
    Response,
    ResponseMonthRollup,
    ResponseRollupMark,
    ResponseRollupState,
)
from accord.orgs.models import Organization

# Stands for every month in a mark.
ALL = dt.date(1, 1, 1)
CATEGORIES = {"promoter": "promoters", "passive": "passives", "detractor": "detractors"}


def live_from(now: dt.datetime | None = None) -> dt.date:
    """The first day of the previous month in UTC: months from there on are
    counted live.

    ``Response.month`` is the month in the organisation's time zone, not in
    UTC; the boundary still holds for every zone: no zone is more than a day
    off UTC, so an organisation's current month is never earlier than UTC's
    previous month, and a new answer never lands in a rolled-up month."""
    today = (now or timezone.now()).astimezone(dt.UTC).date().replace(day=1)
    return (today - dt.timedelta(days=1)).replace(day=1)


def rollups_mark(organization_id: int, months: Iterable[dt.date | None]) -> None:
    """Mark months stale; months counted live need no mark and get none."""
    boundary = live_from()
    found = {m for m in months if m is not None and m < boundary}
    if found:
        ResponseRollupMark.objects.bulk_create(
            [ResponseRollupMark(organization_id=organization_id, month=m) for m in sorted(found)],
            ignore_conflicts=True,
        )


def response_saved(sender: Any, instance: Response, **kwargs: Any) -> None:
    # A new answer of this month costs nothing here: rollups_mark writes only
    # for older months.
    rollups_mark(instance.organization_id, [instance.month, instance._loaded_month])
    instance._loaded_month = instance.month


def response_deleted(sender: Any, instance: Response, origin: Any = None, **kwargs: Any) -> None:
    if isinstance(origin, Organization):
        return
    rollups_mark(instance.organization_id, [instance.month])


def _counts(queryset: Any) -> dict[dt.date, dict[str, int]]:
    out: dict[dt.date, dict[str, int]] = {}
    for month, name, n in (
        queryset.order_by()
        .values("month", "category")
        .annotate(n=Count("*"))
        .values_list("month", "category", "n")
    ):
        out.setdefault(month, {"promoter": 0, "passive": 0, "detractor": 0})[name] += n
    return out


def _store(organization: Organization, months: set[dt.date] | None, before: dt.date) -> None:
    base = Response.objects.filter(organization=organization, month__lt=before)
    stale = ResponseMonthRollup.objects.filter(organization=organization)
    if months is not None:
        base = base.filter(month__in=sorted(months))
        stale = stale.filter(month__in=sorted(months))
    fresh = _counts(base)
    stale.exclude(month__in=list(fresh)).delete()
    now = timezone.now()
    ResponseMonthRollup.objects.bulk_create(
        [
            ResponseMonthRollup(
                organization=organization,
                month=month,
                refreshed_at=now,
                **{CATEGORIES[name]: n for name, n in counts.items()},
            )
            for month, counts in fresh.items()
        ],
        update_conflicts=True,
        unique_fields=["organization", "month"],
        update_fields=[*CATEGORIES.values(), "refreshed_at"],
    )


def _months_between(start: dt.date, end: dt.date) -> set[dt.date]:
    out = set()
    month = start.replace(day=1)
    while month < end:
        out.add(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


def refresh(organization: Organization, *, rebuild: bool = False) -> None:
    """Bring the rollups up to ``live_from()``: the marked months, and the
    months that left the live window since the last refresh (all of them
    when nothing was rolled up yet, or with ``rebuild``)."""
    boundary = live_from()
    with transaction.atomic():
        Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()
        months = set(
            ResponseRollupMark.objects.filter(organization=organization).values_list(
                "month", flat=True
            )
        )
        if months:
            ResponseRollupMark.objects.filter(organization=organization, month__in=months).delete()
        state = ResponseRollupState.objects.filter(organization=organization).first()
        if rebuild or state is None or ALL in months:
            _store(organization, None, boundary)
        else:
            todo = {m for m in months if m < boundary}
            if state.complete_before < boundary:
                todo |= _months_between(state.complete_before, boundary)
            if todo:
                _store(organization, todo, boundary)
        ResponseRollupState.objects.update_or_create(
            organization=organization, defaults={"complete_before": boundary}
        )


def needs_refresh(organization: Organization) -> bool:
    state = ResponseRollupState.objects.filter(organization=organization).first()
    return (
        state is None
        or state.complete_before != live_from()
        or ResponseRollupMark.objects.filter(organization=organization).exists()
    )


def organization_ids_due() -> list[int]:
    """Organisations with marks, or with a month that left the live window."""
    ids = set(ResponseRollupMark.objects.values_list("organization_id", flat=True))
    ids.update(
        ResponseRollupState.objects.exclude(complete_before=live_from()).values_list(
            "organization_id", flat=True
        )
    )
    return sorted(ids)


def month_counts(
    organization: Organization, *, since: dt.date | None = None, until: dt.date | None = None
) -> dict[dt.date, dict[str, int]]:
    """Promoters, passives and detractors by ``Response.month`` from month
    ``since`` up to (not including) month ``until``: the rollups before
    ``live_from()``, a live count from there on."""
    if needs_refresh(organization):
        refresh(organization)
    boundary = live_from()
    rolled = ResponseMonthRollup.objects.filter(organization=organization, month__lt=boundary)
    live = Response.objects.filter(organization=organization, month__gte=boundary)
    if since is not None:
        rolled = rolled.filter(month__gte=since)
        live = live.filter(month__gte=since)
    if until is not None:
        rolled = rolled.filter(month__lt=until)
        live = live.filter(month__lt=until)
    out: dict[dt.date, dict[str, int]] = {}
    for row in rolled.order_by("month"):
        out[row.month] = {
            "promoter": row.promoters,
            "passive": row.passives,
            "detractor": row.detractors,
        }
    out.update(_counts(live))
    return out
