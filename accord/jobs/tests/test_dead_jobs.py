"""The failed-jobs page (/o/<slug>/jobs/) and its retry button."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.jobs.models import DeadJob
from accord.jobs.services import job_enqueue
from accord.jobs.testing import run_queued_jobs
from accord.jobs.tests import jobs_for_tests
from accord.jobs.tests.jobs_for_tests import record
from accord.mail.models import Delivery
from accord.orgs.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nothing_broken(settings):
    settings.ACCORD_JOB_MAX_ATTEMPTS = 2
    jobs_for_tests.BROKEN.clear()
    yield
    jobs_for_tests.BROKEN.clear()


def kill(key, organization):
    """Queue a job for ``organization`` that fails every attempt; return its DeadJob."""
    jobs_for_tests.BROKEN.add(key)
    job_enqueue(record, organization_id=organization.pk, key=key)
    run_queued_jobs(until=timezone.now() + timedelta(days=1))
    return DeadJob.objects.get(kwargs__key=key)


def jobs_url(slug="acme"):
    return reverse("org_jobs", args=[slug])


def retry_url(dead, slug="acme"):
    return reverse("org_job_retry", args=[slug, dead.pk])


def test_it_shows_a_dead_job_with_its_error_to_an_admin(alice_client, acme):
    kill("smtp-down", acme)

    response = alice_client.get(jobs_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "accord.jobs.tests.jobs_for_tests.record" in page
    assert "RuntimeError: the downstream service is down (smtp-down)" in page
    assert ">Retry</button>" in page
    assert retry_url(DeadJob.objects.get()) in page


def test_it_says_so_when_nothing_failed(alice_client, acme):
    response = alice_client.get(jobs_url())

    assert response.status_code == 200
    assert "No failed jobs." in response.content.decode()


def test_it_queues_a_dead_job_again_and_it_then_succeeds(alice_client, alice, acme):
    dead = kill("webhook", acme)
    jobs_for_tests.BROKEN.clear()  # the service is back

    response = alice_client.post(retry_url(dead), follow=True)

    assert response.redirect_chain == [(jobs_url(), 302)]
    page = response.content.decode()
    assert "accord.jobs.tests.jobs_for_tests.record was queued again." in page
    assert "retried" in page and ">Retry</button>" not in page
    retry = DBTaskResult.objects.ready().get()
    assert retry.args_kwargs["args"][3] == 1  # a fresh set of attempts

    assert run_queued_jobs() == 1
    assert DBTaskResult.objects.get(pk=retry.pk).status == "SUCCESSFUL"
    assert Delivery.objects.filter(key="webhook").count() == 1
    assert AuditEvent.objects.filter(organization=acme, action="job.retry", actor=alice).exists()


def test_it_queues_a_dead_job_only_once_when_retry_is_clicked_twice(alice_client, acme):
    dead = kill("twice", acme)

    alice_client.post(retry_url(dead))
    response = alice_client.post(retry_url(dead), follow=True)

    assert "had already been queued again" in response.content.decode()
    assert DBTaskResult.objects.ready().count() == 1


def test_it_dead_letters_a_retried_job_again_if_it_still_fails(alice_client, acme):
    dead = kill("still-down", acme)

    alice_client.post(retry_url(dead))
    run_queued_jobs(until=timezone.now() + timedelta(days=1))

    assert DeadJob.objects.filter(kwargs__key="still-down").count() == 2
    page = alice_client.get(jobs_url()).content.decode()
    summary = "<summary>RuntimeError: the downstream service is down (still-down)</summary>"
    assert page.count(summary) == 2


def test_it_forbids_the_page_and_retry_to_a_member(bob_client, acme):
    dead = kill("members-cannot", acme)

    assert bob_client.get(jobs_url()).status_code == 403
    assert bob_client.post(retry_url(dead)).status_code == 403
    assert not DBTaskResult.objects.ready().exists()


def test_it_hides_another_organizations_dead_jobs(charlie_client, acme, globex):
    dead = kill("acme-secret", acme)

    # Through Acme's address: Charlie is not a member.
    assert charlie_client.get(jobs_url()).status_code == 404
    assert charlie_client.post(retry_url(dead)).status_code == 404
    # Through his own organisation's address, with Acme's job id.
    assert charlie_client.post(retry_url(dead, slug="globex")).status_code == 404
    page = charlie_client.get(jobs_url("globex")).content.decode()
    assert "acme-secret" not in page
    assert not DBTaskResult.objects.ready().exists()
    assert DeadJob.objects.get(pk=dead.pk).retried_at is None


def test_it_only_retries_by_post(alice_client, acme):
    dead = kill("by-get", acme)

    assert alice_client.get(retry_url(dead)).status_code == 405
    assert not DBTaskResult.objects.ready().exists()
