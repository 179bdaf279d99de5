"""The Pulse API: cycles, one's own answer, results, settings, scorecard."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from accord.orgs.services import api_token_create
from accord.pulse import scorecard, services
from accord.pulse.models import GoalVote, PulseAnswer


class Api:
    def __init__(self, membership) -> None:
        secret = api_token_create(membership=membership, name="test").secret
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def get(self, path):
        return self.client.get(f"/api/v1/pulse{path}")

    def post(self, path, body=None):
        return self.client.post(f"/api/v1/pulse{path}", body or {}, content_type="application/json")

    def put(self, path, body):
        return self.client.put(f"/api/v1/pulse{path}", body, content_type="application/json")

    def patch(self, path, body):
        return self.client.patch(f"/api/v1/pulse{path}", body, content_type="application/json")


def _errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {".".join(e["loc"]): e["msg"] for e in response.json()["detail"]}


@pytest.fixture
def cycle(owner, goals):
    return services.cycle_open_now(membership=owner)


def _body(goals, **extra):
    body = {
        "votes": [{"goal_id": g.pk, "vote": "better", "comment": ""} for g in goals],
        "internal_score": 9,
        "one_thing": "Join the Monday pipeline review.",
    }
    body.update(extra)
    return body


def test_it_lets_a_lead_open_and_close_a_cycle(owner, seller, goals):
    api = Api(owner)
    opened = api.post("/cycles")
    assert opened.status_code == 201
    data = opened.json()
    assert (data["kind"], data["period"], data["status"]) == ("monthly", "2026-11", "open")
    assert data["goal_ids"] == sorted(g.pk for g in goals)
    assert Api(seller).post("/cycles").status_code == 403
    assert api.get("/cycles").json()["count"] == 1
    closed = api.post(f"/cycles/{data['id']}/close")
    assert closed.json()["status"] == "closed"


def test_it_lets_a_member_answer_read_and_change_their_own_answer(seller, marketer, cycle, goals):
    api = Api(seller)
    assert api.get(f"/cycles/{cycle.pk}/answer").status_code == 404
    saved = api.put(f"/cycles/{cycle.pk}/answer", _body(goals))
    assert saved.status_code == 200, saved.content
    assert saved.json()["internal_score"] == 9
    assert saved.json()["one_thing"]["text"] == "Join the Monday pipeline review."
    changed = api.put(f"/cycles/{cycle.pk}/answer", _body(goals, internal_score=4))
    assert changed.json()["internal_score"] == 4
    assert PulseAnswer.objects.get().internal_score == 4
    # Another member never reads this answer.
    assert Api(marketer).get(f"/cycles/{cycle.pk}/answer").status_code == 404


@pytest.mark.parametrize(
    ("change", "where", "says"),
    [
        ({"one_thing": ""}, "body.one_thing", "Commit to One Thing"),
        ({"one_thing": "y" * 2000}, "body.one_thing", "at most 280 characters"),
        ({"internal_score": None}, "body.internal_score", "Score Marketing"),
    ],
)
def test_it_names_the_field_of_a_bad_answer_and_writes_nothing(
    seller, cycle, goals, change, where, says
):
    errors = _errors(Api(seller).put(f"/cycles/{cycle.pk}/answer", _body(goals, **change)))
    assert says in errors[where]
    assert not PulseAnswer.objects.exists() and not GoalVote.objects.exists()


def test_it_names_a_vote_on_a_goal_not_in_the_cycle_or_missing(seller, cycle, goals):
    body = _body(goals)
    body["votes"][1]["goal_id"] = 999_999
    errors = _errors(Api(seller).put(f"/cycles/{cycle.pk}/answer", body))
    assert "is not in this pulse" in errors["body.votes"]
    assert errors[f"body.votes.{goals[1].pk}.vote"] == "Choose Worse, Same or Better."


def test_it_refuses_a_vote_after_the_cycle_closed(seller, cycle, goals):
    with time_machine.travel(cycle.closes_at + timedelta(minutes=1), tick=False):
        errors = _errors(Api(seller).put(f"/cycles/{cycle.pk}/answer", _body(goals)))
    assert "This pulse closed on" in errors["body.cycle"]
    assert not PulseAnswer.objects.exists()


def test_it_keeps_results_anonymous_and_lets_viewers_read_them(seller, viewer, cycle, goals):
    Api(seller).put(f"/cycles/{cycle.pk}/answer", _body(goals))
    results = Api(viewer).get(f"/cycles/{cycle.pk}/results")
    assert results.status_code == 200
    data = results.json()
    assert data["answered"] == 1 and data["attributed"] is False
    assert data["goals"][0]["total"]["better"] == 1
    assert data["goals"][0]["teams"][0]["hidden"] is True
    assert data["internal"][0]["result"] is None
    assert "bob" not in results.content.decode().lower()
    assert Api(viewer).get(f"/cycles/{cycle.pk}/answer").status_code == 403


def test_it_serves_settings_and_the_scorecard(owner, seller):
    api = Api(owner)
    patched = api.patch("/settings", {"open_day": 10, "attribution": True})
    assert (patched.json()["open_day"], patched.json()["attribution"]) == (10, True)
    assert _errors(api.patch("/settings", {"open_day": 30}))["body.open_day"]
    assert Api(seller).patch("/settings", {"open_day": 3}).status_code == 403
    refused = api.post(
        "/measurables",
        {"name": "Email opens", "owner_id": seller.pk, "goal_value": 10, "direction": "up"},
    )
    assert "vanity metric" in _errors(refused)["body.name"]
    created = api.post(
        "/measurables",
        {
            "name": "Acme demos booked",
            "moves": "Pipeline creation",
            "owner_id": seller.pk,
            "goal_value": 4,
            "direction": "up",
        },
    )
    assert created.status_code == 201, created.content
    measurable_id = created.json()["id"]
    entered = Api(seller).put(
        f"/measurables/{measurable_id}/values", {"week": "2026-11-04", "value": 5}
    )
    assert entered.json() == {"measurable_id": measurable_id, "week": "2026-11-02", "value": 5.0}
    card = api.get("/scorecard").json()
    assert len(card["weeks"]) == 13
    assert card["rows"][0]["cells"][-1] == {"week": "2026-11-02", "value": 5.0, "state": "green"}
    retired = api.patch(f"/measurables/{measurable_id}", {"is_active": False})
    assert retired.json()["is_active"] is False
    assert scorecard.scorecard(owner)[1] == []


def test_it_answers_404_to_outsiders(cycle, charlie, globex):
    from accord.conftest import membership

    api = Api(membership(charlie, globex))
    for path in (f"/cycles/{cycle.pk}", f"/cycles/{cycle.pk}/results"):
        answer = api.get(path)
        assert answer.status_code == 404
        assert answer.json() == {"detail": "Not found."}
