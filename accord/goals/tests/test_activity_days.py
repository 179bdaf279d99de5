"""Activity is counted by the organisation's days: an activity logged without a
day is filed under today in the organisation's time zone, and the activity
page opens on the organisation's month."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accord.goals import selectors, services
from accord.goals.models import ActivityLog
from accord.orgs.models import Membership, Organization, TeamKind

pytestmark = pytest.mark.django_db

# 20:00 on 31 July in Los Angeles; already 1 August in UTC.
EVENING_IN_LOS_ANGELES = dt.datetime(2026, 8, 1, 3, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("time_zone", "day", "month_label"),
    [
        ("America/Los_Angeles", dt.date(2026, 7, 31), "July 2026"),
        ("UTC", dt.date(2026, 8, 1), "August 2026"),
    ],
)
@time_machine.travel(EVENING_IN_LOS_ANGELES, tick=False)
def test_it_files_todays_activity_under_the_organisations_day(
    acme, alice, owner, marketer, time_zone, day, month_label
):
    Organization.objects.filter(pk=acme.pk).update(time_zone=time_zone)
    goal = services.activity_goal_create(
        membership=Membership.objects.get(pk=owner.pk),
        team=acme.teams.get(kind=TeamKind.MARKETING),
        activity_type="pipeline_review",
        target_count=2,
    )
    services.activity_log(membership=Membership.objects.get(pk=marketer.pk), note="Q3 review")

    assert ActivityLog.objects.get().occurred_on == day
    goal.refresh_from_db()
    progress = selectors.activity_progress(goal, services.today(goal.organization))
    assert (progress.month, progress.team_count) == (day.replace(day=1), 1)
    client = Client()
    client.force_login(alice)  # at the pinned time, as a member would
    page = client.get(reverse("goals_activity", kwargs={"org_slug": "acme"}))
    assert page.status_code == 200, page
    text = page.content.decode()
    assert f"<strong>{month_label}</strong>" in text
    assert f"{day.day} {day:%b %Y}" in text
    assert "Marketing in " + month_label in text
