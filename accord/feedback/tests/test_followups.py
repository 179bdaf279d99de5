"""The closed loop: every detractor a recovery, every promoter an advocacy play,
owned by sales and marketing together, due in two business days, escalated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accord.feedback.models import FeedbackSettings, FollowUp, Recipient
from accord.feedback.selectors import (
    loops_closed_on_time,
    loops_closed_on_time_many,
    metric_values,
)
from accord.feedback.services import (
    followup_update,
    response_record,
)
from accord.feedback.tests.factories import TOKEN, RecipientFactory, live_link
from accord.jobs.testing import run_queued_jobs
from accord.lib.business_time import add_working_days, calendar_from
from accord.mail.models import CapturedMessage
from accord.orgs.selectors import business_calendar
from accord.orgs.services import organization_update

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def answer(token: str, score: int):
    """The customer answers; the worker opens the follow-up (and sends its alerts)."""
    response = response_record(link=live_link(token), score=score, better="Slow")
    run_queued_jobs()
    response.refresh_from_db()
    return response


def test_it_gives_a_detractor_a_recovery_with_the_account_owner_and_marketing(
    recipient, bob_member, carol_member, dave_member
):
    Recipient.objects.filter(pk=recipient.pk).update(account_owner=bob_member)
    recipient.refresh_from_db()
    followup = answer(TOKEN, 4).followup
    assert followup.kind == "recovery"
    assert (followup.sales_owner, followup.marketing_owner) == (bob_member, carol_member)


def test_it_falls_back_to_the_sales_lead_and_a_designated_marketing_partner(
    acme, recipient, bob_member, dave_member
):
    FeedbackSettings.objects.update_or_create(
        organization=acme, defaults={"marketing_partner": bob_member}
    )
    followup = answer(TOKEN, 0).followup
    assert (followup.sales_owner, followup.marketing_owner) == (dave_member, bob_member)


def test_it_gives_a_promoter_an_advocacy_play_led_by_marketing(recipient, bob_member, carol_member):
    Recipient.objects.filter(pk=recipient.pk).update(account_owner=bob_member)
    recipient.refresh_from_db()
    followup = answer(TOKEN, 10).followup
    assert followup.kind == "advocacy" and followup.play == "referral"
    assert (followup.marketing_owner, followup.sales_owner) == (carol_member, bob_member)


def test_it_opens_a_nurture_task_for_passives_only_when_asked(acme, recipient):
    response = answer(TOKEN, 7)
    assert not FollowUp.objects.filter(response=response).exists()
    FeedbackSettings.objects.filter(organization=acme).update(nurture_passives=True)
    from accord.feedback.tests.factories import RecipientFactory

    other = RecipientFactory.create(organization=acme, token="n" * 43)
    nurtured = response_record(link=live_link("n" * 43), score=8)
    run_queued_jobs()
    assert FollowUp.objects.get(response=nurtured).kind == "nurture"
    assert other


def test_it_counts_two_business_days_in_the_organisations_time_zone():
    berlin = calendar_from(time_zone="Europe/Berlin")
    friday_evening_berlin = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)  # 18:30 in Berlin
    due = add_working_days(berlin, friday_evening_berlin, 2)
    assert due == datetime(2026, 12, 1, 17, 30, tzinfo=UTC)  # Tuesday 18:30 Berlin
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    utc = calendar_from(time_zone="UTC")
    assert add_working_days(utc, saturday, 2) == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_it_makes_a_follow_up_due_after_the_organisations_holidays(acme, owner):
    """Germany's Christmas holidays (25 and 26 December) and Acme's own day off
    on the 28th: a detractor answering on Thursday 24 December 2026 at 10:00
    Berlin time is due two business days later, on Wednesday the 30th."""
    organization_update(
        membership=owner, time_zone="Europe/Berlin", country="DE", holidays=[date(2026, 12, 28)]
    )
    acme.refresh_from_db()
    calendar = business_calendar(acme)
    assert not calendar.is_business_day(date(2026, 12, 25))  # from the holidays package
    assert not calendar.is_business_day(date(2026, 12, 28))  # Acme's own
    with time_machine.travel(datetime(2026, 12, 24, 9, 0, tzinfo=UTC), tick=False):
        RecipientFactory.create(organization=acme, token="h" * 43)
        response = answer("h" * 43, 2)
    followup = FollowUp.objects.get(response=response)
    assert followup.due_at == datetime(2026, 12, 30, 9, 0, tzinfo=UTC)  # 10:00 in Berlin


def test_it_alerts_both_owners_through_the_job_queue(recipient, bob_member, carol_member):
    Recipient.objects.filter(pk=recipient.pk).update(account_owner=bob_member)
    recipient.refresh_from_db()
    response = response_record(link=live_link(TOKEN), score=2)
    assert CapturedMessage.objects.count() == 0  # nothing leaves before the worker runs
    run_queued_jobs()
    assert FollowUp.objects.get(response=response).kind == "recovery"
    to = sorted(address for m in CapturedMessage.objects.all() for address in m.to)
    assert to == ["bob@acme.example", "carol@acme.example"]
    assert "Recovery follow-up: 2/10" in CapturedMessage.objects.earliest("pk").subject


def test_it_escalates_an_overdue_follow_up_to_both_leads(recipient, carol_member, dave_member):
    followup = answer(TOKEN, 3).followup
    run_queued_jobs()
    before = CapturedMessage.objects.count()
    # Two business days pass (the test cannot wait, so the due time moves instead).
    FollowUp.objects.filter(pk=followup.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    run_queued_jobs(until=followup.due_at + timedelta(minutes=1))
    followup.refresh_from_db()
    assert followup.escalated_at is not None
    overdue = CapturedMessage.objects.order_by("id")[before:]
    assert sorted(m.to[0] for m in overdue) == ["carol@acme.example", "dave@acme.example"]
    assert all(m.subject.startswith("Overdue") for m in overdue)


def test_it_does_not_escalate_a_closed_loop(recipient, owner, dave_member):
    followup = answer(TOKEN, 3).followup
    followup_update(membership=owner, followup=followup, status="resolved", outcome="Refund given")
    run_queued_jobs(until=followup.due_at + timedelta(days=1))
    followup.refresh_from_db()
    assert followup.escalated_at is None


def test_it_moves_through_statuses_and_needs_an_outcome_to_close(recipient, bob_member):
    followup = answer(TOKEN, 5).followup
    followup = followup_update(membership=bob_member, followup=followup, status="contacted")
    assert followup.status == "contacted" and followup.closed_at is None
    with pytest.raises(ValidationError) as error:
        followup_update(membership=bob_member, followup=followup, status="lost")
    assert "outcome" in error.value.message_dict
    followup = followup_update(
        membership=bob_member, followup=followup, status="lost", outcome="Churned", note="Price"
    )
    assert followup.closed_at is not None
    assert [(e.kind, e.text) for e in followup.entries.all()] == [
        ("note", "Price"),
        ("status_change", "Contacted → Lost: Churned"),
        ("status_change", "Open → Contacted"),
    ]


def test_it_keeps_viewers_from_working_follow_ups(acme, recipient):
    from accord.orgs.models import Membership, Role
    from accord.orgs.tests.factories import MembershipFactory

    viewer = MembershipFactory.create(organization=acme, role=Role.VIEWER)
    followup = answer(TOKEN, 5).followup
    with pytest.raises(PermissionDenied):
        followup_update(membership=viewer, followup=followup, status="contacted")
    assert isinstance(viewer, Membership)


def test_it_measures_loops_closed_on_time(acme, recipient, owner):
    followup = answer(TOKEN, 1).followup
    followup_update(membership=owner, followup=followup, status="resolved", outcome="Fixed")
    from accord.feedback.tests.factories import RecipientFactory

    late = RecipientFactory.create(organization=acme, token="l" * 43)
    late_response = response_record(link=live_link("l" * 43), score=2)
    run_queued_jobs()
    late_followup = FollowUp.objects.get(response=late_response)
    FollowUp.objects.filter(pk=late_followup.pk).update(due_at=timezone.now() - timedelta(hours=1))
    FollowUp.objects.filter(pk=followup.pk).update(
        due_at=timezone.now() - timedelta(minutes=1),
        closed_at=timezone.now() - timedelta(minutes=2),
    )
    today = timezone.localdate()
    assert loops_closed_on_time(acme, start=today - timedelta(days=1), end=today) == (1, 2)
    values = metric_values(acme, today - timedelta(days=1), today)
    assert values["detractor_loops_closed_on_time"] == 50.0
    assert values["nps"] == -100.0
    assert values["survey_response_rate"] == 100.0
    assert late


def test_it_has_no_metric_values_without_data(acme):
    assert metric_values(acme, date(2020, 1, 1), date(2020, 3, 31)) == {
        "nps": None,
        "survey_response_rate": None,
        "detractor_loops_closed_on_time": None,
    }


def test_it_counts_loops_for_overlapping_and_empty_periods_as_each_period_alone(acme, owner):
    """The many-period count cuts time at every period's edges: nested,
    overlapping, adjacent and reversed periods each get their own count."""
    now = timezone.now()
    for n, days_ago in enumerate((0.5, 1.5, 3.5, 7.5, 20.5, 40.5)):
        token = f"{n}" * 43
        RecipientFactory.create(organization=acme, token=token)
        response = response_record(link=live_link(token), score=2)
        run_queued_jobs()
        due = now - timedelta(days=days_ago)
        closed = due - timedelta(hours=1) if n % 2 == 0 else due + timedelta(hours=1)
        FollowUp.objects.filter(response=response).update(
            due_at=due, closed_at=closed, status="resolved"
        )
    today = timezone.localdate()
    periods = [
        (today - timedelta(days=d1), today - timedelta(days=d2))
        for d1, d2 in ((45, 0), (8, 2), (4, 1), (2, 0), (30, 8), (9, 9), (1, 3), (60, 41))
    ]

    many = loops_closed_on_time_many(acme, periods)

    assert many == [loops_closed_on_time(acme, start=s, end=e) for s, e in periods]
    assert many[0] == (3, 6)
    # Alone, a period is counted by a plain aggregate, not grouped by span: the same counts.
    assert [loops_closed_on_time_many(acme, [period])[0] for period in periods] == many
    assert many[6] == (0, 0)  # a period that ends before it starts
