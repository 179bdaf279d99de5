"""Acme's people on the pulse's pinned clock (a Monday, 2 November 2026), and
the demo organisation Northwind seen on 20 November 2026."""

import pytest
import time_machine

from accord.orgs.models import Membership, Organization, Role
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
from accord.tests.clock import DEMO_NOW


@pytest.fixture
def northwind(northwind_seeded, db):
    """Northwind (seeded once per module) and its owner, seen at DEMO_NOW."""
    with time_machine.travel(DEMO_NOW, tick=False):
        organization = Organization.objects.get(pk=northwind_seeded)
        owner = Membership.objects.filter(organization=organization, role=Role.OWNER).first()
        assert owner is not None
        yield organization, owner
