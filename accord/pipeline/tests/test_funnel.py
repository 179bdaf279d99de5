"""The funnel, attribution and the values other apps read from the pipeline."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.pipeline.models import OpportunityTouch
from accord.pipeline.selectors import (
    account_owner_for_email,
    attribution,
    contacts_for_survey,
    funnel,
    goal_metric_values,
    metric_values,
)
from accord.pipeline.tests.factories import (
    AccountFactory,
    CampaignFactory,
    ContactFactory,
    LeadFactory,
    OpportunityFactory,
)

pytestmark = pytest.mark.dates

MARCH = datetime(2026, 3, 2, 10, tzinfo=UTC)
APRIL = datetime(2026, 4, 6, 10, tzinfo=UTC)


def _funnel_data(acme):
    day = timedelta(days=1)
    # March cohort: 4 MQLs, 3 accepted, 2 SQL, 1 opportunity, 1 won.
    for i in range(4):
        LeadFactory.create(
            organization=acme,
            source="Webinar" if i < 2 else "Paid Search",
            mql_at=MARCH,
            accepted_at=MARCH + day if i < 3 else None,
            rejected_at=MARCH + day if i == 3 else None,
            sql_at=MARCH + 3 * day if i < 2 else None,
            opportunity_at=MARCH + 5 * day if i < 1 else None,
            customer_at=MARCH + 25 * day if i < 1 else None,
        )
    # April cohort: 2 MQLs, one an SQL straight away (CRMs skip steps).
    LeadFactory.create(organization=acme, source="Webinar", mql_at=APRIL, sql_at=APRIL + day)
    LeadFactory.create(organization=acme, source="Webinar", mql_at=APRIL)
    LeadFactory.create(organization=acme, mql_at=None, mql_month="", stage="lead")  # not an MQL


def test_it_counts_and_converts_the_funnel(acme):
    _funnel_data(acme)
    result = funnel(acme)
    assert [(s["stage"], s["count"]) for s in result["stages"]] == [
        ("mql", 6),
        ("accepted", 4),
        ("sql", 3),
        ("opportunity", 1),
        ("won", 1),
    ]
    assert result["stages"][0]["conversion_from_previous"] is None
    assert result["stages"][1]["conversion_from_previous"] == 66.7
    assert result["stages"][1]["median_days_from_previous"] == 1
    assert result["stages"][4]["median_days_from_previous"] == 20
    assert result["groups"] == []


def test_it_groups_the_funnel_by_source_month_and_campaign(acme):
    _funnel_data(acme)
    by_month = funnel(acme, by="month")["groups"]
    assert [(g["key"], g["stages"][0]["count"]) for g in by_month] == [
        ("2026-03", 4),
        ("2026-04", 2),
    ]
    by_source = {g["key"]: g["stages"] for g in funnel(acme, by="source")["groups"]}
    assert by_source["Webinar"][2] == {
        "stage": "sql",
        "count": 3,
        "conversion_from_previous": 100.0,
    }
    assert funnel(acme, by="campaign")["groups"][0]["key"] == "(none)"
    since = funnel(acme, since=date(2026, 4, 1))
    assert since["stages"][0]["count"] == 2


def test_it_prints_the_funnel_as_json(acme, capsys):
    _funnel_data(acme)
    call_command("funnel", "--org", "acme", "--by", "source", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert printed["stages"][0] == {
        "stage": "mql",
        "count": 6,
        "conversion_from_previous": None,
        "median_days_from_previous": None,
    }
    assert {g["key"] for g in printed["groups"]} == {"Webinar", "Paid Search"}


def test_it_attributes_pipeline_and_revenue_to_campaigns(acme):
    webinar = CampaignFactory.create(organization=acme, name="Acme webinar")
    ads = CampaignFactory.create(organization=acme, name="Acme ads")
    won = OpportunityFactory.create(
        organization=acme,
        amount=Decimal(900),
        status="won",
        primary_campaign=webinar,
        created_on=date(2026, 3, 1),
    )
    OpportunityTouch.objects.create(
        organization=acme, opportunity=won, campaign=webinar, touched_at=MARCH
    )
    OpportunityTouch.objects.create(
        organization=acme, opportunity=won, campaign=ads, touched_at=APRIL
    )
    influenced = OpportunityFactory.create(
        organization=acme, amount=Decimal(300), created_on=date(2026, 3, 5)
    )
    OpportunityTouch.objects.create(organization=acme, opportunity=influenced, campaign=ads)
    OpportunityFactory.create(organization=acme, amount=Decimal(100), created_on=date(2026, 3, 6))
    result = attribution(acme)
    assert result.total_pipeline == 1300 and result.total_revenue == 900
    assert result.sourced_pipeline == 900 and result.influenced_pipeline == 1200
    assert result.by_campaign["Acme webinar"] == {
        "first_touch": Decimal("900.00"),
        "last_touch": Decimal("0.00"),
        "linear": Decimal("450.00"),
    }
    assert result.by_campaign["Acme ads"]["last_touch"] == Decimal("900.00")


def test_it_gives_goal_metrics_for_a_period(acme, agreement):
    _funnel_data(acme)
    OpportunityFactory.create(
        organization=acme,
        status="won",
        amount=Decimal(500),
        created_on=date(2026, 3, 1),
        close_date=date(2026, 3, 31),
    )
    OpportunityFactory.create(
        organization=acme,
        status="lost",
        created_on=date(2026, 3, 1),
        close_date=date(2026, 3, 11),
    )
    values = metric_values(acme, date(2026, 3, 1), date(2026, 3, 31))
    assert set(values) == {
        "mql_to_sql_conversion",
        "sql_acceptance_rate",
        "median_first_touch_hours",
        "lead_sla_compliance",
        "marketing_sourced_pipeline",
        "marketing_influenced_pipeline",
        "win_rate",
        "sales_cycle_days",
    }
    assert values["mql_to_sql_conversion"] == 50.0
    assert values["sql_acceptance_rate"] == 75.0
    assert values["win_rate"] == 50.0
    assert values["sales_cycle_days"] == 30
    assert values["median_first_touch_hours"] is None
    assert values["marketing_sourced_pipeline"] == 0.0
    empty = metric_values(acme, date(2020, 1, 1), date(2020, 1, 31))
    assert empty["mql_to_sql_conversion"] is None and empty["win_rate"] is None


def test_it_computes_only_the_metric_a_goal_reads(acme, agreement):
    _funnel_data(acme)
    values = goal_metric_values(acme, date(2026, 3, 1), date(2026, 3, 31))

    with CaptureQueriesContext(connection) as captured:
        conversion = values["mql_to_sql_conversion"]
        again = values.get("mql_to_sql_conversion")

    assert conversion == again == Decimal("50.0")
    # March is a whole month: read from the monthly rollup (its marks, then
    # a count of the marked months); no opportunity query.
    sql = [q["sql"] for q in captured]
    assert any("pipeline_leadmonthrollup" in s or "pipeline_leadrollupmark" in s for s in sql)
    assert not any("pipeline_opportunity" in s for s in sql)
    # Reading them all: the metrics without data in March are absent.
    assert set(values) == {"mql_to_sql_conversion", "sql_acceptance_rate"}


def test_it_lists_contacts_for_surveys_and_finds_account_owners(acme, bob):
    bob_m = acme.memberships.get(user=bob)
    account = AccountFactory.create(
        organization=acme, owner=bob_m, industry="Retail", name="Acme shop"
    )
    ContactFactory.create(
        organization=acme, account=account, email="buyer@shop.example", language="de"
    )
    ContactFactory.create(
        organization=acme, email="other@else.example", attributes={"plan": "gold"}
    )
    ContactFactory.create(organization=acme, email="")
    everyone = list(contacts_for_survey(bob_m))
    assert {c["email"] for c in everyone} == {"buyer@shop.example", "other@else.example"}
    [retail] = contacts_for_survey(bob_m, segment={"industry": "Retail"})
    assert retail["company"] == "Acme shop" and retail["account_owner_id"] == bob_m.pk
    assert retail["language"] == "de" and retail["extra"]["industry"] == "Retail"
    [gold] = contacts_for_survey(bob_m, segment={"plan": "gold"})
    assert gold["email"] == "other@else.example"
    assert account_owner_for_email(acme, "Buyer@Shop.example") == bob_m
    assert account_owner_for_email(acme, "nobody@x.example") is None
