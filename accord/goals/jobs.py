"""Jobs of the Goals section: reminders before events."""

from __future__ import annotations

from accord.jobs.registry import job


@job()
def event_reminder_send(
    *, signup_id: int, slot_date: str, organization_id: int | None = None
) -> str:
    """Remind the member of sign-up ``signup_id`` of their slot.

    Does nothing if the sign-up was withdrawn or the slot moved to another
    day (the new day has its own reminder). Safe to run twice: the email's
    key makes it at most once per sign-up and day.
    """
    from accord.goals.models import EventSignup
    from accord.mail.services import email_enqueue_template

    signup = (
        EventSignup.objects.select_related("slot__event", "member__user", "organization")
        .filter(pk=signup_id)
        .first()
    )
    if signup is None or str(signup.slot.date) != slot_date:
        return "no longer needed"
    email_enqueue_template(
        to=[signup.member.user.email],
        template="goals/email/event_reminder",
        context={"signup": signup, "slot": signup.slot, "event": signup.slot.event},
        organization_id=signup.organization_id,
        key=f"goals:event-reminder:{signup.pk}:{slot_date}",
    )
    return "queued"
