"""Cohort months are the organisation's: an MQL is filed under the month it
became one in the organisation's time zone (the funnel and SLA compliance by
month), whatever offset the export's timestamp carried, and a new time zone
files the leads again and rebuilds compliance by month."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accord.insights.rollups import rollups_refresh_due
from accord.jobs.testing import run_queued_jobs
from accord.orgs.jobs import organization_months_refile
from accord.orgs.models import Organization
from accord.orgs.services import organization_update
from accord.pipeline.models import Lead, LeadMonthRollup
from accord.pipeline.selectors import compliance
from accord.pipeline.services import lead_months_refile
from accord.pipeline.tests.test_import import _import

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 10, 15, 12, tzinfo=dt.UTC)
EXPORT = (
    "Record ID,Email,Lifecycle Stage,Create Date,Became a Marketing Qualified Lead Date\n"
    "201,ada@prospect.example,marketingqualifiedlead,2025-07-20 09:00,"
    "2025-07-31 22:30:00 -0700\n"  # 2025-08-01 05:30 UTC
    "202,ben@prospect.example,marketingqualifiedlead,2025-07-01 09:00,2025-07-10 12:00\n"
)


def set_zone(organization: Organization, time_zone: str) -> None:
    Organization.objects.filter(pk=organization.pk).update(time_zone=time_zone)
    organization.refresh_from_db()


def page(client, name: str, query: str = "") -> str:
    response = client.get(reverse(name, kwargs={"org_slug": "acme"}) + query)
    assert response.status_code == 200
    return str(response.content.decode())


def by_month(acme) -> dict[str, int]:
    return {str(row.key): row.mqls for row in compliance(acme, by="month")}


@pytest.mark.parametrize(
    ("time_zone", "month"), [("UTC", "2025-08"), ("America/Los_Angeles", "2025-07")]
)
@time_machine.travel(NOW, tick=False)
def test_it_files_an_mql_and_its_compliance_under_the_organisations_month(
    acme, alice, agreement, alice_client, time_zone, month
):
    set_zone(acme, time_zone)
    _import(acme, alice, EXPORT)
    lead = Lead.objects.get(source_id="201")
    assert lead.mql_at == dt.datetime(2025, 8, 1, 5, 30, tzinfo=dt.UTC)
    assert lead.mql_month == month
    expected = {"2025-07": 2} if month == "2025-07" else {"2025-07": 1, "2025-08": 1}
    assert by_month(acme) == expected
    rollups_refresh_due()  # the worker stores the rollups; readers never write
    stored = dict(LeadMonthRollup.objects.values_list("month", "mqls"))
    assert stored == expected
    body = page(alice_client, "pipeline_compliance")
    assert ("2025-08" in body) == (month == "2025-08")
    funnel = page(alice_client, "pipeline_index", "?by=month")
    assert ("2025-08" in funnel) == (month == "2025-08") and "2025-07" in funnel


def test_it_refiles_mql_months_and_compliance_when_the_zone_changes(
    acme, alice, agreement, alice_client
):
    owner = acme.memberships.get(user=alice)
    with time_machine.travel(NOW, tick=False):
        _import(acme, alice, EXPORT)
        assert by_month(acme) == {"2025-07": 1, "2025-08": 1}
        assert "2025-08" in page(alice_client, "pipeline_compliance")

        organization_update(membership=owner, time_zone="America/Los_Angeles")
        assert Lead.objects.get(source_id="201").mql_month == "2025-08"  # until the job runs
        assert run_queued_jobs() >= 1

        assert dict(Lead.objects.values_list("source_id", "mql_month")) == {
            "201": "2025-07",
            "202": "2025-07",
        }
        assert dict(LeadMonthRollup.objects.values_list("month", "mqls")) == {"2025-07": 2}
        assert by_month(acme) == {"2025-07": 2}
        body = page(alice_client, "pipeline_compliance")
        assert "2025-07" in body and "2025-08" not in body

        # Safe to run twice: nothing moves, the counts stay.
        organization_months_refile(organization_id=acme.pk)
        acme.refresh_from_db()
        assert lead_months_refile(organization=acme) == 0
        assert dict(LeadMonthRollup.objects.values_list("month", "mqls")) == {"2025-07": 2}
        assert by_month(acme) == {"2025-07": 2}
