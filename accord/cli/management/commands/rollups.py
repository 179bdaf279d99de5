"""``accord rollups rebuild [--org SLUG]``.

Recomputes the summary tables (SLA compliance and NPS by month; the funnel,
SLA compliance per person and the rejection reasons by cohort month; NPS by
account owner, campaign, language and segment by month; NPS and survey
sends by day; each campaign's recipient, sent and responded counts) of one
organisation, or of every organisation, from their history. They are kept
up to date as data changes; rebuilding is for after a restore or a repair.
An unknown organisation or action exits non-zero with a message.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.insights.rollups import rollups_rebuild, rollups_schedule_ensure
from accord.orgs.models import Organization


class Command(BaseCommand):
    help = (
        "Recompute the rollups (SLA compliance, the funnel, rejection reasons and NPS,"
        " by month and by group) from history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", help="What to do: rebuild")
        parser.add_argument("--org", help="Only this organisation (its slug)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "rebuild":
            raise CommandError(f"Unknown action '{options['action']}': the only one is rebuild.")
        slug = options["org"]
        if slug is not None:
            organization = Organization.objects.filter(slug=slug).first()
            if organization is None:
                raise CommandError(f"--org: no organisation '{slug}'.")
            organizations = [organization]
        else:
            organizations = list(Organization.objects.order_by("pk"))
        for organization in organizations:
            began = time.perf_counter()
            rollups_rebuild(organization)
            self.stdout.write(
                f"{organization.slug}: rollups rebuilt in {time.perf_counter() - began:.1f} s"
            )
        rollups_schedule_ensure()
        if not organizations:
            self.stdout.write("No organisations.")
