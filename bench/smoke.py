"""Run every benchmark in bench/ at tiny sizes on a fresh database, so none
breaks unnoticed (part of ``make test`` as ``make bench-smoke``).

    .venv/bin/python bench/smoke.py [--postgres URL]

Each script runs as its own process, one after another, on one fresh SQLite
file; with ``--postgres`` (and a server answering there) they run again on a
fresh PostgreSQL database named after the URL's with ``_bench_smoke``, which
is dropped afterwards. The two series run side by side (most scripts keep
one core busy), each printing its lines when it is done. A script that needs
PostgreSQL is skipped on SQLite with the reason. A new script must be added
to ``SCRIPTS``: the run fails while one in bench/ is missing from it. Exit
status 1 when any fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
# Script -> the tiniest arguments that still go through all of its work.
SCRIPTS: dict[str, list[str]] = {
    "feedback_nps_month.py": ["--rows", "200", "--runs", "1"],
    "feedback_themes.py": ["--sizes", "300"],
    "feedback_recipients.py": ["--rows", "300"],
    "goals_pages.py": ["--rows", "300", "--repeat", "1"],
    "pipeline_funnel.py": ["--rows", "300", "--repeat", "1"],
    "pipeline_triage.py": ["--rows", "300", "--repeat", "1"],
    "lists_keyset.py": ["--rows", "300", "--repeat", "1"],
    "pipeline_import.py": ["--rows", "200"],
    "meetings_agenda.py": ["--leads", "400", "--responses", "150", "--rounds", "1"],
    "overview_health.py": [
        *("--leads", "400", "--responses", "150", "--activity", "200"),
        *("--pulse-answers", "60", "--rounds", "1"),
    ],
    "feedback_public_post.py": [
        *("--requests", "60", "--history", "20", "--processes", "1", "--threads", "2"),
        *("--in-process", "10"),
    ],
    "memory.py": [
        *("--requests", "20", "--import-rows", "200", "--leads", "300", "--responses", "100"),
    ],
    "flat_history.py": [
        *("--small", "300", "100", "--large", "600", "200", "--rounds", "1"),
        # At these sizes the times are noise: the run checks the work, not the limit.
        *("--limit", "100"),
    ],
    "two_nodes.py": [
        *("--answers", "5", "--jobs", "20", "--samples", "3", "--leads", "300"),
        *("--responses", "100"),
    ],
}
# Scripts that need what SQLite cannot give, and why.
POSTGRES_ONLY = {
    "feedback_public_post.py": "measures the survey POST under gunicorn on PostgreSQL",
    "two_nodes.py": "two nodes share one PostgreSQL",
}
# One series prints its lines at a time.
PRINTING = threading.Lock()
# Modules in bench/ that are not benchmarks.
HELPERS = {
    "__init__.py",
    "common.py",
    "smoke.py",
    "feedback_settings.py",
    "feedback_urls.py",
    "feedback_urls_wsgi.py",
    "two_nodes_settings.py",
    "two_nodes_urls.py",
}


def run_all(database_url: str, vendor: str, heading: str) -> list[str]:
    """Run every script against ``database_url``; print ``heading`` and a line
    per script once all are done; return the names that failed."""
    failed = []
    lines = [heading]
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    for name, args in SCRIPTS.items():
        if vendor == "sqlite" and name in POSTGRES_ONLY:
            lines.append(f"  SKIPPED on SQLite  {name}: {POSTGRES_ONLY[name]}")
            continue
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(BENCH / name), *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        seconds = time.perf_counter() - began
        if done.returncode == 0:
            lines.append(f"  ok {seconds:5.1f} s  {name}")
        else:
            failed.append(f"{name} ({vendor})")
            lines.append(f"  FAILED ({done.returncode})  {name}")
            lines.append(done.stdout[-3000:])
            lines.append(done.stderr[-3000:])
    with PRINTING:
        print("\n".join(lines), flush=True)
    return failed


def postgres_database(url: str) -> tuple[str, str] | None:
    """A fresh database beside ``url``'s: (its URL, its name), or None when no server answers."""
    import psycopg

    server, name = url.rsplit("/", 1)
    smoke = f"{name.split('?')[0]}_bench_smoke"
    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{smoke}"')
            admin.execute(f'CREATE DATABASE "{smoke}"')
    except psycopg.OperationalError as error:
        print(f"PostgreSQL not reachable at {server}: {error}".strip())
        return None
    return f"{server}/{smoke}", smoke


def drop(url: str, name: str) -> None:
    import psycopg

    server = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def on_postgres(url: str, name: str) -> list[str]:
    try:
        return run_all(
            url, "postgresql", "Benchmarks at tiny sizes on a fresh PostgreSQL database:"
        )
    finally:
        drop(url, name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="also run on PostgreSQL beside this database URL")
    options = parser.parse_args()
    present = {p.name for p in BENCH.glob("*.py")} - HELPERS
    missing = sorted(present - set(SCRIPTS))
    failed = [f"{name} (not in bench/smoke.py's SCRIPTS)" for name in missing]
    began = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="accord-bench-smoke-") as workdir,
        ThreadPoolExecutor(2) as pool,
    ):
        series: list[Future[list[str]]] = [
            pool.submit(
                run_all,
                f"sqlite:///{Path(workdir) / 'smoke.sqlite3'}",
                "sqlite",
                "Benchmarks at tiny sizes on a fresh SQLite database:",
            )
        ]
        if options.postgres:
            found = postgres_database(options.postgres)
            if found is None:
                if os.environ.get("CI") == "true":
                    failed.append("PostgreSQL (not reachable, and CI=true requires it)")
                else:
                    print("SKIPPED the PostgreSQL smoke run: no server answers.")
            else:
                series.append(pool.submit(on_postgres, *found))
        for run in series:
            failed += run.result()
    print(f"bench smoke: {time.perf_counter() - began:.0f} s", end="")
    if failed:
        print(f", FAILED: {', '.join(failed)}")
        return 1
    print(", all ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
