"""The pulse's opening and its reminders reach the chat channel, once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accord.chat.tests.hooks import slack_hook, titles
from accord.jobs.testing import run_queued_jobs
from accord.pulse import services

pytestmark = [pytest.mark.django_db]


def test_it_posts_the_opening_and_each_reminder_once(settings, acme, owner, seller, goals):
    with slack_hook(settings, acme) as server:
        cycle = services.cycle_open_now(membership=owner)
        run_queued_jobs()
        for days in (3, 3, 6, 6):
            with time_machine.travel(cycle.opens_at + timedelta(days=days), tick=False):
                services.pulse_check(acme, datetime.now(UTC))
                run_queued_jobs()

    got = titles(server)
    assert got[0] == f"The {cycle.period} pulse is open"
    assert len(got) == 3
    assert all(title.startswith(f"Reminder: the {cycle.period} pulse closes") for title in got[1:])
    button = server.requests[0]["body"]["blocks"][-1]["elements"][0]
    assert button["url"].endswith(f"/o/acme/pulse/{cycle.pk}/answer/")
