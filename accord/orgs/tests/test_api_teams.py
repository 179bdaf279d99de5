"""/api/v1/teams: list, read, create."""

from __future__ import annotations

import pytest

from accord.orgs.models import AuditEvent, Membership, Role, Team
from accord.tests.api import API, api_as, fields

pytestmark = pytest.mark.django_db


def test_it_lists_the_teams_by_name(acme, bob):
    response = api_as(bob, acme).get(f"{API}/teams")

    assert response.status_code == 200
    assert [(t["name"], t["kind"]) for t in response.json()] == [
        ("Marketing", "marketing"),
        ("Sales", "sales"),
    ]


def test_it_shows_one_team(acme, bob):
    sales = Team.objects.get(organization=acme, kind="sales")

    response = api_as(bob, acme).get(f"{API}/teams/{sales.pk}")

    assert response.status_code == 200
    assert response.json() == {"id": sales.pk, "name": "Sales", "kind": "sales"}


def test_it_lets_an_owner_add_a_team(acme, alice):
    response = api_as(alice, acme).post(f"{API}/teams", {"name": "  Partners "})

    assert response.status_code == 201
    team = Team.objects.get(organization=acme, name="Partners")
    assert response.json() == {"id": team.pk, "name": "Partners", "kind": "other"}
    assert AuditEvent.objects.filter(organization=acme, action="team.create").exists()


def test_it_refuses_a_member_adding_a_team(acme, bob):
    response = api_as(bob, acme).post(f"{API}/teams", {"name": "Partners"})

    assert response.status_code == 403
    assert "may not do this: add a team" in response.json()["detail"]
    assert not Team.objects.filter(name="Partners").exists()


def test_it_names_a_duplicate_name(acme, alice):
    response = api_as(alice, acme).post(f"{API}/teams", {"name": "sales"})

    assert fields(response) == {"body.name": "There is already a team called 'sales'."}


def test_it_names_a_missing_or_empty_name(acme, alice):
    client = api_as(alice, acme)

    assert fields(client.post(f"{API}/teams", {})) == {"body.name": "Field required"}
    assert "body.name" in fields(client.post(f"{API}/teams", {"name": ""}))
    assert fields(client.post(f"{API}/teams", {"name": "   "})) == {
        "body.name": "Give the team a name."
    }


def test_it_asks_for_a_body(acme, alice):
    client = api_as(alice, acme)

    for body in ["", "[]", '"Partners"', "null"]:
        response = client.post(f"{API}/teams", body, content_type="application/json")
        assert fields(response) == {"body": "A JSON object is required."}, body


def test_it_answers_404_for_a_team_id_that_is_not_a_team(acme, alice):
    client = api_as(alice, acme)

    for team_id in (0, 2**63):
        response = client.get(f"{API}/teams/{team_id}")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_it_names_a_team_id_that_is_not_a_number(acme, alice):
    response = api_as(alice, acme).get(f"{API}/teams/sales")

    assert fields(response) == {
        "path.team_id": "Input should be a valid integer, unable to parse string as an integer"
    }


def test_it_lets_a_viewer_read_but_not_write(acme, bob):
    Membership.objects.filter(user=bob).update(role=Role.VIEWER)
    client = api_as(bob, acme)

    listed = client.get(f"{API}/teams")
    assert listed.status_code == 200
    assert {"Sales", "Marketing"} <= {team["name"] for team in listed.json()}
    assert client.post(f"{API}/teams", {"name": "Partners"}).status_code == 403
    assert "Partners" not in [team["name"] for team in client.get(f"{API}/teams").json()]
