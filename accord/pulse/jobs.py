"""The pulse's worker jobs: one chain of checks per organisation.

Each check opens, reminds and closes what is due, then queues the next check
for the next moment something is due (at least daily). No cron is needed.
Restarting the chain (a settings change, the demo) writes a new due time;
a queued check whose due time is no longer the settings' one stops, so an
organisation never has two chains.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accord.jobs.registry import job
from accord.jobs.services import job_enqueue
from accord.orgs.models import Organization


def schedule_check(organization: Organization, due: dt.datetime) -> None:
    """Make ``due`` the organisation's next pulse check (replacing any other)."""
    from accord.pulse.models import PulseSettings
    from accord.pulse.services import settings_of

    with transaction.atomic():
        settings_of(organization)
        PulseSettings.objects.filter(organization=organization).update(next_check_at=due)
        job_enqueue(
            pulse_check_job,
            organization_id=organization.pk,
            run_after=due,
            due=due.isoformat(),
        )


@job()
def pulse_check_job(*, due: str, organization_id: int | None = None) -> str:
    """Run the organisation's pulse check due at ``due``, then queue the next.

    Safe to run twice: a run stops unless ``due`` is still the settings' next
    check, and its first act (committed) moves that on, so a run done again
    after its worker died finds itself replaced and the fallback check a day
    later carries the chain on. What a check opens, reminds and closes is
    guarded by the pulse's own states, each changed once.
    """
    from accord.pulse.models import PulseSettings
    from accord.pulse.services import pulse_check

    if organization_id is None:
        return "no organisation"
    settings = (
        PulseSettings.objects.select_related("organization")
        .filter(organization_id=organization_id)
        .first()
    )
    if settings is None or settings.next_check_at != dt.datetime.fromisoformat(due):
        return "replaced by a newer check"
    organization = settings.organization
    now = timezone.now()
    # A fallback first, committed on its own: if this run fails for good, the
    # chain still goes on tomorrow (and this run's retries see they were
    # replaced, so nothing runs twice).
    schedule_check(organization, now + dt.timedelta(days=1))
    following = pulse_check(organization, now)
    schedule_check(organization, max(following, now + dt.timedelta(minutes=1)))
    return f"next check at {following.isoformat()}"
