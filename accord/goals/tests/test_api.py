"""The Goals API: goals and their actions, activity, content and events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accord.goals.models import Goal, GoalStatus
from accord.orgs.services import api_token_create

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, membership) -> None:
        secret = api_token_create(membership=membership, name="test").secret
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def get(self, path, **params):
        return self.client.get(f"/api/v1/goals{path}", params)

    def post(self, path, body=None):
        return self.client.post(f"/api/v1/goals{path}", body or {}, content_type="application/json")

    def patch(self, path, body):
        return self.client.patch(f"/api/v1/goals{path}", body, content_type="application/json")

    def delete(self, path):
        return self.client.delete(f"/api/v1/goals{path}")


def goal_body(seller, marketer, **overrides):
    body = {
        "title": "Acme API goal",
        "metric": "win_rate",
        "baseline": 20,
        "target": 30,
        "sales_owner_id": seller.pk,
        "marketing_owner_id": marketer.pk,
    }
    body.update(overrides)
    return body


def fields(response) -> dict[str, str]:
    return {"/".join(e["loc"]): e["msg"] for e in response.json()["detail"]}


def test_it_lists_the_metric_catalogue_with_vanity_metrics(owner):
    body = Api(owner).get("/metrics").json()
    assert "nps" in {m["key"] for m in body["metrics"]}
    assert {"impressions", "email_opens", "raw_lead_count"} <= {v["key"] for v in body["vanity"]}


def test_it_runs_a_goal_through_propose_agree_and_check_in(
    owner, sales_lead, marketing_lead, seller, marketer
):
    # Entered by hand: a metric Accord computes takes no check-ins.
    created = Api(owner).post("", goal_body(seller, marketer, metric="logo_retention"))
    assert created.status_code == 201, created.content
    goal_id = created.json()["id"]
    assert created.json()["status"] == "draft"

    assert Api(sales_lead).post(f"/{goal_id}/propose", {"comment": "Go"}).status_code == 200
    agreed = Api(marketing_lead).post(f"/{goal_id}/agree", {"comment": "Yes"})
    assert agreed.json()["status"] == GoalStatus.ACTIVE
    assert {a["side"] for a in agreed.json()["agreements"]} == {"sales", "marketing"}

    checked = Api(seller).post(f"/{goal_id}/check-ins", {"value": 31, "confidence": "high"})
    assert checked.status_code == 201
    goal = Api(owner).get(f"/{goal_id}").json()
    assert goal["progress"]["on_track"] is True
    history = Api(owner).get(f"/{goal_id}/history").json()["items"]
    assert [h["action"] for h in history] == [
        "create",
        "propose",
        "agree",
        "agree",
        "activate",
        "check_in",
    ]
    assert Api(owner).get("", status="active").json()["count"] == 1


def test_it_reads_decimals_exactly_and_answers_json_numbers(owner, seller, marketer):
    body = goal_body(seller, marketer, baseline="12.3456", target=20.5)
    created = Api(owner).post("", body)
    assert created.status_code == 201, created.content
    assert (created.json()["baseline"], created.json()["target"]) == (12.3456, 20.5)
    goal = Goal.objects.get(pk=created.json()["id"])
    assert (goal.baseline, goal.target) == (Decimal("12.3456"), Decimal("20.5000"))
    # More places than the four stored are rounded; a number that is no number is refused.
    patched = Api(owner).patch(f"/{goal.pk}", {"baseline": "0.00005"})
    assert patched.json()["baseline"] == 0.0
    refused = Api(owner).patch(f"/{goal.pk}", {"target": "lots"})
    assert refused.status_code == 422 and "body/target" in fields(refused)
    goal.refresh_from_db()
    assert goal.target == Decimal("20.5")


def test_it_reports_bad_goals_naming_the_field(owner, seller, marketer):
    api = Api(owner)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"metric": "impressions"}, "body/metric", "vanity"),
        ({"target": 20}, "body/target", "differ"),
        (
            {"period_start": "2026-05-01", "period_end": "2026-04-01"},
            "body/period_end",
            "end on or after",
        ),
        ({"sales_owner_id": marketer.pk}, "body/sales_owner_id", "Sales team"),
    ]
    for overrides, where, words in cases:
        response = api.post("", goal_body(seller, marketer, **overrides))
        assert response.status_code == 422, overrides
        assert words in fields(response)[where], fields(response)


def test_it_needs_a_reason_to_decline_and_reopens_agreement_on_patch(
    owner, sales_lead, marketing_lead, seller, marketer
):
    goal_id = Api(owner).post("", goal_body(seller, marketer)).json()["id"]
    Api(sales_lead).post(f"/{goal_id}/propose")
    assert Api(marketing_lead).post(f"/{goal_id}/decline", {"reason": ""}).status_code == 422
    declined = Api(marketing_lead).post(f"/{goal_id}/decline", {"reason": "Not now"})
    assert declined.json()["status"] == "draft"

    Api(sales_lead).post(f"/{goal_id}/propose")
    Api(marketing_lead).post(f"/{goal_id}/agree")
    patched = Api(owner).patch(f"/{goal_id}", {"target": 35})
    assert patched.json()["status"] == "proposed"
    assert patched.json()["agreements"] == []


def test_it_refuses_goal_management_to_members_and_viewers(owner, seller, marketer, viewer):
    from accord.goals.models import ActivityLog, Goal

    goal_id = Api(owner).post("", goal_body(seller, marketer)).json()["id"]
    refused = Api(seller).post("", goal_body(seller, marketer))
    assert refused.status_code == 403
    assert refused.json()["detail"]
    assert Api(seller).post(f"/{goal_id}/propose").status_code == 403
    read = Api(viewer).get(f"/{goal_id}")
    assert read.status_code == 200
    assert read.json()["id"] == goal_id
    assert Api(viewer).post("/activity-logs", {}).status_code == 403
    # Nothing the refused calls asked for was stored.
    assert Goal.objects.count() == 1
    assert Goal.objects.get().status == GoalStatus.DRAFT
    assert not ActivityLog.objects.exists()


def test_it_logs_activity_and_reports_progress(owner, marketer, acme):
    marketing = acme.teams.get(kind="marketing")
    created = Api(owner).post(
        "/activity-goals",
        {"team_id": marketing.pk, "activity_type": "pipeline_review", "target_count": 2},
    )
    assert created.status_code == 201, created.content
    activity_goal_id = created.json()["id"]
    assert Api(marketer).post("/activity-logs", {"note": "Acme weekly review"}).status_code == 201
    wrong = Api(owner).post(
        "/activity-goals",
        {"team_id": marketing.pk, "activity_type": "content_use", "target_count": 1},
    )
    assert wrong.status_code == 422
    progress = Api(owner).get(f"/activity-goals/{activity_goal_id}/progress").json()
    mine = next(p for p in progress["people"] if p["email"] == "mia@acme.example")
    assert mine["count"] == 1
    assert progress["team_count"] == 1


def test_it_imports_activities_from_csv_naming_bad_rows(owner, marketer, acme):
    Api(owner).post(
        "/activity-goals",
        {
            "team_id": acme.teams.get(kind="marketing").pk,
            "activity_type": "prospect_call",
            "target_count": 3,
        },
    )
    today = dt.date.today().isoformat()
    bad = Api(owner).post(
        "/activity-logs/import",
        {"csv": f"email,date,note\nmia@acme.example,{today},ok\nnobody@acme.example,{today},x\n"},
    )
    assert bad.status_code == 422
    assert "Row 3, column 'email'" in fields(bad)["body/csv"]
    good = Api(owner).post(
        "/activity-logs/import", {"csv": f"email,date,note\nmia@acme.example,{today},ok\n"}
    )
    assert good.json() == {"imported": 1}


def test_it_lists_content_with_uses_and_untouched(owner, seller):
    api = Api(owner)
    used = api.post("/content", {"title": "Acme deck", "kind": "deck", "tags": ["Enterprise"]})
    unused = api.post("/content", {"title": "Acme whitepaper", "kind": "whitepaper"})
    assert used.status_code == unused.status_code == 201
    assert (
        Api(seller).post(f"/content/{used.json()['id']}/uses", {"note": "Demo"}).status_code == 201
    )
    untouched = api.get("/content", untouched="true").json()["items"]
    assert [a["title"] for a in untouched] == ["Acme whitepaper"]
    listed = {a["title"]: a["uses"] for a in api.get("/content").json()["items"]}
    assert listed == {"Acme deck": 1, "Acme whitepaper": 0}
    assert [a["title"] for a in api.get("/content", tag="enterprise").json()["items"]] == [
        "Acme deck"
    ]


def test_it_names_an_unknown_asset_row_in_content_use_csv(owner, seller):
    Api(owner).post("/content", {"title": "Acme deck", "kind": "deck"})
    response = Api(owner).post(
        "/content/uses/import",
        {"csv": "email,asset,date\nbob@acme.example,Acme deck,\nbob@acme.example,Nope,\n"},
    )
    assert response.status_code == 422
    assert "Row 3, column 'asset': no asset 'Nope'" in fields(response)["body/csv"]


def test_it_creates_events_and_signs_up_for_slots(owner, seller):
    starts = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    event = Api(owner).post("/events", {"name": "Acme Expo", "starts_on": starts})
    assert event.status_code == 201
    slot_id = event.json()["slots"][0]["id"]
    signup = Api(seller).post(f"/events/slots/{slot_id}/signups")
    assert signup.status_code == 201
    again = Api(seller).post(f"/events/slots/{slot_id}/signups")
    assert again.status_code == 422
    assert Api(seller).get("/activity-logs").json()["items"][0]["activity_type"] == "event_staffing"
    assert Api(seller).delete(f"/events/signups/{signup.json()['id']}").status_code == 204
    assert Api(seller).get("/activity-logs").json()["items"] == []
    bad = Api(owner).post("/events", {"name": "X", "starts_on": starts, "ends_on": "2000-01-01"})
    assert "end on or after" in fields(bad)["body/ends_on"]
