"""One link, one response: 32 simultaneous submissions store exactly one.

Threads with their own database connections against a real (transactional)
test database: the unique constraint on Response.recipient decides, on SQLite
and on PostgreSQL alike.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from accord.feedback.models import FollowUp, Response
from accord.feedback.services import AlreadyRecorded, link_for_token, response_record
from accord.feedback.tests.factories import RecipientFactory
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

    threads = [threading.Thread(target=submit, args=(i % 11,)) for i in range(SUBMISSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(set(outcomes)) == ["already", "recorded"], outcomes
    assert outcomes.count("recorded") == 1
    assert outcomes.count("already") == SUBMISSIONS - 1
    assert Response.objects.count() == 1
    assert FollowUp.objects.count() <= 1
    assert connection.vendor in {"sqlite", "postgresql"}
