"""Running jobs: retries with exponential back-off, then the dead-letter queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.jobs.models import DeadJob
from accord.jobs.services import job_enqueue
from accord.jobs.testing import run_queued_jobs
from accord.jobs.tests import jobs_for_tests
from accord.jobs.tests.jobs_for_tests import record
from accord.mail.models import Delivery

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture(autouse=True)
def _nothing_broken():
    jobs_for_tests.BROKEN.clear()
    yield
    jobs_for_tests.BROKEN.clear()


@pytest.fixture
def three_attempts(settings):
    settings.ACCORD_JOB_MAX_ATTEMPTS = 3
    settings.ACCORD_JOB_BACKOFF_SECONDS = 30.0


def attempts():
    """The queue's task results for ``record``, oldest first, as (attempt, status, run_after)."""
    return [
        (r.args_kwargs["args"][3], r.status, r.run_after)
        for r in DBTaskResult.objects.order_by("enqueued_at")
    ]


def test_it_runs_a_job_once_when_it_succeeds(three_attempts):
    job_enqueue(record, key="ok")

    assert run_queued_jobs() == 1

    assert [(n, status) for n, status, _ in attempts()] == [(1, "SUCCESSFUL")]
    assert Delivery.objects.filter(key="ok").count() == 1


def test_it_retries_a_failed_job_after_growing_pauses(three_attempts):
    jobs_for_tests.BROKEN.add("flaky")
    job_enqueue(record, key="flaky")

    before = timezone.now()
    assert run_queued_jobs() == 1
    (first, second) = attempts()
    assert first[:2] == (1, "FAILED")
    assert second[:2] == (2, "READY")
    # The first pause is the base back-off, 30 s.
    assert before + timedelta(seconds=29) < second[2] < timezone.now() + timedelta(seconds=31)
    # Not due yet: a worker looking now runs nothing.
    assert run_queued_jobs() == 0

    before = timezone.now()
    assert run_queued_jobs(until=second[2]) == 1
    third = attempts()[2]
    assert third[:2] == (3, "READY")
    # The second pause doubles: 60 s.
    assert before + timedelta(seconds=59) < third[2] < timezone.now() + timedelta(seconds=61)

    # The service is back before the last attempt: the job gets through.
    jobs_for_tests.BROKEN.clear()
    assert run_queued_jobs(until=third[2]) == 1
    assert [status for _, status, _ in attempts()] == ["FAILED", "FAILED", "SUCCESSFUL"]
    assert Delivery.objects.filter(key="flaky").count() == 1
    assert not DeadJob.objects.exists()


def test_it_dead_letters_a_job_after_its_last_attempt(three_attempts, acme):
    jobs_for_tests.BROKEN.add("doomed")
    job_enqueue(record, organization_id=acme.pk, key="doomed")

    assert run_queued_jobs(until=timezone.now() + timedelta(days=1)) == 3

    assert [status for _, status, _ in attempts()] == ["FAILED"] * 3
    dead = DeadJob.objects.get()
    assert dead.organization == acme
    assert dead.job_name == "accord.jobs.tests.jobs_for_tests.record"
    assert dead.kwargs == {"key": "doomed"}
    assert dead.attempts == 3
    assert dead.error == "RuntimeError: the downstream service is down (doomed)"
    assert "Traceback" in dead.traceback
    assert not Delivery.objects.exists()
    # Nothing is queued after the last attempt.
    assert not DBTaskResult.objects.ready().exists()


def test_it_honours_a_jobs_own_attempt_count(three_attempts):
    jobs_for_tests.BROKEN.add("short")
    job_enqueue(jobs_for_tests.record_for, key="short")

    assert run_queued_jobs(until=timezone.now() + timedelta(days=1)) == 2

    assert DeadJob.objects.get().attempts == 2


def test_it_dead_letters_a_job_that_no_longer_exists_at_once(three_attempts, acme):
    from accord.jobs.tasks import run_job

    run_job.enqueue("accord.jobs.tests.jobs_for_tests.vanished", [], {}, 1, acme.pk)

    assert run_queued_jobs(until=timezone.now() + timedelta(days=1)) == 1

    dead = DeadJob.objects.get()
    assert dead.organization == acme
    assert dead.attempts == 1
    assert "vanished" in dead.error


def test_it_caps_the_backoff_at_six_hours(settings):
    from accord.jobs.registry import backoff_seconds

    settings.ACCORD_JOB_BACKOFF_SECONDS = 30.0
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(30) == 6 * 3600
