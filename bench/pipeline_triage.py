"""The triage queue's first page against a deep page, in each sort.

    .venv/bin/python bench/pipeline_triage.py [--rows 200000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_triage_bench \\
        .venv/bin/python bench/pipeline_triage.py

Creates the organisation ``bench-triage`` with ``accord bench-data`` and fills
it up to ``--rows`` undecided MQLs, one every 7 minutes (kept between runs:
the queue the page reads is the whole table), then times ``selectors.triage_page`` for the
first page and for the page that starts at the middle of the queue (a keyset
cursor), alternating the two in each round. The limit (issue 13): a deep page
costs what the first does. Printed as deep / first.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-pipeline-triage.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accord.cli.benchdata import Sizes, bench_data
    from accord.orgs.models import Membership
    from accord.pipeline.models import Lead, SourceSystem, Stage
    from accord.pipeline.selectors import triage_page, triage_queue
    from bench.common import alternate

    call_command("migrate", verbosity=0)
    (filled,) = bench_data(slugs=["bench-triage"], sizes=Sizes())
    organization = filled.organization
    have = Lead.objects.filter(organization=organization).count()
    start = datetime(2020, 1, 1, 9, tzinfo=UTC)
    for chunk in range(have, args.rows, 10_000):
        Lead.objects.bulk_create(
            Lead(
                organization=organization,
                source_system=SourceSystem.CSV,
                source_id=f"triage-{i}",
                name=f"Waiting lead {i}",
                stage=Stage.MQL,
                mql_at=start + timedelta(minutes=7 * i),
                mql_month=(start + timedelta(minutes=7 * i)).strftime("%Y-%m"),
            )
            for i in range(chunk, min(chunk + 10_000, args.rows))
        )
    member = Membership.objects.filter(organization=organization).first()
    assert member is not None
    queue = triage_queue(member)
    waiting = queue.count()
    print(f"{connection.vendor}: {waiting:,} MQLs in the queue")
    if waiting < 4:
        print("nothing waiting: no pages to compare")
        return
    worst = 0.0
    for sort in ("sla", "oldest", "newest"):
        # The cursor of the page that starts in the middle of this order.
        deep = triage_page(member, sort=sort, size=waiting // 2).next
        assert deep is not None
        best = alternate(
            args.repeat,
            first=lambda sort=sort: triage_page(member, sort=sort),
            deep=lambda sort=sort, deep=deep: triage_page(member, sort=sort, cursor=deep),
        )
        ratio = best["deep"] / best["first"]
        worst = max(worst, ratio)
        print(
            f"sort={sort:<7} first page {best['first'] * 1000:7.1f} ms   "
            f"middle page {best['deep'] * 1000:7.1f} ms   {ratio:.2f}x"
        )
    print(f"deep / first = {worst:.2f} at worst (about 1.0: a deep page costs what the first does)")


if __name__ == "__main__":
    main()
