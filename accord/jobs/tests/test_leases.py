"""Leases: a claimed job is the worker's only while it renews the claim.

In-process, on the frozen clock: a second worker object stands for a second
process, and moving the clock stands for a worker that stopped renewing
(the real SIGKILL is in test_worker_killed.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.jobs.models import DeadJob, JobLease
from accord.jobs.services import job_enqueue
from accord.jobs.tests.jobs_for_tests import record
from accord.jobs.worker import lease_renew, make_worker
from accord.mail.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _short_lease(settings):
    settings.ACCORD_JOB_LEASE_SECONDS = 60.0
    settings.ACCORD_JOB_MAX_CLAIMS = 3


def claim(worker):
    task_result, looked = worker.claim_next()
    assert looked
    return task_result


def test_it_claims_a_job_with_a_lease(frozen_clock):
    job_enqueue(record, key="leased")
    a = make_worker(worker_id="a")

    claimed = claim(a)

    lease = JobLease.objects.get()
    assert lease.task_result_id == claimed.pk
    assert lease.worker_id == "a"
    assert lease.expires_at == timezone.now() + timedelta(seconds=60)
    assert lease.claims == 1
    assert DBTaskResult.objects.get().status == "RUNNING"


def test_it_leaves_a_running_job_alone_while_its_lease_holds(frozen_clock):
    job_enqueue(record, key="held")
    a, b = make_worker(worker_id="a"), make_worker(worker_id="b")
    claim(a)

    frozen_clock.shift(59)
    assert claim(b) is None

    # Renewed at 59 s: still a's at 118 s, past the first expiry.
    assert lease_renew(task_result_id=DBTaskResult.objects.get().pk, worker_id="a")
    frozen_clock.shift(59)
    assert claim(b) is None
    assert DBTaskResult.objects.get().worker_ids == ["a"]


def test_it_claims_again_a_job_whose_lease_expired_and_runs_it_once(frozen_clock):
    job_enqueue(record, key="orphan")
    a, b = make_worker(worker_id="a"), make_worker(worker_id="b")
    first = claim(a)  # …and a dies here, never running it

    frozen_clock.shift(61)
    again = claim(b)

    assert again.pk == first.pk
    lease = JobLease.objects.get()
    assert (lease.worker_id, lease.claims) == ("b", 2)
    b.run_task(again)
    assert not JobLease.objects.exists()
    result = DBTaskResult.objects.get()
    assert result.status == "SUCCESSFUL"
    assert result.worker_ids == ["a", "b"]
    assert list(Delivery.objects.values_list("key", flat=True)) == ["orphan"]
    # a, back from the dead, can no longer renew what is b's.
    assert not lease_renew(task_result_id=result.pk, worker_id="a")


def test_it_leases_the_jobs_running_when_leases_arrive(frozen_clock):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accord.jobs.migrations.0002_job_lease")
    job_enqueue(record, key="old")
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now(), worker_ids=["old"])
    migration.lease_running_jobs(apps, None)
    b = make_worker(worker_id="b")

    assert claim(b) is None  # it may still be running
    frozen_clock.shift(61)
    again = claim(b)

    assert again is not None
    assert again.worker_ids == ["old", "b"]


def test_it_deletes_the_lease_once_the_job_is_recorded(frozen_clock):
    job_enqueue(record, key="done")
    a = make_worker(worker_id="a")

    a.run_task(claim(a))

    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert not JobLease.objects.exists()


def test_it_releases_the_lease_a_worker_left_on_a_recorded_job(frozen_clock):
    job_enqueue(record, key="left")
    frozen_clock.shift(1)  # queued later: on the frozen clock a tie has no order
    job_enqueue(record, key="next")
    a, b = make_worker(worker_id="a"), make_worker(worker_id="b")
    left = claim(a)
    # a recorded the job, then died before deleting its lease.
    left.set_successful(None)

    taken = claim(b)

    assert taken.args_kwargs["args"][2]["key"] == "next"
    assert list(JobLease.objects.values_list("task_result_id", "worker_id")) == [(taken.pk, "b")]


def test_it_gives_up_a_job_that_killed_its_worker_too_often(frozen_clock, acme):
    job_enqueue(record, organization_id=acme.pk, key="poison")
    frozen_clock.shift(1)  # queued later: on the frozen clock a tie has no order
    job_enqueue(record, key="innocent")
    workers = [make_worker(worker_id=name) for name in ("a", "b", "c", "d")]
    poison = claim(workers[0])
    assert poison.args_kwargs["args"][2]["key"] == "poison"
    for worker in workers[1:3]:
        frozen_clock.shift(61)
        assert claim(worker).pk == poison.pk

    frozen_clock.shift(61)
    # The fourth look gives the poison job up and takes the next one instead.
    taken = claim(workers[3])

    assert taken.args_kwargs["args"][2]["key"] == "innocent"
    failed = DBTaskResult.objects.get(pk=poison.pk)
    assert failed.status == "FAILED"
    assert failed.exception_class_path == "accord.jobs.worker.WorkerLost"
    assert list(JobLease.objects.values_list("task_result_id", flat=True)) == [taken.pk]
    dead = DeadJob.objects.get()
    assert dead.organization_id == acme.pk
    assert dead.job_name == "accord.jobs.tests.jobs_for_tests.record"
    assert dead.kwargs["key"] == "poison"
    assert dead.error == "WorkerLost: the worker running it died 3 times (last: c)"
    assert not Delivery.objects.exists()
