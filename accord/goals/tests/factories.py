"""Factories for the Goals section, and the people of a goal's buy-in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from accord.accounts.tests.factories import UserFactory
from accord.goals.models import ContentAsset, Goal, GoalKind, GoalStatus
from accord.orgs.models import Membership, Organization, Role, TeamKind
from accord.orgs.tests.factories import team_of


def member(organization: Organization, email: str, role: Role, kind: TeamKind | None) -> Membership:
    """A member of ``organization`` with ``role`` in the team of ``kind``."""
    user = UserFactory.create(email=email, name=email.split("@")[0].title())
    return Membership.objects.create(
        organization=organization,
        user=user,
        role=role,
        team=team_of(organization, kind) if kind else None,
    )


class GoalFactory(factory.django.DjangoModelFactory[Goal]):
    """A draft goal; pass ``sales_owner`` and ``marketing_owner`` of one organisation."""

    class Meta:
        model = Goal

    organization = factory.LazyAttribute(lambda o: o.sales_owner.organization)
    title = factory.Sequence(lambda n: f"Acme goal {n}")
    why = "So both teams pull the same way."
    kind = GoalKind.PARTNERSHIP
    metric = "mql_to_sql_conversion"
    unit = "%"
    baseline = Decimal("10")
    target = Decimal("20")
    direction = "up"
    period_start = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))
    period_end = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=60))
    status = GoalStatus.DRAFT


class ContentAssetFactory(factory.django.DjangoModelFactory[ContentAsset]):
    class Meta:
        model = ContentAsset

    title = factory.Sequence(lambda n: f"Acme case study {n}")
    kind = "case_study"
    url = "https://acme.example/case"
