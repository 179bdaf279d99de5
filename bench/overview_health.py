"""The Overview page and the health score over millions of rows against the
raw SQL they need.

    .venv/bin/python bench/overview_health.py [--leads 5000000] [--responses 1000000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_overview_bench \\
        .venv/bin/python bench/overview_health.py

Fills ``overview-bench`` with ``accord bench-data`` (leads, responses,
activity logs over 24 months; kept between runs; its rollups rebuilt), then
gives it what the Overview reads: two active goals computed from that history
(MQL → SQL conversion, NPS over the current quarter), a bi-weekly joint
meeting series, and twelve closed monthly pulse cycles holding
``--pulse-answers`` answers (members added to both teams as needed) with
their goal votes, internal scores and One Things.

Timed, alternating in each round (best of ``--rounds``):

* ``overview``: ``GET /<org>/`` through the test client, signed in as the
  owner (the whole page: health now and its 12-month trend, NPS by month,
  SLA compliance, follow-ups, goals, the next meeting, the pulse);
* ``overview SQL``: the hand-written SQL for the same answers, reading the
  same rollups (SLA compliance, conversion and NPS by month and by day: the
  goals' computed metrics read them too, a partial month from its days'
  rows) and the same windows;
* ``health_now``: ``accord.insights.health.health_now`` (the score and its
  parts over the last 90 days);
* ``health SQL``: the hand-written SQL for the parts' answers.

The limit (issue 9): each takes at most 1.5x its raw SQL. Printed as ratios:
below 1.0 is within.
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
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-overview.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")

SLUG = "overview-bench"
LIMIT = 1.5
CYCLES = 12


def _month_start(day: dt.date, back: int) -> dt.date:
    first = day.replace(day=1)
    for _ in range(back):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def _pulse(organization, goals, answers_wanted: int) -> int:  # type: ignore[no-untyped-def]
    """Twelve closed monthly cycles holding ``answers_wanted`` answers in all."""
    import math
    import random

    from django.utils import timezone

    from accord.accounts.models import User
    from accord.orgs.models import Membership, Role, Team, TeamKind
    from accord.pulse.models import (
        CycleStatus,
        FollowThrough,
        GoalVote,
        OneThing,
        PulseAnswer,
        PulseCycle,
        Vote,
    )

    have = PulseAnswer.objects.filter(organization=organization).count()
    if have >= answers_wanted or answers_wanted <= 0:
        return have
    rng = random.Random(9)
    sales = Team.objects.get(organization=organization, kind=TeamKind.SALES)
    marketing = Team.objects.get(organization=organization, kind=TeamKind.MARKETING)
    per_cycle = math.ceil((answers_wanted - have) / CYCLES)
    members = list(
        Membership.objects.filter(organization=organization, team__isnull=False).order_by("pk")
    )
    if len(members) < per_cycle:
        start = len(members)
        users = User.objects.bulk_create(
            User(email=f"pulse{i}@{organization.slug}.example", name=f"Pulse member {i}")
            for i in range(start, per_cycle)
        )
        members += Membership.objects.bulk_create(
            Membership(
                organization=organization,
                user=user,
                role=Role.MEMBER,
                team=sales if i % 2 else marketing,
            )
            for i, user in enumerate(users)
        )
    today = timezone.localdate()
    made = 0
    for back in range(CYCLES, 0, -1):
        first = _month_start(today, back)
        opens = dt.datetime.combine(first, dt.time(9), tzinfo=dt.UTC)
        cycle, _ = PulseCycle.objects.get_or_create(
            organization=organization,
            kind="monthly",
            period=first.strftime("%Y-%m"),
            defaults={
                "opens_at": opens,
                "closes_at": opens + dt.timedelta(days=7),
                "status": CycleStatus.CLOSED,
                "closed_at": opens + dt.timedelta(days=7),
            },
        )
        answered = set(PulseAnswer.objects.filter(cycle=cycle).values_list("member_id", flat=True))
        chosen = [m for m in members if m.pk not in answered][: per_cycle - len(answered)]
        new = PulseAnswer.objects.bulk_create(
            PulseAnswer(
                organization=organization,
                cycle=cycle,
                member=m,
                team_id=m.team_id,
                internal_score=rng.randint(3, 10),
                rated_team=marketing if m.team_id == sales.pk else sales,
                submitted_at=opens + dt.timedelta(hours=rng.randint(1, 150)),
            )
            for m in chosen
        )
        made += len(new)
        GoalVote.objects.bulk_create(
            GoalVote(
                organization=organization,
                answer=answer,
                goal=goal,
                vote=rng.choice([Vote.WORSE, Vote.SAME, Vote.BETTER, Vote.BETTER]),
            )
            for answer in new
            for goal in goals
        )
        OneThing.objects.bulk_create(
            OneThing(
                organization=organization,
                answer=answer,
                cycle=cycle,
                member_id=answer.member_id,
                team_id=answer.team_id,
                text="Call back every MQL the same day",
                follow_through=rng.choice(
                    [FollowThrough.DONE, FollowThrough.PARTLY, FollowThrough.NOT_DONE]
                )
                if back > 1
                else "",
            )
            for answer in new
        )
    return have + made


def prepare(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The organisation, filled, with goals, a meeting series and pulse answers."""
    from decimal import Decimal

    from django.utils import timezone

    from accord.cli.benchdata import Sizes, bench_data
    from accord.goals.models import Goal, GoalStatus
    from accord.insights.rollups import rollups_refresh_due
    from accord.meetings.models import MeetingSeries
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
    # The members bench-data made (the pulse adds more later, after them).
    people = list(
        Membership.objects.filter(
            organization=organization, team__kind__in=[TeamKind.SALES, TeamKind.MARKETING]
        )
        .select_related("team")
        .order_by("pk")[:12]
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
        for title, metric, baseline, target in (
            ("More MQLs become SQLs", "mql_to_sql_conversion", "5", "60"),
            ("Customers recommend us", "nps", "10", "40"),
        ):
            Goal.objects.create(
                organization=organization,
                title=title,
                metric=metric,
                baseline=Decimal(baseline),
                target=Decimal(target),
                direction="up",
                period_start=quarter,
                period_end=end,
                sales_owner=seller,
                marketing_owner=marketer,
                status=GoalStatus.ACTIVE,
                created_by=owner,
            )
    goals = list(Goal.objects.filter(organization=organization, status=GoalStatus.ACTIVE))
    pulse_answers = _pulse(organization, goals, args.pulse_answers)
    # What the worker would have done within a minute of the writes above.
    rollups_refresh_due()
    return organization, owner, {**filled.totals, "pulse": pulse_answers}


def _window(organization, start: dt.date, end: dt.date):  # type: ignore[no-untyped-def]
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC),
    )


