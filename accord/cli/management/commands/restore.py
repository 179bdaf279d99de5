"""``accord restore FILE``: load a backup made by ``accord backup`` into an
empty database (a new SQLite path or a freshly created PostgreSQL database,
named by DATABASE_URL). A database that already holds tables is refused.
After a restore, ``accord migrate`` brings an older backup up to this version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.cli.backup import BackupError, restore_from, row_counts


class Command(BaseCommand):
    help = "Restore a backup made by `accord backup` into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup to restore.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restore_from(options["file"])
        except BackupError as error:
            raise CommandError(f"file: {error}") from error
        rows = sum(row_counts().values())
        self.stdout.write(f"Restored {rows:,} rows from {options['file']}.")
