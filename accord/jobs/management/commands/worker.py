"""``accord worker``: run queued jobs until stopped.

It is django-tasks-db's ``db_worker`` for every queue of the database
backend, with a safer stop (see ``accord.jobs.worker``): Ctrl-C or SIGTERM
finish the job in hand, then exit with status 0; nothing is lost, since a job
is marked done in the same database that queued it. Any number of workers may
run against one database, on any number of machines.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TASKS_LOGGER, task_backends

from accord.jobs.worker import make_worker


class Command(BaseCommand):
    help = "Run Accord's background jobs (email, chat, webhooks, imports)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle."
        )
        parser.add_argument("--batch", action="store_true", help="Run what is due now, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after this many.")
        parser.add_argument("--worker-id", default=None, help="Unique name of this worker.")
        parser.add_argument(
            "--no-chains",
            action="store_true",
            help="Do not start the instance's recurring jobs (e.g. the rollups refresh).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not isinstance(task_backends["default"], DatabaseBackend):
            raise CommandError("The default TASKS backend is not the database backend.")
        if options["interval"] < 0:
            raise CommandError("--interval cannot be negative.")
        if options["max_tasks"] is not None and options["max_tasks"] <= 0:
            raise CommandError("--max-tasks must be at least 1.")
        level = {0: logging.WARNING, 1: logging.INFO}.get(options["verbosity"], logging.DEBUG)
        for name in (TASKS_LOGGER, "django_tasks_db", "accord.jobs"):
            logging.getLogger(name).setLevel(level)
        worker = make_worker(
            interval=options["interval"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            start_chains=not options["no_chains"],
        )
        with worker.stoppable():
            worker.run()
