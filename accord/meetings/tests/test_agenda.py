"""Agendas that build themselves before each meeting, and what closing a
meeting does: collaborative or report-out, carry-over, summary, activity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accord.feedback.models import FollowUp
from accord.feedback.tests.factories import ResponseFactory
from accord.goals import services as goal_services
from accord.goals.models import ActivityLog, ActivitySource
from accord.goals.tests.factories import GoalFactory
from accord.jobs.testing import run_queued_jobs
from accord.mail.models import CapturedMessage
from accord.meetings import agenda_sources, selectors, services
from accord.meetings.agenda_sources import AgendaCandidate
from accord.meetings.models import (
    AgendaItem,
    IssueEvent,
    IssueStatus,
    Occurrence,
    OccurrenceStatus,
    Section,
)
from accord.meetings.tests.factories import series_for
from accord.pipeline.models import BreachKind, SlaBreach
from accord.pipeline.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC
CREATED = dt.datetime(2026, 3, 1, 12, tzinfo=UTC)
# The first meeting: Thursday 5 March 2026, 10:00 Berlin = 09:00 UTC.
FIRST = dt.datetime(2026, 3, 5, 9, tzinfo=UTC)


@pytest.fixture
def joint(sales_lead, marketing_lead, seller, marketer):
    with time_machine.travel(CREATED, tick=False):
        return series_for(sales_lead, [sales_lead, marketing_lead, seller, marketer])


def _first(series) -> Occurrence:
    return Occurrence.objects.filter(series=series).earliest("starts_at")


def _world(acme, sales_lead, marketing_lead, seller, marketer) -> None:
    """What happened between the series' start and its first meeting."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 8, tzinfo=UTC), tick=False):
        goal = GoalFactory.create(
            sales_owner=seller, marketing_owner=marketer, title="More MQLs become SQLs"
        )
        goal_services.goal_propose(membership=sales_lead, goal=goal)
        for score in (2, 5):
            ResponseFactory.create(organization=acme, score=score, company="Acme customer")
        response = ResponseFactory.create(organization=acme, score=3, company="Initech")
        FollowUp.objects.create(
            organization=acme,
            response=response,
            kind=FollowUp.Kind.RECOVERY,
            due_at=dt.datetime(2026, 3, 3, 9, tzinfo=UTC),
        )
        for _ in range(2):
            LeadFactory.create(
                organization=acme,
                rejected_at=dt.datetime(2026, 3, 2, 9, tzinfo=UTC),
                rejection_reason="not_icp",
            )
        lead = LeadFactory.create(organization=acme)
        assert lead.mql_at is not None
        SlaBreach.objects.create(
            organization=acme, lead=lead, kind=BreachKind.FIRST_TOUCH, due_at=lead.mql_at
        )
        issue = services.issue_raise(membership=seller, title="Leads arrive without context")
        services.issue_vote(membership=seller, issue=issue)
        services.issue_vote(membership=marketer, issue=issue)
        services.action_item_create(
            membership=marketing_lead,
            title="Share the ICP one-pager",
            owner=marketer,
            due_on=dt.date(2026, 3, 3),
        )


def test_it_builds_the_agenda_a_day_before_with_reasons_and_sources(
    acme, joint, sales_lead, marketing_lead, seller, marketer
):
    _world(acme, sales_lead, marketing_lead, seller, marketer)
    occurrence = _first(joint)
    with time_machine.travel(FIRST - dt.timedelta(hours=25), tick=False):
        run_queued_jobs()
        occurrence.refresh_from_db()
        assert occurrence.agenda_built_at is None, "not before the lead time"
    with time_machine.travel(FIRST - dt.timedelta(hours=23), tick=False):
        run_queued_jobs()

    occurrence.refresh_from_db()
    assert occurrence.agenda_built_at is not None
    items = {i.title: i for i in AgendaItem.objects.filter(occurrence=occurrence)}
    sections = [i.section for i in selectors.agenda(occurrence)]
    assert sections[0] == Section.CHECK_IN
    assert sections[-1] == Section.CONCLUDE
    goal = items["More MQLs become SQLs"]
    assert goal.section == Section.SCORECARD
    assert goal.why == "Waiting for agreement from Marketing."
    assert goal.source_url.startswith("/o/acme/goals/")
    assert items["3 new detractors"].section == Section.HEADLINES
    assert "Overdue recovery follow-up: Initech" in items
    assert "Lead-SLA breaches: no first touch in time (1)" in items
    rejections = items["Lead rejections rose: Not our customer profile"]
    assert rejections.why.startswith("2 rejected for this reason")
    issue = items["Leads arrive without context"]
    assert issue.section == Section.ISSUES and issue.why == "Open issue; 2 votes."
    assert issue.issue is not None
    action = items["Share the ICP one-pager"]
    assert action.section == Section.ACTION_ITEMS and "(overdue)" in action.why
    assert all(i.why for i in items.values())
    ready = CapturedMessage.objects.filter(subject__startswith="Agenda ready")
    assert sorted(m.to[0] for m in ready) == [
        "bob@acme.example",
        "carol@acme.example",
        "mia@acme.example",
        "sam@acme.example",
    ]
    assert "Leads arrive without context" in ready[0].text_body
    # In the series' own time zone, not the server's UTC.
    assert ready[0].subject == "Agenda ready: Acme joint meeting, Thu 5 Mar 10:00"
    assert "on Thursday 5 Mar 2026, 10:00 (Europe/Berlin) is ready" in ready[0].text_body


