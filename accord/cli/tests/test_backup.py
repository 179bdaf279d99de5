"""``accord backup`` and ``accord restore``: a real round trip through the
database's own tools, into a database that did not exist before the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accord.cli.backup import row_counts
from accord.jobs.testing import current_database_url
from accord.orgs.tests.factories import OrganizationFactory

# The commands run in other processes, which see only committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

ACCORD = [sys.executable, "-m", "accord"]
COUNT = "import json; from accord.cli.backup import row_counts; print(json.dumps(row_counts()))"


def accord(database_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ACCORD, *arguments],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of the kind the suite runs on."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'copy.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(current_database_url())
    name = f"{parts.path.lstrip('/')}_copy"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as admin_connection:
        admin_connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin_connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as admin_connection:
            admin_connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_it_restores_every_row_of_a_backup_into_an_empty_database(tmp_path, empty_database):
    OrganizationFactory.create(name="Acme Backups", slug="acme-backups")
    archive = tmp_path / "accord.backup"
    out = StringIO()

    call_command("backup", str(archive), stdout=out)
    restored = accord(empty_database, "restore", str(archive))
    copied = accord(empty_database, "shell", "--no-imports", "-c", COUNT)

    assert out.getvalue().startswith("Backed up ")
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("Restored ")
    counts = json.loads(copied.stdout.strip().splitlines()[-1])
    assert counts == row_counts()
    assert counts["orgs_organization"] >= 1
    named = accord(
        empty_database,
        "shell",
        "--no-imports",
        "-c",
        "from accord.orgs.models import Organization; "
        "print(Organization.objects.get(slug='acme-backups').name)",
    )
    assert named.stdout.strip() == "Acme Backups"


def test_it_refuses_to_restore_over_a_database_that_holds_tables(tmp_path):
    archive = tmp_path / "accord.backup"
    call_command("backup", str(archive), stdout=StringIO())
    before = row_counts()

    with pytest.raises(CommandError, match="not empty") as refused:
        call_command("restore", str(archive), stdout=StringIO())

    assert str(refused.value).startswith("file: ")
    assert row_counts() == before


def test_it_names_a_missing_backup_file(tmp_path, empty_database):
    finished = accord(empty_database, "restore", str(tmp_path / "nowhere.backup"))

    assert finished.returncode != 0
    assert "file:" in finished.stderr
    assert "does not exist" in finished.stderr


def test_it_refuses_a_file_that_is_not_a_backup(tmp_path, empty_database):
    junk = tmp_path / "notes.backup"
    junk.write_text("name,email\nAda,ada@example.com\n")

    finished = accord(empty_database, "restore", str(junk))

    assert finished.returncode != 0
    assert "file:" in finished.stderr
    assert "Traceback" not in finished.stderr
