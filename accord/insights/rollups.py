"""The summary tables behind the Overview, health and reports: rebuilding
them, and the worker's refresh every minute.

The rollups themselves live with their data: ``accord.pipeline.rollups``
(SLA compliance and conversion counts by cohort month; the funnel, SLA
compliance per person and the rejection reasons by cohort month and group)
and ``accord.feedback.rollups`` (NPS by month and by day, and by account
owner, campaign, language and segment), with the campaigns' counts and the
sends by day kept on write (``accord.feedback.counts``); the goals' computed
metrics and
the health score read them through those apps' ``metric_series``. Writes
mark what they change. Readers never write: they count what is marked (or
not rolled up yet) live and read the stored rows for the rest, so answers
are never stale and a GET writes nothing; the worker's chain here refreshes
the marked months within a minute, so that readers rarely count much live.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accord.feedback import counts as feedback_counts
from accord.feedback import rollups as feedback_rollups
from accord.insights.models import RollupSchedule
from accord.jobs.registry import job, on_worker_start
from accord.jobs.services import job_enqueue
from accord.orgs.models import Organization
from accord.orgs.services import organization_chains_ensure_all
from accord.pipeline import rollups as pipeline_rollups

KEY = "rollups"
EVERY = dt.timedelta(minutes=1)
# A chain whose next run is this late has been lost (its job failed for
# good): the next ensure starts a new one.
LOST_AFTER = dt.timedelta(minutes=10)


def rollups_rebuild(organization: Organization) -> None:
    """Recompute every rollup of the organisation from its history."""
    pipeline_rollups.rollups_rebuild(organization)
    feedback_rollups.refresh(organization, rebuild=True)
    feedback_counts.counts_rebuild(organization)


def rollups_refresh_due() -> int:
    """Refresh every organisation with marked months (or a month that left
    the live window); returns how many organisations it refreshed."""
    pipeline_rollups.mark_other_limits()
    ids = set(pipeline_rollups.marked_organization_ids())
    ids.update(feedback_rollups.organization_ids_due())
    for organization in Organization.objects.filter(pk__in=sorted(ids)).order_by("pk"):
        pipeline_rollups.refresh(organization)
        feedback_rollups.refresh(organization)
    return len(ids)


def _schedule(due: dt.datetime) -> None:
    RollupSchedule.objects.update_or_create(key=KEY, defaults={"next_run_at": due})
    job_enqueue(rollups_refresh, run_after=due, due=due.isoformat())


@on_worker_start
def rollups_schedule_ensure() -> None:
    """Start the chain of refreshes if it never started or was lost (every
    worker calls it when it starts)."""
    now = timezone.now()
    found = RollupSchedule.objects.filter(key=KEY).first()
    if found is not None and found.next_run_at > now - LOST_AFTER:
        return
    with transaction.atomic():
        locked = RollupSchedule.objects.select_for_update().filter(key=KEY).first()
        if locked is None or locked.next_run_at <= now - LOST_AFTER:
            _schedule(now)


@job()
def rollups_refresh(*, due: str) -> str:
    """Refresh the marked rollups, then queue the next run a minute on.

    Only the run due at the schedule's ``next_run_at`` goes on (checked under
    a row lock, and the next run queued in the same transaction); any other
    copy stops, so the chain never doubles. Safe to run twice: a refresh
    recomputes marked months from history, which gives the same rows again.
    """
    with transaction.atomic():
        schedule = RollupSchedule.objects.select_for_update().filter(key=KEY).first()
        if schedule is None or schedule.next_run_at != dt.datetime.fromisoformat(due):
            return "replaced by another run"
        _schedule(max(timezone.now(), schedule.next_run_at) + EVERY)
    # A new organisation's own chains (daily run, pulse checks, quarter-end
    # report) start here, within a minute of its creation.
    organization_chains_ensure_all()
    return f"{rollups_refresh_due()} organisations refreshed"
