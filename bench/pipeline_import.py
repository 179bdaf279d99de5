"""CSV import of leads against the database's own bulk load, and peak memory.

    .venv/bin/python bench/pipeline_import.py [--rows 1000000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_pipeline_bench \\
        .venv/bin/python bench/pipeline_import.py

1. Writes a HubSpot contacts export with ``--rows`` leads (not timed).
2. Runs ``accord import leads FILE --org import-bench --format hubspot`` in a child
   process: rows per second (wall clock of the command) and peak RSS.
3. In this process, the same rows already parsed by the importer (its own row
   builder, not timed) are bulk loaded into an emptied table with the
   database's own bulk path, as ``accord bench-data`` writes: ``executemany``
   of a plain INSERT on SQLite, ``COPY`` on PostgreSQL (timed, batch by batch).

The limits (issue 5): the import reaches at least 0.15x the bulk load's rows
per second, with a peak under 300 MB. Printed as ratios: below 1.0 is within.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = f"sqlite:///{ROOT / 'var' / 'bench-pipeline.sqlite3'}"
os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")

HEADER = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Company Name",
    "Lifecycle Stage",
    "Original Source",
    "Contact owner",
    "Create Date",
    "Became a Marketing Qualified Lead Date",
    "Became a Sales Qualified Lead Date",
    "Lead Status",
    "Campaign",
]
STAGES = ["lead", "marketingqualifiedlead", "marketingqualifiedlead", "salesqualifiedlead"]
SOURCES = ["Organic Search", "Paid Search", "Email Marketing", "Social Media", "Referrals"]
CAMPAIGNS = [f"Campaign {i}" for i in range(40)]
STATUSES = ["NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", ""]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(5)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(1, rows + 1):
            month = 1 + i % 12
            day = 1 + i % 28
            stage = STAGES[i % 4]
            writer.writerow(
                [
                    i,
                    "Ada",
                    f"Lovelace{i}",
                    f"lead{i}@prospect.example",
                    f"Company {i % 5000}",
                    stage,
                    SOURCES[i % 5],
                    "",
                    f"2025-{month:02d}-{day:02d} {9 + i % 8:02d}:{i % 60:02d}",
                    f"2025-{month:02d}-{day:02d} {10 + i % 7:02d}:{i % 60:02d}"
                    if stage != "lead"
                    else "",
                    f"2025-{month:02d}-{min(day + 3, 28):02d} 09:00"
                    if stage == "salesqualifiedlead"
                    else "",
                    rng.choice(STATUSES),
                    CAMPAIGNS[i % 40],
                ]
            )


def wipe(organization_id: int) -> None:
    """Delete the bench's leads in SQL (Django's delete would collect a million ids)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM pipeline_lead WHERE organization_id = %s", [organization_id])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from accord.cli.benchdata import Sizes, bench_data, bulk_write
    from accord.lib.tables import open_table
    from accord.pipeline.importer import BATCH, LEAD_COLUMNS, Importer
    from accord.pipeline.models import ImportRun, Lead

    call_command("migrate", verbosity=0)
    (filled,) = bench_data(slugs=["import-bench"], sizes=Sizes())
    organization = filled.organization
    wipe(organization.pk)

    workdir = Path(tempfile.mkdtemp(prefix="accord-bench-"))
    path = workdir / "hubspot-contacts.csv"
    write_csv(path, args.rows)
    size_mb = path.stat().st_size / 2**20
    print(f"{connection.vendor}: {args.rows:,} leads, {size_mb:.0f} MB CSV")

    # -- the import, as a user runs it ------------------------------------------
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "accord",
            "import",
            "leads",
            str(path),
            "--org",
            "import-bench",
            "--format",
            "hubspot",
            "--quiet",
        ],
        check=True,
        env={**os.environ},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    import_seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    imported = Lead.objects.filter(organization=organization).count()
    assert imported == args.rows, imported
    import_rate = args.rows / import_seconds

    # -- the database's own bulk load of the same rows, already parsed ------------
    wipe(organization.pk)
    run = ImportRun(organization=organization, kind="leads", format="hubspot", filename="x")
    importer = Importer(run)
    load_seconds = 0.0
    with open(path, "rb") as raw:
        table = open_table(raw)
        importer.headers = table.header
        importer.index = importer.header_map(importer.headers)
        # Every row of the generated file is data: keep the cells only.
        reader = (record[1] for record in table.records() if isinstance(record, tuple))
        positions = list(importer.index.items())
        importer._raw = []
        done = False
        while not done:
            parsed = []
            for raw_row in reader:
                values = {f: raw_row[i] for f, i in positions}
                record = importer.lead_row(lambda n, v=values: v.get(n, ""))
                parsed.append(record)
                if len(parsed) >= BATCH:
                    break
            else:
                done = True
            if not parsed:
                break
            began = time.perf_counter()
            with transaction.atomic():
                bulk_write(Lead, LEAD_COLUMNS, parsed)
            load_seconds += time.perf_counter() - began
    load_rate = args.rows / load_seconds
    wipe(organization.pk)
    path.unlink()

    share = import_rate / load_rate
    print(
        f"import:    {import_rate:>10,.0f} rows/s ({import_seconds:.1f} s), peak {peak_mb:.0f} MB"
    )
    print(f"bulk load: {load_rate:>10,.0f} rows/s ({load_seconds:.1f} s)")
    print(f"import / bulk load = {share:.3f}x (limit: at least 0.15x)")
    print(f"ratio speed  = {0.15 / share:.2f} (below 1.0 is within the limit)")
    print(f"ratio memory = {peak_mb / 300:.2f} (below 1.0 is within the limit)")


if __name__ == "__main__":
    main()
