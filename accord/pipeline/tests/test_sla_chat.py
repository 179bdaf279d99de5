"""Lead SLA breaches reach the chat channel: one message per detection run."""

from __future__ import annotations

from datetime import UTC, datetime

from accord.chat.models import ChatMessage
from accord.chat.tests.hooks import slack_hook, titles
from accord.jobs.testing import run_queued_jobs
from accord.pipeline.services import sla_breaches_detect
from accord.pipeline.tests.factories import LeadFactory

MONDAY_10 = datetime(2026, 3, 2, 10, tzinfo=UTC)


def test_it_posts_breaches_to_chat_once(settings, acme, bob, agreement):
    with slack_hook(settings, acme) as server:
        lead = LeadFactory.create(
            organization=acme, mql_at=MONDAY_10, owner=acme.memberships.get(user=bob)
        )
        sla_breaches_detect(organization=acme, now=datetime(2026, 3, 2, 15, tzinfo=UTC))
        # Nothing new an hour later: nothing more to say.
        sla_breaches_detect(organization=acme, now=datetime(2026, 3, 2, 16, tzinfo=UTC))
        assert ChatMessage.objects.count() == 1
        run_queued_jobs()

    assert titles(server)[0] == f"Lead SLA breach: {lead}"
    [field] = server.requests[0]["body"]["blocks"][1]["fields"]
    assert field["text"] == f"*{lead}*\nNo first touch in time, due 2026-03-02 14:00 UTC"
