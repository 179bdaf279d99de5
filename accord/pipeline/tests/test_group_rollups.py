"""The funnel, SLA compliance per person, the rejection reasons, the triage
queue's sources and NPS by owner, campaign and segment read the rollups:
their pages and API answers
cost as many queries for a year of cohorts, many people and many campaigns
as for two months, one person and one campaign (with the worker's refresh
done, and with every month still marked), and what they show is the same
either way."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.accounts.tests.factories import UserFactory
from accord.feedback.models import Response
from accord.feedback.services import month_of
from accord.insights.rollups import rollups_refresh_due
from accord.lib.nps import category
from accord.orgs.models import Membership, Role, TeamKind
from accord.orgs.tests.factories import team_of
from accord.pipeline import rollups
from accord.pipeline.models import LeadRollupMark, RejectionReason
from accord.pipeline.tests.factories import CampaignFactory, LeadFactory
from accord.tests.api import API as API_ROOT
from accord.tests.api import api_as

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)


def person(acme: Any, name: str) -> Membership:
    user = UserFactory.create(email=f"seller{name}@acme.example")
    return Membership.objects.create(
        organization=acme, user=user, role=Role.MEMBER, team=team_of(acme, TeamKind.SALES)
    )


def history(acme: Any, *, months: int, people: int) -> None:
    """Leads and answers over ``months`` months, spread over ``people``
    owners, as many campaigns (each with its marketer), sources and reasons."""
    owners = [person(acme, f"{months}-{n}") for n in range(people)]
    campaigns = [
        CampaignFactory.create(organization=acme, name=f"Campaign {months}-{n}", owner=owners[n])
        for n in range(people)
    ]
    reasons = RejectionReason.values
    for month in range(months):
        moment = NOW.replace(day=5) - dt.timedelta(days=31 * month)
        for n in range(people):
            LeadFactory.create(
                organization=acme,
                mql_at=moment,
                mql_month=moment.strftime("%Y-%m"),
                owner=owners[n],
                campaign=campaigns[n],
                source=f"Source {n}",
                first_touch_at=moment + dt.timedelta(hours=2),
                first_touch_hours=2.0 + n,
                rejected_at=moment + dt.timedelta(days=1) if n % 2 else None,
                rejection_reason=reasons[n % len(reasons)] if n % 2 else "",
                accepted_at=None if n % 2 else moment + dt.timedelta(days=1),
                sql_at=None if n % 2 else moment + dt.timedelta(days=2),
            )
            Response.objects.create(
                organization=acme,
                score=(n * 3 + month) % 11,
                category=category((n * 3 + month) % 11),
                created_at=moment,
                month=month_of(moment, acme.time_zone),
                account_owner=owners[n],
                language="en" if n % 2 else "de",
                attributes={"plan": f"Plan {n}"},
            )


READS = {
    "funnel page": ("pipeline_index", "?by=campaign"),
    "compliance page": ("pipeline_compliance", ""),
    "triage page": ("pipeline_triage", ""),
    "NPS by owner page": ("feedback_index", "?by=owner"),
    "NPS by segment page": ("feedback_index", "?by=plan&since=2025-07-17"),
}
API_READS = {
    "funnel API": f"{API_ROOT}/pipeline/funnel?by=source",
    "compliance API": f"{API_ROOT}/pipeline/compliance?by=marketer",
    "rejection reasons API": f"{API_ROOT}/pipeline/rejection-reasons",
    "NPS by segment API": f"{API_ROOT}/feedback/nps?by=plan",
}


def queries_of(client: Client, api: Client) -> dict[str, tuple[int, int]]:
    """Each read's number of queries and its answer's status, read a second
    time (the first stores the session). The chart cache's lookups are left
    out: more data draws one more chart (each one lookup)."""
    out = {}
    paths = {
        name: (client, reverse(route, kwargs={"org_slug": "acme"}) + query)
        for name, (route, query) in READS.items()
    }
    paths.update({name: (api, path) for name, path in API_READS.items()})
    for name, (reader, path) in paths.items():
        reader.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = reader.get(path)
        reads_of_data = [q for q in captured.captured_queries if "accord_cache" not in q["sql"]]
        out[name] = (len(reads_of_data), response.status_code)
    return out


@pytest.mark.parametrize("refreshed", [True, False], ids=["refreshed", "marked"])
def test_it_reads_as_many_queries_for_a_year_and_many_people_as_for_two_months(
    refreshed, acme, alice, alice_client, agreement
):
    api = api_as(alice, acme)
    found = []
    with time_machine.travel(NOW, tick=False):
        for months, people in ((2, 1), (12, 6)):
            history(acme, months=months, people=people)
            if refreshed:
                rollups_refresh_due()
            else:
                rollups.rollups_mark(acme.pk, [rollups.ALL])
            found.append(queries_of(alice_client, api))
    small, large = found
    assert all(status == 200 for _, status in small.values()), small
    assert large == small
    assert LeadRollupMark.objects.exists() is not refreshed


def marketers(acme: Any) -> dict[str, tuple[int, float | None]]:
    from accord.pipeline.selectors import compliance

    return {r.key: (r.mqls, r.median_first_touch_hours) for r in compliance(acme, by="marketer")}


def test_it_moves_a_campaigns_leads_to_its_new_marketer_and_to_no_one_when_it_goes(
    acme, alice, carol, agreement
):
    with time_machine.travel(NOW, tick=False):
        carol_m = acme.memberships.get(user=carol)
        alice_m = acme.memberships.get(user=alice)
        webinar = CampaignFactory.create(organization=acme, name="Webinar", owner=carol_m)
        for hours, month in ((2.0, "2026-05"), (3.0, "2026-04"), (5.0, "2026-04")):
            mql_at = dt.datetime.fromisoformat(f"{month}-05T10:00:00+00:00")
            LeadFactory.create(
                organization=acme,
                campaign=webinar,
                mql_at=mql_at,
                mql_month=month,
                first_touch_at=mql_at + dt.timedelta(hours=hours),
                first_touch_hours=hours,
            )
        rollups_refresh_due()
        assert marketers(acme) == {"carol@acme.example": (3, 3.0)}

        webinar.owner = alice_m
        webinar.save()
        # Marked: read from the leads until the worker stores the new rows.
        assert set(LeadRollupMark.objects.values_list("month", flat=True)) == {
            "2026-04",
            "2026-05",
        }
        assert marketers(acme) == {"alice@acme.example": (3, 3.0)}
        rollups_refresh_due()
        assert marketers(acme) == {"alice@acme.example": (3, 3.0)}

        webinar.name = "Webinar 2026"
        webinar.save()
        assert not LeadRollupMark.objects.exists()

        webinar.delete()
        assert marketers(acme) == {"(no owner)": (3, 3.0)}
        rollups_refresh_due()
        assert marketers(acme) == {"(no owner)": (3, 3.0)}
