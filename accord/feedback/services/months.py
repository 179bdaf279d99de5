"""Filing responses under the organisation's months again after its time zone
changed (``Response.month`` is the month in that zone, see
``accord.lib.local_time``)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max, Min

from accord.feedback import rollups
from accord.feedback.models import Response
from accord.lib.local_time import month_spans
from accord.orgs.models import Organization


@transaction.atomic
def response_months_refile(*, organization: Organization) -> int:
    """Set every response's ``month`` to the month its ``created_at`` is in, in
    the organisation's current time zone; returns how many responses moved.

    One UPDATE per month of the organisation's history, each over the
    ``(organization, created_at)`` index and touching only the rows filed
    elsewhere, so a second run (or a run with nothing to do) changes nothing.
    ``update()`` sends no signals: when anything moved, every month's rollup
    is marked stale, and every day's forgotten, in this same transaction
    (``accord.feedback.rollups``).
    """
    responses = Response.objects.filter(organization=organization)
    span = responses.aggregate(first=Min("created_at"), last=Max("created_at"))
    if span["first"] is None:
        return 0
    moved = 0
    for month, start, end in month_spans(span["first"], span["last"], organization.time_zone):
        moved += (
            responses.filter(created_at__gte=start, created_at__lt=end)
            .exclude(month=month)
            .update(month=month)
        )
    if moved:
        rollups.rollups_mark(organization.pk, [rollups.ALL])
        rollups.rollups_forget_days(organization.pk)
    return moved
