"""``accord nps --org SLUG [--by month|quarter|SEGMENT] [--since DATE] [--until DATE] [--json]``.

Besides the NPS overall and per group, it prints the change from the previous
period of the same length (``--since`` to ``--until``, the last 90 days
without them), with its interval and significance, as the Customers page and
the API give it (``accord.feedback.selectors.nps_compare``).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.feedback.selectors import nps_by, nps_compare, valid_segment
from accord.orgs.models import Organization


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name}: '{value}' is not a date like 2026-01-31.") from None


def _line(key: str, item: dict[str, Any]) -> str:
    if item["nps"] is None:
        return f"{key:<20} n=0"
    low, high = item["ci95"]
    warning = "  (small sample)" if item["small_sample"] else ""
    return (
        f"{key:<20} NPS {item['nps']:>6.1f}  95% CI {low:.1f} to {high:.1f}  n={item['n']}"
        f"  P={item['promoters']} N={item['passives']} D={item['detractors']}{warning}"
    )


def _change_line(change: dict[str, Any]) -> str:
    period = (
        f"{change['since']} to {change['until']} against "
        f"{change['previous_since']} to {change['previous_until']}"
    )
    if change["delta"] is None:
        return f"Change {period}: {change['reason']}"
    shown = f"Change {period}: {change['delta']:+.1f} points"
    if change["ci95"] is None:
        return f"{shown}  ({change['reason']})"
    low, high = change["ci95"]
    verdict = "significant" if change["significant"] else "not significant"
    return f"{shown}  95% CI {low:.1f} to {high:.1f}  {verdict}"


class Command(BaseCommand):
    help = "Net Promoter Score with n and its 95% confidence interval, overall and by group."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug")
        parser.add_argument(
            "--by", default="month", help="month, quarter, owner, campaign, or a segment attribute"
        )
        parser.add_argument("--since", help="From this date (inclusive), e.g. 2026-01-01")
        parser.add_argument("--until", help="Up to this date (exclusive)")
        parser.add_argument("--json", action="store_true", help="Print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"org: no organisation '{options['org']}'.")
        by = options["by"]
        if not valid_segment(by):
            raise CommandError(
                f"by: '{by}' is not month, quarter, owner, campaign or a segment attribute name."
            )
        since = _date(options["since"], "since") if options["since"] else None
        until = _date(options["until"], "until") if options["until"] else None
        if since and until and since >= until:
            raise CommandError("until: must be after since.")
        result = nps_by(organization, by=by, since=since, until=until).as_dict()
        try:
            comparison = nps_compare(organization, since=since, until=until)
        except ValueError as error:
            raise CommandError(f"since: {error}.") from None
        result["change"] = comparison.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(_line("All", result))
        for group in result["groups"]:
            self.stdout.write(_line(group["key"], group))
        self.stdout.write(_change_line(result["change"]))