def test_it_takes_items_from_sources_other_apps_register(joint):
    def pulse(organization, since, until):
        return [
            AgendaCandidate(
                Section.SCORECARD, "Pulse: 4 votes Worse", "Worse votes rose.", "/pulse", "pulse:1"
            )
        ]

    agenda_sources.register_agenda_source("test.pulse", pulse)
    try:
        with time_machine.travel(FIRST - dt.timedelta(hours=2), tick=False):
            services.agenda_build(_first(joint))
            services.agenda_build(_first(joint), force=True)
    finally:
        agenda_sources._SOURCES.pop("test.pulse")
    assert AgendaItem.objects.filter(title="Pulse: 4 votes Worse").count() == 1


def test_it_leaves_a_moved_meeting_to_its_new_job(joint, sales_lead):
    occurrence = _first(joint)
    with time_machine.travel(CREATED, tick=False):
        services.occurrence_move(
            membership=sales_lead,
            occurrence=occurrence,
            starts_at=FIRST + dt.timedelta(days=1),
            version=occurrence.version,
        )
    with time_machine.travel(FIRST - dt.timedelta(hours=23), tick=False):
        run_queued_jobs()
        occurrence.refresh_from_db()
        assert occurrence.agenda_built_at is None
    with time_machine.travel(FIRST + dt.timedelta(hours=1), tick=False):
        run_queued_jobs()
        occurrence.refresh_from_db()
        assert occurrence.agenda_built_at is not None


def _hold(occurrence, sales_lead, seller, marketer, *, marketing_attends=True):
    services.attendance_set(
        membership=sales_lead, occurrence=occurrence, member=seller, present=True
    )
    if marketing_attends:
        services.attendance_set(
            membership=sales_lead, occurrence=occurrence, member=marketer, present=True
        )
    raised = services.agenda_item_add(
        membership=seller, occurrence=occurrence, title="Demo requests go unanswered"
    )
    unfinished = services.agenda_item_add(
        membership=seller, occurrence=occurrence, title="Pricing page confusion"
    )
    decider = marketer if marketing_attends else seller
    services.agenda_item_update(
        membership=decider,
        item=raised,
        version=raised.version,
        decision="Marketing routes demo requests to the SDR queue.",
        done=True,
    )
    services.action_item_create(
        membership=marketer,
        title="Set up the routing rule",
        owner=marketer,
        due_on=dt.date(2026, 3, 12),
        agenda_item=raised,
    )
    services.rating_set(membership=seller, occurrence=occurrence, score=8)
    return unfinished