def health_statements(  # type: ignore[no-untyped-def]
    organization,
    start: dt.date,
    end: dt.date,
    *,
    months_through: dt.date | None = None,
    followups: bool = True,
):
    """The hand-written SQL for every part of the score over ``start``..``end``:
    one statement per part (two for the goals, which also read their metric).
    ``months_through``: the goals' whole months are read through that day's
    month too (the Overview's trend reads them with the same statements);
    ``followups`` False leaves the loops to the caller's statement."""
    from accord.goals.models import Goal

    org = organization.pk
    since, until = _window(organization, start, end)
    statements: list[tuple[str, list[object]]] = [
        ("SELECT weights FROM insights_healthweights WHERE organization_id = %s", [org]),
        # goals of the period, each with its last check-in
        (
            "SELECT g.id, g.status, g.metric, g.period_start, g.period_end, (SELECT c.value"
            " FROM goals_checkin c WHERE c.goal_id = g.id AND c.date <= %s"
            " ORDER BY c.date DESC, c.id DESC LIMIT 1) FROM goals_goal g"
            " WHERE g.organization_id = %s AND g.status IN ('proposed','active','achieved',"
            "'missed') AND g.period_start <= %s AND g.period_end >= %s AND g.created_at < %s",
            [end, org, end, start, until],
        ),
    ]
    for goal in Goal.objects.filter(
        organization=organization, status="active", period_start__lte=end, period_end__gte=start
    ):
        statements += goal_metric_statements(
            organization,
            goal,
            min(goal.period_end, end),
            months_through=min(goal.period_end, months_through) if months_through else None,
        )
    statements += [
        # pulse balance: votes of the cycles opened in the period
        (
            "SELECT v.vote, COUNT(*) FROM pulse_goalvote v JOIN pulse_pulseanswer a"
            " ON a.id = v.answer_id JOIN pulse_pulsecycle c ON c.id = a.cycle_id"
            " WHERE c.organization_id = %s AND c.opens_at >= %s AND c.opens_at < %s"
            " GROUP BY v.vote",
            [org, since, until],
        ),
        # One Thing follow-through, followed up in the period
        (
            "SELECT o.follow_through, COUNT(*) FROM pulse_onething o JOIN pulse_pulsecycle c"
            " ON c.id = o.cycle_id WHERE o.organization_id = %s AND c.opens_at >= %s"
            " AND c.opens_at < %s AND o.follow_through <> '' GROUP BY o.follow_through",
            [org, since, until],
        ),
        # internal NPS by rated team
        (
            "SELECT a.rated_team_id, a.internal_score, COUNT(*) FROM pulse_pulseanswer a"
            " JOIN pulse_pulsecycle c ON c.id = a.cycle_id WHERE a.organization_id = %s"
            " AND c.opens_at >= %s AND c.opens_at < %s AND a.internal_score IS NOT NULL"
            " GROUP BY a.rated_team_id, a.internal_score",
            [org, since, until],
        ),
        # joint meetings closed in the period, collaborative or not
        (
            "SELECT o.collaborative, COUNT(*) FROM meetings_occurrence o"
            " WHERE o.organization_id = %s AND o.closed_at IS NOT NULL"
            " AND o.starts_at >= %s AND o.starts_at < %s GROUP BY o.collaborative",
            [org, since, until],
        ),
        # loops due in the period, closed on time
        *(
            [
                (
                    "SELECT COUNT(*), SUM(CASE WHEN status IN ('resolved','lost') AND closed_at"
                    " IS NOT NULL AND closed_at <= due_at THEN 1 ELSE 0 END)"
                    " FROM feedback_followup WHERE organization_id = %s AND due_at >= %s"
                    " AND due_at < %s AND due_at <= %s",
                    [org, since, until, until],
                )
            ]
            if followups
            else []
        ),
        # SLA compliance: the agreement and the rollup rows of the period's months
        (
            "SELECT first_touch_hours, decision_days, monthly_mql_commitment FROM"
            " pipeline_handoffagreement WHERE organization_id = %s AND status = 'active'",
            [org],
        ),
        (
            "SELECT month, mqls, touched_in_time, touched_late, decided_in_time, decided_late"
            " FROM pipeline_leadmonthrollup WHERE organization_id = %s AND month >= %s"
            " AND month <= %s ORDER BY month",
            [org, start.strftime("%Y-%m"), end.strftime("%Y-%m")],
        ),
        # activity goals and their team's count this month
        (
            "SELECT g.id, g.team_id, g.activity_type, g.target_count, (SELECT COUNT(*)"
            " FROM goals_activitylog l WHERE l.organization_id = g.organization_id"
            " AND l.team_id = g.team_id AND l.activity_type = g.activity_type"
            " AND l.occurred_on BETWEEN %s AND %s) FROM goals_activitygoal g"
            " WHERE g.organization_id = %s AND g.is_active",
            [end.replace(day=1), end, org],
        ),
    ]
    return statements


