"""SLA compliance by cohort month, kept in ``LeadMonthRollup`` instead of
counted from all the leads on every request.

Contract: for every organisation, the rollup rows plus its ``LeadRollupMark``
rows describe the leads exactly: a month without a mark has a row equal to a
fresh count (or no row when it has no MQLs). Every write that changes a lead
or a breach marks the months it touched, in its own transaction:

* ``Lead`` and ``SlaBreach`` saves and deletions, through signals (so forms,
  services, factories and ``queryset.delete()`` are covered);
* the bulk paths that bypass signals: the importer and CRM sync
  (``accord.pipeline.importer``), ``lead_sla_refresh``, an agreement taking
  effect (every month: ``ALL``), the demo and ``accord bench-data``
  (``rollups_rebuild``).

``refresh`` recomputes the marked months. The worker runs it every minute
(``accord.insights.jobs.rollups_refresh``); a reader that finds marks runs it
first, so an answer is never stale.

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

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import Round
from django.utils import timezone

from accord.orgs.models import Organization
from accord.pipeline.models import HandoffAgreement, Lead, LeadMonthRollup, LeadRollupMark

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


def breach_changed(sender: Any, instance: Any, origin: Any = None, **kwargs: Any) -> None:
    if isinstance(origin, Organization | Lead):
        return  # the lead's own deletion marked its month
    month = Lead.objects.filter(pk=instance.lead_id).values_list("mql_month", flat=True).first()
    rollups_mark(instance.organization_id, [month or ""])


# -- computing -----------------------------------------------------------------------


def _limits(agreement: HandoffAgreement, hours_per_day: float) -> tuple[float, float]:
    return float(agreement.first_touch_hours), float(agreement.decision_days * hours_per_day)


def _compute(organization: Organization, months: set[str] | None) -> list[LeadMonthRollup]:
    """Fresh rows for ``months`` (None: every month) from the leads."""
    from accord.pipeline.selectors import (
        _compliance_aggregates,
        agreement_active,
        calendar_for,
        funnel_cohort,
    )

    agreement = agreement_active(organization)
    if agreement is None:
        return []
    calendar = calendar_for(organization)
    touch_limit, decision_limit = _limits(agreement, calendar.hours_per_day)
    cohort = funnel_cohort(organization)
    if months is not None:
        cohort = cohort.filter(mql_month__in=sorted(months))
    rows = {
        row.pop("mql_month"): row
        for row in cohort.order_by()
        .values("mql_month")
        .annotate(**_compliance_aggregates(agreement, calendar))
    }
    histograms: dict[str, dict[str, int]] = {}
    for month, bucket, n in (
        cohort.filter(first_touch_hours__isnull=False)
        .order_by()
        .values("mql_month", bucket=Round(F("first_touch_hours"), 1))
        .annotate(n=Count("id"))
        .values_list("mql_month", "bucket", "n")
    ):
        histograms.setdefault(month, {})[repr(float(bucket))] = n
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


def _store(organization: Organization, months: set[str] | None) -> None:
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
        months = set(
            LeadRollupMark.objects.filter(organization=organization).values_list("month", flat=True)
        )
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


# -- reading ---------------------------------------------------------------------------


def month_rows(
    organization: Organization,
    agreement: HandoffAgreement,
    hours_per_day: float,
    *,
    since: str | None = None,
) -> list[LeadMonthRollup]:
    """The fresh rollup rows from month ``since`` on, oldest first.

    Marked months are refreshed first; rows measured against other limits
    (the agreement or the calendar changed) are all recomputed."""
    if LeadRollupMark.objects.filter(organization=organization).exists():
        refresh(organization)
    limits = _limits(agreement, hours_per_day)
    rows = LeadMonthRollup.objects.filter(organization=organization).order_by("month")
    if since is not None:
        rows = rows.filter(month__gte=since)
    found = list(rows)
    if any((r.touch_limit, r.decision_limit) != limits for r in found):
        rollups_rebuild(organization)
        found = list(rows.all())
    return found


def median_of_histograms(histograms: Iterable[dict[str, int]]) -> float | None:
    """The median of the combined histograms (as ``selectors.median_of``)."""
    from accord.pipeline.selectors import _median_of_histogram

    total: dict[float, int] = {}
    for histogram in histograms:
        for value, n in histogram.items():
            total[float(value)] = total.get(float(value), 0) + n
    return _median_of_histogram(list(total.items()))
