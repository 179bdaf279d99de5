"""Enqueueing jobs and retrying dead ones."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.jobs.models import DeadJob
from accord.jobs.registry import get_job


def job_enqueue(
    func: Callable[..., Any],
    *,
    organization_id: int | None = None,
    **kwargs: Any,
) -> None:
    """Queue ``func`` (declared with ``@job``) to run in the worker with ``kwargs``.

    Call it inside the transaction that causes the side effect: the queue row
    is written in that transaction, so the job exists only if it commits
    (the database queue is the outbox). ``organization_id`` says whose admins
    see the job if it fails for good; it is passed on to jobs that take it.
    """
    from accord.jobs.tasks import run_job

    spec = get_job(func.job_name)  # type: ignore[attr-defined]
    if "organization_id" in inspect.signature(spec.func).parameters:
        kwargs["organization_id"] = organization_id
    run_job.using(queue_name=spec.queue).enqueue(spec.name, [], kwargs, 1, organization_id)


@transaction.atomic
def dead_job_retry(*, dead_job: DeadJob) -> None:
    """Queue a dead job again with a fresh set of attempts."""
    from accord.jobs.tasks import run_job

    locked = DeadJob.objects.select_for_update().get(pk=dead_job.pk)
    if locked.retried_at is not None:
        return
    spec = get_job(locked.job_name)
    run_job.using(queue_name=spec.queue).enqueue(
        spec.name, locked.args, locked.kwargs, 1, locked.organization_id
    )
    locked.retried_at = timezone.now()
    locked.save(update_fields=["retried_at"])
