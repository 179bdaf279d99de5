"""``accord demo``: create the demo organisation Northwind (idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accord.cli.demo import seed_demo
from accord.orgs.demo import DEMO_PASSWORD, PEOPLE


class Command(BaseCommand):
    help = "Create the demo organisation Northwind and its people; safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        organization = seed_demo()
        self.stdout.write(
            f"Demo organisation: {organization.name} at {settings.SITE_URL}/o/{organization.slug}/"
        )
        self.stdout.write(f"Logins (password for all: {DEMO_PASSWORD}):")
        for person in PEOPLE:
            team = f", {person.team.label}" if person.team else ""
            self.stdout.write(f"  {person.email:<28} {person.role.label}{team} — {person.title}")
