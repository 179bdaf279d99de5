"""``accord bench-data --org SLUG [--leads N] [--responses N] [--activity N] [--orgs N]``.

Fills an organisation (created if missing, unless ``--existing``) with
realistic history through the database's bulk path, for benchmarks: leads
over 24 months with SLA timestamps, rejections and opportunities; monthly
survey campaigns with recipients, responses and follow-ups; activity logs.
The counts are totals, so running it again changes nothing. With
``--orgs N`` it fills N organisations, SLUG-1 to SLUG-N, alike.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.cli.benchdata import Sizes, bench_data


class Command(BaseCommand):
    help = (
        "Fill an organisation (or --orgs N of them) with realistic history for benchmarks: "
        "leads, opportunities, survey responses, activity logs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug (or prefix)")
        parser.add_argument("--leads", type=int, default=50_000, help="Leads it should hold")
        parser.add_argument(
            "--responses", type=int, default=10_000, help="Survey responses it should hold"
        )
        parser.add_argument(
            "--activity", type=int, default=10_000, help="Activity logs it should hold"
        )
        parser.add_argument(
            "--orgs", type=int, default=None, help="Fill N organisations, SLUG-1 … SLUG-N"
        )
        parser.add_argument(
            "--existing",
            action="store_true",
            help="Refuse an organisation that does not exist instead of creating it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug: str = options["org"]
        count = options["orgs"]
        if count is not None and count < 1:
            raise CommandError(f"orgs: give 1 or more organisations, not {count}.")
        slugs = [slug] if count is None else [f"{slug}-{i}" for i in range(1, count + 1)]
        sizes = Sizes(
            leads=options["leads"], responses=options["responses"], activity=options["activity"]
        )
        began = time.perf_counter()
        try:
            filled = bench_data(
                slugs=slugs,
                sizes=sizes,
                create=not options["existing"],
                progress=lambda line: self.stderr.write(line) if options["verbosity"] else None,
            )
        except ValidationError as error:
            raise CommandError(
                " ".join(
                    f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
                )
            ) from None
        for done in filled:
            totals = ", ".join(f"{n:,} {name}" for name, n in done.totals.items())
            added = ", ".join(f"{n:,} {name}" for name, n in done.added.items()) or "nothing"
            self.stdout.write(f"{done.organization.slug}: {totals} (added {added})")
        self.stdout.write(f"done in {time.perf_counter() - began:.1f} s")
