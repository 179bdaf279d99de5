"""``accord jobs list [--failed [--all]]`` and ``accord jobs retry ID``.

``list`` shows the queued and running jobs (a running one with the worker
holding its lease and when that lease expires); ``list --failed`` shows the
failed jobs of every organisation and of the instance itself that nobody has
retried yet (``--all``: those too). ``retry ID`` queues a failed job again with
a fresh set of attempts; a job already retried is refused, so it never runs
twice because of a repeated command.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.jobs.models import DeadJob, JobLease
from accord.jobs.selectors import dead_jobs_failed, jobs_unfinished
from accord.jobs.services import dead_job_retry


class Command(BaseCommand):
    help = "List queued, running or failed background jobs; retry a failed one."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="Queued and running jobs, or --failed ones.")
        listing.add_argument("--failed", action="store_true", help="Failed jobs instead.")
        listing.add_argument(
            "--all", action="store_true", help="With --failed: also those already retried."
        )
        retry = actions.add_parser("retry", help="Queue a failed job again.")
        retry.add_argument("id", type=int, help="The failed job's ID (from list --failed).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "retry":
            self.retry(options["id"])
        elif options["failed"]:
            self.list_failed(include_retried=options["all"])
        else:
            if options["all"]:
                raise CommandError("all: --all goes with --failed.")
            self.list_unfinished()

    def list_failed(self, *, include_retried: bool) -> None:
        jobs = list(dead_jobs_failed(include_retried=include_retried)[:500])
        if not jobs:
            self.stdout.write("No failed jobs.")
            return
        for dead in jobs:
            owner = dead.organization.slug if dead.organization else "(instance)"
            retried = f"  retried {dead.retried_at:%Y-%m-%d %H:%M}" if dead.retried_at else ""
            self.stdout.write(
                f"{dead.pk}  {dead.failed_at:%Y-%m-%d %H:%M}  {owner}  {dead.job_name}  "
                f"attempts={dead.attempts}  {dead.error.splitlines()[0][:120]}{retried}"
            )

    def list_unfinished(self) -> None:
        results = list(jobs_unfinished()[:500])
        if not results:
            self.stdout.write("No queued or running jobs.")
            return
        for result in results:
            args = result.args_kwargs.get("args") or [result.task_path]
            line = f"{result.pk}  {result.status}  {args[0]}"
            # A reverse one-to-one raises an AttributeError subclass when absent.
            lease: JobLease | None = getattr(result, "accord_lease", None)
            if result.status == "RUNNING" and lease is not None:
                line += f"  worker={lease.worker_id}  lease until {lease.expires_at:%H:%M:%S}"
            elif result.status == "READY":
                line += f"  due {result.run_after:%Y-%m-%d %H:%M}"
            self.stdout.write(line)

    def retry(self, pk: int) -> None:
        dead = DeadJob.objects.filter(pk=pk).first()
        if dead is None:
            raise CommandError(f"id: no failed job {pk} (see accord jobs list --failed).")
        if not dead_job_retry(dead_job=dead):
            raise CommandError(f"id: failed job {pk} was already retried; it is queued once.")
        self.stdout.write(f"Queued {dead.job_name} (failed job {pk}) again.")
