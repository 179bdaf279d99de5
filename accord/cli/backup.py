"""Backing up and restoring the database Accord is configured with.

SQLite is copied with SQLite's online backup (the web and the worker may keep
running: the copy is one consistent snapshot, WAL included). PostgreSQL is
dumped with ``pg_dump --format=custom`` and restored with ``pg_restore`` into
an empty database, in one transaction, so a failed restore leaves the target
as empty as it was. ``row_counts`` is how a restore is checked: every table of
the source and of the copy, counted.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connection


class BackupError(Exception):
    """A backup or a restore that could not be made; the message says why."""


def _settings() -> dict[str, Any]:
    return dict(connection.settings_dict)


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def _pg_environment(settings: dict[str, Any]) -> dict[str, str]:
    """libpq's own variables, so no password ever appears on a command line."""
    environment = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if settings.get(key):
            environment[variable] = str(settings[key])
    return environment


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found: install PostgreSQL's client tools "
            f"(on Debian: apt-get install postgresql-client) at the server's version or newer."
        )
    return path


def _run(command: list[str], settings: dict[str, Any]) -> None:
    finished = subprocess.run(  # noqa: S603 - a fixed argv of PostgreSQL's tools, no shell
        command, env=_pg_environment(settings), capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        detail = (finished.stderr or finished.stdout).strip().splitlines()
        last = detail[-1] if detail else "no output"
        raise BackupError(f"{Path(command[0]).name} failed: {last}")


def backup_to(path: Path) -> None:
    """Write a consistent copy of the whole database to ``path`` (replaced if present)."""
    settings = _settings()
    path = path.resolve()
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory.")
    if _is_sqlite():
        source = sqlite3.connect(str(settings["NAME"]))
        target = sqlite3.connect(str(path))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={path}"], settings)


def table_names() -> list[str]:
    """Every table of the configured database, Django's and the libraries' alike."""
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def restore_from(path: Path) -> None:
    """Load the backup at ``path`` into the configured database, which must be empty.

    Refuses (BackupError) a missing file, a file that is not a backup of the
    configured kind of database, and a target that already holds tables: a
    restore never mixes two databases.
    """
    path = path.resolve()
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    existing = table_names()
    if existing:
        raise BackupError(
            f"The target database is not empty ({len(existing)} tables): "
            "restore into a new, empty database."
        )
    settings = _settings()
    if _is_sqlite():
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not an SQLite backup ({error}).") from error
        connection.close()
        target = sqlite3.connect(str(settings["NAME"]))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    _run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={settings['NAME']}",
            str(path),
        ],
        settings,
    )


def row_counts() -> dict[str, int]:
    """The number of rows in every table of the configured database."""
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for name in table_names():
            quoted = connection.ops.quote_name(name)  # a name introspection returned
            cursor.execute(f"SELECT count(*) FROM {quoted}")  # noqa: S608
            counts[name] = int(cursor.fetchone()[0])
    return counts
