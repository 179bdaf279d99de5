"""Declaring jobs: functions the worker runs, with retries and back-off.

Every job goes through one django-tasks task (``accord.jobs.tasks.run_job``)
that looks the function up here by name. That keeps retry, back-off and the
dead-letter queue in one place instead of in every job.

Each app's AppConfig.ready() imports its own job modules, so by the time a
web or worker process serves anything every job is registered and the
lookup is a plain dictionary read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, Protocol, TypeVar, cast

from django.conf import settings


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., Any]
    queue: str
    # None: follow ACCORD_JOB_MAX_ATTEMPTS, read when the job runs (not when
    # the module is imported), so the setting can change without a restart.
    attempts: int | None = None

    @property
    def max_attempts(self) -> int:
        return self.attempts or int(settings.ACCORD_JOB_MAX_ATTEMPTS)


_REGISTRY: dict[str, JobSpec] = {}

P = ParamSpec("P")
R = TypeVar("R", covariant=True)


class Job(Protocol[P, R]):
    """A function registered with ``@job``: callable as before, and named."""

    job_name: str

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...


def job(
    *,
    max_attempts: int | None = None,
    queue: str = "default",
    former_names: tuple[str, ...] = (),
) -> Callable[[Callable[P, R]], Job[P, R]]:
    """Register ``func`` as a job. Its arguments must be JSON-serialisable.

    A job must be idempotent or guard its own side effect (see
    ``accord.mail``): after a crash between the effect and the bookkeeping,
    it may run again. ``former_names``: names the job had before it moved,
    so runs queued under them still find it.
    """

    def register(func: Callable[P, R]) -> Job[P, R]:
        name = f"{func.__module__}.{func.__qualname__}"
        spec = JobSpec(name=name, func=func, queue=queue, attempts=max_attempts)
        for registered in (name, *former_names):
            _REGISTRY[registered] = spec
        named = cast(Job[P, R], func)
        named.job_name = name
        return named

    return register


# What each long-running worker does once when it starts: apps register the
# instance-wide chains of jobs they keep going (e.g. the rollups refresh), so
# no page view has to start them.
_ON_WORKER_START: list[Callable[[], object]] = []


def on_worker_start(func: Callable[[], object]) -> Callable[[], object]:
    """Run ``func`` (idempotent: every worker runs it) when a worker starts."""
    if func not in _ON_WORKER_START:
        _ON_WORKER_START.append(func)
    return func


def worker_start_hooks() -> tuple[Callable[[], object], ...]:
    return tuple(_ON_WORKER_START)


def get_job(name: str) -> JobSpec:
    """The registered job ``name``; KeyError when no installed app declares it."""
    return _REGISTRY[name]


def backoff_seconds(attempt: int) -> float:
    """Seconds to wait before attempt ``attempt + 1``: exponential, capped at 6 h."""
    base: float = settings.ACCORD_JOB_BACKOFF_SECONDS
    return float(min(base * (2 ** (attempt - 1)), 6 * 3600))
