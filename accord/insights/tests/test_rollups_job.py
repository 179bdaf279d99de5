"""The worker's chain of rollup refreshes: one run a minute, never doubled."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from accord.insights.models import RollupSchedule
from accord.insights.rollups import rollups_refresh, rollups_schedule_ensure
from accord.jobs.testing import run_queued_jobs
from accord.orgs.services import organization_chains_ensure_all
from accord.pipeline.models import Lead, LeadMonthRollup, LeadRollupMark, SourceSystem

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)


def test_it_refreshes_marked_months_within_a_minute_and_queues_the_next_run(acme):
    with time_machine.travel(NOW, tick=False) as clock:
        # Acme's own chains (daily run, pulse checks) are not this test's.
        organization_chains_ensure_all()
        DBTaskResult.objects.all().delete()
        rollups_schedule_ensure()
        rollups_schedule_ensure()  # the second call finds the chain running
        assert RollupSchedule.objects.get().next_run_at == NOW
        Lead.objects.create(
            organization=acme,
            source_system=SourceSystem.CSV,
            source_id="1",
            mql_at=NOW,
            mql_month="2026-06",
        )
        assert LeadRollupMark.objects.filter(organization=acme, month="2026-06").exists()

        assert run_queued_jobs() == 1
        assert not LeadRollupMark.objects.exists()
        assert RollupSchedule.objects.get().next_run_at == NOW + dt.timedelta(minutes=1)
        clock.shift(dt.timedelta(minutes=1))
        assert run_queued_jobs() == 1
        assert RollupSchedule.objects.get().next_run_at == NOW + dt.timedelta(minutes=2)


def test_it_stops_a_run_whose_due_time_was_replaced(acme):
    with time_machine.travel(NOW, tick=False):
        rollups_schedule_ensure()
        assert rollups_refresh(due=(NOW - dt.timedelta(minutes=5)).isoformat()) == (
            "replaced by another run"
        )
        assert RollupSchedule.objects.get().next_run_at == NOW
        assert not LeadMonthRollup.objects.exists()


# The worker claims with its own transactions and a lease heartbeat thread.
@pytest.mark.django_db(transaction=True)
def test_it_starts_the_chain_when_a_worker_starts_not_on_a_page_view(acme, alice_client):
    from accord.jobs.worker import make_worker

    alice_client.get(f"/o/{acme.slug}/")
    assert not RollupSchedule.objects.exists()
    # Acme's own chains (daily run, pulse checks) are not this test's.
    organization_chains_ensure_all()
    DBTaskResult.objects.all().delete()

    # A long-running worker (not a batch): it starts the chain, then runs its
    # first refresh (the one task it is allowed) and stops.
    make_worker(interval=0, batch=False, max_tasks=1, worker_id="starts-chains").run()

    schedule = RollupSchedule.objects.get()
    assert schedule.next_run_at > dt.datetime.now(dt.UTC)
