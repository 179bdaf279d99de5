"""Reading the job queue and the failed jobs, for the operator's page and CLI."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accord.jobs.models import DeadJob


def dead_jobs_failed(
    *, instance_only: bool = False, include_retried: bool = False
) -> QuerySet[DeadJob]:
    """Failed jobs of every organisation (or, ``instance_only``, of none), newest first.

    For the operator only: an organisation's admins read theirs through
    ``accord.orgs.selectors.dead_jobs``.
    """
    jobs = DeadJob.objects.select_related("organization")
    if instance_only:
        jobs = jobs.filter(organization__isnull=True)
    if not include_retried:
        jobs = jobs.filter(retried_at__isnull=True)
    return jobs


def instance_dead_job(pk: int) -> DeadJob:
    """A failed job of no organisation; DoesNotExist for any other."""
    return DeadJob.objects.get(pk=pk, organization__isnull=True)


def jobs_unfinished() -> QuerySet[DBTaskResult[Any, Any]]:
    """Queued and running jobs with their leases, the running ones first."""
    return (
        DBTaskResult.objects.filter(status__in=[TaskResultStatus.RUNNING, TaskResultStatus.READY])
        .select_related("accord_lease")
        .order_by("-status", "run_after", "enqueued_at")
    )
