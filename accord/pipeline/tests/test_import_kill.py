"""Killing ``accord import`` at any point and running it again gives the state
of one clean run: a real process, killed with SIGKILL mid-import."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from accord.pipeline.tests.test_import import HUBSPOT_CONTACTS

# Another process reads timestamps this test writes, on the real clock; the
# processes use SQLite files of their own, whatever the suite runs on.
pytestmark = [pytest.mark.real_clock, pytest.mark.own_databases]

COLUMNS = (
    "source_system, source_id, email, name, company, source, campaign_id, stage, lead_at, "
    "mql_at, mql_month, accepted_at, rejected_at, rejection_reason, sql_at, first_touch_at"
)


def accord(env, *args, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "accord", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **kwargs,
    )


def prepared(tmp_path, name):
    db = tmp_path / f"{name}.sqlite3"
    env = {**os.environ, "ACCORD_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{db}"}
    assert accord(env, "migrate").wait(120) == 0
    assert (
        accord(env, "org", "create", "kill", "--name", "Kill", "--owner", "o@k.example").wait(60)
        == 0
    )
    return env, db


def state(db):
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT {COLUMNS} FROM pipeline_lead ORDER BY source_id").fetchall()


def count(db):
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM pipeline_lead").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_it_converges_after_a_kill(tmp_path):
    header, *rows = HUBSPOT_CONTACTS.strip().split("\n")
    lines = [header]
    for i in range(30_000):
        row = rows[i % len(rows)].split(",", 1)[1]
        lines.append(f"{i},{row}".replace("@prospect", f"{i}@prospect"))
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join(lines) + "\n")
    args = ["import", "leads", str(path), "--org", "kill", "--format", "hubspot", "--quiet"]

    env, db = prepared(tmp_path, "killed")
    # The clean run starts from a copy of the same migrated database, not a
    # second migration (a quarter of this test's time).
    clean_db = tmp_path / "clean.sqlite3"
    with sqlite3.connect(db) as source, sqlite3.connect(clean_db) as copy:
        source.backup(copy)
    clean_env = {**env, "DATABASE_URL": f"sqlite:///{clean_db}"}
    process = accord(env, *args)
    deadline = time.monotonic() + 120
    # Killed once a batch or more is stored (5,000 rows each, 3,000 of them good),
    # with several batches still to come.
    while count(db) < 3_000 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, "the import ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    partial = count(db)
    assert 0 < partial < 18_000
    assert accord(env, *args).wait(300) == 0
    assert accord(env, *args).wait(300) == 0  # and once more: nothing changes

    assert accord(clean_env, *args).wait(300) == 0
    assert state(db) == state(clean_db)
    assert count(db) == 18_000  # 3 good rows in every 5
