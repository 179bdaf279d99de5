"""``accord jobs list [--failed]`` and ``accord jobs retry ID``: the queue, for the operator."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from accord.jobs.services import job_enqueue
from accord.jobs.testing import run_queued_jobs
from accord.jobs.tests.jobs_for_tests import dead_record as dead
from accord.jobs.tests.jobs_for_tests import record
from accord.jobs.worker import make_worker
from accord.mail.models import Delivery

pytestmark = pytest.mark.django_db


def jobs(*args: str) -> str:
    out = StringIO()
    call_command("jobs", *args, stdout=out)
    return out.getvalue()


def test_it_lists_failed_jobs_of_the_instance_and_of_organisations(acme):
    instance = dead("instance-job")
    org_job = dead("org-job", acme)

    out = jobs("list", "--failed")

    lines = out.splitlines()
    assert len(lines) == 2
    mine = next(line for line in lines if line.startswith(f"{instance.pk} "))
    assert "(instance)" in mine
    assert "accord.jobs.tests.jobs_for_tests.record" in mine
    assert "attempts=5" in mine
    assert "RuntimeError: the downstream service is down" in mine
    assert "acme" in next(line for line in lines if line.startswith(f"{org_job.pk} "))


def test_it_says_when_nothing_failed():
    assert jobs("list", "--failed") == "No failed jobs.\n"


def test_it_retries_a_failed_job_once_and_the_worker_runs_it():
    failed = dead("again")

    out = jobs("retry", str(failed.pk))

    assert out == f"Queued {record.job_name} (failed job {failed.pk}) again.\n"
    failed.refresh_from_db()
    assert failed.retried_at is not None
    assert run_queued_jobs() == 1
    assert Delivery.objects.filter(key="again").count() == 1
    # Retried ones leave the default list but stay in --all.
    assert jobs("list", "--failed") == "No failed jobs.\n"
    assert "retried" in jobs("list", "--failed", "--all")


def test_it_refuses_a_second_retry_and_queues_nothing():
    failed = dead("twice")
    jobs("retry", str(failed.pk))

    with pytest.raises(CommandError, match=f"id: failed job {failed.pk} was already retried"):
        jobs("retry", str(failed.pk))

    assert DBTaskResult.objects.count() == 1


def test_it_refuses_an_unknown_id():
    with pytest.raises(CommandError, match="id: no failed job 999"):
        jobs("retry", "999")
    assert not DBTaskResult.objects.exists()


def test_it_refuses_an_id_that_is_not_a_number():
    with pytest.raises(CommandError, match="invalid int value"):
        jobs("retry", "abc")


def test_it_lists_running_jobs_with_their_lease_and_queued_ones(frozen_clock):
    job_enqueue(record, key="running")
    job_enqueue(record, key="queued")
    running, _ = make_worker(worker_id="w1").claim_next()
    assert running is not None

    out = jobs("list")

    first, second = out.splitlines()
    assert first.startswith(f"{running.pk}  RUNNING  {record.job_name}  worker=w1  lease until")
    assert " READY " in second and " due " in second


def test_it_refuses_all_without_failed():
    with pytest.raises(CommandError, match="all: --all goes with --failed"):
        jobs("list", "--all")
