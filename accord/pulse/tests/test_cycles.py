"""The worker opens pulses on the configured day in the organisation's time
zone, invites and reminds those who have not answered, and closes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accord.jobs.testing import run_queued_jobs
from accord.mail.models import CapturedMessage
from accord.pulse import services
from accord.pulse.models import CycleStatus, PulseCycle, PulseSettings


def _sent_to(subject_part: str) -> set[str]:
    return {
        address
        for message in CapturedMessage.objects.filter(subject__contains=subject_part)
        for address in message.to
    }


def _answer(member, cycle, goals):
    return services.answer_submit(
        membership=member,
        cycle=cycle,
        votes={g.pk: ("same", "") for g in goals},
        internal_score=7 if member.team and member.team.kind in ("sales", "marketing") else None,
        one_thing="Share the call notes every Friday.",
    )


def test_it_opens_on_the_configured_day_in_local_time(
    owner, seller, marketer, marketing_lead, viewer, goals
):
    settings = services.settings_of(owner.organization)
    settings.open_day = 2
    settings.save()
    # 13:59 UTC is 08:59 in New York: not yet.
    with time_machine.travel(datetime(2026, 11, 2, 13, 59, tzinfo=UTC), tick=False):
        next_check = services.pulse_check(owner.organization, datetime.now(UTC))
        assert not PulseCycle.objects.exists()
        assert next_check == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 11, 2, 14, 0, tzinfo=UTC), tick=False):
        services.pulse_check(owner.organization, datetime.now(UTC))
        run_queued_jobs()
    cycle = PulseCycle.objects.get()
    assert (cycle.kind, cycle.period, cycle.status) == ("monthly", "2026-11", CycleStatus.OPEN)
    assert cycle.closes_at == datetime(2026, 11, 9, 14, 0, tzinfo=UTC)
    assert set(cycle.goals.all()) == set(goals)
    # Both teams' members are invited; viewers and the team-less owner are not.
    assert _sent_to("Monthly pulse 2026-11") == {
        "bob@acme.example",
        "mia@acme.example",
        "carol@acme.example",
    }
    message = CapturedMessage.objects.filter(to=["bob@acme.example"]).get()
    assert f"/o/acme/pulse/{cycle.pk}/answer/" in message.text_body


def test_it_reminds_only_those_who_have_not_answered_then_closes(
    owner, seller, marketer, marketing_lead, goals
):
    cycle = services.cycle_open_now(membership=owner)
    run_queued_jobs()
    _answer(seller, cycle, goals)
    opened = cycle.opens_at
    with time_machine.travel(opened + timedelta(days=3), tick=False):
        services.pulse_check(owner.organization, datetime.now(UTC))
        run_queued_jobs()
    assert _sent_to("Reminder:") == {"mia@acme.example", "carol@acme.example"}
    _answer(marketer, cycle, goals)
    with time_machine.travel(opened + timedelta(days=6), tick=False):
        services.pulse_check(owner.organization, datetime.now(UTC))
        services.pulse_check(owner.organization, datetime.now(UTC))  # twice: once only
        run_queued_jobs()
    assert _sent_to("Last day:") == {"carol@acme.example"}
    assert CapturedMessage.objects.filter(subject__startswith="Last day:").count() == 1
    with time_machine.travel(opened + timedelta(days=7), tick=False):
        services.pulse_check(owner.organization, datetime.now(UTC))
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.CLOSED


def test_it_runs_as_a_chain_of_worker_jobs(owner, seller, marketer, goals):
    settings = services.settings_of(owner.organization)
    settings.open_day = 5
    settings.save()
    services.schedule_restart(owner.organization)
    run_queued_jobs()
    assert not PulseCycle.objects.exists()
    # Nothing due sooner: it looks again within a day.
    assert PulseSettings.objects.get().next_check_at == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    opening = datetime(2026, 11, 5, 14, 0, tzinfo=UTC)
    with time_machine.travel(opening + timedelta(minutes=1), tick=False):
        run_queued_jobs()
    assert PulseCycle.objects.get().period == "2026-11"
    assert _sent_to("Monthly pulse 2026-11") == {
        "bob@acme.example",
        "mia@acme.example",
        "carol@acme.example",
    }
    # The chain goes on: the next check is queued for the first reminder.
    assert PulseSettings.objects.get().next_check_at == opening + timedelta(days=1, minutes=1)


def test_it_stops_a_chain_that_a_newer_one_replaced(owner):
    services.schedule_restart(owner.organization)
    services.schedule_restart(owner.organization)
    with time_machine.travel(datetime(2026, 11, 3, tzinfo=UTC), tick=False):
        run_queued_jobs(limit=2)
    from django_tasks_db.models import DBTaskResult

    outcomes = sorted(str(r.return_value) for r in DBTaskResult.objects.exclude(return_value=None))
    assert any("replaced" in o for o in outcomes)


def test_it_runs_a_quarterly_pulse_in_the_first_month_of_a_quarter(owner, seller, goals):
    settings = services.settings_of(owner.organization)
    settings.quarterly = True
    settings.save()
    with time_machine.travel(datetime(2027, 1, 1, 14, 30, tzinfo=UTC), tick=False):
        services.pulse_check(owner.organization, datetime.now(UTC))
    assert list(PulseCycle.objects.values_list("kind", "period")) == [("quarterly", "2027Q1")]


def test_it_lets_only_leads_change_the_settings(owner, seller):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        services.settings_update(membership=seller, open_day=3)
    with pytest.raises(ValidationError) as error:
        services.settings_update(membership=owner, open_day=31, duration_days=5)
    assert "open_day" in error.value.message_dict
    assert services.settings_of(owner.organization).duration_days == 7  # nothing written
    updated = services.settings_update(membership=owner, open_day=3, anonymity_threshold=4)
    assert (updated.open_day, updated.anonymity_threshold) == (3, 4)


def test_it_starts_the_chain_when_a_worker_starts_and_survives_a_failing_check(
    owner, seller, monkeypatch
):
    from django.test import Client

    from accord.orgs.services import organization_chains_ensure_all

    client = Client()
    client.force_login(seller.user)
    client.get("/o/acme/pulse/")
    # A visit writes nothing: the chain is the worker's to start.
    assert PulseSettings.objects.get().next_check_at is None
    organization_chains_ensure_all()
    organization_chains_ensure_all()  # idempotent
    assert PulseSettings.objects.get().next_check_at == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)

    def broken(organization, now):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "pulse_check", broken)
    run_queued_jobs(until=datetime(2026, 11, 2, 15, 0, tzinfo=UTC))
    # The failing run left a check for tomorrow behind.
    assert PulseSettings.objects.get().next_check_at == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
