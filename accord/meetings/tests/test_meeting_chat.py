""" "Agenda ready" and the meeting summary reach the chat channel, once each."""

from __future__ import annotations

import datetime as dt

import time_machine

from accord.chat.tests.hooks import slack_hook, titles
from accord.jobs.testing import run_queued_jobs
from accord.meetings import services
from accord.meetings.tests import test_agenda
from accord.meetings.tests.test_agenda import FIRST, _first, _hold, _version

# The joint series fixture of the agenda tests.
joint = test_agenda.joint


def test_it_posts_the_agenda_and_the_summary_to_chat(
    settings, acme, joint, sales_lead, seller, marketer
):
    occurrence = _first(joint)
    with slack_hook(settings, acme) as server:
        with time_machine.travel(FIRST - dt.timedelta(hours=23), tick=False):
            run_queued_jobs()
        with time_machine.travel(FIRST + dt.timedelta(minutes=50), tick=False):
            _hold(occurrence, sales_lead, seller, marketer)
            services.occurrence_close(
                membership=sales_lead, occurrence=occurrence, version=_version(occurrence)
            )
            run_queued_jobs()

    got = titles(server)
    assert got[0].startswith(f"Agenda ready: {joint.name}, ")
    assert got[1].startswith(f"Meeting summary: {joint.name}, ")
    assert len(got) == 2
    summary = server.requests[1]["body"]["blocks"][1]["text"]["text"]
    assert "Decided: Marketing routes demo requests" in summary
    assert "To do: Set up the routing rule (Mia, due 12 Mar)" in summary
