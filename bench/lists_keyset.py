"""The first page of the long lists against a deep one: responses, follow-ups,
the audit log and the Outbox.

    .venv/bin/python bench/lists_keyset.py [--rows 200000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_keyset \\
        .venv/bin/python bench/lists_keyset.py --rows 1000000

Creates the organisation ``bench-lists`` with ``accord bench-data`` (its
responses, and the follow-ups those open for detractors and some promoters)
and fills its audit log and Outbox up to ``--rows`` each with the same bulk
path (kept between runs). Then times each list's page as its page and API
operation read it (``accord.lib.keyset``, 50 rows) at the start and from the
middle of the list, alternating the two in each round. The limit (issue 13):
a deep page costs at most 1.2x the first. Printed as deep / first.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-lists-keyset.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    import time

    from django.core.management import call_command
    from django.db import connection

    from accord.cli.benchdata import Sizes, bench_data, bulk_write
    from accord.feedback import selectors as feedback
    from accord.lib.keyset import cursor_after, keyset_page
    from accord.mail.models import CapturedMessage
    from accord.orgs import selectors as orgs
    from accord.orgs.models import AuditEvent
    from bench.common import alternate, owner_of

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    (filled,) = bench_data(slugs=["bench-lists"], sizes=Sizes(responses=args.rows))
    organization = filled.organization
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for model, columns, row in (
        (
            AuditEvent,
            ("organization_id", "action", "object_type", "object_repr", "created_at"),
            lambda i: (organization.pk, "lead.accept", "lead", f"Lead {i}", start),
        ),
        (
            CapturedMessage,
            ("organization_id", "from_email", "subject", "text_body", "recipients", "created_at"),
            lambda i: (organization.pk, "a@x.example", f"Survey {i}", "Hi", "c@x.example", start),
        ),
    ):
        have = model._default_manager.filter(organization=organization).count()
        # A new row every minute, and every tenth shares its minute: ties in the key.
        bulk_write(
            model,
            columns,
            (
                (*row(i)[:-1], start + timedelta(minutes=i - i % 10 // 9))
                for i in range(have, args.rows)
            ),
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"filled in {time.perf_counter() - began:.0f} s")

    member = owner_of(organization)
    lists = {
        "responses": (feedback.responses(member), feedback.RESPONSE_ORDER),
        "follow-ups": (feedback.followups(member), feedback.FOLLOWUP_ORDER),
        "audit": (orgs.audit_events(member), orgs.AUDIT_ORDER),
        "outbox": (orgs.captured_messages(member), orgs.OUTBOX_ORDER),
    }
    print(f"{connection.vendor}:")
    worst = 0.0
    for name, (rows, order) in lists.items():
        total = rows.count()
        if total < 4:
            print(f"{name}: nothing to page")
            continue
        # The row in the middle of the list (found once, with OFFSET, outside the timing).
        middle = rows.order_by(*order)[total // 2]
        deep = cursor_after(middle, order)
        best = alternate(
            args.repeat,
            first=lambda rows=rows, order=order: keyset_page(rows, order=order, size=50),
            deep=lambda rows=rows, order=order, deep=deep: keyset_page(
                rows, order=order, cursor=deep, size=50
            ),
        )
        ratio = best["deep"] / best["first"]
        worst = max(worst, ratio)
        print(
            f"{name:<11} {total:>9,} rows   first page {best['first'] * 1000:6.2f} ms   "
            f"middle page {best['deep'] * 1000:6.2f} ms   {ratio:.2f}x"
        )
    print(f"deep / first = {worst:.2f} at worst (the limit: 1.2)")


if __name__ == "__main__":
    main()
