"""``accord worker``: a real worker process against the test database.

These tests commit (``transaction=True``) so that the worker, another
process, sees the jobs; the database is the per-process test database, handed
to the worker through DATABASE_URL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from accord.jobs.models import DeadJob
from accord.jobs.services import job_enqueue
from accord.jobs.testing import current_database_url
from accord.jobs.tests.jobs_for_tests import record
from accord.mail.models import Delivery

# Another process reads timestamps this test writes, on the real clock.
pytestmark = pytest.mark.real_clock

STARTED = "Starting worker"


class Worker:
    """``python -m accord worker``, plus the test jobs, in its own process; output in a file."""

    def __init__(self, log: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.log = log
        env = {
            **os.environ,
            "DATABASE_URL": current_database_url(),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        env.pop("EMAIL_URL", None)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                # Only the test's own jobs: no recurring chains of the apps.
                [
                    sys.executable,
                    "-m",
                    "accord.jobs.tests.worker_main",
                    "worker",
                    "--no-chains",
                    *args,
                ],
                cwd=settings.PROJECT_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until(self, condition, *, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited while waiting for {what}:\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {timeout}s; worker output:\n{self.output()}")
            time.sleep(0.05)

    def wait_started(self) -> None:
        # Before its handlers are installed a signal would kill Python outright.
        self.wait_until(lambda: STARTED in self.output(), timeout=60, what="worker start")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the worker did not exit within {timeout}s:\n{self.output()}")

    def kill(self) -> None:
        """Never leave a process behind, whatever the test did."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Worker:
        worker = Worker(tmp_path / f"worker-{len(started)}.log", *args, env=env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


def unfinished():
    return DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_kills_nothing_and_loses_nothing(workers):
    keys = [f"kill-test:{n}" for n in range(40)]
    for key in keys:
        # Each job takes a moment, so the stop signal lands while one runs.
        job_enqueue(record, key=key, pause=0.1)

    first = workers("--interval", "0.05")
    first.wait_until(lambda: Delivery.objects.count() >= 5, timeout=60, what="5 jobs done")
    assert first.stop(signal.SIGTERM) == 0

    done = Delivery.objects.count()
    assert 5 <= done < len(keys), "the stop came too late to test anything"
    assert "finishing the job in hand" in first.output()
    # The job in hand was finished and recorded; nothing is left claimed.
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 0
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == done
    assert unfinished() == len(keys) - done

    second = workers("--interval", "0.05")
    second.wait_until(lambda: unfinished() == 0, timeout=90, what="an empty queue")
    assert second.stop(signal.SIGTERM) == 0

    # Every effect exactly once: the key is unique, so a second run of any
    # job would have failed, and its task result would say so.
    assert sorted(Delivery.objects.values_list("key", flat=True)) == sorted(keys)
    results = DBTaskResult.objects.all()
    assert len(results) == len(keys)  # no retries were needed
    assert {r.status for r in results} == {"SUCCESSFUL"}
    assert len({r.worker_ids[0] for r in results}) == 2  # both workers ran some
    assert all(len(r.worker_ids) == 1 for r in results)  # no job was claimed twice
    assert not DeadJob.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_it_exits_cleanly_and_promptly_when_idle(workers, signum):
    # A long poll interval: stopping must not wait for the next poll.
    worker = workers("--interval", "30")
    worker.wait_started()

    began = time.monotonic()
    assert worker.stop(signum, timeout=25) == 0
    # Well under the 30 s poll interval, with room for a machine busy with
    # other suites (5 s was exceeded there).
    assert time.monotonic() - began < 20
    assert "Traceback" not in worker.output()
    assert "stopped" in worker.output()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_runs_what_is_due_and_exits_with_batch(workers):
    for n in range(3):
        job_enqueue(record, key=f"batch:{n}")

    worker = workers("--batch")
    try:
        assert worker.process.wait(timeout=60) == 0
    except subprocess.TimeoutExpired:
        pytest.fail(f"--batch did not exit:\n{worker.output()}")

    assert Delivery.objects.count() == 3
    assert unfinished() == 0


# Committed: like a request, the worker recycles connections between jobs,
# which a test's enclosing transaction would not survive.
@pytest.mark.django_db(transaction=True)
def test_it_runs_in_process_and_gives_back_the_signal_handlers():
    job_enqueue(record, key="in-process")
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)

    call_command("worker", "--batch", verbosity=0)

    assert Delivery.objects.filter(key="in-process").exists()
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
