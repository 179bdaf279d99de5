"""Partnership goals: fields, validation, and buy-in from both leads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.goals import services
from accord.goals.models import Agreement, GoalEvent, GoalStatus
from accord.jobs.testing import run_queued_jobs
from accord.mail.models import CapturedMessage

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def create(by, sales_owner, marketing_owner, **overrides):
    fields = {
        "title": "Acme: more MQLs become SQLs",
        "why": "Sales time goes to leads that close.",
        "metric": "mql_to_sql_conversion",
        "baseline": "12",
        "target": "20",
        "sales_owner": sales_owner,
        "marketing_owner": marketing_owner,
    }
    fields.update(overrides)
    return services.goal_create(membership=by, **fields)


def test_it_creates_a_draft_for_the_current_quarter(owner, seller, marketer):
    goal = create(owner, seller, marketer)

    assert goal.status == GoalStatus.DRAFT
    start, end = services.quarter_of(services.today())
    assert (goal.period_start, goal.period_end) == (start, end)
    assert goal.direction == "up"
    assert goal.unit == "%"
    assert goal.metric_moves == "Pipeline creation"
    assert GoalEvent.objects.filter(goal=goal, action="create").exists()


def test_it_allows_any_date_range(owner, seller, marketer):
    goal = create(
        owner, seller, marketer, period_start=dt.date(2026, 1, 15), period_end=dt.date(2026, 2, 20)
    )
    assert goal.period_end == dt.date(2026, 2, 20)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"target": "12"}, "target", "differ from the baseline"),
        (
            {"period_start": dt.date(2026, 5, 1), "period_end": dt.date(2026, 4, 1)},
            "period_end",
            "end on or after",
        ),
        ({"metric": "page_views"}, "metric", "vanity metric"),
        ({"metric": "impressions"}, "metric", "Marketing-influenced pipeline"),
        ({"metric": "custom", "metric_name": "Demo requests"}, "metric_moves", "revenue stage"),
        (
            {"metric": "custom", "metric_name": "Email open rate", "metric_moves": "x"},
            "metric_name",
            "vanity metric",
        ),
        ({"direction": "down"}, "target", "below the baseline"),
        ({"title": " "}, "title", "title"),
    ],
)
def test_it_refuses_bad_goals_naming_the_field(owner, seller, marketer, overrides, field, words):
    with pytest.raises(ValidationError) as caught:
        create(owner, seller, marketer, **overrides)
    assert words in " ".join(caught.value.message_dict[field])


def test_it_refuses_an_owner_from_the_wrong_team(owner, seller, marketer):
    with pytest.raises(ValidationError) as caught:
        create(owner, marketer, seller)
    assert "not in the Sales team" in caught.value.message_dict["sales_owner"][0]
    assert "not in the Marketing team" in caught.value.message_dict["marketing_owner"][0]


def test_it_accepts_a_custom_metric_that_says_what_it_moves(owner, seller, marketer):
    goal = create(
        owner,
        seller,
        marketer,
        metric="custom",
        metric_name="Demo requests accepted",
        metric_moves="Pipeline creation",
        unit="requests",
    )
    assert goal.metric_label == "Demo requests accepted"


def test_it_lets_only_leads_admins_and_owners_create(seller, marketer, viewer):
    for who in (seller, marketer, viewer):
        with pytest.raises(PermissionDenied):
            create(who, seller, marketer)


def test_it_becomes_active_when_both_leads_agree(
    owner, sales_lead, marketing_lead, seller, marketer
):
    goal = create(owner, seller, marketer)
    services.goal_propose(membership=owner, goal=goal)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.PROPOSED

    services.goal_agree(membership=sales_lead, goal=goal, comment="Yes, if leads are scored")
    goal.refresh_from_db()
    assert goal.status == GoalStatus.PROPOSED

    services.goal_agree(membership=marketing_lead, goal=goal)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACTIVE
    agreed = Agreement.objects.filter(goal=goal, version=goal.version)
    assert {(a.side, a.member_label) for a in agreed} == {
        ("sales", "sam@acme.example"),
        ("marketing", "carol@acme.example"),
    }
    assert agreed.get(side="sales").comment == "Yes, if leads are scored"
    actions = list(GoalEvent.objects.filter(goal=goal).values_list("action", flat=True))
    assert actions == ["create", "propose", "agree", "agree", "activate"]


def test_it_records_a_proposing_leads_agreement_and_emails_the_other_lead(
    sales_lead, marketing_lead, seller, marketer
):
    goal = create(sales_lead, seller, marketer)
    services.goal_propose(membership=sales_lead, goal=goal, comment="Let's do it")

    assert Agreement.objects.get(goal=goal).side == "sales"
    run_queued_jobs()
    mail = CapturedMessage.objects.get()
    assert mail.to == ["carol@acme.example"]
    assert goal.title in mail.subject
    assert f"/o/acme/goals/{goal.pk}/" in mail.text_body


def test_it_refuses_a_lead_agreeing_twice_or_for_the_other_side(
    sales_lead, marketing_lead, seller, marketer
):
    goal = create(sales_lead, seller, marketer)
    services.goal_propose(membership=sales_lead, goal=goal)
    with pytest.raises(ValidationError, match="already agreed"):
        services.goal_agree(membership=sales_lead, goal=goal)
    with pytest.raises(PermissionDenied):
        services.goal_agree(membership=sales_lead, goal=goal, side="marketing")


def test_it_asks_an_owner_without_a_team_which_side(owner, seller, marketer):
    goal = create(owner, seller, marketer)
    services.goal_propose(membership=owner, goal=goal)
    with pytest.raises(ValidationError) as caught:
        services.goal_agree(membership=owner, goal=goal)
    assert "side" in caught.value.message_dict


def test_it_needs_a_reason_to_decline_and_sends_the_goal_back_to_draft(
    owner, sales_lead, marketing_lead, seller, marketer
):
    goal = create(owner, seller, marketer)
    services.goal_propose(membership=sales_lead, goal=goal)
    with pytest.raises(ValidationError) as caught:
        services.goal_decline(membership=marketing_lead, goal=goal, reason=" ")
    assert "reason" in caught.value.message_dict

    services.goal_decline(membership=marketing_lead, goal=goal, reason="Target too low")
    goal.refresh_from_db()
    assert goal.status == GoalStatus.DRAFT
    declined = Agreement.objects.get(decision="declined")
    assert (declined.side, declined.comment) == ("marketing", "Target too low")

    # Proposed again: the sales lead's earlier agreement belongs to the old version.
    services.goal_propose(membership=owner, goal=goal)
    services.goal_agree(membership=marketing_lead, goal=goal)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.PROPOSED


def test_it_reopens_agreement_when_the_target_changes_and_tells_both_leads(
    owner, sales_lead, marketing_lead, seller, marketer
):
    goal = create(owner, seller, marketer)
    services.goal_propose(membership=sales_lead, goal=goal)
    services.goal_agree(membership=marketing_lead, goal=goal)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACTIVE
    run_queued_jobs()
    CapturedMessage.objects.all().delete()

    services.goal_update(membership=owner, goal=goal, target=Decimal("25"))
    goal.refresh_from_db()

    assert goal.status == GoalStatus.PROPOSED
    assert goal.version == 2
    run_queued_jobs()
    assert sorted(m.to[0] for m in CapturedMessage.objects.all()) == [
        "carol@acme.example",
        "sam@acme.example",
    ]
    reopen = GoalEvent.objects.get(goal=goal, action="reopen")
    assert "target" in reopen.detail


def test_it_keeps_a_goal_active_when_only_its_title_changes(
    owner, sales_lead, marketing_lead, seller, marketer
):
    goal = create(owner, seller, marketer)
    services.goal_propose(membership=sales_lead, goal=goal)
    services.goal_agree(membership=marketing_lead, goal=goal)

    services.goal_update(membership=owner, goal=goal, title="Acme: better leads")
    goal.refresh_from_db()
    assert (goal.status, goal.version) == (GoalStatus.ACTIVE, 1)


def test_it_closes_an_active_goal_at_period_end_with_a_note(
    owner, sales_lead, marketing_lead, seller, marketer
):
    goal = create(
        owner,
        seller,
        marketer,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 3, 31),
    )
    services.goal_propose(membership=sales_lead, goal=goal)
    services.goal_agree(membership=marketing_lead, goal=goal)
    with pytest.raises(ValidationError) as caught:
        services.goal_close(membership=owner, goal=goal, outcome="achieved", note="")
    assert "note" in caught.value.message_dict

    services.goal_close(membership=owner, goal=goal, outcome="achieved", note="Hit 21%")
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED
    assert goal.closed_note == "Hit 21%"
    with pytest.raises(ValidationError):
        services.goal_update(membership=owner, goal=goal, title="Later")


def test_it_refuses_achieved_before_the_period_ends_but_drops_any_time(
    owner, sales_lead, marketing_lead, seller, marketer
):
    # A period that ends a month from now, whatever today is: the quarter of
    # today would end today on a quarter's last day.
    today = services.today()
    goal = create(
        owner,
        seller,
        marketer,
        period_start=today,
        period_end=today + dt.timedelta(days=30),
    )
    services.goal_propose(membership=sales_lead, goal=goal)
    services.goal_agree(membership=marketing_lead, goal=goal)
    with pytest.raises(ValidationError) as caught:
        services.goal_close(membership=owner, goal=goal, outcome="missed", note="x")
    assert "period ends" in caught.value.message_dict["outcome"][0]

    services.goal_close(membership=owner, goal=goal, outcome="dropped", note="Priorities moved")
    goal.refresh_from_db()
    assert goal.status == GoalStatus.DROPPED


def test_it_keeps_the_goal_when_an_owner_leaves_the_organisation(owner, seller, marketer):
    from accord.orgs.services import member_remove

    goal = create(owner, seller, marketer)
    member_remove(membership=owner, target=seller)
    goal.refresh_from_db()
    assert goal.sales_owner is None
    with pytest.raises(ValidationError) as caught:
        services.goal_update(membership=owner, goal=goal, title="Acme renamed")
    assert "sales_owner" in caught.value.message_dict
