"""The job worker: django-tasks-db's worker, made safe to stop at any moment.

django-tasks-db's own worker exits from inside its signal handler whenever it
is not running a task. Between claiming a job (committed as RUNNING) and
starting it that exit would strand the job as RUNNING forever. Here a stop
signal only asks the loop to end: the job in hand, if any, runs to the end
and is recorded, and the worker exits before claiming another. Only a second
signal forces an exit, the way Ctrl-C twice does elsewhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from accord.jobs.models import JobLease
from accord.jobs.registry import worker_start_hooks
from accord.lib.outage import DATABASE_ERRORS, outage_reason

logger = logging.getLogger(__name__)

# Longest pause between two looks at a stop request while idle: a stopped
# worker exits within this, whatever --interval says.
_STOP_CHECK_SECONDS = 0.1
# While the database is unreachable the worker waits this long before its
# first new try, then twice as long each time, up to the longest wait.
OUTAGE_FIRST_WAIT = 1.0
OUTAGE_LONGEST_WAIT = 60.0


class WorkerLost(RuntimeError):
    """The job's worker died while running it, as many times as allowed."""


def lease_seconds() -> float:
    """How long a claim lasts without renewal (ACCORD_JOB_LEASE_SECONDS)."""
    return float(settings.ACCORD_JOB_LEASE_SECONDS)


def lease_renew(*, task_result_id: Any, worker_id: str) -> bool:
    """Push the lease of ``worker_id`` on the job forward; False if it is no longer theirs."""
    now = timezone.now()
    renewed = JobLease.objects.filter(task_result_id=task_result_id, worker_id=worker_id).update(
        expires_at=now + dt.timedelta(seconds=lease_seconds()), renewed_at=now
    )
    return renewed == 1


class Heartbeat(threading.Thread):
    """Renews one job's lease every third of its length until stopped.

    A thread, so a job never has to call anything: a job busy in C code or
    in a long query still holds its lease. It has its own database
    connection (Django's are per thread) and closes it when it ends.
    """

    def __init__(self, *, task_result_id: Any, worker_id: str) -> None:
        super().__init__(name=f"lease-{task_result_id}", daemon=True)
        self.task_result_id = task_result_id
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(lease_seconds() / 3):
                try:
                    mine = lease_renew(task_result_id=self.task_result_id, worker_id=self.worker_id)
                    if not mine:
                        logger.error(
                            "Lost the lease of job %s: another worker may run it too.",
                            self.task_result_id,
                        )
                        return
                except Exception:  # a busy database: the next beat tries again
                    logger.warning("Could not renew the lease of job %s", self.task_result_id)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def new_worker_id() -> str:
    """Host, process and a random part: says in each job's record who ran it."""
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(12)}"[:64]


