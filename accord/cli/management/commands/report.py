"""``accord report --org SLUG --quarter 2026Q4 [--pdf FILE] [--json]``.

Prints the quarterly alignment report: a short summary, or with ``--json``
the same JSON as ``GET /api/v1/insights/report``; ``--pdf FILE`` also writes
the PDF (``-`` for standard output is refused: the PDF is binary). A bad
quarter or organisation exits non-zero with a message naming the option.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.insights.delivery import reader_of, report_pdf
from accord.insights.health import local_today
from accord.insights.quarters import quarter_parse
from accord.insights.report import report_as_dict, report_build
from accord.orgs.models import Organization


class Command(BaseCommand):
    help = "The quarterly alignment report of an organisation: a summary, --json, or --pdf FILE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug")
        parser.add_argument("--quarter", required=True, help="The quarter, as 2026Q4")
        parser.add_argument("--pdf", metavar="FILE", help="Also write the report as a PDF")
        parser.add_argument("--json", action="store_true", help="Machine-readable report")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"--org: no organisation '{options['org']}'.")
        try:
            quarter = quarter_parse(options["quarter"], today=local_today(organization))
        except ValidationError as error:
            raise CommandError(f"--quarter: {' '.join(error.message_dict['quarter'])}") from None
        if options["pdf"] in ("", "-"):
            raise CommandError("--pdf: give a file name; the PDF is not written to the terminal.")
        try:
            reader = reader_of(organization)
        except LookupError as error:
            raise CommandError(f"--org: {error}") from None
        report = report_build(reader, quarter)
        if options["pdf"]:
            path = Path(options["pdf"])
            if not path.parent.is_dir():
                raise CommandError(f"--pdf: no folder {path.parent}.")
            path.write_bytes(report_pdf(report))
        if options["json"]:
            self.stdout.write(json.dumps(report_as_dict(report), indent=2))
            return
        self.stdout.write(self.summary(report_as_dict(report)))
        if options["pdf"]:
            self.stdout.write(f"PDF written to {options['pdf']}")

    @staticmethod
    def summary(data: dict[str, Any]) -> str:
        def number(value: float | None, empty: str) -> str:
            return f"{value:.1f}" if value is not None else empty

        nps = data["nps"]
        lines = [
            f"{data['organization']}: alignment report {data['quarter']} "
            f"({data['start']} to {data['end']}"
            + ("" if data["complete"] else f", to date {data['through']}")
            + ")",
            f"  Alignment health  {number(data['health_score'], 'no data')}",
            f"  Customer NPS      {number(nps['nps'], 'no responses')} (n={nps['n']})",
            f"  Pulse balance     {number(data['pulse_balance_pct'], 'no votes')}"
            f" ({data['pulse_votes']} votes)",
            f"  Goals             {len(data['goals'])}: "
            + (", ".join(f"{n} {k}" for k, n in data["goal_outcomes"].items()) or "none"),
            f"  Joint meetings    {data['collaborative']} collaborative, "
            f"{data['report_outs']} report-outs, {data['decisions_count']} decisions",
        ]
        return "\n".join(lines)
