"""Northwind's meetings demo: history with report-outs, a pipeline review
marketing attends, the next agenda built, issues with votes. (A second run
changing nothing is accord/tests/test_demo.py's, for every app.)"""

from __future__ import annotations

import pytest

from accord.cli.demo import seed_demo
from accord.goals.models import ActivityLog, ActivitySource
from accord.jobs.testing import run_queued_jobs
from accord.meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    DailyRun,
    DigestSent,
    Issue,
    IssueStatus,
    IssueVote,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
    Rating,
)

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_it_seeds_six_months_of_meetings():
    organization = seed_demo()
    # The daily run is queued once, for the worker, and running what the demo
    # queued sends no digest.
    assert DailyRun.objects.filter(organization=organization).count() == 1
    run_queued_jobs()
    assert not DigestSent.objects.exists()

    joint = MeetingSeries.objects.get(organization=organization, kind=MeetingKind.JOINT)
    closed = Occurrence.objects.filter(series=joint, status=OccurrenceStatus.CLOSED)
    assert closed.count() >= 12
    assert closed.filter(collaborative=False).count() >= 2
    assert closed.filter(collaborative=True).count() >= 8
    assert all(o.report_out_reason for o in closed.filter(collaborative=False))
    assert AgendaItem.objects.filter(occurrence__series=joint).exclude(decision="").exists()
    assert ActionItem.objects.filter(organization=organization, done_at__isnull=False).exists()
    assert ActionItem.objects.filter(organization=organization, done_at__isnull=True).exists()
    assert Rating.objects.filter(occurrence__series=joint).exists()
    upcoming = (
        Occurrence.objects.filter(series=joint, status=OccurrenceStatus.SCHEDULED)
        .order_by("starts_at")
        .first()
    )
    assert upcoming is not None and upcoming.agenda_built_at is not None
    assert AgendaItem.objects.filter(occurrence=upcoming).count() > 2
    review = MeetingSeries.objects.get(organization=organization, kind=MeetingKind.PIPELINE_REVIEW)
    assert Attendance.objects.filter(
        occurrence__series=review, member__team__kind="marketing"
    ).exists()
    assert ActivityLog.objects.filter(
        organization=organization, source=ActivitySource.MEETING, activity_type="pipeline_review"
    ).exists()
    assert IssueVote.objects.filter(organization=organization).count() >= 8
    assert Issue.objects.filter(organization=organization, status=IssueStatus.SOLVED).exists()
    assert Issue.objects.filter(organization=organization, status=IssueStatus.ON_AGENDA).exists()
