"""NPS by month over 1,000,000 responses against the single SQL aggregate it needs.

The limit (issue 4): ``nps_by(organization, by="month")`` (the code behind the
page, the API and ``accord nps``, with n and the 95% interval per month) takes
at most 1.5x the plain ``GROUP BY month, category`` on the same database.
Printed ratio = (nps_by time / aggregate time) / 1.5: below 1.0 is within it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_feedback_bench \\
        .venv/bin/python bench/feedback_nps_month.py --rows 1000000

Without DATABASE_URL it runs on SQLite (var/bench-feedback.sqlite3).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench-feedback.sqlite3'}"

COLUMNS = (
    "organization_id",
    "source",
    "score",
    "category",
    "better",
    "well",
    "may_quote",
    "language",
    "email",
    "name",
    "company",
    "attributes",
    "created_at",
    "month",
)


def rows(organization_id: int, count: int):
    from accord.lib.nps import category

    rng = random.Random(12)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for _ in range(count):
        moment = start + timedelta(seconds=rng.randrange(0, 730 * 86400))
        score = rng.randint(0, 10)
        yield (
            organization_id,
            "import",
            score,
            category(score),
            "",
            "",
            False,
            "en",
            "",
            "",
            "",
            "{}",
            moment,
            moment.date().replace(day=1),
        )


def load(count: int) -> int:
    from django.db import connection

    from accord.accounts.services import user_ensure
    from accord.feedback.models import Response
    from accord.orgs.models import Organization
    from accord.orgs.services import organization_create

    organization = Organization.objects.filter(slug="nps-bench").first()
    if organization is None:
        owner = user_ensure(email="nps@bench.example", name="Bench", password="x" * 20).user
        organization = organization_create(name="NPS bench", slug="nps-bench", owner=owner)
    have = Response.objects.filter(organization=organization).count()
    if have >= count:
        return organization.pk
    table = Response._meta.db_table
    print(f"loading {count - have:,} responses…", file=sys.stderr)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(COLUMNS)
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows(organization.pk, count - have):
                    copy.write_row(row)
            cursor.execute(f"ANALYZE {table}")
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks})"
            batch = []
            for row in rows(organization.pk, count - have):
                moment = row[12]
                batch.append((*row[:12], moment.isoformat(sep=" "), row[13].isoformat()))
                if len(batch) == 50_000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
            cursor.execute("ANALYZE")
    print(f"loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return organization.pk


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accord.feedback.models import Response
    from accord.feedback.selectors import nps_by
    from accord.orgs.models import Organization

    call_command("migrate", verbosity=0)
    organization_id = load(options.rows)
    organization = Organization.objects.get(pk=organization_id)
    table = Response._meta.db_table
    aggregate_sql = (
        f"SELECT month, category, COUNT(*) FROM {table} "
        "WHERE organization_id = %s GROUP BY month, category"
    )

    def aggregate() -> None:
        with connection.cursor() as cursor:
            cursor.execute(aggregate_sql, [organization_id])
            cursor.fetchall()

    def by_month() -> None:
        nps_by(organization, by="month")

    aggregate()
    by_month()  # warm both
    aggregate_seconds = best_of(options.runs, aggregate)
    nps_seconds = best_of(options.runs, by_month)
    result = nps_by(organization, by="month")
    ratio = nps_seconds / aggregate_seconds
    print(f"database                {connection.vendor}")
    print(f"responses               {result.n:,} in {len(result.groups)} months")
    print(f"single SQL aggregate    {aggregate_seconds * 1000:8.1f} ms (best of {options.runs})")
    print(f"nps_by(month) with CI   {nps_seconds * 1000:8.1f} ms (best of {options.runs})")
    print(f"nps / aggregate         {ratio:8.2f}x  (limit 1.5x)")
    print(f"ratio against limit     {ratio / 1.5:8.2f}  (<= 1.0 passes)")


if __name__ == "__main__":
    main()
