"""``accord funnel --org SLUG [--by source|campaign|month] [--since DATE] --json``."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.orgs.models import Organization
from accord.pipeline.selectors import GROUP_FIELDS, funnel


class Command(BaseCommand):
    help = "The lead funnel MQL → accepted → SQL → opportunity → won, by cohort month."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True)
        parser.add_argument("--by", choices=list(GROUP_FIELDS))
        parser.add_argument("--since", help="First cohort month, as a date: 2026-01-01")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"org: no organisation '{options['org']}'.")
        since = None
        if options["since"]:
            try:
                since = date.fromisoformat(options["since"])
            except ValueError:
                raise CommandError(
                    f"since: '{options['since']}' is not a date (2026-01-01)."
                ) from None
        result = funnel(organization, by=options["by"], since=since)
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        for stage in result["stages"]:
            conversion = stage["conversion_from_previous"]
            self.stdout.write(
                f"{stage['stage']:<12} {stage['count']:>10,}"
                + (f"  {conversion:5.1f}%" if conversion is not None else "")
            )
        for group in result["groups"]:
            counts = " → ".join(str(s["count"]) for s in group["stages"])
            self.stdout.write(f"{group['key']}: {counts}")
