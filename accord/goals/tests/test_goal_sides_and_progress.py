"""Agreeing for one's own side, computed metrics without check-ins, and the
expected line of a goal agreed inside its period."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client

from accord.goals import selectors, services
from accord.goals.models import CheckIn, Goal

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def _goal(owner, seller, marketer, metric: str = "logo_retention", **dates) -> Goal:
    today = services.today()
    return services.goal_create(
        membership=owner,
        title="Shared goal",
        metric=metric,
        baseline=Decimal("20"),
        target=Decimal("30"),
        sales_owner=seller,
        marketing_owner=marketer,
        period_start=dates.get("start", today - dt.timedelta(days=45)),
        period_end=dates.get("end", today + dt.timedelta(days=45)),
    )


def _side_options(html: str) -> set[str]:
    select = re.search(r'<select name="side"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return set(re.findall(r'<option value="([^"]*)"', select.group(1)))


def test_it_offers_a_lead_only_their_own_side_when_agreeing(
    owner, sales_lead, marketing_lead, seller, marketer
):
    goal = _goal(owner, seller, marketer)
    services.goal_propose(membership=sales_lead, goal=goal)

    html = client_for(marketing_lead).get(f"/o/acme/goals/{goal.pk}/").content.decode()
    assert _side_options(html) == {"marketing"}
    assert "you answer for Marketing" in html
    decline = client_for(marketing_lead).get(f"/o/acme/goals/{goal.pk}/decline/")
    assert _side_options(decline.content.decode()) == {"marketing"}
    # Owners and admins still choose the side they answer for.
    assert _side_options(client_for(owner).get(f"/o/acme/goals/{goal.pk}/").content.decode()) == {
        "",
        "sales",
        "marketing",
    }

    # A forged "sales" from the marketing lead still records marketing's answer.
    response = client_for(marketing_lead).post(
        f"/o/acme/goals/{goal.pk}/agree/", {"side": "sales", "comment": "Yes"}
    )
    assert response.status_code == 302
    assert set(goal.agreements.values_list("side", flat=True)) == {"sales", "marketing"}
    goal.refresh_from_db()
    assert goal.status == "active"


def test_it_offers_a_lead_only_their_own_side_on_the_hand_off_agreement(
    owner, sales_lead, marketing_lead
):
    from accord.pipeline import services as pipeline_services

    pipeline_services.agreement_propose(
        membership=sales_lead,
        mql_definition="Fits the ICP and asked for a demo.",
        monthly_mql_commitment=40,
        first_touch_hours=4,
        decision_days=2,
    )
    html = client_for(marketing_lead).get("/o/acme/pipeline/agreement/").content.decode()
    assert _side_options(html) == {"marketing"}


def test_it_shows_a_computed_metric_without_a_check_in_form_and_refuses_a_check_in(
    owner, sales_lead, marketing_lead, seller, marketer
):
    goal = _goal(owner, seller, marketer, metric="win_rate")
    services.goal_propose(membership=sales_lead, goal=goal)
    services.goal_agree(membership=marketing_lead, goal=goal)

    page = client_for(seller).get(f"/o/acme/goals/{goal.pk}/").content.decode()
    assert "Win rate is computed from Accord's data, so it takes no check-ins" in page
    assert f"/o/acme/goals/{goal.pk}/check-in/" not in page

    refused = client_for(seller).post(
        f"/o/acme/goals/{goal.pk}/check-in/", {"value": "25", "confidence": "medium"}
    )
    assert refused.status_code == 400
    assert "Win rate is computed from Accord&#x27;s data; it takes no check-ins." in (
        refused.content.decode()
    )
    with pytest.raises(ValidationError) as error:
        services.goal_check_in(membership=owner, goal=goal, value=Decimal("25"))
    assert "value" in error.value.message_dict
    assert not CheckIn.objects.filter(goal=goal).exists()


def test_it_still_takes_check_ins_on_a_metric_entered_by_hand(
    owner, sales_lead, marketing_lead, seller, marketer
):
    goal = _goal(owner, seller, marketer)
    services.goal_propose(membership=sales_lead, goal=goal)
    services.goal_agree(membership=marketing_lead, goal=goal)
    page = client_for(seller).get(f"/o/acme/goals/{goal.pk}/").content.decode()
    assert f"/o/acme/goals/{goal.pk}/check-in/" in page
    response = client_for(seller).post(
        f"/o/acme/goals/{goal.pk}/check-in/", {"value": "21", "confidence": "medium"}
    )
    assert response.status_code == 302
    assert CheckIn.objects.get(goal=goal).value == Decimal("21")


def test_a_goal_agreed_inside_its_period_draws_its_line_from_that_day(
    owner, sales_lead, marketing_lead, seller, marketer
):
    """Period Jan-Apr (120 days); agreed on day 60. The day after, 20.5 is on
    track (the line has barely left 20), not behind a line at 25."""
    start, end = dt.date(2026, 1, 1), dt.date(2026, 5, 1)
    agreed = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    with time_machine.travel(agreed, tick=False):
        goal = _goal(owner, seller, marketer, start=start, end=end)
        services.goal_propose(membership=sales_lead, goal=goal)
        services.goal_agree(membership=marketing_lead, goal=goal)
    goal.refresh_from_db()
    assert goal.active_since == dt.date(2026, 3, 2)
    assert goal.line_start == dt.date(2026, 3, 2)

    with time_machine.travel(agreed + dt.timedelta(days=1), tick=False):
        services.goal_check_in(membership=seller, goal=goal, value=Decimal("20.5"))
        progress = selectors.goal_progress(goal)
        assert progress.on_track is True
        assert progress.expected == pytest.approx(20 + 10 * 1 / 60)
        assert selectors.expected_on(goal, dt.date(2026, 2, 1)) == 20.0
        assert selectors.expected_on(goal, end) == 30.0
        html = client_for(seller).get(f"/o/acme/goals/{goal.pk}/").content.decode()
    assert "on track" in html and "off track" not in html
    assert "on 2 Mar 2026, the day both teams agreed" in html

    # Re-agreeing to a changed target keeps the first day of agreement.
    services.goal_update(membership=owner, goal=goal, target=Decimal("28"))
    goal.refresh_from_db()
    assert goal.status == "proposed"
    services.goal_agree(membership=sales_lead, goal=goal)
    services.goal_agree(membership=marketing_lead, goal=goal)
    goal.refresh_from_db()
    assert goal.active_since == dt.date(2026, 3, 2)


def test_the_goals_owners_read_its_agreement_request_in_the_outbox(
    owner, sales_lead, marketing_lead, seller, marketer
):
    from accord.jobs.testing import run_queued_jobs
    from accord.mail.models import CapturedMessage

    goal = _goal(owner, seller, marketer)
    services.goal_propose(membership=sales_lead, goal=goal)
    run_queued_jobs()
    message = CapturedMessage.objects.get(recipients=marketing_lead.user.email)
    for member in (seller, marketer):
        client = client_for(member)
        assert message.subject in client.get("/o/acme/outbox/").content.decode().replace(
            "&#x27;", "'"
        )
        assert client.get(f"/o/acme/outbox/{message.pk}/").status_code == 200


def test_a_goal_page_writes_amounts_and_the_direction_as_people_read_them(owner, seller, marketer):
    goal = services.goal_create(
        membership=owner,
        title="Sourced pipeline",
        metric="marketing_sourced_pipeline",
        unit="EUR",
        baseline=Decimal("400000"),
        target=Decimal("650000"),
        sales_owner=seller,
        marketing_owner=marketer,
    )
    html = client_for(owner).get(f"/o/acme/goals/{goal.pk}/").content.decode()
    assert "400,000 → 650,000 EUR (higher is better)" in html
    assert "E+5" not in html and "(up (higher" not in html.lower()
    board = client_for(owner).get("/o/acme/goals/").content.decode()
    assert "400,000 → 650,000 EUR" in board
