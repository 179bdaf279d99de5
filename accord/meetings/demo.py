"""Northwind's meetings: a bi-weekly joint sales and marketing meeting with six
months of history (notes, decisions, action items done and open, ratings, two
report-outs), a weekly sales pipeline review that marketing attends, the next
joint agenda built, and an issues list with votes.

Idempotent: each part is made only if Northwind has none of it yet. Dates are
relative to today; everything else is fixed or drawn from a seeded generator.
Attendees get their invitations as for any new series; the history (past
agendas and summaries) is recorded without emailing anyone.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from accord.meetings import services
from accord.meetings.models import (
    AgendaItem,
    Issue,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
)
from accord.orgs.models import Membership, Organization

NADIA = "nadia@northwind.example"
SAM = "sam@northwind.example"
MAYA = "maya@northwind.example"
ALEX = "alex@northwind.example"
JORDAN = "jordan@northwind.example"
PRIYA = "priya@northwind.example"
LEO = "leo@northwind.example"

HISTORY_DAYS = 182
# Past joint meetings (counted from the first) that were report-outs.
REPORT_OUTS = {3: "marketing_absent", 8: "marketing_silent"}

TOPICS = [
    (
        "Demo requests wait too long for a first call",
        "SDRs call back after 2 days on average; prospects go cold.",
        "Route demo requests straight to the SDR queue with a 4-hour first-touch target.",
    ),
    (
        "Webinar leads are not sales-ready",
        "Half of last month's rejected MQLs came from the webinar.",
        "Webinar attendees go to nurture unless they ask for a demo.",
    ),
    (
        "Case study for the logistics segment",
        "Sales keeps asking for a logistics reference customer.",
        "Priya drafts the Wingtip case study; Alex introduces the customer.",
    ),
    (
        "Pricing page confuses prospects",
        "Three lost deals mentioned the tiers; see the feedback themes.",
        "Marketing simplifies the tiers page; sales shares the objections it hears.",
    ),
    (
        "Lead scoring threshold",
        "Rejections for 'not our customer profile' rose again.",
        "Raise the MQL threshold from 50 to 60 points for a month and compare.",
    ),
    (
        "Battlecard against the new competitor",
        "Two deals this month met the same competitor.",
        "Leo and Jordan write a one-page battlecard by next meeting.",
    ),
]
ACTIONS = [
    "Update the lead routing rule",
    "Draft the case study outline",
    "Share last quarter's rejection reasons",
    "Book the customer interview",
    "Rewrite the pricing page copy",
    "Review the battlecard with the AEs",
]
ISSUES = [
    (
        "MQLs arrive without the form answers",
        "Sales cannot see what the lead asked for; they call in blind.",
        "scratch",
        [SAM, ALEX, JORDAN, LEO],
    ),
    (
        "Rejected leads never get a reason back to marketing",
        "Marketing cannot tune campaigns without knowing why leads were rejected.",
        "rejection_reason",
        [MAYA, PRIYA, LEO],
    ),
    (
        "Nobody owns follow-ups on detractors from small accounts",
        "Small accounts have no account owner, so their recovery follow-ups go stale.",
        "followup",
        [NADIA, SAM],
    ),
    (
        "Event leads take a week to be imported",
        "Booth scans wait for a CSV export; the leads are cold by the time sales calls.",
        "scratch",
        [JORDAN],
    ),
]


def seed(organization: Organization, people: dict[str, Membership]) -> None:
    rng = random.Random(8)
    if not MeetingSeries.objects.filter(organization=organization).exists():
        _joint(organization, people, rng)
        _pipeline_review(organization, people)
    if not Issue.objects.filter(organization=organization).exists():
        _issues(organization, people)
    # The worker takes over from here: due alerts every morning, the digest on Mondays.
    services.daily_run_ensure(organization)


def _past(series: MeetingSeries) -> list[Occurrence]:
    return list(
        Occurrence.objects.filter(
            series=series, status=OccurrenceStatus.SCHEDULED, ends_at__lt=timezone.now()
        ).order_by("starts_at")
    )


def _joint(organization: Organization, people: dict[str, Membership], rng: random.Random) -> None:
    maya, sam = people[MAYA], people[SAM]
    sales = [people[SAM], people[ALEX], people[JORDAN]]
    marketing = [people[MAYA], people[PRIYA], people[LEO]]
    today = timezone.localdate()
    start = today - dt.timedelta(days=HISTORY_DAYS)
    start += dt.timedelta(days=(1 - start.weekday()) % 7)  # a Tuesday
    series = services.series_create(
        membership=maya,
        name="Joint sales and marketing meeting",
        kind=MeetingKind.JOINT,
        start_date=start,
        start_time=dt.time(10, 0),
        duration_minutes=60,
        video_url="https://meet.northwind.example/joint",
        description="Both teams raise and decide things. A report-out does not count.",
        attendees=[*sales, *marketing],
    )
    for index, occurrence in enumerate(_past(series)):
        services.agenda_build(occurrence, notify=False)
        mode = REPORT_OUTS.get(index)
        present = sales if mode == "marketing_absent" else [*sales, *marketing]
        for person in present:
            services.attendance_set(
                membership=sam, occurrence=occurrence, member=person, present=True
            )
        title, why, decision = TOPICS[index % len(TOPICS)]
        # Collaborative meetings: one team raises, the other decides (taking
        # turns); in the report-outs sales does all the talking.
        raisers, deciders = (marketing, sales) if index % 2 and not mode else (sales, marketing)
        raiser = rng.choice(raisers)
        item = services.agenda_item_add(
            membership=raiser, occurrence=occurrence, title=title, why=why
        )
        decider = rng.choice(sales) if mode else rng.choice(deciders)
        services.agenda_item_update(
            membership=decider,
            item=item,
            version=item.version,
            notes=f"- {why}\n- Discussed options; **agreed** on a next step.",
            decision=decision,
            done=True,
        )
        owner = rng.choice([*sales, *marketing])
        action = services.action_item_create(
            membership=decider,
            title=ACTIONS[index % len(ACTIONS)],
            owner=owner,
            due_on=occurrence.starts_at.date() + dt.timedelta(days=10),
            agenda_item=item,
        )
        if occurrence.starts_at.date() < today - dt.timedelta(days=30):
            services.action_item_update(
                membership=owner, action_item=action, version=action.version, done=True
            )
        # What the last meeting did not reach comes first this time.
        for carried in AgendaItem.objects.filter(
            occurrence=occurrence, carried_from__isnull=False
        ).order_by("pk"):
            services.agenda_item_update(
                membership=decider,
                item=carried,
                version=carried.version,
                notes="- Went through the numbers together.",
                done=True,
            )
        if index % 3 == 1:
            services.agenda_item_add(
                membership=rng.choice(marketing),
                occurrence=occurrence,
                title="Follow up on last month's campaign results",
                why="Not reached this time.",
            )
        for person in present:
            services.rating_set(membership=person, occurrence=occurrence, score=rng.randint(6, 10))
        services.occurrence_close(membership=sam, occurrence=occurrence, notify=False)
    upcoming = services.next_occurrence(series)
    if upcoming is not None:
        services.agenda_build(upcoming, notify=False)


def _pipeline_review(organization: Organization, people: dict[str, Membership]) -> None:
    sam = people[SAM]
    attendees = [sam, people[ALEX], people[JORDAN], people[LEO]]
    today = timezone.localdate()
    start = today - dt.timedelta(days=56)
    start += dt.timedelta(days=(3 - start.weekday()) % 7)  # a Thursday
    series = services.series_create(
        membership=sam,
        name="Sales pipeline review",
        kind=MeetingKind.PIPELINE_REVIEW,
        cadence="weekly",
        start_date=start,
        start_time=dt.time(15, 0),
        duration_minutes=45,
        video_url="https://meet.northwind.example/pipeline",
        attendees=attendees,
    )
    for index, occurrence in enumerate(_past(series)):
        # Leo from marketing joins most weeks: it counts toward marketing's
        # activity goal without anyone logging it.
        present = attendees if index % 4 != 2 else attendees[:3]
        for person in present:
            services.attendance_set(
                membership=sam, occurrence=occurrence, member=person, present=True
            )
        services.occurrence_close(membership=sam, occurrence=occurrence, notify=False)


def _issues(organization: Organization, people: dict[str, Membership]) -> None:
    marketing_team = people[MAYA].team
    sales_team = people[SAM].team
    teams = [t.pk for t in (sales_team, marketing_team) if t is not None]
    made = []
    for title, description, source, voters in ISSUES:
        issue = services.issue_raise(
            membership=people[voters[0]],
            title=title,
            description=description,
            team_ids=teams,
            source_kind=source,
        )
        for email in voters:
            services.issue_vote(membership=people[email], issue=issue)
        made.append(issue)
    services.issue_put_on_agenda(membership=people[MAYA], issue=made[0])
    last = (
        Occurrence.objects.filter(
            organization=organization,
            series__kind=MeetingKind.JOINT,
            status=OccurrenceStatus.CLOSED,
        )
        .order_by("-starts_at")
        .first()
    )
    solved = services.issue_raise(
        membership=people[ALEX],
        title="Sales and marketing use different lead stages",
        description="The CRM and the marketing tool disagree on what an MQL is.",
        team_ids=teams,
    )
    services.issue_vote(membership=people[PRIYA], issue=solved)
    services.issue_solve(
        membership=people[SAM],
        issue=solved,
        resolution="One definition, written down in the lead hand-off agreement.",
        occurrence=last,
        action_items=[
            {
                "title": "Align the lifecycle stages in both tools",
                "owner": people[LEO],
                "due_on": timezone.localdate() + dt.timedelta(days=14),
            }
        ],
    )
