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
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench-feedback.sqlite3'}"


def load(count: int) -> int:
    """The bench organisation with ``count`` responses (``accord bench-data``)."""
    from accord.cli.benchdata import Sizes, bench_data

    started = time.perf_counter()
    (filled,) = bench_data(slugs=["nps-bench"], sizes=Sizes(responses=count))
    if filled.added:
        print(f"loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return filled.organization.pk


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
    from bench.common import alternate

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

    best = alternate(options.runs, aggregate=aggregate, nps=by_month)
    aggregate_seconds, nps_seconds = best["aggregate"], best["nps"]
    result = nps_by(organization, by="month")
    ratio = nps_seconds / aggregate_seconds
    print(f"database                {connection.vendor} (rounds alternate the two)")
    print(f"responses               {result.n:,} in {len(result.groups)} months")
    print(f"single SQL aggregate    {aggregate_seconds * 1000:8.1f} ms (best of {options.runs})")
    print(f"nps_by(month) with CI   {nps_seconds * 1000:8.1f} ms (best of {options.runs})")
    print(f"nps / aggregate         {ratio:8.2f}x  (limit 1.5x)")
    print(f"ratio against limit     {ratio / 1.5:8.2f}  (<= 1.0 passes)")


if __name__ == "__main__":
    main()
