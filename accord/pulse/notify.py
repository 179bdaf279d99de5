"""Telling participants about a pulse: invitations and reminders.

Everything that reaches a person about a pulse goes through ``participants_notify``:
email to each participant, and one message to the organisation's chat channels
subscribed to pulse alerts.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse

from accord.chat.services import chat_notify
from accord.mail.services import email_enqueue_template
from accord.orgs.models import Membership
from accord.pulse.models import PulseCycle

# What a message is about: the first invitation, or a reminder ("first"
# after a few days, "last" the day before closing).
REASONS = ("invitation", "reminder-first", "reminder-last")


def answer_url(cycle: PulseCycle) -> str:
    """The absolute link to the cycle's answer page."""
    path = reverse("pulse_answer", kwargs={"org_slug": cycle.organization.slug, "pk": cycle.pk})
    return str(settings.SITE_URL) + path


def participants_notify(*, cycle: PulseCycle, members: Iterable[Membership], reason: str) -> int:
    """Queue one message per member about ``cycle``; returns how many.

    Call inside the transaction that opens the cycle or records the reminder:
    the messages leave only if it commits, and their keys deliver each at
    most once per member, cycle and reason.
    """
    if reason not in REASONS:
        raise ValueError(f"Unknown reason {reason!r}")
    link = answer_url(cycle)
    sent = 0
    for member in members:
        email_enqueue_template(
            to=[member.user.email],
            template="pulse/email/invitation",
            context={
                "cycle": cycle,
                "member": member,
                "link": link,
                "reminder": reason != "invitation",
                "last": reason == "reminder-last",
            },
            organization_id=cycle.organization_id,
            key=f"pulse:{reason}:{cycle.pk}:{member.pk}",
        )
        sent += 1
    if sent:
        # Callers run this once per cycle and reason (the reminder is recorded first).
        chat_notify(
            organization=cycle.organization,
            event="pulse_open" if reason == "invitation" else "pulse_reminder",
            title=(
                f"The {cycle.period} pulse is open"
                if reason == "invitation"
                else f"Reminder: the {cycle.period} pulse closes {cycle.closes_at:%d %b}"
            ),
            text=(
                "Two minutes: how is sales and marketing working together this month?"
                if reason == "invitation"
                else f"{sent} people have not answered yet."
            ),
            url=link,
        )
    return sent
