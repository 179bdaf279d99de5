"""Enqueueing jobs and retrying dead ones."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from accord.jobs.models import DeadJob
from accord.jobs.registry import get_job

if TYPE_CHECKING:
    from accord.orgs.models import Membership


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
def dead_job_retry(*, dead_job: DeadJob, membership: Membership | None = None) -> bool:
    """Queue a dead job again with a fresh set of attempts.

    With ``membership`` (an admin acting from a page) the permission is
    checked and the retry lands in the organisation's audit log. Retrying
    twice queues it once: returns False when it had already been retried.
    """
    from accord.jobs.tasks import run_job

    if membership is not None:
        from accord.orgs.permissions import Action, require

        require(membership, Action.JOBS_MANAGE)
        if dead_job.organization_id != membership.organization_id:
            raise DeadJob.DoesNotExist("Not this organisation's job.")
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
    if membership is not None:
        from accord.orgs.services import audit_record

        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="job.retry",
            obj=locked,
            changes={"job": locked.job_name},
        )
    dead_job.retried_at = locked.retried_at
    return True
