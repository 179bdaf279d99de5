"""Reading the job queue and the failed jobs, for the operator's page and CLI."""

from __future__ import annotations

from collections.abc import Callable
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


def job_queued(func: Callable[..., Any], **kwargs: Any) -> bool:
    """Whether a run of job ``func`` with these keyword arguments is queued (not yet started).

    For jobs that queue their own next run: a run done again after its
    worker died checks this first, so a chain is never doubled.
    """
    match = {f"args_kwargs__args__2__{name}": value for name, value in kwargs.items()}
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        args_kwargs__args__0=func.job_name,  # type: ignore[attr-defined]
        **match,
    ).exists()
