"""The chains that keep the Overview's rollups fresh: a new organisation's
start within a minute, and a starting worker queues those missing. (The
demo's numbers read from the rollups, their query counts and a visit writing
nothing are tested on the seeded demo, in test_demo.py.)"""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from accord.insights.models import ReportSchedule, RollupSchedule
from accord.insights.rollups import rollups_refresh, rollups_schedule_ensure
from accord.meetings.models import DailyRun
from accord.orgs.services import organization_chains_ensure_all, organization_create
from accord.pulse.models import PulseSettings

pytestmark = pytest.mark.django_db


def test_it_starts_a_new_organisations_chains_within_a_minute(alice):
    organization = organization_create(name="Initech", owner=alice)
    assert not DailyRun.objects.filter(organization=organization).exists()
    rollups_schedule_ensure()
    due = RollupSchedule.objects.get().next_run_at

    rollups_refresh(due=due.isoformat())

    assert DailyRun.objects.filter(organization=organization, next_run_at__isnull=False).exists()
    assert ReportSchedule.objects.filter(organization=organization).exists()
    found = PulseSettings.objects.get(organization=organization)
    assert found.next_check_at is not None


def test_it_starts_missing_chains_of_every_organisation_when_a_worker_starts(acme, globex):
    DailyRun.objects.all().delete()
    ReportSchedule.objects.all().delete()
    PulseSettings.objects.all().delete()

    organization_chains_ensure_all()

    for organization in (acme, globex):
        assert DailyRun.objects.filter(organization=organization).exists()
        assert ReportSchedule.objects.filter(organization=organization).exists()
        assert PulseSettings.objects.get(organization=organization).next_check_at is not None
    # Idempotent: a second worker starting adds nothing.
    jobs = DBTaskResult.objects.count()
    organization_chains_ensure_all()
    assert DBTaskResult.objects.count() == jobs
