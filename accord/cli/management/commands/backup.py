"""``accord backup FILE``: a consistent copy of the whole database.

SQLite: an online backup (a file SQLite opens directly); PostgreSQL: a
``pg_dump`` custom-format archive. Safe while the web and the worker run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.cli.backup import BackupError, backup_to, row_counts


class Command(BaseCommand):
    help = "Back up the whole database to FILE (restore it with `accord restore FILE`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Where to write the backup.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup_to(options["file"])
        except BackupError as error:
            raise CommandError(f"file: {error}") from error
        rows = sum(row_counts().values())
        self.stdout.write(f"Backed up {rows:,} rows to {options['file']}.")
