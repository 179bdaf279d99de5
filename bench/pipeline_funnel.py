"""The funnel over millions of leads against the raw SQL it needs.

    .venv/bin/python bench/pipeline_funnel.py [--rows 5000000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_pipeline_bench \\
        .venv/bin/python bench/pipeline_funnel.py

Loads ``--rows`` leads (18 months of cohorts, 6 sources, 40 campaigns) with
the database's bulk path (kept between runs when the count matches), then
times ``selectors.funnel(org, by=...)`` for each grouping and the same SQL
statements it sends, run directly on a cursor. The limit (issue 5): the
funnel takes at most 2x the raw SQL. Printed as a ratio: below 1.0 is within.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-pipeline-funnel.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")

SOURCES = ["Organic Search", "Paid Search", "Email", "Social", "Referrals", "Events"]


def best_of(n: int, func: object) -> float:
    times = []
    for _ in range(n):
        began = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from accord.accounts.services import user_ensure
    from accord.orgs.models import Organization
    from accord.orgs.services import organization_create
    from accord.pipeline.importer import LEAD_COLUMNS
    from accord.pipeline.models import Campaign, Lead
    from accord.pipeline.selectors import funnel

    call_command("migrate", verbosity=0)
    organization = Organization.objects.filter(slug="bench").first()
    if organization is None:
        owner = user_ensure(email="bench@bench.example", name="Bench", password="x" * 12).user
        organization = organization_create(name="Bench", slug="bench", owner=owner)
    have = Lead.objects.filter(organization=organization).count()
    if have != args.rows:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM pipeline_lead WHERE organization_id = %s", [organization.pk]
            )
        campaigns = [
            Campaign.objects.get_or_create(
                organization=organization,
                source_system="csv",
                source_id=f"c{i}",
                defaults={"name": f"Campaign {i}"},
            )[0].pk
            for i in range(40)
        ]
        table = Lead._meta.db_table
        names = ", ".join(LEAD_COLUMNS)
        start = datetime(2025, 1, 1, 9, tzinfo=UTC)
        began = time.perf_counter()
        batch = 50_000
        for first in range(0, args.rows, batch):
            rows = []
            for i in range(first, min(first + batch, args.rows)):
                mql = start + timedelta(minutes=(i * 7919) % (540 * 24 * 60))
                accepted = mql + timedelta(days=1) if i % 10 < 7 else None
                rejected = mql + timedelta(days=1) if i % 10 >= 8 else None
                sql = mql + timedelta(days=4) if i % 10 < 4 else None
                opp = mql + timedelta(days=9) if i % 10 < 2 else None
                won = mql + timedelta(days=40) if i % 20 == 0 else None
                values = [
                    organization.pk,
                    "csv",
                    f"l{i}",
                    f"l{i}@x.example",
                    "Lead",
                    "Co",
                    SOURCES[i % 6],
                    campaigns[i % 40],
                    None,
                    "mql",
                    mql,
                    mql,
                    mql.strftime("%Y-%m"),
                    accepted,
                    rejected,
                    "not_icp" if rejected else "",
                    "",
                    sql,
                    opp,
                    won,
                    None,
                ]
                if connection.vendor == "sqlite":
                    values = [
                        connection.ops.adapt_datetimefield_value(v)
                        if isinstance(v, datetime)
                        else v
                        for v in values
                    ]
                rows.append(values)
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(LEAD_COLUMNS))
                    cursor.executemany(
                        f"INSERT INTO {table} ({names}) VALUES ({marks})",
                        rows,
                    )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"loaded {args.rows:,} leads in {time.perf_counter() - began:.0f} s")
    print(f"{connection.vendor}: funnel over {args.rows:,} leads")

    worst = 0.0
    for by in (None, "source", "campaign", "month"):
        with CaptureQueriesContext(connection) as captured:
            funnel(organization, by=by)
        statements = [(q["sql"], None) for q in captured.captured_queries]

        def run_raw(statements: list[tuple[str, None]] = statements) -> None:
            with connection.cursor() as cursor:
                for sql, _ in statements:
                    cursor.execute(sql)
                    cursor.fetchall()

        ours = best_of(args.repeat, lambda by=by: funnel(organization, by=by))
        raw = best_of(args.repeat, run_raw)
        ratio = (ours / raw) / 2
        worst = max(worst, ratio)
        print(
            f"by={by or '-':<9} funnel {ours:6.2f} s   raw SQL {raw:6.2f} s   "
            f"({len(statements)} statements)   {ours / raw:.2f}x   ratio {ratio:.2f}"
        )
    print(f"ratio = {worst:.2f} (funnel / raw SQL / 2; below 1.0 is within the limit)")


if __name__ == "__main__":
    main()
