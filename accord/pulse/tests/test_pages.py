"""The Pulse section's other pages: settings, opening and closing, the scorecard forms."""

from __future__ import annotations

from django.test import Client

from accord.mail.models import CapturedMessage
from accord.pulse import services
from accord.pulse.models import CycleStatus, Measurable, PulseCycle


def _client(m) -> Client:
    client = Client()
    client.force_login(m.user)
    return client


def _settings(**changes):
    data = {
        "monthly": "on",
        "open_day": "1",
        "duration_days": "7",
        "reminder_days": "3",
        "remind_before_close": "on",
        "anonymity_threshold": "3",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_it_lets_a_lead_change_the_settings_and_names_bad_values(owner, marketing_lead, seller):
    client = _client(marketing_lead)
    assert client.get("/o/acme/pulse/settings/").status_code == 200
    bad = client.post("/o/acme/pulse/settings/", _settings(reminder_days="9"))
    assert bad.status_code == 400
    assert "The reminder must come before the pulse closes" in bad.content.decode()
    assert services.settings_of(owner.organization).reminder_days == 3
    marketing = owner.organization.teams.get(kind="marketing")
    done = client.post(
        "/o/acme/pulse/settings/",
        _settings(open_day="15", participant_teams=[str(marketing.pk)], attribution="on"),
    )
    assert done.status_code == 302
    saved = services.settings_of(owner.organization)
    assert (saved.open_day, saved.attribution) == (15, True)
    assert list(saved.participant_teams.all()) == [marketing]
    assert list(services.participants(owner.organization)) == [marketing_lead]
    assert _client(seller).get("/o/acme/pulse/settings/").status_code == 403


def test_it_lets_a_lead_open_and_close_the_pulse_from_the_page(owner, seller, goals):
    client = _client(owner)
    assert client.get("/o/acme/pulse/open/").status_code == 405
    client.post("/o/acme/pulse/open/")
    cycle = PulseCycle.objects.get()
    assert cycle.status == CycleStatus.OPEN
    assert CapturedMessage.objects.count() == 0  # invitations are queued jobs
    page = client.get("/o/acme/pulse/").content.decode()
    assert "Monthly pulse 2026-11" in page and "closes 9 Nov 2026 09:00 EST" in page
    closed = client.post(f"/o/acme/pulse/{cycle.pk}/close/")
    assert closed.status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.CLOSED
    again = client.post("/o/acme/pulse/open/", follow=True)
    assert "already ran" in again.content.decode()
    assert PulseCycle.objects.count() == 1
    assert _client(seller).post(f"/o/acme/pulse/{cycle.pk}/close/").status_code == 403


def test_it_refuses_vanity_metrics_on_the_measurable_form(owner, seller):
    client = _client(owner)
    assert client.get("/o/acme/pulse/scorecard/new/").status_code == 200
    data = {
        "name": "Followers",
        "metric": "manual",
        "moves": "Awareness",
        "owner": str(seller.pk),
        "goal_value": "1000",
        "direction": "up",
    }
    refused = client.post("/o/acme/pulse/scorecard/new/", data)
    assert refused.status_code == 400
    assert "Followers is a vanity metric" in refused.content.decode()
    assert not Measurable.objects.exists()
    data["name"] = "Acme demos booked"
    assert client.post("/o/acme/pulse/scorecard/new/", data).status_code == 302
    measurable = Measurable.objects.get()
    edit = client.post(
        f"/o/acme/pulse/scorecard/{measurable.pk}/edit/", {**data, "goal_value": "7"}
    )
    assert edit.status_code == 302
    measurable.refresh_from_db()
    assert measurable.goal_value == 7
    assert _client(seller).get("/o/acme/pulse/scorecard/new/").status_code == 403
