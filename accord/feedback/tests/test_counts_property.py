"""Property: after any sequence of recipients added (an uploaded list, or one
by one), campaigns sent, answers (first ones, and again after a deleted
answer), recipients edited and deleted, responses written, imported, edited
and deleted (and the clock moving on, the worker refreshing, the
organisation's time zone changing), the counts kept on write and the NPS by
day equal a fresh computation from the rows: each campaign's recipient, sent
and responded counts, the sends and answers of each day, the survey response
rate of any period (as the goals read it), and the NPS of any period of
days (the 90 days against the 90 before); reading them writes nothing, and
what is stored equals a fresh count once refreshed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from accord.feedback import counts, rollups
from accord.feedback import selectors as feedback_selectors
from accord.feedback.models import (
    Campaign,
    Recipient,
    Response,
    ResponseDayMark,
    ResponseDayRollup,
    ResponseDayState,
    SendDayRollup,
    Survey,
)
from accord.feedback.services import (
    LINK_FIELDS,
    Link,
    campaign_send,
    month_of,
    recipients_import_csv,
    recipients_import_run,
    response_record,
    responses_import,
)
from accord.feedback.tests.factories import RecipientFactory, ResponseFactory
from accord.insights.rollups import rollups_refresh_due
from accord.jobs.testing import run_queued_jobs
from accord.lib.local_time import local_date
from accord.lib.nps import category
from accord.orgs.jobs import organization_months_refile
from accord.orgs.services import organization_update

START = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
ZONES = ("UTC", "America/Los_Angeles", "Asia/Tokyo", "Pacific/Kiritimati")
DAYS_BACK = st.integers(min_value=0, max_value=200)

ACTIONS = st.one_of(
    st.tuples(st.just("list"), st.integers(1, 4), st.integers(0, 3)),
    st.tuples(st.just("recipient"), DAYS_BACK, st.booleans()),
    st.tuples(
        st.just("send"),
    ),
    st.tuples(st.just("answer"), st.integers(0, 30), st.integers(0, 10)),
    st.tuples(st.just("answer_delete"), st.integers(0, 30)),
    st.tuples(
        st.just("recipient_edit"),
        st.integers(0, 30),
        st.sampled_from(list(Recipient.Status)),
        st.one_of(st.none(), DAYS_BACK),
        st.booleans(),
    ),
    st.tuples(st.just("recipient_delete"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("response"), DAYS_BACK, st.integers(0, 10), st.integers(0, 23)),
    st.tuples(st.just("response_edit"), st.integers(0, 30), st.integers(0, 10), DAYS_BACK),
    st.tuples(st.just("response_import"), DAYS_BACK, st.integers(0, 10)),
    st.tuples(
        st.just("worker"),
    ),
    st.tuples(st.just("clock"), st.integers(1, 40)),
    # Minutes: across the refresh's ``NEW_FOR`` and the marks' ``MARK_AFTER``.
    st.tuples(st.just("minutes"), st.integers(1, 9)),
    st.tuples(st.just("zone"), st.sampled_from(ZONES)),
)


def nth(queryset: Any, index: int) -> Any:
    found = list(queryset.order_by("pk"))
    return found[index % len(found)] if found else None


def draft(acme: Any, survey: Survey) -> Campaign:
    found = Campaign.objects.filter(organization=acme, status=Campaign.Status.DRAFT).first()
    return found or Campaign.objects.create(organization=acme, survey=survey, name="Next")


def apply(action: tuple[Any, ...], acme: Any, owner: Any, survey: Survey, clock: Any) -> None:
    name = action[0]
    now = dt.datetime.now(dt.UTC)
    recipients = Recipient.objects.filter(organization=acme)
    if name == "list":
        # A list with a repeated address and, from ``first``, people
        # already on the campaign: only the new ones are added.
        _, size, first = action
        rows = "".join(f"p{first + i}@c.example,P {i}\n" for i in range(size))
        run = recipients_import_csv(
            membership=owner,
            campaign=draft(acme, survey),
            data=f"email,name\n{rows}p{first}@c.example,Again\n".encode(),
        )
        recipients_import_run(import_id=run.pk)
    elif name == "recipient":
        RecipientFactory.create(
            organization=acme,
            campaign=nth(Campaign.objects.filter(organization=acme), action[1]),
            sent_at=now - dt.timedelta(days=action[1], hours=7),
            responded_at=now if action[2] else None,
        )
    elif name == "send":
        campaign = Campaign.objects.filter(organization=acme, status=Campaign.Status.DRAFT).first()
        if campaign is not None and campaign.recipients.filter(status="queued").exists():
            campaign_send(membership=owner, campaign=campaign)
            run_queued_jobs()
    elif name == "answer" and (recipient := nth(recipients, action[1])) is not None:
        link = Recipient.objects.select_related(
            "campaign__survey__organization__feedback_settings"
        ).only(*LINK_FIELDS)
        found = link.get(pk=recipient.pk)
        if not Response.objects.filter(recipient=found).exists():
            response_record(link=Link(found.campaign.survey, found), score=action[2])
    elif name == "answer_delete":
        response = nth(Response.objects.filter(organization=acme, recipient__isnull=False), 0)
        if response is not None:
            response.delete()
    elif name == "recipient_edit" and (recipient := nth(recipients, action[1])) is not None:
        _, _, status, back, answered = action
        recipient.status = status
        recipient.sent_at = None if back is None else now - dt.timedelta(days=back)
        recipient.responded_at = now if answered else None
        recipient.save()
    elif name == "recipient_delete" and (recipient := nth(recipients, action[1])) is not None:
        # Deleting the contact deletes its recipients (a cascade).
        (recipient.contact if action[2] else recipient).delete()
    elif name == "response":
        moment = now - dt.timedelta(days=action[1], hours=action[3])
        ResponseFactory(
            organization=acme, score=action[2], created_at=moment, source=Response.Source.LINK
        )
    elif name == "response_edit":
        response = nth(Response.objects.filter(organization=acme), action[1])
        if response is not None:
            response.score, response.category = action[2], category(action[2])
            response.created_at = now - dt.timedelta(days=action[3])
            response.month = month_of(response.created_at, acme.time_zone)
            response.save()
    elif name == "response_import":
        when = now - dt.timedelta(days=action[1])
        data = f"email,score,date\n,{action[2]},{when:%Y-%m-%d}\n"
        responses_import(membership=owner, data=data.encode(), fmt="generic")
    elif name == "worker":
        rollups_refresh_due()
    elif name == "clock":
        clock.shift(dt.timedelta(days=action[1]))
    elif name == "minutes":
        clock.shift(dt.timedelta(minutes=action[1]))
    elif name == "zone":
        organization_update(membership=owner, time_zone=action[1])
        organization_months_refile(organization_id=acme.pk)
        acme.refresh_from_db()


def fresh_campaigns(acme: Any) -> dict[int, tuple[int, int, int]]:
    out = {c.pk: [0, 0, 0] for c in Campaign.objects.filter(organization=acme)}
    for recipient in Recipient.objects.filter(organization=acme):
        row = out[recipient.campaign_id]
        row[0] += 1
        row[1] += recipient.status == Recipient.Status.SENT
        row[2] += recipient.responded_at is not None
    return {pk: (a, b, c) for pk, (a, b, c) in out.items()}


def fresh_sends(acme: Any) -> dict[dt.date, tuple[int, int]]:
    out: dict[dt.date, list[int]] = {}
    for sent_at, responded_at in Recipient.objects.filter(
        organization=acme, sent_at__isnull=False
    ).values_list("sent_at", "responded_at"):
        assert sent_at is not None
        row = out.setdefault(local_date(sent_at, acme.time_zone), [0, 0])
        row[0] += 1
        row[1] += responded_at is not None
    return {day: (a, b) for day, (a, b) in out.items()}


def fresh_days(acme: Any, before: dt.datetime | None = None) -> dict[dt.date, tuple[int, int, int]]:
    """Each day's counts, of the responses created before ``before`` when given."""
    out: dict[dt.date, list[int]] = {}
    responses = Response.objects.filter(organization=acme)
    if before is not None:
        responses = responses.filter(created_at__lt=before)
    for response in responses:
        row = out.setdefault(local_date(response.created_at, acme.time_zone), [0, 0, 0])
        row[["promoter", "passive", "detractor"].index(response.category)] += 1
    return {day: (a, b, c) for day, (a, b, c) in out.items()}