def goal_metric_statements(  # type: ignore[no-untyped-def]
    organization, goal, end: dt.date, *, months_through: dt.date | None = None
):
    """The SQL for a goal's metric over ``goal.period_start``..``end`` read
    as the page reads it: the monthly rollup rows of its whole months, and
    the day rows of the partial month at the end (NPS: the day rows of the
    period and the answers created since they were counted).
    ``months_through``: read the whole months through that day's month as
    well (the trend's last month), in the same statements."""
    from bench.common import lead_days_statement, nps_statements

    org = organization.pk
    first = end.replace(day=1)
    whole_end = end if (end + dt.timedelta(days=1)).day == 1 else first - dt.timedelta(days=1)
    partial = whole_end != end
    if months_through is not None:
        whole_end = max(whole_end, months_through)
    if goal.metric == "nps":
        # The day rows of the whole span and the answers created since the
        # worker counted them (a few minutes' worth).
        return nps_statements(
            organization,
            goal.period_start,
            end if months_through is None else max(end, months_through),
        )
    out = [
        (
            "SELECT month, mqls, sqls FROM pipeline_leadmonthrollup WHERE organization_id = %s"
            " AND month >= %s AND month <= %s",
            [org, goal.period_start.strftime("%Y-%m"), whole_end.strftime("%Y-%m")],
        )
    ]
    if partial:
        # The partial month from its days' rows, as the app reads it.
        out.append(lead_days_statement(organization, first, end))
    return out