def test_it_closes_a_collaborative_meeting_and_carries_over_what_is_unfinished(
    acme, joint, sales_lead, seller, marketer
):
    occurrence = _first(joint)
    with time_machine.travel(FIRST + dt.timedelta(minutes=50), tick=False):
        unfinished = _hold(occurrence, sales_lead, seller, marketer)
        services.occurrence_close(
            membership=sales_lead, occurrence=occurrence, version=_version(occurrence)
        )
        run_queued_jobs()

    occurrence.refresh_from_db()
    assert occurrence.status == OccurrenceStatus.CLOSED
    assert occurrence.collaborative is True and occurrence.report_out_reason == ""
    following = Occurrence.objects.filter(series=joint).order_by("starts_at")[1]
    carried = AgendaItem.objects.get(occurrence=following, carried_from=unfinished)
    assert carried.why.startswith("Carried over from 05 Mar: not finished.")
    summaries = CapturedMessage.objects.filter(subject__startswith="Summary:")
    assert summaries.count() == 4
    body = summaries[0].text_body
    assert "Demo requests go unanswered: Marketing routes demo requests" in body
    assert "Set up the routing rule (Mia, due 12 Mar 2026)" in body
    assert "counts as a collaborative meeting" in body
    assert "Acme joint meeting on Thursday 5 Mar 2026, 10:00 is closed." in body
    assert summaries[0].subject == "Summary: Acme joint meeting, 5 Mar 2026"
    values = selectors.metric_values(acme, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert values == {"collaborative_meetings": Decimal(1)}


def test_it_carries_over_what_people_raised_but_not_what_a_source_will_list_again(
    acme, joint, sales_lead, seller, marketer
):
    occurrence = _first(joint)
    with time_machine.travel(FIRST + dt.timedelta(minutes=50), tick=False):
        unfinished = _hold(occurrence, sales_lead, seller, marketer)
        # What a source built: the next build lists it again if it still applies.
        AgendaItem.objects.create(
            organization=acme,
            occurrence=occurrence,
            section=Section.SCORECARD,
            title="Sales activity goal: Joint prospect calls",
            why="Behind: 2 of 6 this month (3.0 expected by now).",
            source_key="activity_goal:7:2026-03",
        )
        services.occurrence_close(
            membership=sales_lead, occurrence=occurrence, version=_version(occurrence)
        )
        run_queued_jobs()

    following = Occurrence.objects.filter(series=joint).order_by("starts_at")[1]
    carried = AgendaItem.objects.filter(occurrence=following, carried_from__isnull=False)
    assert [item.title for item in carried] == [unfinished.title]


def test_it_says_once_since_when_an_item_is_carried_however_often():
    once = services.carried_why("Pricing page confusion", "05 Mar")
    twice = services.carried_why(once, "19 Mar")
    thrice = services.carried_why(twice, "02 Apr")

    assert once == "Carried over from 05 Mar: not finished. Pricing page confusion"
    assert twice == (
        "Carried over from 19 Mar (on the agenda since 05 Mar): not finished. "
        "Pricing page confusion"
    )
    assert thrice == (
        "Carried over from 02 Apr (on the agenda since 05 Mar): not finished. "
        "Pricing page confusion"
    )
    # The notes of earlier versions, one per meeting, fold into one too.
    nested = (
        "Carried over from 19 Mar: not finished. "
        "Carried over from 05 Mar: not finished. Pricing page confusion"
    )
    assert services.carried_why(nested, "02 Apr") == thrice


def _version(occurrence: Occurrence) -> int:
    occurrence.refresh_from_db()
    return occurrence.version


def test_it_calls_a_one_team_meeting_a_report_out(acme, joint, sales_lead, seller, marketer):
    occurrence = _first(joint)
    with time_machine.travel(FIRST + dt.timedelta(minutes=50), tick=False):
        _hold(occurrence, sales_lead, seller, marketer, marketing_attends=False)
        services.occurrence_close(membership=sales_lead, occurrence=occurrence)

    occurrence.refresh_from_db()
    assert occurrence.collaborative is False
    assert occurrence.report_out_reason == "Report-out: Marketing did not attend."
    values = selectors.metric_values(acme, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert values == {"collaborative_meetings": Decimal(0)}


def test_it_refuses_a_stale_close(joint, sales_lead):
    occurrence = _first(joint)
    stale = occurrence.version
    with time_machine.travel(FIRST, tick=False):
        services.agenda_item_add(membership=sales_lead, occurrence=occurrence, title="x")
        with pytest.raises(services.StaleEdit):
            services.occurrence_close(membership=sales_lead, occurrence=occurrence, version=stale)
    occurrence.refresh_from_db()
    assert occurrence.status == OccurrenceStatus.SCHEDULED


def test_it_counts_marketing_at_a_pipeline_review_toward_its_activity_goal(
    acme, owner, sales_lead, seller, marketer
):
    with time_machine.travel(CREATED, tick=False):
        goal = goal_services.activity_goal_create(
            membership=owner,
            team=acme.teams.get(kind="marketing"),
            activity_type="pipeline_review",
            target_count=2,
        )
        review = series_for(
            sales_lead,
            [sales_lead, seller, marketer],
            name="Pipeline review",
            kind="pipeline_review",
        )
    occurrence = _first(review)
    with time_machine.travel(FIRST + dt.timedelta(minutes=30), tick=False):
        for person in (seller, marketer):
            services.attendance_set(
                membership=sales_lead, occurrence=occurrence, member=person, present=True
            )
        services.occurrence_close(membership=sales_lead, occurrence=occurrence)

    logs = ActivityLog.objects.filter(source=ActivitySource.MEETING)
    assert [(log.member, log.activity_type, log.occurred_on) for log in logs] == [
        (marketer, "pipeline_review", dt.date(2026, 3, 5))
    ]
    assert logs[0].activity_goal == goal
    assert logs[0].note == "Attended Pipeline review"


def test_it_refuses_an_action_item_owner_from_another_organisation(joint, sales_lead, globex):
    foreign = globex.memberships.first()
    with pytest.raises(ValidationError) as error:
        services.action_item_create(
            membership=sales_lead,
            title="x",
            owner=foreign,
            due_on=dt.date(2026, 3, 9),
            occurrence=_first(joint),
        )
    assert error.value.message_dict == {"owner_id": ["No such member in this organisation."]}


def test_it_solves_an_issue_in_a_meeting_and_keeps_its_history(joint, sales_lead, seller, marketer):
    occurrence = _first(joint)
    with time_machine.travel(CREATED, tick=False):
        issue = services.issue_raise(
            membership=seller, title="No feedback on rejected leads", source_kind="rejection_reason"
        )
        services.issue_vote(membership=marketer, issue=issue)
        services.issue_put_on_agenda(membership=sales_lead, issue=issue)
        assert AgendaItem.objects.filter(occurrence=occurrence, issue=issue).exists()
        services.issue_solve(
            membership=marketer,
            issue=issue,
            resolution="Sales gives a reason code for every rejection.",
            occurrence=occurrence,
            action_items=[
                {"title": "Add reason codes", "owner": seller, "due_on": dt.date(2026, 3, 20)}
            ],
        )
    issue.refresh_from_db()
    assert issue.status == IssueStatus.SOLVED and issue.solved_in == occurrence
    assert list(issue.action_items.values_list("title", flat=True)) == ["Add reason codes"]
    assert list(IssueEvent.objects.filter(issue=issue).values_list("action", flat=True)) == [
        "raised",
        "voted",
        "put on agenda",
        "solved",
    ]
    assert AgendaItem.objects.get(occurrence=occurrence, issue=issue).done


def test_it_keeps_building_agendas_when_no_meeting_is_closed(joint):
    first, second = list(Occurrence.objects.filter(series=joint).order_by("starts_at")[:2])
    with time_machine.travel(FIRST - dt.timedelta(hours=23), tick=False):
        run_queued_jobs()
    with time_machine.travel(second.starts_at - dt.timedelta(hours=23), tick=False):
        run_queued_jobs()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == OccurrenceStatus.SCHEDULED  # never closed
    assert first.agenda_built_at is not None and second.agenda_built_at is not None


def test_it_counts_attendance_on_the_organisations_day_not_the_series_zone(
    acme, owner, sales_lead, seller, marketer
):
    # 08:00 on Thursday 5 March in Tokyo is 23:00 on 4 March in UTC, Acme's zone.
    with time_machine.travel(CREATED, tick=False):
        goal_services.activity_goal_create(
            membership=owner,
            team=acme.teams.get(kind="marketing"),
            activity_type="pipeline_review",
            target_count=2,
        )
        review = series_for(
            sales_lead,
            [sales_lead, seller, marketer],
            name="Pipeline review",
            kind="pipeline_review",
            start_time=dt.time(8, 0),
            time_zone="Asia/Tokyo",
        )
    occurrence = _first(review)
    assert occurrence.starts_at == dt.datetime(2026, 3, 4, 23, tzinfo=UTC)
    with time_machine.travel(occurrence.starts_at + dt.timedelta(minutes=30), tick=False):
        services.attendance_set(
            membership=sales_lead, occurrence=occurrence, member=marketer, present=True
        )
        services.occurrence_close(membership=sales_lead, occurrence=occurrence)

    (log,) = ActivityLog.objects.filter(source=ActivitySource.MEETING)
    assert (log.member, log.occurred_on) == (marketer, dt.date(2026, 3, 4))
