"""Acme's people on the pulse's pinned clock (a Monday, 2 November 2026), and
the demo organisation Northwind seen on 20 November 2026."""

from datetime import UTC, datetime

import pytest
import time_machine

from accord.cli.demo import seed_demo
from accord.orgs.models import Membership, Role
from accord.pulse.tests.conftest import (  # noqa: F401
    NOW,
    clock,
    goals,
    marketer,
    marketing_lead,
    owner,
    sales_lead,
    seller,
    viewer,
)

DEMO_NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def northwind(db):
    with time_machine.travel(DEMO_NOW, tick=False):
        organization = seed_demo()
        owner = Membership.objects.filter(organization=organization, role=Role.OWNER).first()
        assert owner is not None
        yield organization, owner
