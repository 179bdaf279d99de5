"""Pages and API answers stay flat as history grows: large against small.

    .venv/bin/python bench/flat_history.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_flat \\
        .venv/bin/python bench/flat_history.py [--small 50000 10000] [--large 5000000 1000000]

Fills two organisations with ``accord bench-data`` (24 months, 8 owners; one
activity log per 50 leads), ``flat-<leads>-<responses>`` for each size (kept
between runs), gives each the same six active goals (pipeline and NPS
metrics over the current quarter) and one proposed, then times, through
Django's test client signed in as the owner (an API token for the API), the
answer of each of:

* the goals board and the goals API (``GET /api/v1/goals``);
* the funnel (the pipeline page), SLA compliance and triage;
* the NPS page and the survey campaigns;
* the leads API (``GET /api/v1/pipeline/leads``).

Each round requests every page of both organisations in turn, so a busy
moment of the machine falls on both alike; the time of a page is its median
over ``--rounds`` rounds, after one untimed request (which draws its charts:
later views read them from the cache). The limit (issue 13): the large
organisation's time is at most 1.5x the small one's. Printed per page as a
ratio against that limit: below 1.0 is within.

It also counts each page's queries, which must not grow with what a page
shows: no more at the large size than at the small one, and no more on a
third, small organisation after it gained months (a quarter of its leads and responses
moved a year back), owners (four more sellers owning some of its leads)
and goals (six more). Exit status 1 when a page is over the limit (``--limit``,
1.5 unless told) or its queries grow.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-flat.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")

LIMIT = 1.5
GOALS = (
    ("More MQLs become SQLs", "mql_to_sql_conversion", "20", "40", "up"),
    ("Sales accepts what marketing sends", "sql_acceptance_rate", "60", "80", "up"),
    ("First touch within the day", "median_first_touch_hours", "30", "8", "down"),
    ("Both sides keep the agreement", "lead_sla_compliance", "70", "90", "up"),
    ("Customers recommend us", "nps", "20", "40", "up"),
    ("Customers answer the survey", "survey_response_rate", "50", "70", "up"),
)


def pages(slug: str) -> dict[str, str]:
    """What is timed: a name -> the path requested (API paths take a token)."""
    org = f"/o/{slug}"
    return {
        "goals board": f"{org}/goals/",
        "goals API": "/api/v1/goals",
        "funnel": f"{org}/pipeline/",
        "SLA compliance": f"{org}/pipeline/compliance/",
        "triage": f"{org}/pipeline/triage/",
        "NPS": f"{org}/customers/",
        "campaigns": f"{org}/customers/campaigns/",
        "leads API": "/api/v1/pipeline/leads",
    }


def add_goals(organization, *, start: dt.date, end: dt.date, proposed: bool) -> None:  # type: ignore[no-untyped-def]
    """The goals of ``GOALS`` over ``start``..``end``, active (and one proposed)."""
    from decimal import Decimal

    from accord.goals.models import Goal, GoalStatus
    from accord.orgs.models import Membership, TeamKind
    from bench.common import owner_of

    owner = owner_of(organization)
    seller = Membership.objects.filter(organization=organization, team__kind=TeamKind.SALES)[0]
    marketer = Membership.objects.filter(organization=organization, team__kind=TeamKind.MARKETING)[
        0
    ]
    rows = [(*goal, GoalStatus.ACTIVE) for goal in GOALS]
    if proposed:
        rows.append(("Shorter sales cycle", "sales_cycle_days", "60", "40", "down", "proposed"))
    Goal.objects.bulk_create(
        Goal(
            organization=organization,
            title=title,
            metric=metric,
            baseline=Decimal(baseline),
            target=Decimal(target),
            direction=direction,
            period_start=start,
            period_end=end,
            sales_owner=seller,
            marketing_owner=marketer,
            status=status,
            active_since=start if status == GoalStatus.ACTIVE else None,
            created_by=owner,
        )
        for title, metric, baseline, target, direction, status in rows
    )


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def prepare(leads: int, responses: int, *, slug: str | None = None):  # type: ignore[no-untyped-def]
    """The organisation of that size, filled, with its goals; (organization, totals)."""
    from django.utils import timezone

    from accord.cli.benchdata import Sizes, bench_data
    from accord.goals.models import Goal

    slug = slug or f"flat-{leads}-{responses}"
    began = time.perf_counter()
    (filled,) = bench_data(
        slugs=[slug],
        sizes=Sizes(leads=leads, responses=responses, activity=max(leads // 50, 1)),
        progress=lambda line: print(line, file=sys.stderr),
    )
    if filled.added:
        print(f"{slug}: generated {filled.added} in {time.perf_counter() - began:.0f} s")
    organization = filled.organization
    if not Goal.objects.filter(organization=organization).exists():
        start, end = quarter_of(timezone.localdate())
        add_goals(organization, start=start, end=end, proposed=True)
    return organization, filled.totals


def widen(organization) -> None:  # type: ignore[no-untyped-def]
    """More months, owners and goals for ``organization``: a quarter of its
    leads and responses a year further back, four more sellers owning some
    of its leads, six more goals (last quarter's). Rollups rebuilt."""
    from django.db.models import DateField, DateTimeField, F

    from accord.accounts.services import user_ensure
    from accord.feedback.models import Response
    from accord.insights.rollups import rollups_rebuild
    from accord.orgs.models import Membership, Role, TeamKind
    from accord.pipeline.models import Lead

    year = dt.timedelta(days=365)
    for model in (Lead, Response):
        moved = {
            f.name: F(f.name) - year
            for f in model._meta.concrete_fields
            if isinstance(f, DateTimeField | DateField)
        }
        ids = model.objects.filter(organization=organization).values_list("pk", flat=True)
        model.objects.filter(pk__in=list(ids)[::4]).update(**moved)
    sales = organization.teams.get(kind=TeamKind.SALES)
    lead_ids = list(
        Lead.objects.filter(organization=organization, owner__isnull=False).values_list(
            "pk", flat=True
        )
    )
    for i in range(4):
        user = user_ensure(
            email=f"{organization.slug}-extra{i}@bench.example", name=f"Extra seller {i}"
        ).user
        member = Membership.objects.create(
            organization=organization, user=user, role=Role.MEMBER, team=sales
        )
        Lead.objects.filter(pk__in=lead_ids[i::9]).update(owner=member)
    rollups_rebuild(organization)
    start, _ = quarter_of(dt.date.today())
    previous = start - dt.timedelta(days=1)
    add_goals(organization, start=quarter_of(previous)[0], end=previous, proposed=False)


def client_for(organization):  # type: ignore[no-untyped-def]
    """(a page client signed in as the owner, an API client with the owner's token)."""
    from django.test import Client

    from accord.orgs.services import api_token_create
    from bench.common import owner_of

    owner = owner_of(organization)
    page = Client()
    page.force_login(owner.user)
    token = api_token_create(membership=owner, name=f"bench {time.time_ns()}").secret
    api = Client(headers={"Authorization": f"Bearer {token}"})
    return page, api


def getter(organization) -> dict[str, Callable[[], object]]:  # type: ignore[no-untyped-def]
    """A name -> a request of that page, which fails loudly unless it answers 200."""
    page, api = client_for(organization)

    def get(path: str) -> Callable[[], object]:
        client = api if path.startswith("/api/") else page

        def run() -> object:
            answer = client.get(path)
            if answer.status_code != 200:
                raise SystemExit(f"GET {path} answered {answer.status_code}")
            return answer

        return run

    return {name: get(path) for name, path in pages(organization.slug).items()}


def query_counts(requests: dict[str, Callable[[], object]]) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, request in requests.items():
        request()  # charts drawn and kept; the count is a view's, not the first one's
        with CaptureQueriesContext(connection) as captured:
            request()
        counts[name] = len(captured)
    return counts


def medians(rounds: int, small: dict, large: dict) -> dict[str, tuple[float, float]]:  # type: ignore[type-arg]
    """Median seconds of each page at (small, large), alternating them in each round."""
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in small}
    for request in (*small.values(), *large.values()):
        request()
    for _ in range(rounds):
        for name in small:
            for side, request in ((0, small[name]), (1, large[name])):
                began = time.perf_counter()
                request()
                times[name][side].append(time.perf_counter() - began)
    return {name: (statistics.median(a), statistics.median(b)) for name, (a, b) in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--small", type=int, nargs=2, default=[50_000, 10_000], metavar=("LEADS", "RESPONSES")
    )
    parser.add_argument(
        "--large",
        type=int,
        nargs=2,
        default=[5_000_000, 1_000_000],
        metavar=("LEADS", "RESPONSES"),
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--limit", type=float, default=LIMIT, help="large/small at most this (default 1.5)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from accord.insights.rollups import rollups_refresh_due

    # The test client's requests go to the test server name.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    small_org, small_totals = prepare(*args.small)
    large_org, large_totals = prepare(*args.large)
    wide_leads = max(args.small[0] // 10, 200)
    wide_org, _ = prepare(
        wide_leads,
        max(args.small[1] // 10, 50),
        slug=f"flat-wide-{wide_leads}-{time.time_ns()}",
    )

    # A kept organisation generated by older code lacks what rollups added
    # since: their migrations mark its months (or leave it without a day
    # rollup yet) and count its campaigns. Refresh every organisation that
    # is due, as the worker would within a minute, so the pages read stored
    # rows; what bench-data generates is rebuilt by it.
    began = time.perf_counter()
    if rollups_refresh_due():
        print(f"rollups refreshed in {time.perf_counter() - began:.0f} s")

    if connection.vendor == "postgresql":
        # What autovacuum does on a live database: statistics and the
        # visibility map that lets index-only scans skip the table.
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    small, large, wide = getter(small_org), getter(large_org), getter(wide_org)
    counts = {"small": query_counts(small), "large": query_counts(large)}
    counts["narrow"] = query_counts(wide)
    widen(wide_org)
    counts["wide"] = query_counts(getter(wide_org))
    timed = medians(args.rounds, small, large)

    print(
        f"{connection.vendor}: small {small_totals['leads']:,} leads / "
        f"{small_totals['responses']:,} responses, large {large_totals['leads']:,} / "
        f"{large_totals['responses']:,}; median of {args.rounds} rounds"
    )
    print(
        f"  {'page':15} {'small ms':>9} {'large ms':>9} {'large/small':>11} {'ratio':>6}"
        f"   queries small/large, before/after more months, owners, goals"
    )
    worst, failed = 0.0, False
    for name, (a, b) in timed.items():
        ratio = (b / a) / args.limit
        worst = max(worst, ratio)
        grew = counts["large"][name] > counts["small"][name]
        grew |= counts["wide"][name] > counts["narrow"][name]
        failed |= grew or ratio > 1.0
        print(
            f"  {name:15} {a * 1000:9.1f} {b * 1000:9.1f} {b / a:10.2f}x {ratio:6.2f}"
            f"   {counts['small'][name]:3} / {counts['large'][name]:3}, "
            f"{counts['narrow'][name]:3} / {counts['wide'][name]:3}"
            + ("   QUERIES GROW" if grew else "")
        )
    print(f"worst ratio against {args.limit:g}x: {worst:.2f} (below 1.0 is within the limit)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
