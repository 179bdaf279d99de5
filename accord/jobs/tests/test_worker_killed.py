"""A worker killed outright (SIGKILL) in the middle of a long job.

Two real ``accord worker`` processes on the test database (SQLite file or
PostgreSQL, whichever the suite runs on) with a short lease. The one that
claims the job is killed without warning; the other must take the job over
once the lease expires and finish it: every row written exactly once, the
job recorded as done once, nothing dead-lettered, nothing retried.
"""

from __future__ import annotations

import signal

import pytest
from django_tasks_db.models import DBTaskResult

from accord.jobs.models import DeadJob, JobLease
from accord.jobs.services import job_enqueue
from accord.jobs.tests.jobs_for_tests import record_many
from accord.jobs.tests.test_worker import workers  # noqa: F401  (the fixture)
from accord.mail.models import Delivery

pytestmark = pytest.mark.real_clock

LEASE = "3"  # seconds: renewed every second while the job runs
ROWS = 60
PAUSE = 0.1  # per row: the job takes at least 6 s, twice the lease


def written() -> int:
    return Delivery.objects.filter(key__startswith="long:").count()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_finishes_once_a_job_whose_worker_was_killed(workers):  # noqa: F811
    task_id = job_enqueue(record_many, prefix="long", count=ROWS, pause=PAUSE)
    env = {"ACCORD_JOB_LEASE_SECONDS": LEASE}
    by_id = {
        name: workers("--interval", "0.05", "--worker-id", name, env=env)
        for name in ("first", "second")
    }
    some = next(iter(by_id.values()))
    # Past the lease (3 s at 0.1 s a row): the heartbeat kept the job its own.
    some.wait_until(lambda: written() >= 40, timeout=120, what="40 rows written")
    result = DBTaskResult.objects.get(pk=task_id)
    assert result.status == "RUNNING"
    assert len(result.worker_ids) == 1, "the job was taken over while its worker lived"
    holder_name = result.worker_ids[0]
    holder = by_id[holder_name]
    other_name = next(name for name in by_id if name != holder_name)
    other = by_id[other_name]

    holder.process.send_signal(signal.SIGKILL)
    holder.process.wait(timeout=10)
    at_kill = written()
    assert at_kill < ROWS, "the kill came too late to test anything"

    # The lease goes just after the result is recorded, not with it: wait for both.
    other.wait_until(
        lambda: (
            DBTaskResult.objects.get(pk=task_id).status == "SUCCESSFUL"
            and not JobLease.objects.exists()
        ),
        timeout=120,
        what="the job finished by the other worker and its lease deleted",
    )

    keys = list(Delivery.objects.values_list("key", flat=True))
    assert sorted(keys) == sorted(f"long:{n}" for n in range(ROWS))  # none lost, none doubled
    result = DBTaskResult.objects.get(pk=task_id)
    assert result.worker_ids == [holder_name, other_name]
    # The resumed run wrote only what the killed one had not.
    assert result.return_value == ROWS - at_kill
    assert DBTaskResult.objects.count() == 1  # no retry was queued
    assert not DeadJob.objects.exists()
    assert f"lost its worker {holder_name}; running it again" in other.output()
    assert other.stop(signal.SIGTERM) == 0
