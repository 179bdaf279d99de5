"""``accord token create --org SLUG --user EMAIL``: a personal API token."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.orgs.management.commands.org import fail
from accord.orgs.models import ApiToken, Membership
from accord.orgs.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create or revoke personal API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token; the secret is printed once.")
        create.add_argument("--org", required=True)
        create.add_argument("--user", required=True)
        create.add_argument("--name", default="CLI")
        create.add_argument("--json", action="store_true")
        revoke = sub.add_parser("revoke", help="Revoke a token by the prefix shown in the UI.")
        revoke.add_argument("--org", required=True)
        revoke.add_argument("--user", required=True)
        revoke.add_argument("prefix")

    def _membership(self, slug: str, email: str) -> Membership:
        membership = (
            Membership.objects.select_related("organization", "user")
            .filter(organization__slug=slug, user__email__iexact=email)
            .first()
        )
        if membership is None:
            raise CommandError(f"user: {email} is not a member of '{slug}'.")
        return membership

    def handle(self, *args: Any, **options: Any) -> None:
        membership = self._membership(options["org"], options["user"])
        if options["action"] == "revoke":
            matches = list(
                ApiToken.objects.filter(
                    organization=membership.organization,
                    user=membership.user,
                    prefix=options["prefix"],
                    revoked_at__isnull=True,
                )[:2]
            )
            if not matches:
                raise CommandError(f"prefix: no active token starting with '{options['prefix']}'.")
            if len(matches) > 1:
                raise CommandError(
                    f"prefix: several tokens start with '{options['prefix']}'; "
                    "revoke it on the API tokens page instead."
                )
            token = matches[0]
            api_token_revoke(membership=membership, token=token)
            self.stdout.write(f"Revoked {token.name} ({token.prefix}…).")
            return
        try:
            issued = api_token_create(membership=membership, name=options["name"])
        except ValidationError as error:
            raise fail(error) from None
        if options["json"]:
            self.stdout.write(json.dumps({"token": issued.secret, "prefix": issued.token.prefix}))
        else:
            self.stdout.write(issued.secret)
