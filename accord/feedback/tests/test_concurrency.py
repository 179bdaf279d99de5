"""One link, one response: 32 simultaneous submissions store exactly one.

Threads with their own database connections against a real (transactional)
test database: the unique constraint on Response.recipient decides, on SQLite
and on PostgreSQL alike.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from accord.feedback.models import FollowUp, Response
from accord.feedback.services import (
    AlreadyRecorded,
    link_for_token,
    response_record,
    response_record_counted,
)
from accord.feedback.tests.factories import RecipientFactory
from accord.jobs.testing import run_queued_jobs
from accord.orgs.tests.factories import OrganizationFactory

SUBMISSIONS = 32


@pytest.mark.django_db(transaction=True)
def test_it_stores_exactly_one_response_for_32_concurrent_submissions():
    organization = OrganizationFactory(name="Acme", slug="acme")
    token = "c" * 43
    RecipientFactory(organization=organization, token=token)
    barrier = threading.Barrier(SUBMISSIONS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit(score: int) -> None:
        try:
            link = link_for_token(token)
            barrier.wait()
            try:
                response_record(link=link, score=score, better=f"answer {score}")
                outcome = "recorded"
            except AlreadyRecorded:
                outcome = "already"
            except Exception as error:  # the test reports anything else
                outcome = f"error: {type(error).__name__}: {error}"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    # Detractor and promoter scores only, so whichever wins must open a
    # follow-up (a passive's nurture task is off by default).
    scores = (0, 1, 2, 3, 4, 5, 6, 9, 10)
    threads = [
        threading.Thread(target=submit, args=(scores[i % len(scores)],)) for i in range(SUBMISSIONS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a submission never finished"

    assert sorted(set(outcomes)) == ["already", "recorded"], outcomes
    assert outcomes.count("recorded") == 1
    assert outcomes.count("already") == SUBMISSIONS - 1
    stored = Response.objects.get()
    assert stored.better == f"answer {stored.score}"
    run_queued_jobs()
    follow_up = FollowUp.objects.get()
    assert follow_up.response_id == stored.pk


@pytest.mark.django_db(transaction=True)
def test_the_public_forms_path_stores_exactly_one_of_32_concurrent_submissions():
    """The same through response_record_counted, which on PostgreSQL counts and
    stores in one statement once the organisation's follow-up job is queued."""
    organization = OrganizationFactory(name="Acme", slug="acme")
    RecipientFactory(organization=organization, token="q" * 43)
    RecipientFactory(organization=organization, token="d" * 43)
    # Queues the follow-up and themes jobs, so what follows takes the quick path.
    response_record(link=link_for_token("q" * 43), score=0, better="Late")
    token = "d" * 43
    barrier = threading.Barrier(SUBMISSIONS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit(score: int) -> None:
        try:
            link = link_for_token(token)
            barrier.wait()
            try:
                recorded = response_record_counted(
                    link=link, limits={f"x:{score}": 10**6}, score=score, better=f"b {score}"
                )
                outcome = "recorded" if recorded.stored else "limited"
            except AlreadyRecorded:
                outcome = "already"
            except Exception as error:  # the test reports anything else
                outcome = f"error: {type(error).__name__}: {error}"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    # Detractor and promoter scores only: whichever wins opens a follow-up
    # (a passive's nurture task is optional and off by default).
    scores = (0, 1, 2, 3, 4, 5, 6, 9, 10)
    threads = [
        threading.Thread(target=submit, args=(scores[i % len(scores)],)) for i in range(SUBMISSIONS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a submission never finished"

    assert outcomes.count("recorded") == 1, outcomes
    assert outcomes.count("already") == SUBMISSIONS - 1, outcomes
    assert Response.objects.filter(recipient__isnull=False).count() == 2
    run_queued_jobs()
    assert FollowUp.objects.count() == 2
