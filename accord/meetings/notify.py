"""Telling attendees: the agenda is ready, the meeting's summary.

Email today. Chat hooks in here too: ``notify_agenda_ready`` is the one place
an "agenda ready" alert leaves from. Everything is queued inside the caller's
transaction and keyed, so each attendee hears once per occurrence.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse

from accord.mail.services import email_enqueue_template
from accord.meetings.models import (
    ActionItem,
    AgendaItem,
    Occurrence,
    Section,
)
from accord.meetings.recurrence import zone

# Further listeners of "agenda ready" (chat), each called with the occurrence
# inside the transaction that built the agenda.
AGENDA_READY_LISTENERS: list[Callable[[Occurrence], None]] = []
SUMMARY_LISTENERS: list[Callable[[Occurrence], None]] = []


def occurrence_url(occurrence: Occurrence) -> str:
    return str(settings.SITE_URL) + reverse(
        "meetings_occurrence",
        kwargs={"org_slug": occurrence.organization.slug, "pk": occurrence.pk},
    )


def _sections(occurrence: Occurrence) -> list[tuple[str, list[AgendaItem]]]:
    items = list(AgendaItem.objects.filter(occurrence=occurrence).order_by("position", "pk"))
    return [
        (label, [i for i in items if i.section == value])
        for value, label in Section.choices
        if any(i.section == value for i in items)
    ]


def notify_agenda_ready(occurrence: Occurrence) -> None:
    """Email every attendee the agenda, then tell the other listeners (chat)."""
    series = occurrence.series
    context = {
        "occurrence": occurrence,
        "local_start": occurrence.starts_at.astimezone(zone(series.time_zone)),
        "sections": _sections(occurrence),
        "url": occurrence_url(occurrence),
    }
    for person in series.attendees.select_related("user"):
        email_enqueue_template(
            to=[person.user.email],
            template="meetings/email/agenda_ready",
            context={**context, "person": person},
            organization_id=occurrence.organization_id,
            key=f"meetings:agenda-ready:{occurrence.pk}:{person.pk}",
        )
    for listener in AGENDA_READY_LISTENERS:
        listener(occurrence)


def notify_meeting_summary(occurrence: Occurrence) -> None:
    """Email every attendee the decisions and action items of a closed meeting."""
    series = occurrence.series
    decisions = list(
        AgendaItem.objects.filter(occurrence=occurrence).exclude(decision="").order_by("position")
    )
    actions = list(
        ActionItem.objects.filter(occurrence=occurrence)
        .select_related("owner__user")
        .order_by("due_on", "pk")
    )
    carried = AgendaItem.objects.filter(carried_from__occurrence=occurrence).count()
    context = {
        "occurrence": occurrence,
        "local_start": occurrence.starts_at.astimezone(zone(series.time_zone)),
        "decisions": decisions,
        "actions": actions,
        "carried": carried,
        "url": occurrence_url(occurrence),
    }
    for person in series.attendees.select_related("user"):
        email_enqueue_template(
            to=[person.user.email],
            template="meetings/email/summary",
            context={**context, "person": person},
            organization_id=occurrence.organization_id,
            key=f"meetings:summary:{occurrence.pk}:{person.pk}",
        )
    for listener in SUMMARY_LISTENERS:
        listener(occurrence)
