"""Bad input: times and dates people claim, where they feed a shared number.

One rule (``accord.lib.claimed_time``) for every such field: no later than now
(give or take a small clock skew), no earlier than what it follows. Each case
is refused with a 422 naming the field (API) or a message naming it (pages),
and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accord.goals.models import ActivityLog, CheckIn, ContentUsage, GoalStatus
from accord.goals.tests.factories import ContentAssetFactory, GoalFactory, member
from accord.lib.claimed_time import CLOCK_SKEW, claimed_day_check, claimed_time_check
from accord.meetings.models import Attendance, Occurrence
from accord.meetings.tests.factories import series_for
from accord.orgs.models import AuditEvent, Role, TeamKind
from accord.pipeline.tests.factories import LeadFactory
from accord.tests.api import API, api_as, fields

pytestmark = pytest.mark.django_db


def _iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


# -- the rule itself ------------------------------------------------------------


def test_it_accepts_a_time_between_the_earliest_and_now_plus_the_skew():
    now = timezone.now()
    earliest = now - dt.timedelta(days=2)
    for claimed in (earliest, now - dt.timedelta(hours=1), now + CLOCK_SKEW):
        assert claimed_time_check(claimed, field="at", earliest=earliest) == claimed
    assert claimed_time_check(None, field="at", earliest=earliest, now=now) == now


BAD_TIMES = {
    "in the future": (dt.timedelta(minutes=6), "is in the future"),
    "before the earliest": (dt.timedelta(days=-3), "is before the lead became an MQL"),
}


@pytest.mark.parametrize(("offset", "says"), BAD_TIMES.values(), ids=BAD_TIMES.keys())
def test_it_refuses_a_time_outside_the_window_naming_the_field(offset, says):
    now = timezone.now()
    with pytest.raises(ValidationError) as caught:
        claimed_time_check(
            now + offset,
            field="at",
            earliest=now - dt.timedelta(days=2),
            earliest_what="the lead became an MQL",
        )
    [message] = caught.value.message_dict["at"]
    assert says in message


def test_it_refuses_a_time_without_its_offset_and_years_out_of_range():
    with pytest.raises(ValidationError, match="offset"):
        claimed_time_check(dt.datetime(2026, 1, 1, 9), field="at")
    with pytest.raises(ValidationError, match="between 1970 and 2200"):
        claimed_time_check(dt.datetime(1, 1, 1, tzinfo=dt.UTC), field="at")


def test_it_reads_today_in_the_organisations_time_zone():
    # 10:00 UTC on 17 June is 22:00 in Auckland: still the 17th there...
    now = dt.datetime(2026, 6, 17, 10, tzinfo=dt.UTC)
    assert claimed_day_check(
        dt.date(2026, 6, 17), field="date", time_zone="Pacific/Auckland", now=now
    ) == dt.date(2026, 6, 17)
    # ... and at 13:00 UTC it is the 18th in Auckland but not in New York or UTC.
    later = dt.datetime(2026, 6, 17, 13, tzinfo=dt.UTC)
    assert claimed_day_check(
        dt.date(2026, 6, 18), field="date", time_zone="Pacific/Auckland", now=later
    ) == dt.date(2026, 6, 18)
    with pytest.raises(ValidationError, match="18 Jun 2026 is in the future"):
        claimed_day_check(
            dt.date(2026, 6, 18), field="date", time_zone="America/New_York", now=later
        )
    # The server's own date (UTC) is never refused, even where it is still yesterday.
    early = dt.datetime(2026, 6, 17, 1, tzinfo=dt.UTC)
    assert claimed_day_check(
        dt.date(2026, 6, 17), field="date", time_zone="America/New_York", now=early
    ) == dt.date(2026, 6, 17)
    with pytest.raises(ValidationError, match="before the goal's period starts"):
        claimed_day_check(
            dt.date(2026, 5, 31),
            field="date",
            earliest=dt.date(2026, 6, 1),
            earliest_what="the goal's period starts",
            now=later,
        )


# -- a lead's first touch -------------------------------------------------------


@pytest.fixture
def lead(acme):
    return LeadFactory.create(organization=acme, mql_at=timezone.now() - dt.timedelta(days=2))


BAD_TOUCHES = {
    "an hour ahead": lambda lead: _iso(timezone.now() + dt.timedelta(hours=1)),
    "next year": lambda lead: _iso(timezone.now() + dt.timedelta(days=365)),
    "before the MQL": lambda lead: _iso(lead.mql_at - dt.timedelta(minutes=1)),
    "no offset": lambda lead: (timezone.now() - dt.timedelta(hours=1))
    .replace(tzinfo=None)
    .isoformat(),
    "year 1": lambda lead: "0001-01-01T00:00:00Z",
}


@pytest.mark.parametrize("claim", BAD_TOUCHES.values(), ids=BAD_TOUCHES.keys())
def test_it_refuses_an_impossible_first_touch_through_the_api(bob, acme, lead, claim):
    response = api_as(bob, acme).post(f"{API}/pipeline/leads/{lead.pk}/touch", {"at": claim(lead)})
    assert list(fields(response)) == ["body.at"]
    lead.refresh_from_db()
    assert lead.first_touch_at is None and lead.first_touch_hours is None
    assert not AuditEvent.objects.filter(action="lead.touch").exists()


def test_it_records_a_claimed_first_touch_with_who_claimed_it(bob, acme, lead):
    claimed = (timezone.now() - dt.timedelta(hours=20)).replace(microsecond=0)
    response = api_as(bob, acme).post(
        f"{API}/pipeline/leads/{lead.pk}/touch", {"at": _iso(claimed)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["first_touch_at"] == _iso(claimed)
    lead.refresh_from_db()
    assert lead.first_touch_at == claimed
    event = AuditEvent.objects.get(organization=acme, action="lead.touch")
    assert event.actor == bob
    assert event.changes == {
        "first_touch_at": claimed.isoformat(),
        "time_given": True,
        "claimed_by": "bob@acme.example",
    }


def test_it_allows_a_client_clock_a_little_ahead(bob, acme, lead):
    ahead = timezone.now() + CLOCK_SKEW - dt.timedelta(seconds=30)
    response = api_as(bob, acme).post(f"{API}/pipeline/leads/{lead.pk}/touch", {"at": _iso(ahead)})
    assert response.status_code == 200, response.content


def test_it_refuses_a_touch_of_a_lead_whose_mql_time_is_still_to_come(bob, acme):
    coming = LeadFactory.create(organization=acme, mql_at=timezone.now() + dt.timedelta(days=1))
    response = api_as(bob, acme).post(f"{API}/pipeline/leads/{coming.pk}/touch", {})
    assert "is before the lead became an MQL" in fields(response)["body.at"]
    coming.refresh_from_db()
    assert coming.first_touch_at is None


def test_it_refuses_an_impossible_first_touch_on_the_triage_page(bob_client, acme, lead):
    url = reverse("pipeline_lead_touch", args=["acme", lead.pk])
    future = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = bob_client.post(url, {"at": future})
    assert page.status_code == 400
    assert "Touched at: " in page.content.decode() and "is in the future" in page.content.decode()
    row = bob_client.post(url, {"at": "yesterday-ish"}, headers={"HX-Request": "true"})
    assert row.status_code == 200
    assert "Touched at: Enter a valid date/time." in row.content.decode()
    lead.refresh_from_db()
    assert lead.first_touch_at is None

    claimed = (timezone.now() - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    assert bob_client.post(url, {"at": claimed.strftime("%Y-%m-%dT%H:%M")}).status_code == 302
    lead.refresh_from_db()
    assert lead.first_touch_at == claimed


# -- check-ins, activity logs, content use ------------------------------------------


@pytest.fixture
def sales_lead(acme):
    return member(acme, "sam@acme.example", Role.SALES_LEAD, TeamKind.SALES)


@pytest.fixture
def marketer(acme):
    return member(acme, "mia@acme.example", Role.MEMBER, TeamKind.MARKETING)


def test_it_refuses_a_check_in_dated_in_the_future_or_before_the_period(sales_lead, marketer):
    # Entered by hand: a metric Accord computes takes no check-ins at all.
    goal = GoalFactory.create(
        sales_owner=sales_lead,
        marketing_owner=marketer,
        status=GoalStatus.ACTIVE,
        metric="logo_retention",
    )
    client = api_as(sales_lead.user, sales_lead.organization)
    today = timezone.localdate()
    for day, says in (
        (today + dt.timedelta(days=2), "is in the future"),
        (goal.period_start - dt.timedelta(days=1), "is before the goal's period starts"),
    ):
        response = client.post(
            f"{API}/goals/{goal.pk}/check-ins", {"value": 5, "date": day.isoformat()}
        )
        assert says in fields(response)["body.date"]
    assert not CheckIn.objects.exists()


def test_it_refuses_an_activity_dated_in_the_future(bob, acme):
    tomorrow = timezone.localdate() + dt.timedelta(days=2)
    response = api_as(bob, acme).post(
        f"{API}/goals/activity-logs",
        {"activity_type": "content_use", "occurred_on": tomorrow.isoformat()},
    )
    assert "is in the future" in fields(response)["body.occurred_on"]
    assert not ActivityLog.objects.exists()


def test_it_refuses_a_content_use_dated_in_the_future(bob, acme):
    asset = ContentAssetFactory.create(organization=acme)
    later = timezone.localdate() + dt.timedelta(days=2)
    response = api_as(bob, acme).post(
        f"{API}/goals/content/{asset.pk}/uses", {"used_on": later.isoformat()}
    )
    assert "is in the future" in fields(response)["body.used_on"]
    assert not ContentUsage.objects.exists()


# -- meeting attendance ------------------------------------------------------------


def test_it_refuses_attendance_at_a_meeting_that_has_not_started(sales_lead, marketer):
    start = timezone.localdate() + dt.timedelta(days=7)
    series = series_for(sales_lead, [sales_lead, marketer], start_date=start)
    occurrence = Occurrence.objects.filter(series=series).order_by("starts_at").first()
    assert occurrence is not None
    client = api_as(sales_lead.user, sales_lead.organization)
    response = client.post(
        f"{API}/meetings/occurrences/{occurrence.pk}/attendance",
        {"member_id": marketer.pk, "present": True},
    )
    assert "is in the future" in fields(response)["body.present"]
    assert not Attendance.objects.exists()


def test_it_refuses_a_scorecard_value_for_a_week_not_begun(alice, bob, acme):
    from accord.conftest import membership
    from accord.pulse import scorecard
    from accord.pulse.models import MeasurableValue

    calls = scorecard.measurable_create(
        membership=membership(alice, acme),
        name="Acme joint prospect calls",
        moves="Pipeline creation",
        owner=membership(bob, acme),
        goal_value=Decimal("5"),
        direction="up",
    )
    next_week = timezone.localdate() + dt.timedelta(days=7)
    response = api_as(bob, acme).put(
        f"{API}/pulse/measurables/{calls.pk}/values",
        {"week": next_week.isoformat(), "value": 3},
        content_type="application/json",
    )
    assert "is in the future" in fields(response)["body.week"]
    assert not MeasurableValue.objects.exists()
