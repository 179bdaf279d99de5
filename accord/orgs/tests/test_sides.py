"""Which side (sales or marketing) a member acts for: one rule for goals and the SLA."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.conftest import membership
from accord.goals import services as goal_services
from accord.goals.models import Agreement
from accord.goals.tests.factories import GoalFactory, member
from accord.orgs.models import Role, Side, TeamKind
from accord.orgs.selectors import side_acting, side_of
from accord.pipeline.services import agreement_agree, agreement_propose

pytestmark = pytest.mark.django_db


def _in_team(organization, email: str, role: Role, kind: TeamKind | None):
    return member(organization, email, role, kind)


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_it_gives_an_owner_or_admin_in_a_team_the_side_of_that_team(acme, role):
    in_sales = _in_team(acme, f"{role}-s@acme.example", role, TeamKind.SALES)
    in_marketing = _in_team(acme, f"{role}-m@acme.example", role, TeamKind.MARKETING)
    nowhere = _in_team(acme, f"{role}-n@acme.example", role, None)

    assert side_of(in_sales) == Side.SALES
    assert side_of(in_marketing) == Side.MARKETING
    assert side_of(nowhere) is None
    # Naming no side: their team's. Naming one: that one, even the other team's.
    assert side_acting(in_sales, None) == Side.SALES
    assert side_acting(in_sales, "marketing") == Side.MARKETING
    with pytest.raises(ValidationError) as caught:
        side_acting(nowhere, None)
    assert "side" in caught.value.message_dict


def test_it_binds_a_lead_to_their_own_side_whatever_their_team(acme):
    lead = _in_team(acme, "sl@acme.example", Role.SALES_LEAD, TeamKind.MARKETING)
    assert side_of(lead) == Side.SALES
    assert side_acting(lead, "") == Side.SALES
    with pytest.raises(PermissionDenied):
        side_acting(lead, "marketing")
    with pytest.raises(ValidationError):
        side_acting(lead, "finance")


def test_it_gives_a_member_no_side_to_answer_for(acme, bob):
    seller = membership(bob, acme)
    assert side_of(seller) == Side.SALES
    with pytest.raises(PermissionDenied):
        side_acting(seller, "sales")


def test_it_answers_the_same_in_goals_and_the_sla_for_an_owner_in_a_team(acme, carol):
    """An admin in the Sales team: goals and the hand-off agreement both take
    the Sales side by default and the named side when one is given."""
    admin = _in_team(acme, "ada@acme.example", Role.ADMIN, TeamKind.SALES)
    seller = _in_team(acme, "sel@acme.example", Role.MEMBER, TeamKind.SALES)
    marketer = _in_team(acme, "mar@acme.example", Role.MEMBER, TeamKind.MARKETING)

    goal = GoalFactory.create(sales_owner=seller, marketing_owner=marketer)
    goal_services.goal_propose(membership=admin, goal=goal)
    goal_services.goal_agree(membership=admin, goal=goal)
    assert list(Agreement.objects.filter(goal=goal).values_list("side", flat=True)) == ["sales"]

    agreement = agreement_propose(
        membership=membership(carol, acme),
        mql_definition="Demo requested",
        monthly_mql_commitment=10,
        first_touch_hours=4,
        decision_days=2,
    )
    agreement = agreement_agree(membership=admin, agreement=agreement)
    assert agreement.sales_agreed_by == admin
    assert agreement.marketing_agreed_by is None
    # Named side wins in both places (it used to be refused by the SLA alone).
    goal_services.goal_agree(membership=admin, goal=goal, side="marketing")
    assert set(Agreement.objects.filter(goal=goal).values_list("side", flat=True)) == {
        "sales",
        "marketing",
    }
