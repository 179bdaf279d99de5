"""Telling attendees: the agenda is ready, the meeting's summary.

Email to each attendee, and one message to the organisation's chat channels
subscribed to the alert: ``notify_agenda_ready`` is the one place an "agenda
ready" alert leaves from. Everything is queued inside the caller's
transaction; callers run each once per occurrence (the first agenda build, the
close), and email keys make each attendee hear once even so.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from accord.chat.services import chat_notify
from accord.mail.services import email_enqueue_template
from accord.meetings.models import (
    ActionItem,
    AgendaItem,
    Occurrence,
    Section,
)
from accord.meetings.recurrence import zone


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
    """Email every attendee the agenda, then tell the chat channels."""
    series = occurrence.series
    local_start = occurrence.starts_at.astimezone(zone(series.time_zone))
    sections = _sections(occurrence)
    url = occurrence_url(occurrence)
    context = {
        "occurrence": occurrence,
        "local_start": local_start,
        "sections": sections,
        "url": url,
    }
    for person in series.attendees.select_related("user"):
        email_enqueue_template(
            to=[person.user.email],
            template="meetings/email/agenda_ready",
            context={**context, "person": person},
            organization_id=occurrence.organization_id,
            key=f"meetings:agenda-ready:{occurrence.pk}:{person.pk}",
        )
    chat_notify(
        organization=occurrence.organization,
        event="agenda_ready",
        title=f"Agenda ready: {series.name}, {local_start:%a %d %b %H:%M}",
        text="\n".join(
            f"*{label}*: "
            + "; ".join(item.title for item in items[:5])
            + (f" (+{len(items) - 5} more)" if len(items) > 5 else "")
            for label, items in sections
        ),
        url=url,
        fields=[("Items", str(sum(len(items) for _, items in sections)))],
    )


def notify_meeting_summary(occurrence: Occurrence) -> None:
    """Email every attendee the decisions and action items of a closed meeting; tell chat."""
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
    chat_notify(
        organization=occurrence.organization,
        event="meeting_summary",
        title=f"Meeting summary: {series.name}, "
        f"{occurrence.starts_at.astimezone(zone(series.time_zone)):%a %d %b}",
        text="\n".join(
            [f"• Decided: {item.decision}" for item in decisions[:10]]
            + [
                f"• To do: {action.title} ({action.owner.user.display_name}, "
                f"due {action.due_on:%d %b})"
                for action in actions[:10]
            ]
        ),
        url=occurrence_url(occurrence),
        fields=[
            ("Decisions", str(len(decisions))),
            ("Action items", str(len(actions))),
            ("Carried over", str(carried)),
        ],
    )