def fresh_period(days: dict[dt.date, tuple[int, int, int]], since: dt.date, until: dt.date) -> Any:
    total = [0, 0, 0]
    for day, row in days.items():
        if since <= day < until:
            total = [a + b for a, b in zip(total, row, strict=True)]
    return dict(zip(("promoter", "passive", "detractor"), total, strict=True))


def periods(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Today, the last days, the 90 days and the 90 before, a year, and
    spans ending long ago."""
    return [
        (today, today + dt.timedelta(days=1)),
        (today - dt.timedelta(days=3), today + dt.timedelta(days=1)),
        (today - dt.timedelta(days=89), today + dt.timedelta(days=1)),
        (today - dt.timedelta(days=179), today - dt.timedelta(days=89)),
        (today - dt.timedelta(days=365), today - dt.timedelta(days=40)),
        (today - dt.timedelta(days=150), today - dt.timedelta(days=149)),
    ]


def check(acme: Any) -> None:
    stored = {
        c.pk: (c.recipient_count, c.sent_count, c.responded_count)
        for c in Campaign.objects.filter(organization=acme)
    }
    assert stored == fresh_campaigns(acme)
    sends = {
        r.day: (r.sent, r.responded)
        for r in SendDayRollup.objects.filter(organization=acme)
        if r.sent or r.responded
    }
    assert sends == fresh_sends(acme)
    today = local_date(dt.datetime.now(dt.UTC), acme.time_zone)
    spans = periods(today)
    # The goals' response rate (inclusive days) against counting the recipients.
    inclusive = [(since, until - dt.timedelta(days=1)) for since, until in spans]
    assert counts.response_rates(acme, inclusive) == [
        feedback_selectors.metric_values(acme, start, end, keys=("survey_response_rate",))[
            "survey_response_rate"
        ]
        for start, end in inclusive
    ]
    marks = sorted(ResponseDayMark.objects.filter(organization=acme).values_list("day", flat=True))
    days = fresh_days(acme)
    assert rollups.day_counts(acme, spans) == [fresh_period(days, *span) for span in spans]
    comparison = feedback_selectors.nps_compare(acme)
    fresh_now = fresh_period(days, comparison.since, comparison.until)
    fresh_before = fresh_period(days, comparison.previous_since, comparison.since)
    assert (comparison.current.promoters, comparison.current.n) == (
        fresh_now["promoter"],
        sum(fresh_now.values()),
    )
    assert (comparison.previous.detractors, comparison.previous.n) == (
        fresh_before["detractor"],
        sum(fresh_before.values()),
    )
    # Reading wrote nothing: the marks are still there for the worker.
    assert (
        sorted(ResponseDayMark.objects.filter(organization=acme).values_list("day", flat=True))
        == marks
    )
    # What is stored equals a fresh count of the answers created up to a few
    # minutes ago, once refreshed.
    rollups_refresh_due()
    counted_until = ResponseDayState.objects.get(organization=acme).counted_until
    assert not Response.objects.filter(
        organization=acme,
        created_at__gte=counted_until,
        created_at__lt=dt.datetime.now(dt.UTC) - rollups.NEW_FOR,
    ).exists()
    assert {
        r.day: (r.promoters, r.passives, r.detractors)
        for r in ResponseDayRollup.objects.filter(organization=acme)
    } == fresh_days(acme, before=counted_until)
    assert rollups.day_counts(acme, spans) == [fresh_period(days, *span) for span in spans]


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    database=None,
    # Each example replays up to 12 writes and reads; a failure reports the
    # actions as drawn (``note``) rather than shrinking for minutes.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(ACTIONS, min_size=1, max_size=12))
# A list added and sent, one answer, the answer deleted and given again.
@example(
    actions=[("list", 3, 0), ("send",), ("answer", 1, 9), ("answer_delete", 0), ("answer", 1, 3)]
)
# An answer 23 hours ago is yesterday in Los Angeles and today in Tokyo.
@example(actions=[("zone", "Asia/Tokyo"), ("response", 0, 9, 23), ("clock", 3), ("worker",)])
def test_it_keeps_counts_equal_to_a_fresh_computation(actions, acme, alice):
    owner = acme.memberships.get(user=alice)
    # The fixture's object outlives each example's rolled-back transaction.
    acme.refresh_from_db()
    with time_machine.travel(START, tick=False) as clock, transaction.atomic():
        survey = Survey.objects.create(organization=acme, name="Survey")
        Campaign.objects.create(organization=acme, survey=survey, name="First")
        for action in actions:
            note(f"{action!r} at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} in {acme.time_zone}")
            apply(action, acme, owner, survey, clock)
            check(acme)
        transaction.set_rollback(True)
