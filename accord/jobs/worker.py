"""The job worker: django-tasks-db's worker, made safe to stop at any moment.

django-tasks-db's own worker exits from inside its signal handler whenever it
is not running a task. Between claiming a job (committed as RUNNING) and
starting it that exit would strand the job as RUNNING forever. Here a stop
signal only asks the loop to end: the job in hand, if any, runs to the end
and is recorded, and the worker exits before claiming another. Only a second
signal forces an exit, the way Ctrl-C twice does elsewhere.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from django.db import OperationalError, close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger(__name__)

# Longest pause between two looks at a stop request while idle: a stopped
# worker exits within this, whatever --interval says.
_STOP_CHECK_SECONDS = 0.1


def new_worker_id() -> str:
    """Host, process and a random part: says in each job's record who ran it."""
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(12)}"[:64]


class GracefulWorker(Worker):
    """Runs every due job of the database queue until asked to stop."""

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

    def claim_next(self) -> tuple[DBTaskResult[Any, Any] | None, bool]:
        """Claim the next due job; also say whether the queue could be read."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        try:
            with exclusive_transaction(tasks.db):
                task_result: DBTaskResult[Any, Any] | None = tasks.get_locked()
                if task_result is not None:
                    # RUNNING and committed: no other worker takes it.
                    task_result.claim(self.worker_id)
        except OperationalError as error:
            # SQLite: another process holds the write lock; look again later.
            if is_locked_database_exception(error):
                return None, False
            raise
        return task_result, True

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
        while self.running:
            # Drop connections the database closed while we slept.
            close_old_connections()
            task_result, looked = self.claim_next()
            if task_result is not None:
                # Records success or failure itself; never raises.
                self.run_task(task_result)
            if self.batch and looked and task_result is None:
                logger.info("No more jobs are due; worker %s exits.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("Ran %d jobs; worker %s exits.", self._run_tasks, self.worker_id)
                return
            close_old_connections()
            if task_result is None:
                self.pause(self.interval)
        logger.info("Worker %s stopped.", self.worker_id)


def make_worker(
    *,
    interval: float = 1.0,
    batch: bool = False,
    max_tasks: int | None = None,
    worker_id: str | None = None,
) -> GracefulWorker:
    """A worker for every queue of the default (database) backend."""
    return GracefulWorker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=worker_id or new_worker_id(),
        excluded_queue_names=[],
    )
