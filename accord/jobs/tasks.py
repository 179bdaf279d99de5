"""The one django-tasks task that runs every Accord job."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task

from accord.jobs.registry import backoff_seconds, get_job

logger = logging.getLogger(__name__)


def _dead_letter(
    *,
    job_name: str,
    args: list[Any],
    kwargs: dict[str, Any],
    attempt: int,
    organization_id: int | None,
    exc: BaseException,
) -> None:
    from accord.jobs.models import DeadJob

    DeadJob.objects.create(
        organization_id=organization_id,
        job_name=job_name,
        args=args,
        kwargs=kwargs,
        attempts=attempt,
        error=f"{type(exc).__name__}: {exc}"[:2000],
        traceback="".join(traceback.format_exception(exc))[-8000:],
    )


@task()
def run_job(
    job_name: str,
    args: list[Any],
    kwargs: dict[str, Any],
    attempt: int = 1,
    organization_id: int | None = None,
) -> Any:
    """Run ``job_name``; on failure schedule the next attempt or dead-letter it.

    Each attempt is its own task result, so the queue shows every try; the
    next one is written before this one is marked failed, so a worker that
    dies in between leaves a retry rather than nothing. The exception is
    re-raised so that this attempt's task result records the failure too.
    """
    try:
        spec = get_job(job_name)
    except KeyError as exc:
        # Code that no longer exists will not appear by waiting: no retries.
        logger.error("job %s is not known to this worker: %s", job_name, exc)
        _dead_letter(
            job_name=job_name,
            args=args,
            kwargs=kwargs,
            attempt=attempt,
            organization_id=organization_id,
            exc=exc,
        )
        raise
    try:
        return spec.func(*args, **kwargs)
    except Exception as exc:
        if attempt < spec.max_attempts:
            delay = backoff_seconds(attempt)
            logger.warning(
                "job %s failed (attempt %d of %d), retrying in %.0fs: %s",
                job_name,
                attempt,
                spec.max_attempts,
                delay,
                exc,
            )
            run_job.using(
                run_after=timezone.now() + timedelta(seconds=delay), queue_name=spec.queue
            ).enqueue(job_name, args, kwargs, attempt + 1, organization_id)
        else:
            logger.error("job %s failed for good after %d attempts: %s", job_name, attempt, exc)
            _dead_letter(
                job_name=job_name,
                args=args,
                kwargs=kwargs,
                attempt=attempt,
                organization_id=organization_id,
                exc=exc,
            )
        raise


def dead_letter_lost(*, task_result: Any, error: BaseException) -> None:
    """Dead-letter a job given up because it took its worker down too often.

    ``task_result`` is the django-tasks-db row of a ``run_job`` call; its
    arguments say which job it was, so an operator can retry it.
    """
    args = task_result.args_kwargs.get("args", [])
    job_name, job_args, job_kwargs, attempt, organization_id = (list(args) + [None] * 5)[:5]
    _dead_letter(
        job_name=str(job_name or task_result.task_path),
        args=job_args or [],
        kwargs=job_kwargs or {},
        attempt=attempt or 1,
        organization_id=organization_id,
        exc=error,
    )
