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


@task()
def run_job(
    job_name: str,
    args: list[Any],
    kwargs: dict[str, Any],
    attempt: int = 1,
    organization_id: int | None = None,
) -> Any:
    """Run ``job_name``; on failure schedule the next attempt or dead-letter it.

    The exception is re-raised so the task result records the failure too.
    """
    from accord.jobs.models import DeadJob

    spec = get_job(job_name)
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
            DeadJob.objects.create(
                organization_id=organization_id,
                job_name=job_name,
                args=args,
                kwargs=kwargs,
                attempts=attempt,
                error=f"{type(exc).__name__}: {exc}"[:2000],
                traceback=traceback.format_exc()[-8000:],
            )
        raise
