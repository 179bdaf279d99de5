"""Enqueueing jobs and retrying dead ones."""

from __future__ import annotations

import datetime as dt
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
    run_after: dt.datetime | None = None,
    **kwargs: Any,
) -> str:
    """Queue ``func`` (declared with ``@job``) to run in the worker with ``kwargs``.

    Call it inside the transaction that causes the side effect: the queue row
    is written in that transaction, so the job exists only if it commits
    (the database queue is the outbox). ``organization_id`` says whose admins
    see the job if it fails for good; it is passed on to jobs that take it.
    ``run_after`` delays the job: the worker leaves it until then.
    Returns the id of the queued task result.
    """
    from accord.jobs.tasks import run_job

    job_name = getattr(func, "job_name", None)
    if job_name is None:
        raise TypeError(f"{func!r} is not a job: declare it with @job().")
    spec = get_job(job_name)
    if "organization_id" in inspect.signature(spec.func).parameters:
        kwargs["organization_id"] = organization_id
    task = run_job.using(queue_name=spec.queue)
    if run_after is not None:
        task = task.using(run_after=run_after)
    result = task.enqueue(spec.name, [], kwargs, 1, organization_id)
    return str(result.id)


@transaction.atomic
def dead_job_retry(*, dead_job: DeadJob) -> bool:
    """Queue a dead job again with a fresh set of attempts.

    Retrying twice queues it once: returns False when it had already been
    retried. An admin retries from a page through ``accord.orgs.services``,
    which checks the permission and records it in the audit log.
    """
    from accord.jobs.tasks import run_job

    locked = DeadJob.objects.select_for_update().get(pk=dead_job.pk)
    if locked.retried_at is not None:
        return False
    try:
        queue = get_job(locked.job_name).queue
    except KeyError:
        # Gone from the code: queue it anyway, the worker dead-letters it
        # again with the reason, rather than failing the admin's click.
        queue = "default"
    run_job.using(queue_name=queue).enqueue(
        locked.job_name, locked.args, locked.kwargs, 1, locked.organization_id
    )
    locked.retried_at = timezone.now()
    locked.save(update_fields=["retried_at"])
    dead_job.retried_at = locked.retried_at
    return True
