"""The Goals section's growing lists over a million rows each.

    .venv/bin/python bench/goals_pages.py [--rows 1000000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_goals_bench \\
        .venv/bin/python bench/goals_pages.py

Fills ``goals-bench`` up to ``--rows`` activity logs with ``accord
bench-data`` (24 months, 12 people) and loads ``--rows`` content uses (2,000
assets) with the same bulk path (kept between runs when the counts match),
then times, best of ``--repeat``:

* an activity goal's month (per person, who is behind, six months of history);
* the first page of the content library with use counts and last use;
* the first page of the untouched list.

Issue 3 names no limit for these; a page must stay interactive, so the limit
used here is 200 ms for each. Printed as a ratio: below 1.0 is within.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-goals.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")

LIMIT_SECONDS = 0.2
ASSETS = 2000


def best_of(n: int, func: Callable[[], object]) -> float:
    times = []
    for _ in range(n):
        began = time.perf_counter()
        func()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from accord.cli.benchdata import Sizes, bench_data, bulk_write
    from accord.goals import selectors
    from accord.goals.models import ActivityGoal, ContentAsset, ContentUsage
    from accord.orgs.models import Membership, Role, TeamKind

    call_command("migrate", verbosity=0)
    (filled,) = bench_data(slugs=["goals-bench"], sizes=Sizes(activity=args.rows))
    organization = filled.organization
    owner_membership = Membership.objects.get(organization=organization, role=Role.OWNER)
    sales = organization.teams.get(kind=TeamKind.SALES)
    people = list(Membership.objects.filter(organization=organization, team=sales))
    goal = ActivityGoal.objects.get(organization=organization, team=sales, is_active=True)
    rng = random.Random(7)
    today = timezone.localdate()
    if ContentAsset.objects.filter(organization=organization).count() != ASSETS:
        ContentAsset.objects.filter(organization=organization).delete()
        ContentAsset.objects.bulk_create(
            ContentAsset(organization=organization, title=f"Asset {i:05d}", kind="deck")
            for i in range(ASSETS)
        )
    if ContentUsage.objects.filter(organization=organization).count() != args.rows:
        ContentUsage.objects.filter(organization=organization).delete()
        # Most use goes to a fifth of the library; the rest is rarely touched.
        assets = list(
            ContentAsset.objects.filter(organization=organization).values_list("pk", flat=True)
        )
        popular = assets[: ASSETS // 5]
        rows = (
            (
                organization.pk,
                rng.choice(popular if rng.random() < 0.97 else assets),
                rng.choice(people).pk,
                today - timedelta(days=rng.randint(0, 540)),
                False,
            )
            for _ in range(args.rows)
        )
        with transaction.atomic():
            bulk_write(
                ContentUsage,
                ("organization_id", "asset_id", "member_id", "used_on", "first_use"),
                rows,
            )
    if connection.vendor == "postgresql":
        # What autovacuum does on a live database: statistics and the
        # visibility map that lets index-only scans skip the table.
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    checks = {
        "activity month": lambda: selectors.activity_progress(goal, today),
        "content page": lambda: list(selectors.content_assets(owner_membership)[:50]),
        "untouched page": lambda: list(
            selectors.content_assets(owner_membership, untouched=True)[:50]
        ),
        "untouched count": lambda: selectors.content_assets(
            owner_membership, untouched=True
        ).count(),
    }
    print(f"{connection.vendor}, {args.rows:,} activity logs and content uses")
    worst = 0.0
    for name, check in checks.items():
        seconds = best_of(args.repeat, check)
        ratio = seconds / LIMIT_SECONDS
        worst = max(worst, ratio)
        print(f"  {name:16} {seconds * 1000:8.1f} ms   ratio {ratio:.2f}")
    print(f"worst ratio against {LIMIT_SECONDS * 1000:.0f} ms: {worst:.2f}")


if __name__ == "__main__":
    main()
