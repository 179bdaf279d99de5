"""Running queued jobs inside a test, the way the worker would."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from django.db import connection
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


def current_database_url() -> str:
    """The URL of the database this process uses, to hand to another process.

    Tests that start ``accord`` commands in a subprocess pass it as
    DATABASE_URL so the child sees the same (test) database.
    """
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"  # an absolute path: sqlite:////…
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
