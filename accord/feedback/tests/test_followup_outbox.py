"""The response row is the outbox: one queued job per organisation picks up every
pending response, and a response that commits is always processed."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from accord.feedback.jobs import responses_process
from accord.feedback.models import FeedbackSettings, FollowUp, Response
from accord.feedback.services import (
    AlreadyRecorded,
    Recorded,
    link_for_token,
    response_record,
    response_record_counted,
)
from accord.feedback.tests.factories import RecipientFactory
from accord.jobs.testing import run_queued_jobs

pytestmark = pytest.mark.django_db


def links(acme, count: int, prefix: str = "o"):
    for index in range(count):
        RecipientFactory(organization=acme, token=f"{prefix}{index:03d}".ljust(43, "x"))
    return [link_for_token(f"{prefix}{index:03d}".ljust(43, "x")) for index in range(count)]


def test_many_answers_share_one_queued_job_and_all_get_their_follow_up(acme):
    for number, link in enumerate(links(acme, 6)):
        response_record(link=link, score=[0, 10, 7][number % 3])
    assert DBTaskResult.objects.count() == 1
    assert Response.objects.filter(followup_pending=True).count() == 4  # not the passives
    run_queued_jobs()
    assert Response.objects.filter(followup_pending=True).count() == 0
    assert FollowUp.objects.count() == 4
    assert FeedbackSettings.objects.get(organization=acme).followups_queued_at is None


def test_an_answer_after_the_job_ran_queues_the_next_one(acme):
    first, second = links(acme, 2)
    response_record(link=first, score=1)
    run_queued_jobs()
    # ``second`` was read while a job was pending: the hint is stale, not trusted.
    response = response_record(link=second, score=2)
    run_queued_jobs()
    assert FollowUp.objects.filter(response=response).exists()


class Boom(Exception):
    pass


def test_a_rolled_back_answer_is_never_processed(acme):
    first, second = links(acme, 2)
    with pytest.raises(Boom), transaction.atomic():
        response_record(link=first, score=0)
        raise Boom
    assert DBTaskResult.objects.count() == 0
    response_record(link=second, score=0)
    with pytest.raises(AlreadyRecorded), transaction.atomic():
        response_record(link=link_for_token("o001".ljust(43, "x")), score=0)
    run_queued_jobs()
    assert Response.objects.count() == 1 and FollowUp.objects.count() == 1


def test_the_job_runs_again_harmlessly(acme):
    (link,) = links(acme, 1)
    response_record(link=link, score=0)
    run_queued_jobs()
    assert responses_process(organization_id=acme.pk) == "0 responses, 0 follow-ups opened"
    assert FollowUp.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the race it checks needs two writers at once; SQLite lets only one write at a "
    "time, so there it cannot happen",
)
def test_the_job_waits_for_an_answer_that_counted_on_it(acme):
    """PostgreSQL: an answer that found a job pending holds a share lock, so the
    job's release of the claim waits for its commit and the job then sees it."""
    first, second = links(acme, 2)
    response_record(link=first, score=0)  # claims and queues the job
    recorded = threading.Event()
    release = threading.Event()

    def customer() -> None:
        try:
            with transaction.atomic():
                response_record(link=second, score=0)
                recorded.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=customer)
    thread.start()
    assert recorded.wait(10)
    job = threading.Thread(target=lambda: (run_queued_jobs(), connection.close()))
    job.start()
    job.join(1)
    assert job.is_alive()  # waiting for the customer's commit
    release.set()
    thread.join(10)
    job.join(20)
    assert Response.objects.filter(followup_pending=True).count() == 0
    assert FollowUp.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_public_forms_path_stores_what_the_ordinary_way_does(acme):
    """On PostgreSQL, once a job is queued, the form's POST is one statement."""
    first, second, third = links(acme, 3, prefix="p")
    response_record(link=first, score=0, better="Late")  # queues the follow-up and themes jobs
    second = link_for_token("p001".ljust(43, "x"))
    with CaptureQueriesContext(connection) as queries:
        recorded = response_record_counted(
            link=second,
            limits={"a:1": 5},
            score=3,
            better=" Slow ",
            may_quote=True,
            language="de",
        )
    assert recorded == Recorded(limited=False, stored=True)
    if connection.vendor == "postgresql":
        # Once per connection, the statement is prepared first.
        assert [q["sql"][:22] for q in queries if not q["sql"].startswith("PREPARE")] == [
            "EXECUTE accord_answer_"
        ]
    response = Response.objects.get(recipient=second.recipient)
    assert (response.score, response.category, response.better) == (3, "detractor", "Slow")
    assert response.may_quote and response.language == "de" and response.followup_pending
    assert response.attributes == second.recipient.attributes
    second.recipient.refresh_from_db()
    assert second.recipient.responded_at == response.created_at
    # Over a limit: counted, nothing stored.
    for _ in range(5):
        response_record_counted(
            link=link_for_token("p002".ljust(43, "x")), limits={"a:2": 0}, score=9
        )
    assert not Response.objects.filter(recipient=third.recipient).exists()
    run_queued_jobs()
    assert FollowUp.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_public_forms_path_queues_a_job_when_the_last_one_ran_meanwhile(acme):
    first, _ = links(acme, 2, prefix="r")
    response_record(link=first, score=0)
    second = link_for_token("r001".ljust(43, "x"))  # read while the job is queued
    run_queued_jobs()  # the job runs and clears its claim
    recorded = response_record_counted(link=second, limits={"a:3": 5}, score=1)
    assert recorded.stored
    run_queued_jobs()
    assert FollowUp.objects.count() == 2
    assert Response.objects.filter(followup_pending=True).count() == 0
