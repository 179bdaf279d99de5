"""``accord worker``: run queued jobs until stopped.

Ctrl-C or SIGTERM finish the job in hand, then exit; nothing is lost, since a
job is marked done in the same database that queued it. Any number of workers
may run against one database.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run Accord's background jobs (email, chat, webhooks, imports)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle."
        )
        parser.add_argument(
            "--batch", action="store_true", help="Run what is queued now, then exit."
        )
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after this many.")

    def handle(self, *args: Any, **options: Any) -> None:
        extra: list[str] = []
        if options["batch"]:
            extra.append("--batch")
        if options["max_tasks"]:
            extra += ["--max-tasks", str(options["max_tasks"])]
        call_command(
            "db_worker",
            "--queue-name=*",
            f"--interval={options['interval']}",
            "--no-reload",
            "--no-startup-delay",
            *extra,
            verbosity=options["verbosity"],
        )
