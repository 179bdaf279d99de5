"""Jobs of the Goals section: reminders before events."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Any

from accord.jobs.registry import get_job, job


def job_enqueue_at(
    func: Callable[..., Any], *, run_after: dt.datetime, organization_id: int | None, **kwargs: Any
) -> str:
    """Like ``accord.jobs.services.job_enqueue``, but not before ``run_after``.

    Call it inside the transaction that causes the job, as with job_enqueue.
    """
    from accord.jobs.tasks import run_job

    spec = get_job(func.job_name)  # type: ignore[attr-defined]
    if "organization_id" in inspect.signature(spec.func).parameters:
        kwargs["organization_id"] = organization_id
    result = run_job.using(queue_name=spec.queue, run_after=run_after).enqueue(
        spec.name, [], kwargs, 1, organization_id
    )
    return str(result.id)


@job()
def event_reminder_send(
    *, signup_id: int, slot_date: str, organization_id: int | None = None
) -> str:
    """Remind the member of sign-up ``signup_id`` of their slot.

    Does nothing if the sign-up was withdrawn or the slot moved to another
    day (the new day has its own reminder); the email's key makes it at most
    once per sign-up and day.
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