class GracefulWorker(Worker):
    """Runs every due job of the database queue until asked to stop."""

    def __init__(self, *, start_chains: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Ids of the jobs this worker claimed with a lease and has not finished.
        self._leased: set[Any] = set()
        self.start_chains = start_chains

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            # A second signal: the operator insists. The parent exits at once.
            super().shutdown(signum, frame)
            return
        logger.warning(
            "Received %s: finishing the job in hand, then stopping "
            "(send it again to stop at once).",
            signal.strsignal(signum),
        )
        self.running = False

    @contextmanager
    def stoppable(self) -> Iterator[None]:
        """Handle SIGINT, SIGTERM and SIGQUIT while inside; restore what was there."""
        stop_signals = [signal.SIGINT, signal.SIGTERM]
        if hasattr(signal, "SIGQUIT"):
            stop_signals.append(signal.SIGQUIT)
        previous = {signum: signal.getsignal(signum) for signum in stop_signals}
        self.configure_signals()
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _mine(self, tasks: Any) -> Any:
        tasks = tasks.filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        return tasks

    def _abandoned(self) -> DBTaskResult[Any, Any] | None:
        """A RUNNING job whose worker died: its lease expired.

        Driven by the lease table, which holds only the jobs running now (a
        finished job's lease is deleted), so each poll reads a few rows
        however many results the queue keeps.
        """
        expired = JobLease.objects.filter(expires_at__lt=timezone.now()).values("task_result_id")
        tasks = self._mine(
            DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, pk__in=expired)
        )
        found: DBTaskResult[Any, Any] | None = tasks.select_for_update(skip_locked=True).first()
        return found

    def _release_finished(self) -> None:
        """Delete the leases of jobs already recorded as done.

        A worker deletes its lease just after recording the job; one that dies
        or loses the database in between leaves the lease behind. The table
        holds only running jobs' leases, so this reads a few rows.
        """
        JobLease.objects.exclude(task_result__status=TaskResultStatus.RUNNING).delete()

    def claim_next(self) -> tuple[DBTaskResult[Any, Any] | None, bool]:
        """Claim the next due job, or one whose worker died; also say whether
        the queue could be read."""
        tasks = self._mine(DBTaskResult.objects.ready())
        try:
            with exclusive_transaction(tasks.db):
                self._release_finished()
                task_result: DBTaskResult[Any, Any] | None = self._abandoned()
                if task_result is not None:
                    task_result = self._reclaim(task_result)
                if task_result is None:
                    task_result = tasks.get_locked()
                    if task_result is not None:
                        # RUNNING and committed with its lease: no other worker
                        # takes it while the lease is renewed.
                        task_result.claim(self.worker_id)
                        JobLease.objects.update_or_create(
                            task_result=task_result,
                            defaults=self._lease_fields(),
                        )
                if task_result is not None:
                    self._leased.add(task_result.pk)
        except OperationalError as error:
            # SQLite: another process holds the write lock; look again later.
            if is_locked_database_exception(error):
                return None, False
            raise
        return task_result, True

    def _lease_fields(self) -> dict[str, Any]:
        now = timezone.now()
        return {
            "worker_id": self.worker_id,
            "expires_at": now + dt.timedelta(seconds=lease_seconds()),
            "renewed_at": now,
        }

    def _reclaim(self, task_result: DBTaskResult[Any, Any]) -> DBTaskResult[Any, Any] | None:
        """Take over a job whose worker died, or give it up if it killed too many."""
        from accord.jobs.tasks import dead_letter_lost

        lease = JobLease.objects.filter(task_result=task_result).first()
        claims = lease.claims if lease is not None else 1
        lost = task_result.worker_ids[-1] if task_result.worker_ids else "?"
        if claims >= int(settings.ACCORD_JOB_MAX_CLAIMS):
            logger.error(
                "Job %s lost its worker %d times (last %s): giving up.",
                task_result.pk,
                claims,
                lost,
            )
            error = WorkerLost(f"the worker running it died {claims} times (last: {lost})")
            task_result.set_failed(error)
            dead_letter_lost(task_result=task_result, error=error)
            JobLease.objects.filter(task_result=task_result).delete()
            return None
        logger.warning("Job %s lost its worker %s; running it again.", task_result.pk, lost)
        task_result.claim(self.worker_id)
        JobLease.objects.update_or_create(
            task_result=task_result, defaults={**self._lease_fields(), "claims": claims + 1}
        )
        return task_result

    def run_task(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        """Run the job, renewing its lease meanwhile if it holds one."""
        if db_task_result.pk not in self._leased:
            # Claimed without a lease (tests running jobs in-process).
            super().run_task(db_task_result)
            return
        heartbeat = Heartbeat(task_result_id=db_task_result.pk, worker_id=self.worker_id)
        heartbeat.start()
        try:
            super().run_task(db_task_result)
        finally:
            heartbeat.stop()
            self._leased.discard(db_task_result.pk)
        # Recorded as done: the lease has served. Only our own, in case another
        # worker took the job over while we were cut off.
        JobLease.objects.filter(task_result=db_task_result, worker_id=self.worker_id).delete()

    def pause(self, seconds: float) -> None:
        """Sleep between polls, but wake up at once when asked to stop."""
        deadline = time.monotonic() + seconds
        while self.running:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, _STOP_CHECK_SECONDS))

    def run(self) -> None:
        logger.info(
            "Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names)
        )
        wait = OUTAGE_FIRST_WAIT
        # A batch run (tests, cron) only drains the queue; a long-running
        # worker also starts the instance's chains, once the database answers.
        started = self.batch or not self.start_chains
        while self.running:
            try:
                if not started:
                    for hook in worker_start_hooks():
                        hook()
                    started = True
                if self._step():
                    return
            except DATABASE_ERRORS as error:
                # The database went away: say so once per try, wait longer each
                # time, and carry on when it is back. A job claimed before the
                # outage keeps its lease, which expires; it is then run again.
                logger.warning(
                    "Database unavailable (%s); worker %s tries again in %g s.",
                    outage_reason(error),
                    self.worker_id,
                    wait,
                )
                _drop_connections()
                self.pause(wait)
                wait = min(wait * 2, OUTAGE_LONGEST_WAIT)
                continue
            wait = OUTAGE_FIRST_WAIT
        logger.info("Worker %s stopped.", self.worker_id)

    def _step(self) -> bool:
        """Claim and run one job, or pause when none is due; True when the worker is done."""
        # Drop connections the database closed while we slept.
        close_old_connections()
        task_result, looked = self.claim_next()
        if task_result is not None:
            # Records success or failure itself; never raises.
            self.run_task(task_result)
        if self.batch and looked and task_result is None:
            logger.info("No more jobs are due; worker %s exits.", self.worker_id)
            return True
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            logger.info("Ran %d jobs; worker %s exits.", self._run_tasks, self.worker_id)
            return True
        close_old_connections()
        if task_result is None:
            self.pause(self.interval)
        return False


def _drop_connections() -> None:
    """Close every database connection, broken ones included, so the next try reconnects."""
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(*DATABASE_ERRORS):
            conn.close()


def make_worker(
    *,
    interval: float = 1.0,
    batch: bool = False,
    max_tasks: int | None = None,
    worker_id: str | None = None,
    start_chains: bool = True,
) -> GracefulWorker:
    """A worker for every queue of the default (database) backend.

    Unless it runs in ``batch`` or ``start_chains`` is False, it first starts
    the instance's recurring chains of jobs (``jobs.registry.on_worker_start``)."""
    return GracefulWorker(
        start_chains=start_chains,
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=worker_id or new_worker_id(),
        excluded_queue_names=[],
    )
