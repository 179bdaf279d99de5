"""One link, one response: 32 simultaneous submissions store exactly one.

Threads with their own database connections against a real (transactional)
test database: the unique constraint on Response.recipient decides, on SQLite
and on PostgreSQL alike, and the winner's follow-up is the one that opens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django_tasks_db.models import DBTaskResult

from accord.feedback.jobs import response_received
from accord.feedback.models import FollowUp, Recipient, Response, SurveyRateCounter
from accord.feedback.services import AlreadyRecorded, response_record
from accord.feedback.tests.factories import RecipientFactory, live_link
from accord.jobs.testing import run_queued_jobs
from accord.orgs.tests.factories import OrganizationFactory

SUBMISSIONS = 32
# Detractor and promoter scores only, so whichever wins must open a follow-up
# (a passive's nurture task is off by default), and the winner's kind is known
# from its score.
SCORES = (0, 1, 2, 3, 4, 5, 6, 9, 10)


def race(submit: Callable[[int, Any], str], prepare: Callable[[], Any] = lambda: None) -> list[str]:
    """Run ``submit(score, prepare())`` in SUBMISSIONS threads released together
    (``prepare`` runs before the release); their outcomes.

    Each thread signals when it is done: the test waits on those events (with a
    generous limit for a busy machine), not on a thread's timing.
    """
    barrier = threading.Barrier(SUBMISSIONS)
    outcomes: list[str] = []
    lock = threading.Lock()
    done = [threading.Event() for _ in range(SUBMISSIONS)]

    def run(index: int) -> None:
        try:
            score = SCORES[index % len(SCORES)]
            state = prepare()
            barrier.wait(120)
            try:
                outcome = submit(score, state)
            except Exception as error:  # the test reports anything else
                outcome = f"error: {type(error).__name__}: {error}"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()
            done[index].set()

    for index in range(SUBMISSIONS):
        threading.Thread(target=run, args=(index,), daemon=True).start()
    assert all(event.wait(180) for event in done), "a submission never finished"
    return outcomes


def assert_the_winner_opened_its_follow_up(recipient: Recipient) -> None:
    stored = Response.objects.get(recipient=recipient)
    assert stored.better == f"answer {stored.score}"
    recipient.refresh_from_db()
    assert recipient.responded_at == stored.created_at
    # One follow-up job, the winner's (beside the themes update its comment queues).
    jobs = [task.args_kwargs["args"][0] for task in DBTaskResult.objects.all()]
    assert jobs.count(response_received.job_name) == 1, jobs
    run_queued_jobs()
    follow_up = FollowUp.objects.get()
    assert follow_up.response_id == stored.pk
    assert follow_up.kind == ("advocacy" if stored.score >= 9 else "recovery")


@pytest.mark.django_db(transaction=True)
def test_it_stores_exactly_one_response_for_32_concurrent_submissions():
    organization = OrganizationFactory.create(name="Acme", slug="acme")
    token = "c" * 43
    recipient = RecipientFactory.create(organization=organization, token=token)

    def submit(score: int, _: None) -> str:
        try:
            response_record(
                link=live_link(token),
                score=score,
                better=f"answer {score}",
                # Every attempt counts against the same two rows.
                limits={"a:127.0.0.1": 10**6, "l:c": 10**6},
            )
        except AlreadyRecorded:
            return "already"
        return "recorded"

    outcomes = race(submit)
    assert outcomes.count("recorded") == 1, outcomes
    assert outcomes.count("already") == SUBMISSIONS - 1, outcomes
    # The losers' counts rolled back with their answers.
    assert set(SurveyRateCounter.objects.values_list("count", flat=True)) == {1}
    assert_the_winner_opened_its_follow_up(recipient)


@pytest.mark.django_db(transaction=True)
def test_it_answers_32_concurrent_posts_on_the_public_form_with_one_thanks(settings):
    settings.ACCORD_SURVEY_RATE_PER_LINK = SUBMISSIONS
    settings.ACCORD_SURVEY_RATE_PER_ADDRESS = SUBMISSIONS
    organization = OrganizationFactory.create(name="Acme", slug="acme")
    token = "w" * 43
    recipient = RecipientFactory.create(organization=organization, token=token)

    def prepare() -> tuple[Client, str]:
        client = Client()
        opened = client.get(f"/s/{token}")
        assert opened.status_code == 302
        return client, opened["Location"]

    def submit(score: int, state: tuple[Client, str]) -> str:
        client, form_url = state
        page = client.post(form_url, {"score": str(score), "better": f"answer {score}"})
        text = page.content.decode()
        if page.status_code != 200:
            return f"status {page.status_code}"
        return "already" if "already recorded" in text else "thanks"

    outcomes = race(submit, prepare)
    assert outcomes.count("thanks") == 1, outcomes
    assert outcomes.count("already") == SUBMISSIONS - 1, outcomes
    assert_the_winner_opened_its_follow_up(recipient)
