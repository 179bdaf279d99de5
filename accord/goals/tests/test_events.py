"""Events: slots, sign-ups that count toward sales' activity goal, and reminders."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
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


def test_it_counts_staffing_toward_the_goal_when_the_slot_happens_not_at_sign_up(
    owner, seller, acme
):
    goal = services.activity_goal_create(
        membership=owner,
        team=acme.teams.get(kind=TeamKind.SALES),
        activity_type="event_staffing",
        target_count=2,
    )
    # Sign up on the 3rd for a slot on the 20th of the same month.
    with time_machine.travel(dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC), tick=False):
        day = dt.date(2026, 3, 20)
        event = services.event_create(
            membership=owner, name="Spring fair", starts_on=day, slots=[("booth", day, 2)]
        )
        services.event_signup(membership=seller, slot=selectors.event_slots(event)[0])
        before = selectors.activity_progress(goal, services.today())
        assert (before.team_count, before.history[-1][1]) == (0, 0)
        page = _client(owner).get("/o/acme/goals/activity/").content.decode()
        assert "Team: <strong>0</strong> of 2" in page
    assert ActivityLog.objects.get().occurred_on == day  # stored, waiting for its day
    with time_machine.travel(dt.datetime(2026, 3, 20, 18, tzinfo=dt.UTC), tick=False):
        after = selectors.activity_progress(goal, services.today())
        assert (after.team_count, after.history[-1][1]) == (1, 1)
        page = _client(owner).get("/o/acme/goals/activity/").content.decode()
        assert "Team: <strong>1</strong> of 2" in page


def _client(membership):
    client = Client()
    client.force_login(membership.user)
    return client


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
