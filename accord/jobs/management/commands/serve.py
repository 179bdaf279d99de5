"""``accord serve``: the web server and a job worker, side by side.

Migrates first. Ctrl-C (or SIGTERM) stops both: the worker finishes the job
in hand, gunicorn its requests in flight. Several may run on one machine,
each on its own port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Accord (gunicorn) with a background job worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", "2")),
            help="gunicorn worker processes",
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per web worker")
        parser.add_argument("--no-worker", action="store_true", help="serve pages only")
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        host, port = options["host"], options["port"]
        web = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                sys.executable,
                "-m",
                "gunicorn",
                "accord.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(options["workers"]),
                "--threads",
                str(options["threads"]),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
                # gunicorn's control socket has one path per user by default,
                # so a second instance on the machine would take over the
                # first one's; Accord does not use it.
                "--no-control-socket",
            ]
        )
        processes = [web]
        if not options["no_worker"]:
            processes.append(
                subprocess.Popen([sys.executable, "-m", "accord", "worker"])  # noqa: S603
            )
        db = settings.DATABASES["default"]
        self.stdout.write(
            f"Accord is serving http://{host}:{port}/ "
            f"({db['ENGINE'].rsplit('.', 1)[-1]}: {db['NAME']}); "
            f"{'a job worker runs beside it' if len(processes) > 1 else 'no job worker'}. "
            "Ctrl-C stops."
        )
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(p.poll() is None for p in processes):
                time.sleep(0.3)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 20
            for process in processes:
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
            self.stdout.write("Stopped the web server and the worker.")
        failed = [p for p in processes if p.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            raise SystemExit(f"A process exited unexpectedly (code {failed[0].returncode}).")
