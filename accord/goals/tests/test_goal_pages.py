"""The goals board and a goal's page, as leads, members and viewers see them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accord.goals import services
from accord.goals.models import Goal, GoalStatus
from accord.goals.tests.factories import GoalFactory
from accord.orgs.services import api_token_create
from accord.pipeline.tests.factories import LeadFactory

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def active_goal(owner, sales_lead, marketing_lead, seller, marketer) -> Goal:
    goal = services.goal_create(
        membership=owner,
        title="Acme win rate up",
        # Entered by hand: a metric Accord computes takes no check-ins.
        metric="logo_retention",
        baseline=Decimal("20"),
        target=Decimal("30"),
        sales_owner=seller,
        marketing_owner=marketer,
        period_start=dt.date.today() - dt.timedelta(days=45),
        period_end=dt.date.today() + dt.timedelta(days=45),
    )
    services.goal_propose(membership=sales_lead, goal=goal)
    services.goal_agree(membership=marketing_lead, goal=goal, comment="Agreed with Carol")
    # Agreed on the first day of the period: the line runs from its start.
    Goal.objects.filter(pk=goal.pk).update(active_since=goal.period_start)
    goal.refresh_from_db()
    return goal


def test_it_shows_an_empty_board_that_says_what_will_appear(alice_client):
    response = alice_client.get("/o/acme/goals/")
    assert response.status_code == 200
    assert "No shared goals yet" in response.content.decode()


def test_it_shows_goals_by_status_with_owners_and_track(alice_client, active_goal, seller):
    services.goal_check_in(membership=seller, goal=active_goal, value=Decimal("21"))
    html = alice_client.get("/o/acme/goals/").content.decode()
    assert "Acme win rate up" in html
    assert "Active (1)" in html
    assert "Bob Seller" in html
    assert "off track" in html


def test_it_filters_the_board_by_status_team_and_period(alice_client, active_goal, acme):
    assert "Acme win rate up" in alice_client.get("/o/acme/goals/?status=active").content.decode()
    assert (
        "Acme win rate up" not in alice_client.get("/o/acme/goals/?status=draft").content.decode()
    )
    sales = acme.teams.get(kind="sales")
    assert (
        "Acme win rate up" in alice_client.get(f"/o/acme/goals/?team={sales.pk}").content.decode()
    )
    later = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    assert (
        "Acme win rate up"
        not in alice_client.get(f"/o/acme/goals/?period_start={later}").content.decode()
    )


def test_it_shows_agreements_history_checkins_and_an_inline_svg_chart(
    alice_client, active_goal, seller
):
    services.goal_check_in(
        membership=seller, goal=active_goal, value=Decimal("26"), note="Good month"
    )
    html = alice_client.get(f"/o/acme/goals/{active_goal.pk}/").content.decode()
    assert "Agreed with Carol" in html
    assert "sam@acme.example" in html
    assert "Good month" in html
    assert "<svg" in html
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "on track" in html
    for action in ("create", "propose", "agree", "activate", "check_in"):
        assert f"<strong>{action}</strong>" in html


def test_it_creates_a_goal_from_the_form_and_reports_a_vanity_metric(
    alice_client, seller, marketer
):
    form = {
        "title": "Acme page views",
        "kind": "acquisition",
        "metric": "custom",
        "metric_name": "Page views",
        "metric_moves": "awareness",
        "baseline": "100",
        "target": "200",
        "sales_owner": seller.pk,
        "marketing_owner": marketer.pk,
    }
    response = alice_client.post("/o/acme/goals/new/", form)
    assert response.status_code == 400
    assert "vanity metric" in response.content.decode()

    form.update(metric="mql_to_sql_conversion", metric_name="")
    response = alice_client.post("/o/acme/goals/new/", form)
    assert response.status_code == 302
    goal = Goal.objects.get(title="Acme page views")
    assert goal.status == GoalStatus.DRAFT


def test_it_names_the_field_for_target_equal_to_baseline(alice_client, seller, marketer):
    response = alice_client.post(
        "/o/acme/goals/new/",
        {
            "title": "Acme flat",
            "kind": "partnership",
            "metric": "win_rate",
            "baseline": "10",
            "target": "10",
            "sales_owner": seller.pk,
            "marketing_owner": marketer.pk,
        },
    )
    assert response.status_code == 400
    assert "must differ from the baseline" in response.content.decode()


def test_it_proposes_agrees_and_declines_through_the_pages(
    owner, sales_lead, marketing_lead, seller, marketer
):
    goal = services.goal_create(
        membership=owner,
        title="Acme SLA",
        metric="lead_sla_compliance",
        baseline=Decimal("70"),
        target=Decimal("90"),
        sales_owner=seller,
        marketing_owner=marketer,
    )
    sam, carol = client_for(sales_lead), client_for(marketing_lead)
    assert sam.post(f"/o/acme/goals/{goal.pk}/propose/").status_code == 302
    response = carol.post(f"/o/acme/goals/{goal.pk}/decline/", {"comment": ""})
    assert response.status_code == 400
    assert (
        carol.post(f"/o/acme/goals/{goal.pk}/decline/", {"comment": "Too soft"}).status_code == 302
    )
    goal.refresh_from_db()
    assert goal.status == GoalStatus.DRAFT
    sam.post(f"/o/acme/goals/{goal.pk}/propose/")
    carol.post(f"/o/acme/goals/{goal.pk}/agree/", {"comment": "OK now"})
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACTIVE


def test_it_lets_members_check_in_only_on_goals_they_own_and_viewers_only_read(
    active_goal, seller, viewer, acme
):
    from accord.goals.tests.factories import member
    from accord.orgs.models import Role, TeamKind

    other = member(acme, "olga@acme.example", Role.MEMBER, TeamKind.SALES)
    from accord.goals.models import CheckIn

    url = f"/o/acme/goals/{active_goal.pk}/check-in/"
    assert client_for(seller).post(url, {"value": "22", "confidence": "high"}).status_code == 302
    refused = client_for(other).post(url, {"value": "23", "confidence": "high"})
    assert refused.status_code == 403
    assert "You can't do that here" in refused.content.decode()
    assert client_for(viewer).post(url, {"value": "24", "confidence": "high"}).status_code == 403
    # Only the owner's check-in was stored.
    assert [str(c.value.normalize()) for c in CheckIn.objects.filter(goal=active_goal)] == ["22"]
    read = client_for(viewer).get(f"/o/acme/goals/{active_goal.pk}/")
    assert read.status_code == 200
    assert active_goal.title in read.content.decode()
    status_before = Goal.objects.get(pk=active_goal.pk).status
    assert client_for(seller).post(f"/o/acme/goals/{active_goal.pk}/agree/").status_code == 403
    assert Goal.objects.get(pk=active_goal.pk).status == status_before
    assert client_for(seller).get("/o/acme/goals/new/").status_code == 403


def test_it_has_no_inline_script_or_style(alice_client, active_goal):
    for url in ("/o/acme/goals/", f"/o/acme/goals/{active_goal.pk}/", "/o/acme/goals/new/"):
        html = alice_client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r'\sstyle="', html.split("<svg")[0]), url
        assert not re.search(r"\son[a-z]+=", html), url


@time_machine.travel(dt.datetime(2026, 4, 10, 12, tzinfo=dt.UTC), tick=False)
def test_it_reads_the_board_and_the_api_list_in_queries_that_do_not_grow_with_the_goals(
    owner, seller, marketer
):
    for sql_at in (None, dt.datetime(2026, 4, 3, tzinfo=dt.UTC)):
        LeadFactory.create(
            organization=owner.organization,
            mql_at=dt.datetime(2026, 4, 2, tzinfo=dt.UTC),
            sql_at=sql_at,
        )
    page = client_for(owner)
    api = Client(
        headers={"Authorization": f"Bearer {api_token_create(membership=owner, name='t').secret}"}
    )

    def shown() -> tuple[int, int, str, list[Any]]:
        with CaptureQueriesContext(connection) as board_queries:
            html = page.get("/o/acme/goals/").content.decode()
        with CaptureQueriesContext(connection) as api_queries:
            items = api.get("/api/v1/goals").json()["items"]
        return len(board_queries), len(api_queries), html, items

    def add_goals() -> None:
        for metric in ("mql_to_sql_conversion", "sql_acceptance_rate", "nps"):
            GoalFactory.create(
                sales_owner=seller,
                marketing_owner=marketer,
                metric=metric,
                status=GoalStatus.ACTIVE,
                period_start=dt.date(2026, 4, 1),
                period_end=dt.date(2026, 6, 30),
            )

    add_goals()
    shown()  # the first visit also records the session: not counted
    board_few, api_few, _, _ = shown()
    add_goals()
    add_goals()
    board_many, api_many, html, items = shown()

    assert (board_many, api_many) == (board_few, api_few)
    assert "Active (9)" in html
    conversions = [i for i in items if i["metric"] == "mql_to_sql_conversion"]
    assert [i["progress"]["actual"] for i in conversions] == [50.0, 50.0, 50.0]
    assert all(i["progress"]["computed"] for i in conversions)
