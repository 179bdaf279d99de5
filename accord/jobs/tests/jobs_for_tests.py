"""Jobs that exist only for the tests; importable, so a worker process finds them too.

Their effect is a row in ``mail.Delivery`` with a unique key: a job that ran
twice would fail on the second insert, so "every task result SUCCESSFUL and
every key present" means "every effect exactly once".
"""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction

from accord.jobs.models import DeadJob
from accord.jobs.registry import job
from accord.mail.models import Delivery

# Keys whose job fails, as if the service it talks to were down. Only this
# process sees it: tests that use it run their jobs in-process.
BROKEN: set[str] = set()


@job()
def record(*, key: str, pause: float = 0.0) -> str:
    """Write ``key`` once; with ``pause``, take that long first (a slow job)."""
    if pause:
        time.sleep(pause)
    if key in BROKEN:
        raise RuntimeError(f"the downstream service is down ({key})")
    Delivery.objects.create(key=key)
    return key


@job(max_attempts=2)
def record_for(*, key: str, organization_id: int | None = None) -> str:
    """Like ``record``, for an organisation; gives up after two attempts."""
    if key in BROKEN:
        raise RuntimeError(f"the downstream service is down ({key})")
    Delivery.objects.create(key=f"{key}:org{organization_id}")
    return key


@job()
def record_many(*, prefix: str, count: int, pause: float = 0.0) -> int:
    """A long job: write ``prefix:0`` … ``prefix:count-1``, one short transaction
    each, pausing ``pause`` seconds before each; returns how many it wrote.

    Safe to run twice the way long jobs are: keys already written by an
    earlier, interrupted run are skipped, so a run that resumes adds only
    the rest (and the unique key would refuse a double).
    """
    done = set(Delivery.objects.filter(key__startswith=f"{prefix}:").values_list("key", flat=True))
    wrote = 0
    for n in range(count):
        key = f"{prefix}:{n}"
        if key in done:
            continue
        if pause:
            time.sleep(pause)
        with transaction.atomic():
            Delivery.objects.create(key=key)
        wrote += 1
    return wrote


def dead_record(key: str, organization: Any = None) -> DeadJob:
    """A failed ``record`` job, as the worker would leave it after every attempt."""
    return DeadJob.objects.create(
        organization=organization,
        job_name=record.job_name,
        kwargs={"key": key},
        attempts=5,
        error=f"RuntimeError: the downstream service is down ({key})",
        traceback="Traceback (most recent call last): …",
    )
