"""``accord org create SLUG --name NAME --owner EMAIL``: scripted set-up."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.accounts.services import password_set_link, user_ensure
from accord.orgs.services import organization_create


def fail(error: ValidationError) -> CommandError:
    """A CommandError naming each invalid field."""
    if hasattr(error, "error_dict"):
        text = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    else:
        text = " ".join(error.messages)
    return CommandError(text)


class Command(BaseCommand):
    help = "Manage organisations."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create an organisation and its owner.")
        create.add_argument("slug", help="Address of the organisation: /o/<slug>/")
        create.add_argument("--name", required=True)
        create.add_argument("--owner", required=True, help="Owner's email; created if new.")
        create.add_argument("--time-zone", default="UTC")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ensured = user_ensure(email=options["owner"])
            organization = organization_create(
                name=options["name"],
                slug=options["slug"],
                owner=ensured.user,
                time_zone=options["time_zone"],
            )
        except ValidationError as error:
            raise fail(error) from None
        self.stdout.write(f"Created {organization.name} at /o/{organization.slug}/")
        if ensured.created or not ensured.user.has_usable_password():
            self.stdout.write(
                f"{ensured.user.email} sets a password with this one-time link:\n"
                f"  {password_set_link(ensured.user)}"
            )
