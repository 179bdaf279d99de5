"""Pipeline fixtures: Acme's sales lead Sam and an active hand-off agreement."""

from __future__ import annotations

import pytest

from accord.orgs.models import Membership, Role, TeamKind
from accord.orgs.tests.factories import team_of
from accord.pipeline.services import agreement_agree, agreement_propose


@pytest.fixture
def sam(acme):
    from accord.accounts.tests.factories import UserFactory

    user = UserFactory.create(email="sam@acme.example", name="Sam Lead")
    return Membership.objects.create(
        organization=acme, user=user, role=Role.SALES_LEAD, team=team_of(acme, TeamKind.SALES)
    )


@pytest.fixture
def agreement(acme, carol, sam):
    """Acme's active agreement: 4 business hours to touch, 2 business days to decide,
    9-17 in UTC, 10 MQLs a month."""
    carol_m = acme.memberships.get(user=carol)
    proposed = agreement_propose(
        membership=carol_m,
        mql_definition="Acme ICP with a demo request",
        monthly_mql_commitment=10,
        first_touch_hours=4,
        decision_days=2,
    )
    agreement_agree(membership=carol_m, agreement=proposed)
    active = agreement_agree(membership=sam, agreement=proposed)
    # Held to the agreement from long ago, so the tests' dates count.
    from datetime import UTC, datetime

    active.activated_at = datetime(2025, 1, 1, tzinfo=UTC)
    active.save()
    return active


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    """Uploaded import files land in the test's own directory, not var/."""
    settings.VAR_DIR = tmp_path
