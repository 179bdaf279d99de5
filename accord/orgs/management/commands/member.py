"""``accord member add SLUG EMAIL --role ROLE --team TEAM``: scripted set-up."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.accounts.services import password_set_link, user_ensure
from accord.orgs.management.commands.org import fail
from accord.orgs.models import Organization, Role, Team
from accord.orgs.services import member_add


class Command(BaseCommand):
    help = "Manage members of an organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add (or update) a member; creates the account if new.")
        add.add_argument("slug")
        add.add_argument("email")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--team", default=None, help="Team name, e.g. Sales or Marketing.")
        add.add_argument("--name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["slug"]).first()
        if organization is None:
            raise CommandError(f"slug: no organisation '{options['slug']}'.")
        team = None
        if options["team"]:
            team = Team.objects.filter(
                organization=organization, name__iexact=options["team"]
            ).first()
            if team is None:
                names = ", ".join(organization.teams.values_list("name", flat=True))
                raise CommandError(f"team: no team '{options['team']}' (teams: {names}).")
        try:
            ensured = user_ensure(email=options["email"], name=options["name"])
            membership = member_add(
                organization=organization, user=ensured.user, role=options["role"], team=team
            )
        except ValidationError as error:
            raise fail(error) from None
        team_text = f" in {membership.team.name}" if membership.team else ""
        self.stdout.write(
            f"{ensured.user.email} is {membership.get_role_display()}{team_text} "
            f"of {organization.name}."
        )
        if ensured.created:
            self.stdout.write(f"Password link (one-time):\n  {password_set_link(ensured.user)}")
