from __future__ import annotations

import factory

from accord.accounts.tests.factories import UserFactory
from accord.orgs.models import Membership, Organization, Role, Team, TeamKind
from accord.orgs.services import organization_create


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    """An organisation made by the real service: with Sales, Marketing and an owner."""

    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")

    @classmethod
    def _create(cls, model_class, *args, owner=None, **kwargs):
        owner = owner or UserFactory.create()
        return organization_create(name=kwargs["name"], slug=kwargs["slug"], owner=owner)


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER
    team = factory.LazyAttribute(lambda o: o.organization.teams.filter(kind=TeamKind.SALES).first())


def team_of(organization: Organization, kind: TeamKind) -> Team:
    return organization.teams.get(kind=kind)
