"""The demo organisation, Northwind, and its people. Idempotent: a second run changes nothing.

The apps' own demo data is added by ``accord.cli.demo``, which runs each
app's seeder after this.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from accord.accounts.services import user_ensure
from accord.orgs.models import Membership, Organization, Role, TeamKind
from accord.orgs.services import member_add, organization_create

DEMO_SLUG = "northwind"
DEMO_PASSWORD = "accord-demo"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: Role
    team: TeamKind | None
    title: str


PEOPLE = [
    DemoPerson("nadia@northwind.example", "Nadia Okafor", Role.OWNER, None, "CEO"),
    DemoPerson("sam@northwind.example", "Sam Reyes", Role.SALES_LEAD, TeamKind.SALES, "VP Sales"),
    DemoPerson(
        "maya@northwind.example",
        "Maya Chen",
        Role.MARKETING_LEAD,
        TeamKind.MARKETING,
        "VP Marketing",
    ),
    DemoPerson(
        "alex@northwind.example", "Alex Kim", Role.MEMBER, TeamKind.SALES, "Account executive"
    ),
    DemoPerson("jordan@northwind.example", "Jordan Diaz", Role.MEMBER, TeamKind.SALES, "SDR"),
    DemoPerson(
        "priya@northwind.example",
        "Priya Nair",
        Role.MEMBER,
        TeamKind.MARKETING,
        "Content marketer",
    ),
    DemoPerson(
        "leo@northwind.example",
        "Leo Martin",
        Role.MEMBER,
        TeamKind.MARKETING,
        "Demand generation",
    ),
    DemoPerson("vera@northwind.example", "Vera Lind", Role.VIEWER, None, "Board observer"),
]


@transaction.atomic
def demo_organization() -> tuple[Organization, dict[str, Membership]]:
    """Create Northwind and its people if missing; return it and its members by email."""
    users = {
        p.email: user_ensure(email=p.email, name=p.name, password=DEMO_PASSWORD).user
        for p in PEOPLE
    }
    owner = users[PEOPLE[0].email]
    organization = Organization.objects.filter(slug=DEMO_SLUG).first()
    if organization is None:
        organization = organization_create(
            name="Northwind", slug=DEMO_SLUG, owner=owner, time_zone="Europe/London"
        )
        # Northwind's deals are in euros (the pipeline demo's amounts).
        Organization.objects.filter(pk=organization.pk).update(currency="EUR")
        organization.currency = "EUR"
    people: dict[str, Membership] = {}
    for person in PEOPLE:
        membership = Membership.objects.filter(
            organization=organization, user=users[person.email]
        ).first()
        if membership is None:
            team = organization.teams.filter(kind=person.team).first() if person.team else None
            membership = member_add(
                organization=organization,
                user=users[person.email],
                role=person.role,
                team=team,
                actor=owner,
            )
        people[person.email] = membership
    return organization, people
