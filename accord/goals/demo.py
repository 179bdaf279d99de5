"""Northwind's goals: shared goals in every state, both teams' activity goals
with a few months of activity, a content library with untouched assets, and
upcoming and past events.

Idempotent: each part is made only if Northwind has none of it yet. Dates are
relative to today (a demo should look current); everything else is fixed or
drawn from a seeded random generator.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from accord.goals import services
from accord.goals.models import ActivityGoal, ContentAsset, Event, Goal
from accord.goals.selectors import month_bounds
from accord.orgs.models import Membership, Organization, TeamKind

NADIA = "nadia@northwind.example"
SAM = "sam@northwind.example"
MAYA = "maya@northwind.example"
ALEX = "alex@northwind.example"
JORDAN = "jordan@northwind.example"
PRIYA = "priya@northwind.example"
LEO = "leo@northwind.example"


def seed(organization: Organization, people: dict[str, Membership]) -> None:
    rng = random.Random(3)
    today = services.today()
    if not Goal.objects.filter(organization=organization).exists():
        _goals(people, today)
    if not ContentAsset.objects.filter(organization=organization).exists():
        _content(organization, people, today, rng)
    if not ActivityGoal.objects.filter(organization=organization).exists():
        _activity(organization, people, today, rng)
    if not Event.objects.filter(organization=organization).exists():
        _events(people, today)


def _checkins(goal: Goal, by: Membership, values: list[str], today: dt.date) -> None:
    """Spread ``values`` evenly from the period's start to today (or its end)."""
    last = min(today, goal.period_end)
    span = max((last - goal.period_start).days, 1)
    for i, value in enumerate(values, start=1):
        day = goal.period_start + dt.timedelta(days=span * i // len(values))
        services.goal_check_in(
            membership=by,
            goal=goal,
            value=Decimal(value),
            date=min(day, last),
            confidence=["low", "medium", "high"][i % 3],
            note="" if i % 2 else "Reviewed in the joint meeting.",
        )


def _goals(people: dict[str, Membership], today: dt.date) -> None:
    nadia, sam, maya = people[NADIA], people[SAM], people[MAYA]
    alex, jordan, priya, leo = people[ALEX], people[JORDAN], people[PRIYA], people[LEO]
    start, end = services.quarter_of(today)
    last_start, last_end = services.quarter_of(start - dt.timedelta(days=1))
    # A quarter that has only just begun still needs a few weeks of history.
    if (today - start).days < 21:
        start = today - dt.timedelta(days=30)

    conversion = services.goal_create(
        membership=maya,
        title="More MQLs become sales-qualified",
        why="Sales spends its time on leads that close; marketing is paid for leads that do.",
        metric="mql_to_sql_conversion",
        baseline=Decimal("18"),
        target=Decimal("30"),
        sales_owner=alex,
        marketing_owner=priya,
        period_start=start,
        period_end=end,
    )
    services.goal_propose(membership=maya, goal=conversion, comment="Scored leads only.")
    services.goal_agree(
        membership=sam, goal=conversion, comment="Yes, with the new MQL definition."
    )

    touch = services.goal_create(
        membership=sam,
        title="Touch every new lead within four hours",
        why="Leads contacted within the hour convert several times more often.",
        metric="median_first_touch_hours",
        baseline=Decimal("20"),
        target=Decimal("4"),
        sales_owner=jordan,
        marketing_owner=leo,
        period_start=start,
        period_end=end,
    )
    services.goal_propose(membership=sam, goal=touch)
    services.goal_agree(membership=maya, goal=touch, comment="Marketing routes leads in real time.")

    # Computed goals take no check-ins; net revenue retention is typed in by
    # its owners from the billing system, so it shows the check-in history.
    nrr = services.goal_create(
        membership=sam,
        title="Expand the accounts we keep",
        why="Customers who grow with us are the cheapest revenue there is.",
        kind="retention",
        metric="revenue_retention",
        baseline=Decimal("102"),
        target=Decimal("110"),
        sales_owner=sam,
        marketing_owner=maya,
        period_start=start,
        period_end=end,
    )
    services.goal_propose(membership=sam, goal=nrr)
    services.goal_agree(membership=maya, goal=nrr, comment="Upsell plays for promoters.")
    # The demo's story: both teams agreed at the start of the quarter.
    Goal.objects.filter(pk__in=[conversion.pk, touch.pk, nrr.pk]).update(active_since=start)
    nrr.refresh_from_db()
    _checkins(nrr, sam, ["103", "105", "106"], today)

    loops = services.goal_create(
        membership=sam,
        title="Close detractor loops within two days",
        why="A detractor called back quickly often stays a customer.",
        metric="detractor_loops_closed_on_time",
        baseline=Decimal("45"),
        target=Decimal("90"),
        sales_owner=alex,
        marketing_owner=priya,
        period_start=start,
        period_end=end,
    )
    services.goal_propose(membership=sam, goal=loops)
    services.goal_decline(
        membership=maya, goal=loops, reason="90% is not realistic before the survey runs monthly."
    )
    services.goal_update(membership=sam, goal=loops, target=Decimal("80"))
    services.goal_propose(membership=sam, goal=loops, comment="Lowered to 80%.")

    services.goal_create(
        membership=maya,
        title="Grow marketing-sourced pipeline",
        why="Pipeline marketing creates, not leads it counts.",
        kind="revenue",
        metric="marketing_sourced_pipeline",
        unit="EUR",
        baseline=Decimal("400000"),
        target=Decimal("650000"),
        sales_owner=sam,
        marketing_owner=maya,
        period_start=start,
        period_end=end,
    )

    sla = services.goal_create(
        membership=sam,
        title="Honour the lead hand-off agreement",
        metric="lead_sla_compliance",
        baseline=Decimal("60"),
        target=Decimal("85"),
        sales_owner=jordan,
        marketing_owner=leo,
        period_start=last_start,
        period_end=last_end,
    )
    services.goal_propose(membership=sam, goal=sla)
    services.goal_agree(membership=maya, goal=sla)
    services.goal_close(
        membership=nadia,
        goal=sla,
        outcome="achieved",
        note="88% by the end of the quarter: the daily lead review did it.",
    )

    win = services.goal_create(
        membership=maya,
        title="Win more of the deals we work",
        kind="revenue",
        metric="win_rate",
        baseline=Decimal("18"),
        target=Decimal("25"),
        sales_owner=alex,
        marketing_owner=priya,
        period_start=last_start,
        period_end=last_end,
    )
    services.goal_propose(membership=maya, goal=win)
    services.goal_agree(membership=sam, goal=win)
    Goal.objects.filter(pk__in=[sla.pk, win.pk]).update(active_since=last_start)
    services.goal_close(
        membership=nadia,
        goal=win,
        outcome="missed",
        note="20%: battlecards came late; we carry the goal into this quarter's enablement.",
    )

    retention = services.goal_create(
        membership=sam,
        title="Keep more logos",
        kind="retention",
        metric="logo_retention",
        baseline=Decimal("88"),
        target=Decimal("93"),
        sales_owner=sam,
        marketing_owner=maya,
        period_start=last_start,
        period_end=end,
    )
    services.goal_close(
        membership=nadia,
        goal=retention,
        outcome="dropped",
        note="Folded into the detractor-loop goal, which measures what we control.",
    )


ASSETS = [
    ("Northwind platform overview deck", "deck", ["enterprise", "overview"]),
    ("Case study: Contoso cut onboarding to a week", "case_study", ["manufacturing"]),
    ("Case study: Fabrikam's 40% faster close", "case_study", ["retail"]),
    ("Battlecard: Northwind vs. Globex", "battlecard", ["competitive"]),
    ("ROI calculator", "tool", ["pricing"]),
    ("Security whitepaper", "whitepaper", ["security", "enterprise"]),
    ("One-pager: implementation plan", "one_pager", ["onboarding"]),
    ("Follow-up email after a demo", "email_template", ["email"]),
    ("Product tour video", "video", ["overview"]),
    ("Pricing FAQ", "one_pager", ["pricing"]),
    ("Analyst report summary", "whitepaper", ["analyst"]),
    ("Customer quote: Tailspin Toys", "testimonial", ["testimonial"]),
]


def _content(
    organization: Organization,
    people: dict[str, Membership],
    today: dt.date,
    rng: random.Random,
) -> None:
    maya, priya = people[MAYA], people[PRIYA]
    assets = [
        services.content_asset_create(
            membership=priya if i % 2 else maya,
            title=title,
            kind=kind,
            url=f"https://content.northwind.example/{i + 1}",
            tags=tags,
        )
        for i, (title, kind, tags) in enumerate(ASSETS)
    ]
    # The last four are never used: the untouched list is not empty.
    used = assets[:8]
    sellers = [people[SAM], people[ALEX], people[JORDAN]]
    for _ in range(40):
        services.content_usage_log(
            membership=people[SAM],
            asset=rng.choice(used),
            member=rng.choice(sellers),
            used_on=today - dt.timedelta(days=rng.randint(0, 110)),
            note=rng.choice(["Discovery call", "Demo follow-up", "Proposal", "Renewal call", ""]),
        )
    services.goals_settings_update(membership=people[NADIA], untouched_days=60)


def _activity(
    organization: Organization,
    people: dict[str, Membership],
    today: dt.date,
    rng: random.Random,
) -> None:
    nadia = people[NADIA]
    services.activity_goal_create(
        membership=nadia,
        team=organization.teams.get(kind=TeamKind.MARKETING),
        activity_type="pipeline_review",
        target_count=2,
        per="person",
    )
    # Sales' first uses of content were logged with the library above.
    services.activity_goal_create(
        membership=nadia,
        team=organization.teams.get(kind=TeamKind.SALES),
        activity_type="content_use",
        target_count=2,
        per="person",
    )
    marketers = [people[MAYA], people[PRIYA], people[LEO]]
    month = today.replace(day=1)
    for back in range(4):
        first, last = month_bounds(month)
        last = min(last, today)
        for person, times in zip(marketers, (2, 3, 1) if back else (1, 1, 0), strict=True):
            for _ in range(times):
                day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
                services.activity_log(
                    membership=nadia,
                    member=person,
                    occurred_on=day,
                    note=rng.choice(["Weekly pipeline review", "Forecast call", ""]),
                )
        month = (first - dt.timedelta(days=1)).replace(day=1)


def _events(people: dict[str, Membership], today: dt.date) -> None:
    maya = people[MAYA]
    past = services.event_create(
        membership=maya,
        name="SaaS Connect Europe",
        kind="tradeshow",
        starts_on=today - dt.timedelta(days=45),
        ends_on=today - dt.timedelta(days=44),
        place="Amsterdam RAI",
        url="https://events.northwind.example/saas-connect",
    )
    slots = list(past.slots.all())
    for slot, person in zip(slots, (ALEX, JORDAN, PRIYA), strict=True):
        services.event_signup(membership=maya, slot=slot, member=people[person])
    upcoming = services.event_create(
        membership=maya,
        name="RevOps Summit",
        kind="conference",
        starts_on=today + dt.timedelta(days=21),
        ends_on=today + dt.timedelta(days=22),
        place="London ExCeL",
        notes="Booth B12. Bring the new battlecards.",
    )
    first = upcoming.slots.order_by("date", "role").first()
    if first is not None:
        services.event_signup(membership=maya, slot=first, member=people[ALEX])
    services.event_create(
        membership=maya,
        name="Customer roundtable",
        kind="meetup",
        starts_on=today + dt.timedelta(days=50),
        place="Northwind office, Manchester",
    )
