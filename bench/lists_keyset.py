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
middle of the list, alternating the two in each round; then the same two
pages as the browser gets them (the whole request: session, query, template).
The limit (issue 13): a deep page costs at most 1.2x the first. Printed as
deep / first.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-lists-keyset.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--reads-only", action="store_true", help="time the reads alone (for many repeats)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    import time

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

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
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(member.user)
    slug = organization.slug
    lists = {
        "responses": (
            feedback.responses(member),
            feedback.RESPONSE_ORDER,
            reverse("feedback_responses", args=[slug]),
        ),
        "follow-ups": (
            feedback.followups(member),
            feedback.FOLLOWUP_ORDER,
            # Every status: the page's default hides the closed ones.
            reverse("feedback_followups", args=[slug]) + "?status=any",
        ),
        "audit": (orgs.audit_events(member), orgs.AUDIT_ORDER, reverse("org_audit", args=[slug])),
        "outbox": (
            orgs.captured_messages(member),
            orgs.OUTBOX_ORDER,
            reverse("org_outbox", args=[slug]),
        ),
    }

    def plan(work: Callable[[], object]) -> tuple[int, float]:
        """PostgreSQL's own account of the page's query: buffers touched and
        execution time, which the machine's other load hardly moves."""
        with CaptureQueriesContext(connection) as seen:
            work()
        (query,) = seen.captured_queries
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query["sql"])
            (found,) = cursor.fetchone()
        top = (json.loads(found) if isinstance(found, str) else found)[0]
        buffers = top["Plan"]["Shared Hit Blocks"] + top["Plan"]["Shared Read Blocks"]
        return buffers, top["Execution Time"]

    def page(address: str) -> None:
        response = client.get(address)
        assert response.status_code == 200, response.status_code

    print(f"{connection.vendor}:")
    worst = 0.0
    for name, (rows, order, address) in lists.items():
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
        print(
            f"{name:<11} {total:>9,} rows   reads: first {best['first'] * 1000:6.2f} ms   "
            f"middle {best['deep'] * 1000:6.2f} ms   {ratio:.2f}x"
        )
        if args.reads_only:
            continue
        further = f"{address}{'&' if '?' in address else '?'}cursor={deep}"
        served = alternate(
            args.repeat,
            first=lambda address=address: page(address),
            deep=lambda further=further: page(further),
        )
        ratio = served["deep"] / served["first"]
        worst = max(worst, ratio)
        print(
            f"{'':<11} {'':>9}        page:  first {served['first'] * 1000:6.2f} ms   "
            f"middle {served['deep'] * 1000:6.2f} ms   {ratio:.2f}x"
        )
        if connection.vendor == "postgresql":
            first_plan = plan(lambda rows=rows, order=order: keyset_page(rows, order=order))
            deep_plan = plan(
                lambda rows=rows, order=order, deep=deep: keyset_page(
                    rows, order=order, cursor=deep
                )
            )
            print(
                f"{'':<11} {'':>9}        query: first {first_plan[0]} buffers "
                f"{first_plan[1]:.3f} ms   middle {deep_plan[0]} buffers {deep_plan[1]:.3f} ms"
            )
    if not args.reads_only:
        print(f"page deep / first = {worst:.2f} at worst (the limit: 1.2)")


if __name__ == "__main__":
    main()
