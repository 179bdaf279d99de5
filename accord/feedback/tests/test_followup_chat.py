"""A new detractor and an overdue follow-up reach the chat channel, once each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.chat.tests.hooks import slack_hook, titles
from accord.feedback.models import FollowUp
from accord.feedback.tests.factories import TOKEN
from accord.feedback.tests.test_followups import answer
from accord.jobs.testing import run_queued_jobs

pytestmark = [pytest.mark.django_db]


def test_it_posts_a_new_detractor_and_its_overdue_follow_up(
    settings, acme, recipient, carol_member, dave_member
):
    with slack_hook(settings, acme) as server:
        followup = answer(TOKEN, 3).followup
        after_answer = titles(server)
        FollowUp.objects.filter(pk=followup.pk).update(due_at=timezone.now() - timedelta(minutes=1))
        # The escalation was queued for the original due time.
        run_queued_jobs(until=followup.due_at + timedelta(minutes=1))

    assert after_answer == ["New detractor: score 3"]
    assert titles(server) == ["New detractor: score 3", "Follow-up overdue: score 3"]
    first = server.requests[0]["body"]["blocks"]
    assert first[1]["text"]["text"] == "Slow"
    assert first[-1]["elements"][0]["url"].endswith(f"/o/acme/customers/followups/{followup.pk}/")
