from __future__ import annotations

import pytest

from accord.feedback.tests.factories import TOKEN, RecipientFactory
from accord.orgs.models import Membership, Role, TeamKind
from accord.orgs.tests.factories import team_of


@pytest.fixture
def owner(acme, alice) -> Membership:
    return Membership.objects.get(organization=acme, user=alice)


@pytest.fixture
def bob_member(acme, bob) -> Membership:
    return Membership.objects.get(organization=acme, user=bob)


@pytest.fixture
def carol_member(acme, carol) -> Membership:
    return Membership.objects.get(organization=acme, user=carol)


@pytest.fixture
def dave_member(acme) -> Membership:
    """Acme's sales lead."""
    from accord.accounts.tests.factories import UserFactory

    user = UserFactory.create(email="dave@acme.example", name="Dave Saleslead")
    return Membership.objects.create(
        organization=acme, user=user, role=Role.SALES_LEAD, team=team_of(acme, TeamKind.SALES)
    )


@pytest.fixture
def recipient(acme):
    """Someone at Acme's customer who was sent a survey; ``TOKEN`` opens it."""
    return RecipientFactory.create(organization=acme, token=TOKEN)
