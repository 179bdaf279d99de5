"""``accord meetings agenda --org SLUG [--json]``: the next meeting's agenda."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accord.meetings import selectors, services
from accord.meetings.models import Occurrence, Section
from accord.meetings.recurrence import zone
from accord.orgs.models import Organization


def agenda_of(occurrence: Occurrence) -> dict[str, Any]:
    """The occurrence and its agenda as plain data."""
    series = occurrence.series
    return {
        "occurrence": {
            "id": occurrence.pk,
            "series": series.name,
            "kind": series.kind,
            "starts_at": occurrence.starts_at.isoformat(),
            "local_start": occurrence.starts_at.astimezone(zone(series.time_zone)).isoformat(),
            "time_zone": series.time_zone,
            "agenda_built_at": (
                occurrence.agenda_built_at.isoformat() if occurrence.agenda_built_at else None
            ),
        },
        "items": [
            {
                "section": item.section,
                "title": item.title,
                "why": item.why,
                "source_url": item.source_url,
                "timebox_minutes": item.timebox_minutes,
                "carried_over": item.carried_from_id is not None,
            }
            for item in selectors.agenda(occurrence)
        ],
    }


class Command(BaseCommand):
    help = "Meetings: print the next meeting's agenda (building it if it is due)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        agenda = sub.add_parser("agenda", help="The next meeting's agenda")
        agenda.add_argument("--org", required=True, help="The organisation's slug")
        agenda.add_argument("--json", action="store_true", help="Print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"org: no organisation '{options['org']}'.")
        occurrence = selectors.next_occurrence_of(organization)
        if occurrence is None:
            if options["json"]:
                self.stdout.write(json.dumps({"occurrence": None, "items": []}))
            else:
                self.stdout.write("No upcoming meeting.")
            return
        due = occurrence.starts_at - dt.timedelta(hours=occurrence.series.agenda_lead_hours)
        if occurrence.agenda_built_at is None and timezone.now() >= due:
            services.agenda_build(occurrence)
            occurrence.refresh_from_db()
        data = agenda_of(occurrence)
        if options["json"]:
            self.stdout.write(json.dumps(data))
            return
        head = data["occurrence"]
        self.stdout.write(f"{head['series']} — {head['local_start']} ({head['time_zone']})")
        if head["agenda_built_at"] is None:
            self.stdout.write(f"The agenda builds itself from {due.isoformat()}.")
        labels = dict(Section.choices)
        section = None
        for item in data["items"]:
            if item["section"] != section:
                section = item["section"]
                self.stdout.write(f"\n{labels[section]}")
            box = f" ({item['timebox_minutes']} min)" if item["timebox_minutes"] else ""
            self.stdout.write(f"  - {item['title']}{box}")
            if item["why"]:
                self.stdout.write(f"      why: {item['why']}")
            if item["source_url"]:
                self.stdout.write(f"      source: {item['source_url']}")
