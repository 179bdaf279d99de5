"""Running queued jobs inside a test, the way the worker would."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from accord.jobs.worker import make_worker


def run_queued_jobs(limit: int = 1000, *, until: datetime | None = None) -> int:
    """Run every queued job due by ``until`` (default: now) in this process.

    Retries that a failing job schedules within ``until`` run too, so
    ``until=timezone.now() + timedelta(days=1)`` plays out every attempt of a
    job without waiting for its back-off. Returns how many ran.
    """
    worker = make_worker(interval=0, batch=True, worker_id="test")
    ran = 0
    while ran < limit:
        due = Q(run_after__lte=until or timezone.now()) | Q(run_after=get_date_max())
        result = (
            DBTaskResult.objects.filter(due, status=TaskResultStatus.READY)
            .order_by("run_after", "enqueued_at")
            .first()
        )
        if result is None:
            break
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran
