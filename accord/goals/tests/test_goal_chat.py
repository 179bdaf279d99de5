"""Goal alerts reach the organisation's chat channel, through the worker."""

from __future__ import annotations

import pytest

from accord.chat.tests.hooks import slack_hook, titles
from accord.goals import services
from accord.goals.tests.test_goal_buy_in import create
from accord.jobs.testing import run_queued_jobs

pytestmark = [pytest.mark.django_db]


def test_it_posts_proposed_agreed_and_declined_goals_to_chat(
    settings, acme, owner, sales_lead, marketing_lead, seller, marketer
):
    with slack_hook(settings, acme) as server:
        goal = create(owner, seller, marketer)
        services.goal_propose(membership=owner, goal=goal)
        services.goal_agree(membership=sales_lead, goal=goal)
        services.goal_agree(membership=marketing_lead, goal=goal)
        other = create(owner, seller, marketer, title="Acme: shorter hand-off")
        services.goal_propose(membership=owner, goal=other)
        services.goal_decline(membership=sales_lead, goal=other, reason="Not this quarter")
        run_queued_jobs()

    assert titles(server) == [
        f"Goal proposed: {goal.title}",
        f"Goal agreed: {goal.title}",
        "Goal proposed: Acme: shorter hand-off",
        "Goal declined for Sales: Acme: shorter hand-off",
    ]
    declined = server.requests[-1]["body"]["blocks"]
    assert "Not this quarter" in declined[1]["text"]["text"]
    assert declined[-1]["elements"][0]["url"].endswith(f"/o/acme/goals/{other.pk}/")
