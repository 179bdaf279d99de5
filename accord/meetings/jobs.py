"""Jobs of the Meetings section: building an agenda before its meeting."""

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
