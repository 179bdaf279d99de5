"""Acme's objects for the outsider test (see accord/orgs/tests/outsider.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from accord.goals import services
from accord.goals.models import ActivityGoal, ActivityLog, ContentAsset, Event, EventSignup, Goal
from accord.orgs.models import Membership, Organization, TeamKind


def _world(acme: Organization, owner: Membership) -> dict[str, Any]:
    """One of each of Acme's goals objects (made once per test)."""
    existing = Goal.objects.filter(organization=acme).first()
    if existing is not None:
        return {
            "goal": existing,
            "activity_goal": ActivityGoal.objects.get(organization=acme),
            "log": ActivityLog.objects.filter(organization=acme).first(),
            "asset": ContentAsset.objects.get(organization=acme),
            "event": Event.objects.get(organization=acme),
            "signup": EventSignup.objects.get(organization=acme),
        }
    sales = Membership.objects.filter(organization=acme, team__kind=TeamKind.SALES).first()
    marketing = Membership.objects.filter(organization=acme, team__kind=TeamKind.MARKETING).first()
    assert sales is not None and marketing is not None
    goal = services.goal_create(
        membership=owner,
        title="Acme secret goal",
        metric="win_rate",
        baseline=Decimal("10"),
        target=Decimal("20"),
        sales_owner=sales,
        marketing_owner=marketing,
    )
    activity_goal = services.activity_goal_create(
        membership=owner,
        team=acme.teams.get(kind=TeamKind.MARKETING),
        activity_type="pipeline_review",
        target_count=2,
    )
    log = services.activity_log(membership=owner, member=marketing, note="Acme review")
    asset = services.content_asset_create(
        membership=owner, title="Acme battlecard", kind="battlecard"
    )
    event = services.event_create(
        membership=owner, name="Acme Expo", starts_on=dt.date.today() + dt.timedelta(days=30)
    )
    signup = services.event_signup(membership=owner, slot=event.slots.earliest("pk"), member=sales)
    return {
        "goal": goal,
        "activity_goal": activity_goal,
        "log": log,
        "asset": asset,
        "event": event,
        "signup": signup,
    }


def page_objects(acme: Organization, owner: Membership) -> dict[str, dict[str, Any]]:
    w = _world(acme, owner)
    goal = {"pk": w["goal"].pk}
    return {
        "goals_index": {},
        "goals_goal_create": {},
        "goals_goal": goal,
        "goals_goal_edit": goal,
        "goals_goal_propose": goal,
        "goals_goal_agree": goal,
        "goals_goal_decline": goal,
        "goals_goal_close": goal,
        "goals_goal_checkin": goal,
        "goals_activity": {},
        "goals_activity_goal_create": {},
        "goals_activity_goal_end": {"pk": w["activity_goal"].pk},
        "goals_activity_log_delete": {"pk": w["log"].pk},
        "goals_activity_import": {},
        "goals_content": {},
        "goals_content_create": {},
        "goals_content_import": {},
        "goals_content_asset": {"pk": w["asset"].pk},
        "goals_content_edit": {"pk": w["asset"].pk},
        "goals_settings": {},
        "goals_events": {},
        "goals_event_create": {},
        "goals_event": {"pk": w["event"].pk},
        "goals_event_signup": {"pk": w["signup"].slot_id},
        "goals_event_signup_cancel": {"pk": w["signup"].pk},
    }


def api_objects(acme: Organization, owner: Membership) -> dict[str, Any]:
    w = _world(acme, owner)
    return {
        "goal_id": w["goal"].pk,
        "activity_goal_id": w["activity_goal"].pk,
        "log_id": w["log"].pk,
        "asset_id": w["asset"].pk,
        "event_id": w["event"].pk,
        "slot_id": w["signup"].slot_id,
        "signup_id": w["signup"].pk,
    }


API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/goals/{goal_id}/decline"): {"reason": "Acme probe"},
    ("post", "/goals/{goal_id}/close"): {"outcome": "dropped", "note": "Acme probe"},
    ("post", "/goals/{goal_id}/check-ins"): {"value": 1},
    ("post", "/goals/events/{event_id}/slots"): {"role": "booth", "date": "2026-12-01"},
}