def overview_statements(organization, owner):  # type: ignore[no-untyped-def]
    """The hand-written SQL for the Overview: health now, the 12-month trend
    (each part grouped by month in one statement), NPS by month (the rollups,
    the day rows of the last two months and the answers since), follow-ups,
    SLA, goals, the next meeting and its agenda, the pulse, my action items
    and One Thing."""
    from django.utils import timezone

    from accord.feedback import rollups as feedback_rollups
    from accord.insights.health import WINDOW_DAYS, local_today
    from bench.common import counted_until

    org = organization.pk
    today = local_today(organization)
    now = timezone.now()
    year_ago = _month_start(today, 11)
    trend_since, _ = _window(organization, year_ago, today)
    month = "date_trunc('month', {})" if _vendor() == "postgresql" else "strftime('%%Y-%%m', {})"
    on_time = "status IN ('resolved','lost') AND closed_at IS NOT NULL AND closed_at <= due_at"
    now_since, _ = _window(organization, today - dt.timedelta(days=WINDOW_DAYS - 1), today)
    month_end = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    # Health now and the trend's goals part together: each active goal's
    # whole months through this one (the page's month-end values are
    # running sums of these) with the partial month of now, read from the
    # monthly rollups as the page reads them; the loops of both in the
    # trend's statement below.
    statements = health_statements(
        organization,
        today - dt.timedelta(days=WINDOW_DAYS - 1),
        today,
        months_through=month_end,
        followups=False,
    )
    boundary = feedback_rollups.live_from()
    statements += [
        # the trend: every part by month over 12 months
        (
            f"SELECT {month.format('c.opens_at')}, v.vote, COUNT(*) FROM pulse_goalvote v"
            " JOIN pulse_pulseanswer a ON a.id = v.answer_id JOIN pulse_pulsecycle c"
            " ON c.id = a.cycle_id WHERE c.organization_id = %s AND c.opens_at >= %s"
            " GROUP BY 1, v.vote",
            [org, trend_since],
        ),
        (
            f"SELECT {month.format('c.opens_at')}, o.follow_through, COUNT(*) FROM"
            " pulse_onething o JOIN pulse_pulsecycle c ON c.id = o.cycle_id"
            " WHERE o.organization_id = %s AND c.opens_at >= %s AND o.follow_through <> ''"
            " GROUP BY 1, o.follow_through",
            [org, trend_since],
        ),
        (
            f"SELECT {month.format('c.opens_at')}, a.rated_team_id, a.internal_score, COUNT(*)"
            " FROM pulse_pulseanswer a JOIN pulse_pulsecycle c ON c.id = a.cycle_id"
            " WHERE a.organization_id = %s AND c.opens_at >= %s"
            " AND a.internal_score IS NOT NULL GROUP BY 1, 2, 3",
            [org, trend_since],
        ),
        (
            f"SELECT {month.format('starts_at')}, collaborative, COUNT(*) FROM"
            " meetings_occurrence WHERE organization_id = %s AND closed_at IS NOT NULL"
            " AND starts_at >= %s GROUP BY 1, 2",
            [org, trend_since],
        ),
        (
            f"SELECT {month.format('due_at')}, COUNT(*), SUM(CASE WHEN {on_time} THEN 1"
            f" ELSE 0 END), SUM(CASE WHEN due_at >= %s THEN 1 ELSE 0 END), SUM(CASE WHEN"
            f" due_at >= %s AND {on_time} THEN 1 ELSE 0 END) FROM feedback_followup"
            " WHERE organization_id = %s AND due_at >= %s AND due_at <= %s GROUP BY 1",
            [now_since, now_since, org, min(trend_since, now_since), now],
        ),
        (
            "SELECT month, mqls, touched_in_time, touched_late, decided_in_time, decided_late,"
            " first_touch_histogram FROM pipeline_leadmonthrollup WHERE organization_id = %s"
            " AND month >= %s ORDER BY month",
            [org, _month_start(today, 14).strftime("%Y-%m")],
        ),
        # NPS by month: the rollups, then the last two months from their
        # days' rows and the answers since those were counted
        (
            "SELECT month, promoters, passives, detractors FROM feedback_responsemonthrollup"
            " WHERE organization_id = %s AND month >= %s AND month < %s ORDER BY month",
            [org, year_ago, boundary],
        ),
        (
            "SELECT day, promoters, passives, detractors FROM feedback_responsedayrollup"
            " WHERE organization_id = %s AND day >= %s",
            [org, max(boundary, year_ago)],
        ),
        (
            "SELECT counted_until FROM feedback_responsedaystate WHERE organization_id = %s",
            [org],
        ),
        # the few rows themselves: grouped by month, SQLite would walk every
        # answer through the (organization, month) index
        (
            "SELECT month, category FROM feedback_response WHERE organization_id = %s"
            " AND created_at >= %s",
            [org, counted_until(organization)],
        ),
        # follow-ups open and overdue
        (
            "SELECT COUNT(*), SUM(CASE WHEN due_at < %s THEN 1 ELSE 0 END) FROM"
            " feedback_followup WHERE organization_id = %s AND status NOT IN ('resolved','lost')",
            [now, org],
        ),
        # members, teams, goals by status, goals to discuss
        ("SELECT COUNT(*) FROM orgs_membership WHERE organization_id = %s", [org]),
        ("SELECT id, name, kind FROM orgs_team WHERE organization_id = %s ORDER BY name", [org]),
        (
            "SELECT status, COUNT(*) FROM goals_goal WHERE organization_id = %s GROUP BY status",
            [org],
        ),
        # the next meeting and its agenda, my action items
        (
            "SELECT o.id, o.starts_at, s.name FROM meetings_occurrence o JOIN"
            " meetings_meetingseries s ON s.id = o.series_id WHERE o.organization_id = %s"
            " AND o.starts_at >= %s AND o.status = 'scheduled' ORDER BY o.starts_at LIMIT 1",
            [org, now],
        ),
        (
            "SELECT i.id, i.title, i.section FROM meetings_agendaitem i JOIN meetings_occurrence"
            " o ON o.id = i.occurrence_id WHERE o.organization_id = %s AND o.starts_at >= %s"
            " ORDER BY o.starts_at, i.position LIMIT 8",
            [org, now],
        ),
        (
            "SELECT id, title, due_on FROM meetings_actionitem WHERE organization_id = %s"
            " AND owner_id = %s AND done_at IS NULL ORDER BY due_on, id LIMIT 6",
            [org, owner.pk],
        ),
        # the pulse: the latest cycles, my answer, my One Thing
        (
            "SELECT id, status, opens_at, closes_at FROM pulse_pulsecycle"
            " WHERE organization_id = %s ORDER BY opens_at DESC LIMIT 3",
            [org],
        ),
        (
            "SELECT o.text, o.follow_through FROM pulse_onething o WHERE o.organization_id = %s"
            " AND o.member_id = %s ORDER BY o.id DESC LIMIT 1",
            [org, owner.pk],
        ),
    ]
    return statements


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=5_000_000)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--activity", type=int, default=20_000)
    parser.add_argument("--pulse-answers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accord.insights.health import WINDOW_DAYS, health_now, local_today
    from bench.common import alternate

    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    organization, owner, totals = prepare(args)
    client = Client()
    client.force_login(owner.user)
    url = reverse("org_overview", kwargs={"org_slug": organization.slug})
    today = local_today(organization)
    health_sql = health_statements(organization, today - dt.timedelta(days=WINDOW_DAYS - 1), today)
    overview_sql = overview_statements(organization, owner)

    def page() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    def run(statements):  # type: ignore[no-untyped-def]
        def work() -> None:
            with connection.cursor() as cursor:
                for sql, params in statements:
                    cursor.execute(sql, params)
                    cursor.fetchall()

        return work

    def health() -> None:
        health_now(organization)

    def statements_of(work) -> int:  # type: ignore[no-untyped-def]
        # Counted by a wrapper: the test client's request_started resets
        # the query log that CaptureQueriesContext reads.
        count = 0

        def counting(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            work()
        return count

    page()
    page_queries = statements_of(page)
    health_queries = statements_of(health)
    best = alternate(
        args.rounds,
        overview=page,
        overview_sql=run(overview_sql),
        health=health,
        health_sql=run(health_sql),
    )
    print(
        f"{connection.vendor}: {totals['leads']:,} leads, {totals['responses']:,} responses, "
        f"{totals['pulse']:,} pulse answers, {totals['activity']:,} activity logs"
    )
    for name, label, queries, statements in (
        ("overview", "Overview page", page_queries, len(overview_sql)),
        ("health", "health_now()", health_queries, len(health_sql)),
    ):
        ratio = best[name] / best[f"{name}_sql"]
        print(f"{label:<22} {best[name] * 1000:9.1f} ms  ({queries} statements)")
        print(f"{'  hand-written SQL':<22} {best[f'{name}_sql'] * 1000:9.1f} ms  ({statements})")
        print(f"{'  page / raw':<22} {ratio:9.2f}x  (limit {LIMIT:g}x)")
        print(
            f"{'  ratio against limit':<22} {ratio / LIMIT:9.2f}"
            f"  (below 1.0 is within; best of {args.rounds})"
        )


if __name__ == "__main__":
    main()
