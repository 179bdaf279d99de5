"""Jobs of the Meetings section: building an agenda before its meeting, and the
daily run (action items due or overdue, the weekly digest)."""

from __future__ import annotations

import datetime as dt

from accord.jobs.registry import job


@job()
def agenda_build(*, occurrence_id: int, starts_at: str, organization_id: int | None = None) -> str:
    """Build occurrence ``occurrence_id``'s agenda, if it still starts at ``starts_at``.

    A moved or cancelled occurrence has had another job queued (or needs
    none), so this one then does nothing. Building also materialises the
    series further ahead and queues the next agenda.

    Safe to run twice: the agenda is built in one transaction that sets
    ``agenda_built_at`` under a row lock, so a second run finds it built;
    materialising the series creates only the occurrences that are missing.
    """
    from accord.meetings.models import Occurrence, OccurrenceStatus
    from accord.meetings.services import agenda_build as build
    from accord.meetings.services import occurrences_sync

    occurrence = Occurrence.objects.select_related("series").filter(pk=occurrence_id).first()
    if occurrence is None or occurrence.status != OccurrenceStatus.SCHEDULED:
        return "no longer needed"
    if occurrence.starts_at != dt.datetime.fromisoformat(starts_at):
        return "moved"
    if occurrence.agenda_built_at is not None:
        return "already built"
    created = build(occurrence)
    occurrences_sync(occurrence.series)
    return f"built with {created} items"


@job()
def meetings_daily_run(*, due: str, organization_id: int | None = None) -> str:
    """Run the organisation's daily meetings run due at ``due``, then queue the next.

    Action items due or overdue are alerted, and on the digest day each member
    gets the weekly digest. A retry of a run does its work again (safe: each
    alert and digest is recorded); a run whose ``due`` was replaced does nothing.
    """
    from django.db import transaction
    from django.utils import timezone

    from accord.meetings.models import DailyRun
    from accord.meetings.services.digest import daily_run, daily_run_schedule, next_run_after

    if organization_id is None:
        return "no organisation"
    due_at = dt.datetime.fromisoformat(due)
    run = (
        DailyRun.objects.select_related("organization")
        .filter(organization_id=organization_id)
        .first()
    )
    if run is None:
        return "no chain"
    organization = run.organization
    now = timezone.now()
    if run.next_run_at == due_at:
        # The next run first, committed on its own: if this one fails for good
        # the chain still goes on tomorrow. ``running_due`` lets this run's
        # retries do the work again (alerts and digests are recorded, so
        # nothing goes twice) without queuing another chain.
        with transaction.atomic():
            daily_run_schedule(organization, next_run_after(organization, now))
            DailyRun.objects.filter(pk=run.pk).update(running_due=due_at)
    elif run.running_due != due_at:
        return "replaced by a newer run"
    result = daily_run(organization, now)
    return f"{result.alerts} alerts, {result.digests} digests"
