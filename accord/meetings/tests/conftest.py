"""People of Acme's meetings: sam (sales lead), carol (marketing lead), bob
(seller), mia (marketer), vic (viewer), alice (owner)."""

from __future__ import annotations

import pytest

from accord.conftest import membership
from accord.goals.tests.factories import member
from accord.orgs.models import Role, TeamKind


@pytest.fixture
def owner(alice, acme):
    return membership(alice, acme)


@pytest.fixture
def sales_lead(acme):
    return member(acme, "sam@acme.example", Role.SALES_LEAD, TeamKind.SALES)


@pytest.fixture
def marketing_lead(carol, acme):
    return membership(carol, acme)


@pytest.fixture
def seller(bob, acme):
    return membership(bob, acme)


@pytest.fixture
def marketer(acme):
    return member(acme, "mia@acme.example", Role.MEMBER, TeamKind.MARKETING)


@pytest.fixture
def viewer(acme):
    return member(acme, "vic@acme.example", Role.VIEWER, None)
