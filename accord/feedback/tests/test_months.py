"""Months are the organisation's: an answer is filed under the month it was in
the organisation's time zone, whatever offset its timestamp carried, and a
new time zone files the stored answers again."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accord.feedback.models import Response, ResponseMonthRollup
from accord.feedback.services import (
    link_for_token,
    response_months_refile,
    response_record,
    responses_import,
)
from accord.feedback.tests.factories import TOKEN
from accord.insights.rollups import rollups_refresh_due
from accord.jobs.testing import run_queued_jobs
from accord.orgs.jobs import organization_months_refile
from accord.orgs.models import Organization
from accord.orgs.services import organization_update

pytestmark = pytest.mark.django_db

# July and August are both rolled-up months at this time (live_from: September).
NOW = dt.datetime(2025, 10, 15, 12, tzinfo=dt.UTC)
LATE_JULY_IN_LOS_ANGELES = "2025-07-31 22:30:00 -0700"  # 2025-08-01 05:30 UTC
IMPORT = f"email,score,date\nana@customer.example,10,{LATE_JULY_IN_LOS_ANGELES}\n"


def set_zone(organization: Organization, time_zone: str) -> None:
    Organization.objects.filter(pk=organization.pk).update(time_zone=time_zone)
    organization.refresh_from_db()


def nps_csv(client) -> dict[str, str]:
    """NPS by month as the page's CSV export shows it: month -> n."""
    body = client.get(reverse("feedback_nps_export", kwargs={"org_slug": "acme"}))
    assert body.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(body.streaming_content).decode())))
    return {row[0]: row[1] for row in rows[1:] if row[0] != "all"}


@pytest.mark.parametrize(
    ("time_zone", "month"),
    [("UTC", dt.date(2025, 8, 1)), ("America/Los_Angeles", dt.date(2025, 7, 1))],
)
@time_machine.travel(NOW, tick=False)
def test_it_files_an_imported_answer_under_the_organisations_month(
    acme, owner, alice_client, time_zone, month
):
    set_zone(acme, time_zone)
    owner.refresh_from_db()
    result = responses_import(membership=owner, data=IMPORT.encode(), fmt="generic")
    assert result.added == 1
    stored = Response.objects.get(organization=acme)
    assert stored.created_at == dt.datetime(2025, 8, 1, 5, 30, tzinfo=dt.UTC)
    assert stored.month == month
    assert nps_csv(alice_client) == {f"{month:%Y-%m}": "1"}
    rollups_refresh_due()  # the worker stores the rollups; readers never write
    assert list(ResponseMonthRollup.objects.values_list("month", "promoters")) == [(month, 1)]


@pytest.mark.parametrize(
    ("time_zone", "month"),
    [("Asia/Tokyo", dt.date(2026, 7, 1)), ("UTC", dt.date(2026, 6, 1))],
)
def test_it_files_a_live_answer_near_midnight_under_the_organisations_month(
    acme, recipient, alice_client, time_zone, month
):
    set_zone(acme, time_zone)
    # 23:30 on 30 June in UTC is 08:30 on 1 July in Tokyo.
    with time_machine.travel(dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC), tick=False):
        link = link_for_token(TOKEN)
        assert link is not None
        response = response_record(link=link, score=3)
        assert Response.objects.get(pk=response.pk).month == month
        assert nps_csv(alice_client) == {f"{month:%Y-%m}": "1"}


def test_it_refiles_the_stored_months_when_the_zone_changes(acme, owner, alice_client):
    with time_machine.travel(NOW, tick=False):
        responses_import(
            membership=owner,
            data=(IMPORT + "ben@customer.example,3,2025-07-10 12:00\n").encode(),
            fmt="generic",
        )
        assert nps_csv(alice_client) == {"2025-07": "1", "2025-08": "1"}

        page = alice_client.post(
            reverse("org_settings", kwargs={"org_slug": "acme"}),
            {"name": "Acme", "time_zone": "America/Los_Angeles", "country": "", "holidays": ""},
        )
        assert page.status_code == 302
        # The months move in the worker, not in the request.
        assert sorted(Response.objects.values_list("month", flat=True)) == [
            dt.date(2025, 7, 1),
            dt.date(2025, 8, 1),
        ]
        run_queued_jobs()  # the refile, and the chains that run in local time

        assert set(Response.objects.values_list("month", flat=True)) == {dt.date(2025, 7, 1)}
        rollups_refresh_due()
        assert list(
            ResponseMonthRollup.objects.values_list("month", "promoters", "detractors")
        ) == [(dt.date(2025, 7, 1), 1, 1)]
        assert nps_csv(alice_client) == {"2025-07": "2"}

        # Safe to run twice: nothing moves, the counts stay.
        organization_months_refile(organization_id=acme.pk)
        acme.refresh_from_db()
        assert response_months_refile(organization=acme) == 0
        assert list(
            ResponseMonthRollup.objects.values_list("month", "promoters", "detractors")
        ) == [(dt.date(2025, 7, 1), 1, 1)]
        assert nps_csv(alice_client) == {"2025-07": "2"}

        # And back: August again.
        owner.organization.refresh_from_db()
        organization_update(membership=owner, time_zone="UTC")
        run_queued_jobs()
        assert nps_csv(alice_client) == {"2025-07": "1", "2025-08": "1"}
        assert Response.objects.get(score=10).month == dt.date(2025, 8, 1)


def test_it_queues_the_refile_only_when_the_zone_changes(acme, owner):
    organization_update(membership=owner, name="Acme Inc", time_zone="UTC")
    assert not DBTaskResult.objects.exists()
    organization_update(membership=owner, time_zone="Asia/Tokyo")
    # The refile, beside the organisation's chains that run in local time.
    queued = [r.args_kwargs["args"][0] for r in DBTaskResult.objects.all()]
    assert queued.count(organization_months_refile.job_name) == 1


def test_it_skips_an_organisation_deleted_before_the_job_ran(acme, owner):
    organization_update(membership=owner, time_zone="Asia/Tokyo")
    Organization.objects.filter(pk=acme.pk).delete()
    assert run_queued_jobs() >= 1
    assert not DBTaskResult.objects.filter(status="FAILED").exists()
