"""Back up the demo, restore it into a fresh database and compare row counts.

    .venv/bin/python ops/backup_check.py                      # SQLite, in a temporary folder
    .venv/bin/python ops/backup_check.py --postgres postgres://postgres@127.0.0.1:5432/accord

With ``--postgres URL`` two databases named after URL's (``<name>_backup_source``
and ``<name>_backup_copy``) are created afresh on that server and dropped at the
end. Each step runs the ``accord`` command an operator would run; the script
exits 1, naming the tables that differ, when the copy does not hold exactly
the rows of the source. ``make test`` runs it on both databases.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ACCORD = str(Path(sys.executable).with_name("accord"))
COUNT = "import json; from accord.cli.backup import row_counts; print(json.dumps(row_counts()))"


def accord(database_url: str, *arguments: str) -> str:
    environment = {**os.environ, "DATABASE_URL": database_url, "ACCORD_ENV": "development"}
    finished = subprocess.run(  # noqa: S603 - the accord command, no shell
        [ACCORD, *arguments], env=environment, capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        sys.exit(f"accord {' '.join(arguments)} failed:\n{finished.stderr or finished.stdout}")
    return finished.stdout


def counts(database_url: str) -> dict[str, int]:
    output = accord(database_url, "shell", "--no-imports", "-c", COUNT)
    return {str(k): int(v) for k, v in json.loads(output.strip().splitlines()[-1]).items()}


@contextmanager
def postgres_pair(url: str) -> Iterator[tuple[str, str]]:
    import psycopg

    parts = urlsplit(url)
    base = parts.path.lstrip("/") or "accord"
    names = (f"{base}_backup_source", f"{base}_backup_copy")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield tuple(urlunsplit(parts._replace(path=f"/{name}")) for name in names)  # type: ignore[misc]
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def sqlite_pair(folder: Path) -> Iterator[tuple[str, str]]:
    yield (f"sqlite:///{folder / 'source.sqlite3'}", f"sqlite:///{folder / 'copy.sqlite3'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="Check on this PostgreSQL server.")
    options = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="accord-backup-") as folder:
        pair = postgres_pair(options.postgres) if options.postgres else sqlite_pair(Path(folder))
        archive = str(Path(folder) / "accord.backup")
        with pair as (source, copy):
            accord(source, "migrate", "--no-input", "--verbosity", "0")
            accord(source, "demo")
            print(accord(source, "backup", archive).strip())
            print(accord(copy, "restore", archive).strip())
            before, after = counts(source), counts(copy)
    differing = sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
    kind = "PostgreSQL" if options.postgres else "SQLite"
    if differing:
        for name in differing:
            print(f"  {name}: {before.get(name)} in the source, {after.get(name)} in the copy")
        print(f"Backup check on {kind} FAILED: {len(differing)} tables differ.")
        return 1
    print(
        f"Backup check on {kind} passed: {len(before)} tables, {sum(before.values()):,} rows "
        f"equal in the copy ({time.monotonic() - started:.0f} s)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
