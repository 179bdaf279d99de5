"""/instance/jobs/: the operator's page of failed jobs that belong to no organisation."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accord.accounts.tests.factories import UserFactory
from accord.jobs.testing import run_queued_jobs
from accord.jobs.tests.jobs_for_tests import dead_record as dead
from accord.jobs.tests.jobs_for_tests import record
from accord.mail.models import Delivery

pytestmark = pytest.mark.django_db

PAGE = "/instance/jobs/"


@pytest.fixture
def operator_client() -> Client:
    client = Client()
    client.force_login(UserFactory.create(email="ops@instance.example", is_staff=True))
    return client


def test_it_shows_the_instance_failed_jobs_to_staff_and_not_an_organisation(operator_client, acme):
    mine = dead("instance-smtp")
    dead("acme-only", acme)

    response = operator_client.get(PAGE)

    page = response.content.decode()
    assert response.status_code == 200
    assert "RuntimeError: the downstream service is down (instance-smtp)" in page
    assert "acme-only" not in page
    assert reverse("instance_job_retry", args=[mine.pk]) in page
    assert ">Instance jobs</a>" in page  # the link in the header, for staff


def test_it_retries_once_and_the_worker_runs_it(operator_client):
    failed = dead("retry-me")
    url = reverse("instance_job_retry", args=[failed.pk])

    first = operator_client.post(url, follow=True)
    second = operator_client.post(url, follow=True)

    assert f"{record.job_name} was queued again." in first.content.decode()
    assert "had already been queued again" in second.content.decode()
    assert DBTaskResult.objects.count() == 1
    assert run_queued_jobs() == 1
    assert Delivery.objects.filter(key="retry-me").count() == 1
    assert "retried " in operator_client.get(PAGE).content.decode()


def test_it_is_a_404_for_a_member_who_is_not_staff(alice_client):
    failed = dead("secret")

    assert alice_client.get(PAGE).status_code == 404
    assert alice_client.post(reverse("instance_job_retry", args=[failed.pk])).status_code == 404
    # Nothing was queued again (the home page, below, starts the
    # organisation's own schedules).
    assert not DBTaskResult.objects.exists()
    failed.refresh_from_db()
    assert failed.retried_at is None
    assert ">Instance jobs</a>" not in alice_client.get("/o/acme/").content.decode()


def test_it_sends_a_visitor_to_log_in():
    response = Client().get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_will_not_retry_an_organisations_job_from_here(operator_client, acme):
    theirs = dead("theirs", acme)

    response = operator_client.post(reverse("instance_job_retry", args=[theirs.pk]))

    assert response.status_code == 404
    assert not DBTaskResult.objects.exists()


def test_it_only_retries_with_a_post(operator_client):
    failed = dead("get")

    assert operator_client.get(reverse("instance_job_retry", args=[failed.pk])).status_code == 405
    assert not DBTaskResult.objects.exists()
