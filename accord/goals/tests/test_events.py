"""Events: slots, sign-ups that count toward sales' activity goal, and reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.goals import selectors, services
from accord.goals.models import ActivityLog, SlotRole
from accord.jobs.testing import run_queued_jobs
from accord.mail.models import CapturedMessage
from accord.orgs.models import TeamKind

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def expo(owner):
    return services.event_create(
        membership=owner,
        name="Acme Expo",
        starts_on=services.today() + dt.timedelta(days=10),
        ends_on=services.today() + dt.timedelta(days=11),
        place="Berlin",
    )


def test_it_gives_an_event_set_up_booth_and_tear_down_slots(expo):
    roles = [(s.role, s.date) for s in selectors.event_slots(expo)]
    assert (SlotRole.TEARDOWN, expo.ends_on) in roles
    assert {r for r, _ in roles} == {"setup", "booth", "teardown"}


def test_it_refuses_an_event_ending_before_it_starts(owner):
    with pytest.raises(ValidationError) as caught:
        services.event_create(
            membership=owner,
            name="Acme",
            starts_on=dt.date(2026, 5, 2),
            ends_on=dt.date(2026, 5, 1),
        )
    assert "ends_on" in caught.value.message_dict


def test_it_counts_a_seller_staffing_a_slot_toward_sales_activity_goal(owner, seller, expo, acme):
    goal = services.activity_goal_create(
        membership=owner,
        team=acme.teams.get(kind=TeamKind.SALES),
        activity_type="event_staffing",
        target_count=1,
    )
    slot = selectors.event_slots(expo)[0]
    signup = services.event_signup(membership=seller, slot=slot)

    log = ActivityLog.objects.get()
    assert (log.activity_goal, log.occurred_on, log.source) == (goal, slot.date, "event")
    services.event_signup_cancel(membership=seller, signup=signup)
    assert not ActivityLog.objects.exists()


def test_it_refuses_more_people_for_a_full_slot(owner, seller, marketer, expo):
    slot = services.event_slot_add(
        membership=owner, event=expo, role="booth", date=expo.starts_on, capacity=1
    )
    services.event_signup(membership=seller, slot=slot)
    with pytest.raises(ValidationError, match="full"):
        services.event_signup(membership=marketer, slot=slot)


def test_it_reminds_staff_once_before_the_event(owner, seller, expo):
    # Acme's own chains (queued when it was created) are not this test's.
    DBTaskResult.objects.all().delete()
    slot = selectors.event_slots(expo)[0]
    services.event_signup(membership=seller, slot=slot)
    assert run_queued_jobs() == 0  # not due yet

    later = timezone.now() + dt.timedelta(days=10)
    run_queued_jobs(until=later)
    run_queued_jobs(until=later)
    mail = CapturedMessage.objects.get()
    assert mail.to == ["bob@acme.example"]
    assert "Acme Expo" in mail.subject


def test_it_sends_no_reminder_for_a_withdrawn_signup(owner, seller, expo):
    slot = selectors.event_slots(expo)[0]
    signup = services.event_signup(membership=seller, slot=slot)
    services.event_signup_cancel(membership=seller, signup=signup)
    run_queued_jobs(until=timezone.now() + dt.timedelta(days=10))
    assert not CapturedMessage.objects.exists()


def test_it_lists_upcoming_and_past_events_and_signs_up(seller, owner, expo):
    services.event_create(membership=owner, name="Acme Summit 2025", starts_on=dt.date(2025, 3, 3))
    client = Client()
    client.force_login(seller.user)
    upcoming = client.get("/o/acme/goals/events/").content.decode()
    assert "Acme Expo" in upcoming
    assert "Acme Summit 2025" not in upcoming
    assert "Acme Summit 2025" in client.get("/o/acme/goals/events/?when=past").content.decode()

    slot = selectors.event_slots(expo)[0]
    response = client.post(f"/o/acme/goals/events/slots/{slot.pk}/signup/")
    assert response.status_code == 302
    assert "Bob Seller" in client.get(f"/o/acme/goals/events/{expo.pk}/").content.decode()
