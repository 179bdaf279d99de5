"""Enqueueing: the database queue is the outbox."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from accord.jobs.selectors import job_queued
from accord.jobs.services import job_enqueue
from accord.jobs.testing import run_queued_jobs
from accord.jobs.tests.jobs_for_tests import record, record_for
from accord.mail.models import Delivery


class Abort(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_it_drops_a_job_whose_transaction_rolls_back():
    with pytest.raises(Abort), transaction.atomic():
        job_enqueue(record, key="rolled-back")
        assert DBTaskResult.objects.count() == 1  # visible inside the transaction
        raise Abort

    assert DBTaskResult.objects.count() == 0
    assert run_queued_jobs() == 0
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_keeps_and_runs_a_job_whose_transaction_commits():
    with transaction.atomic():
        job_enqueue(record, key="committed")

    assert DBTaskResult.objects.ready().count() == 1
    assert run_queued_jobs() == 1
    assert Delivery.objects.filter(key="committed").count() == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db
def test_it_passes_the_organization_to_jobs_that_take_it(acme):
    job_enqueue(record_for, organization_id=acme.pk, key="hello")

    run_queued_jobs()

    assert Delivery.objects.filter(key=f"hello:org{acme.pk}").exists()


@pytest.mark.django_db
def test_it_refuses_a_function_that_is_not_a_job():
    def plain(*, key: str) -> None:
        pass

    with pytest.raises(TypeError, match="not a job"):
        job_enqueue(plain, key="x")
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db
def test_it_says_whether_a_run_with_these_arguments_is_queued():
    job_enqueue(record, key="a", pause=0.0)

    assert job_queued(record, key="a")
    assert job_queued(record, key="a", pause=0.0)
    assert not job_queued(record, key="b")
    assert not job_queued(record_for, key="a")
    run_queued_jobs()
    assert not job_queued(record, key="a")  # ran: no longer queued
