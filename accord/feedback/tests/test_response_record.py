"""Recording an answer is one transaction: the attempt counted against its rate
limits, the response, the recipient's stamp and the job that opens the
follow-up. The job exists only if the response committed."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from accord.feedback.jobs import response_received, responses_process
from accord.feedback.models import FollowUp, Recipient, Response, SurveyRateCounter
from accord.feedback.services import (
    AlreadyRecorded,
    RateLimited,
    feedback_settings,
    link_for_token,
    rate_count,
    response_record,
)
from accord.feedback.tests.factories import RecipientFactory, live_link
from accord.feedback.tests.statements import statements
from accord.jobs.testing import run_queued_jobs

pytestmark = pytest.mark.django_db


def links(acme, count: int, prefix: str = "o"):
    for index in range(count):
        RecipientFactory.create(organization=acme, token=f"{prefix}{index:03d}".ljust(43, "x"))
    return [link_for_token(f"{prefix}{index:03d}".ljust(43, "x")) for index in range(count)]


def test_it_queues_one_job_per_answer_due_a_follow_up_and_the_jobs_open_them(acme):
    for number, link in enumerate(links(acme, 6)):
        response_record(link=link, score=[0, 10, 7][number % 3])
    # Detractors and promoters; passives only when the organisation nurtures them.
    assert DBTaskResult.objects.count() == 4
    assert FollowUp.objects.count() == 0
    assert run_queued_jobs() == 4 + 4  # each follow-up's job queues its owners' alert
    assert (
        sorted(FollowUp.objects.values_list("kind", flat=True))
        == ["advocacy"] * 2 + ["recovery"] * 2
    )
    assert set(FollowUp.objects.values_list("response__score", flat=True)) == {0, 10}


def test_it_stores_counts_stamps_and_queues_in_six_statements(acme):
    feedback_settings(acme)  # the organisation's rules exist: read with the link
    (link,) = links(acme, 1)
    with CaptureQueriesContext(connection) as queries:
        response = response_record(
            link=link, score=3, may_quote=True, language="de", limits={"a:1": 5, "l:1": 5}
        )
    assert statements(queries) == [
        "INSERT feedback_surveyratecounter",
        "INSERT feedback_response",
        "UPDATE feedback_recipient",
        "UPDATE feedback_campaign",  # its responded count
        "UPDATE feedback_senddayrollup",  # answers to the day's sends
        "INSERT django_tasks_database_dbtaskresult",
    ]
    stored = Response.objects.get()
    assert stored == response
    assert (stored.score, stored.category, stored.may_quote, stored.language) == (
        3,
        "detractor",
        True,
        "de",
    )
    assert stored.attributes == link.recipient.attributes
    recipient = Recipient.objects.get(pk=link.recipient.pk)
    assert recipient.responded_at == stored.created_at
    assert recipient.opened_at == stored.created_at
    assert dict(SurveyRateCounter.objects.values_list("key", "count")) == {"a:1": 1, "l:1": 1}
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"][0] == response_received.job_name
    assert task.args_kwargs["args"][2] == {"response_id": stored.pk, "organization_id": acme.pk}


def test_it_refuses_over_a_limit_and_writes_nothing(acme, frozen_clock):
    first, second = links(acme, 2)
    response_record(link=first, score=9, limits={"a:1": 1})
    with pytest.raises(RateLimited):
        response_record(link=second, score=9, better="Late", limits={"a:1": 1, "l:2": 5})
    assert Response.objects.count() == 1
    assert DBTaskResult.objects.count() == 1  # the first answer's job only
    assert Recipient.objects.get(pk=second.recipient.pk).responded_at is None
    # Nothing of the refused attempt stays, not even its other key's count.
    assert dict(SurveyRateCounter.objects.values_list("key", "count")) == {"a:1": 1}
    # The limit is per minute.
    frozen_clock.shift(60)
    response_record(link=second, score=9, limits={"a:1": 1, "l:2": 5})
    assert Response.objects.count() == 2


def test_it_counts_per_minute_exactly(acme, frozen_clock):
    assert [rate_count({"k": 3}) for _ in range(5)] == [True, True, True, False, False]
    frozen_clock.shift(59)
    assert not rate_count({"k": 3})
    frozen_clock.shift(1)
    assert rate_count({"k": 3})
    assert SurveyRateCounter.objects.get(key="k").count == 1
    assert not rate_count({"never": 0})


def test_it_says_already_recorded_and_keeps_nothing_of_the_second_answer(acme):
    (link,) = links(acme, 1)
    response_record(link=link, score=0, limits={"l:1": 5})
    again = live_link("o000".ljust(43, "x"))
    with pytest.raises(AlreadyRecorded):
        response_record(link=again, score=10, better="Changed my mind", limits={"l:1": 5})
    assert Response.objects.get().score == 0
    assert DBTaskResult.objects.count() == 1
    assert SurveyRateCounter.objects.get(key="l:1").count == 1  # rolled back with it


def test_it_refuses_bad_input_naming_the_field_and_writes_nothing(acme):
    (link,) = links(acme, 1)
    with pytest.raises(ValidationError) as refused:
        response_record(link=link, score=11, well="x" * 10_001, limits={"l:1": 5})
    assert set(refused.value.message_dict) == {"score", "well"}
    assert not Response.objects.exists() and not DBTaskResult.objects.exists()
    assert not SurveyRateCounter.objects.exists()


class Boom(Exception):
    pass


def test_it_leaves_no_job_for_a_rolled_back_answer(acme):
    first, second = links(acme, 2)
    with pytest.raises(Boom), transaction.atomic():
        response_record(link=first, score=0)
        raise Boom
    assert not DBTaskResult.objects.exists() and not Response.objects.exists()
    response_record(link=second, score=0)
    run_queued_jobs()
    assert Response.objects.count() == 1 and FollowUp.objects.count() == 1


def test_it_runs_the_job_again_harmlessly(acme):
    (link,) = links(acme, 1)
    response = response_record(link=link, score=0)
    run_queued_jobs()
    assert response_received(response_id=response.pk) == "no follow-up"
    assert FollowUp.objects.get().response == response


def test_it_opens_only_missing_follow_ups_in_the_sweep_for_earlier_queued_jobs(acme):
    first, second = links(acme, 2)
    response_record(link=first, score=0)
    run_queued_jobs()
    # An answer whose job was lost (queued under the earlier design).
    Response.objects.create(
        organization=acme,
        recipient=second.recipient,
        score=10,
        category="promoter",
        month=Response.objects.get().month,
    )
    assert responses_process(organization_id=acme.pk) == "1 responses, 1 follow-ups opened"
    assert FollowUp.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_it_shows_the_worker_the_job_only_once_the_answer_commits(acme):
    (link,) = links(acme, 1)
    recorded, release, finished = threading.Event(), threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def customer() -> None:
        try:
            with transaction.atomic():
                response_record(link=link, score=0)
                recorded.set()
                assert release.wait(30)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connection.close()
            finished.set()

    threading.Thread(target=customer).start()
    assert recorded.wait(30)
    assert run_queued_jobs() == 0  # not committed: the worker sees no job
    assert not FollowUp.objects.exists()
    release.set()
    assert finished.wait(30) and not failures
    assert run_queued_jobs() == 2  # the follow-up, then its alert
    assert FollowUp.objects.get().response.recipient_id == link.recipient.pk
