"""Building a meeting's agenda over millions of rows against the raw SQL it needs.

    .venv/bin/python bench/meetings_agenda.py [--leads 5000000] [--responses 1000000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_agenda_bench \\
        .venv/bin/python bench/meetings_agenda.py

Fills ``agenda-bench`` with ``accord bench-data`` (leads, responses, activity
logs over 24 months; kept between runs), then gives it what a joint meeting
reads: a bi-weekly series whose previous meeting was 13 days ago, two active
goals computed from that data (MQL → SQL conversion, NPS) and one waiting for
agreement, open issues with votes and open action items.

Timed, alternating in each round (best of ``--rounds``):

* ``agenda_build`` of the next meeting (what the worker and ``accord
  meetings agenda --org agenda-bench`` run): every source's reads and the
  items it writes, in a transaction rolled back afterwards;
* the hand-written SQL for the same answers: the few statements each source
  needs (counts over the window since the last meeting, the overdue
  follow-ups, the goals' metrics over their period, …) and one multi-row
  INSERT of the same items, also rolled back.

The limit (issue 8): the build takes at most 2x the raw SQL. Printed as a
ratio: below 1.0 is within.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-agenda.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")

SLUG = "agenda-bench"
LIMIT = 2.0


def prepare(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The organisation, filled, with its meeting, goals, issues and action items."""
    from decimal import Decimal

    from django.utils import timezone

    from accord.cli.benchdata import Sizes, bench_data
    from accord.goals.models import Goal, GoalStatus
    from accord.meetings import selectors
    from accord.meetings.models import ActionItem, Issue, IssueVote, MeetingSeries
    from accord.meetings.services.series import series_create
    from accord.orgs.models import Membership, TeamKind
    from bench.common import owner_of

    began = time.perf_counter()
    (filled,) = bench_data(
        slugs=[SLUG],
        sizes=Sizes(leads=args.leads, responses=args.responses, activity=args.activity),
        progress=lambda line: print(line, file=sys.stderr),
    )
    if filled.added:
        print(f"generated {filled.added} in {time.perf_counter() - began:.0f} s")
    organization = filled.organization
    owner = owner_of(organization)
    people = list(
        Membership.objects.filter(
            organization=organization, team__kind__in=[TeamKind.SALES, TeamKind.MARKETING]
        ).select_related("team")
    )
    seller = next(p for p in people if p.team.kind == TeamKind.SALES)
    marketer = next(p for p in people if p.team.kind == TeamKind.MARKETING)
    today = timezone.localdate()
    if not MeetingSeries.objects.filter(organization=organization).exists():
        series_create(
            membership=owner,
            name="Sales and marketing",
            start_date=today - dt.timedelta(days=13),
            start_time=dt.time(10),
            attendees=people,
            time_zone="UTC",
        )
        quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        end = (quarter + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
        for title, metric, baseline, target, status in (
            ("More MQLs become SQLs", "mql_to_sql_conversion", "5", "60", GoalStatus.ACTIVE),
            ("Customers recommend us", "nps", "90", "95", GoalStatus.ACTIVE),
            ("Shorter sales cycle", "sales_cycle_days", "60", "40", GoalStatus.PROPOSED),
        ):
            Goal.objects.create(
                organization=organization,
                title=title,
                metric=metric,
                baseline=Decimal(baseline),
                target=Decimal(target),
                direction="down" if metric == "sales_cycle_days" else "up",
                period_start=quarter,
                period_end=end,
                sales_owner=seller,
                marketing_owner=marketer,
                status=status,
                created_by=owner,
            )
        for i in range(12):
            issue = Issue.objects.create(
                organization=organization, title=f"Friction {i}", raised_by=people[i % len(people)]
            )
            IssueVote.objects.bulk_create(
                IssueVote(organization=organization, issue=issue, member=voter)
                for voter in people[: i % 5]
            )
        ActionItem.objects.bulk_create(
            ActionItem(
                organization=organization,
                title=f"Follow up {i}",
                owner=people[i % len(people)],
                due_on=today + dt.timedelta(days=i - 10),
                created_by=owner,
            )
            for i in range(25)
        )
    occurrence = selectors.next_occurrence_of(organization)
    assert occurrence is not None
    return organization, occurrence, filled.totals


def raw_statements(organization, occurrence):  # type: ignore[no-untyped-def]
    """The hand-written SQL that gives the agenda's sources their answers."""
    from django.utils import timezone

    from accord.goals.models import ActivityGoal, Goal
    from accord.meetings.services.agenda import previous_occurrence
    from bench.common import lead_days_statement, nps_statements

    org = organization.pk
    until = min(timezone.now(), occurrence.starts_at)
    previous = previous_occurrence(occurrence)
    assert previous is not None
    since = previous.starts_at
    before = since - (until - since)
    day = timezone.localdate(until)
    first = day.replace(day=1)
    goal = Goal.objects.filter(organization=organization, status="active").first()
    assert goal is not None
    last = min(goal.period_end, day)
    last_month = last.replace(day=1)
    statements: list[tuple[str, list[object]]] = [
        # pulse: cycles opened since the last meeting (none here)
        (
            "SELECT id FROM pulse_pulsecycle WHERE organization_id = %s"
            " AND opens_at >= %s AND opens_at < %s",
            [org, since, until],
        ),
        # goals waiting for agreement, with the sides that agreed
        (
            "SELECT g.id, g.title, a.side, a.decision FROM goals_goal g"
            " LEFT JOIN goals_agreement a ON a.goal_id = g.id AND a.version = g.version"
            " WHERE g.organization_id = %s AND g.status = 'proposed'",
            [org],
        ),
        # active goals, their last check-in
        (
            "SELECT g.id, g.metric, g.baseline, g.target, g.period_start, g.period_end,"
            " (SELECT c.value FROM goals_checkin c WHERE c.goal_id = g.id"
            "  ORDER BY c.date DESC, c.id DESC LIMIT 1)"
            " FROM goals_goal g WHERE g.organization_id = %s AND g.status = 'active'",
            [org],
        ),
        # MQL -> SQL conversion over the goal's period, as the app reads it:
        # the whole months' rows, then the last month's days' rows
        (
            "SELECT SUM(mqls), SUM(sqls) FROM pipeline_leadmonthrollup"
            " WHERE organization_id = %s AND month >= %s AND month < %s",
            [org, goal.period_start.strftime("%Y-%m"), last_month.strftime("%Y-%m")],
        ),
        lead_days_statement(organization, last_month, last),
        # NPS over the goal's period: the day rows, and the answers created
        # since the worker counted them
        *nps_statements(organization, goal.period_start, last),
    ]
    for activity in ActivityGoal.objects.filter(organization=organization, is_active=True):
        statements += [
            (
                "SELECT m.id, u.email FROM orgs_membership m JOIN accounts_user u"
                " ON u.id = m.user_id WHERE m.team_id = %s AND m.role <> 'viewer'",
                [activity.team_id],
            ),
            (
                "SELECT member_id, COUNT(*) FROM goals_activitylog WHERE organization_id = %s"
                " AND team_id = %s AND activity_type = %s AND occurred_on BETWEEN %s AND %s"
                " GROUP BY member_id",
                [org, activity.team_id, activity.activity_type, first, day],
            ),
        ]
    statements += [
        # feedback: new detractors, overdue follow-ups (five and one more)
        (
            "SELECT COUNT(*) FROM feedback_response WHERE organization_id = %s"
            " AND category = 'detractor' AND created_at >= %s AND created_at < %s",
            [org, since, until],
        ),
        (
            "SELECT f.id, f.kind, f.status, f.due_at, r.company, r.email FROM feedback_followup f"
            " JOIN feedback_response r ON r.id = f.response_id WHERE f.organization_id = %s"
            " AND f.status IN ('open', 'contacted') AND f.due_at < %s"
            " ORDER BY f.due_at, f.id LIMIT 6",
            [org, until],
        ),
        # pipeline: breaches by kind; rejections by reason, now and the period before
        (
            "SELECT kind, COUNT(*) FROM pipeline_slabreach WHERE organization_id = %s"
            " AND detected_at >= %s AND detected_at < %s GROUP BY kind",
            [org, since, until],
        ),
        (
            "SELECT rejection_reason, COUNT(*) FROM pipeline_lead WHERE organization_id = %s"
            " AND rejected_at >= %s AND rejected_at < %s GROUP BY rejection_reason",
            [org, since, until],
        ),
        (
            "SELECT rejection_reason, COUNT(*) FROM pipeline_lead WHERE organization_id = %s"
            " AND rejected_at >= %s AND rejected_at < %s GROUP BY rejection_reason",
            [org, before, since],
        ),
        # issues by votes; open action items
        (
            "SELECT i.id, i.title, i.status, (SELECT COUNT(*) FROM meetings_issuevote v"
            " WHERE v.issue_id = i.id) AS n FROM meetings_issue i WHERE i.organization_id = %s"
            " AND i.status IN ('open', 'on_agenda') ORDER BY i.status DESC, n DESC, i.created_at"
            " LIMIT 10",
            [org],
        ),
        (
            "SELECT a.id, a.title, a.due_on, u.name, u.email FROM meetings_actionitem a"
            " JOIN orgs_membership m ON m.id = a.owner_id JOIN accounts_user u ON u.id = m.user_id"
            " WHERE a.organization_id = %s AND a.done_at IS NULL ORDER BY a.due_on, a.id LIMIT 20",
            [org],
        ),
        # the items already on the agenda
        (
            "SELECT source_key FROM meetings_agendaitem WHERE occurrence_id = %s"
            " AND source_key <> ''",
            [occurrence.pk],
        ),
    ]
    return statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=5_000_000)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--activity", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from accord.meetings.models import AgendaItem
    from accord.meetings.services.agenda import agenda_build
    from bench.common import alternate

    call_command("migrate", verbosity=0)
    organization, occurrence, totals = prepare(args)
    statements = raw_statements(organization, occurrence)
    columns = [
        "organization_id",
        "occurrence_id",
        "section",
        "title",
        "why",
        "source_url",
        "source_key",
        "position",
        "timebox_minutes",
        "team_id",
        "issue_id",
    ]
    made: list[tuple[object, ...]] = []

    def build() -> None:
        with transaction.atomic():
            agenda_build(occurrence, force=True, notify=False)
            if not made:
                made.extend(AgendaItem.objects.filter(occurrence=occurrence).values_list(*columns))
            transaction.set_rollback(True)

    build()
    names = ", ".join(columns)
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # Not-null columns the ORM fills from defaults, given here as literals.
    insert = f"INSERT INTO meetings_agendaitem ({names}, notes, decision, done, version,"
    insert += " created_at, updated_at) VALUES " + ", ".join(
        [marks[:-1] + ", '', '', %s, 1, %s, %s)"] * len(made)
    )

    def raw() -> None:
        from django.utils import timezone

        now = timezone.now()
        with transaction.atomic():
            with connection.cursor() as cursor:
                for sql, params in statements:
                    cursor.execute(sql, params)
                    cursor.fetchall()
                params: list[object] = []
                for row in made:
                    params += [*row, False, now, now]
                if made:
                    cursor.execute(insert, params)
            transaction.set_rollback(True)

    with CaptureQueriesContext(connection) as captured:
        build()
    best = alternate(args.rounds, build=build, raw=raw)
    ratio = best["build"] / best["raw"]
    print(
        f"{connection.vendor}: {totals['leads']:,} leads, {totals['responses']:,} responses, "
        f"{totals['activity']:,} activity logs"
    )
    print(f"agenda items built     {len(made)}")
    print(f"agenda_build           {best['build'] * 1000:9.1f} ms  ({len(captured)} statements)")
    print(
        f"hand-written SQL       {best['raw'] * 1000:9.1f} ms  ({len(statements) + 1} statements)"
    )
    print(f"build / raw            {ratio:9.2f}x  (limit {LIMIT:g}x)")
    print(
        f"ratio against limit    {ratio / LIMIT:9.2f}  (below 1.0 is within; best of {args.rounds})"
    )


if __name__ == "__main__":
    main()
