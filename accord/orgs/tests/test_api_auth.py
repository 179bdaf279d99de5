"""Who the API lets in: a valid, unrevoked token of a current member, in its organisation only."""

from __future__ import annotations

import hashlib

import pytest

from accord.conftest import membership
from accord.orgs import services
from accord.orgs.models import ApiToken, Team
from accord.tests.api import API, ApiClient, api_as, token_for

pytestmark = pytest.mark.django_db


def assert_unauthorized(response):
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "API token is required" in response.json()["detail"]


def test_it_refuses_a_request_without_a_token(acme):
    assert_unauthorized(ApiClient().get(f"{API}/organization"))


def test_it_refuses_a_bad_token(acme, alice):
    token_for(alice, acme)

    assert_unauthorized(ApiClient("acc_not-a-real-token").get(f"{API}/organization"))
    assert_unauthorized(ApiClient("not even the prefix").get(f"{API}/organization"))


def test_it_refuses_a_token_sent_the_wrong_way(acme, alice):
    secret = token_for(alice, acme)

    response = ApiClient().get(f"{API}/organization", headers={"Authorization": f"Token {secret}"})
    assert_unauthorized(response)
    assert_unauthorized(ApiClient().get(f"{API}/organization", {"token": secret}))


def test_it_refuses_a_revoked_token(acme, alice):
    secret = token_for(alice, acme)
    client = ApiClient(secret)
    assert client.get(f"{API}/organization").status_code == 200

    token = ApiToken.objects.get(token_hash=hashlib.sha256(secret.encode()).hexdigest())
    services.api_token_revoke(membership=membership(alice, acme), token=token)

    assert_unauthorized(client.get(f"{API}/organization"))


def test_it_refuses_the_token_of_a_deactivated_user(acme, alice, bob):
    client = api_as(bob, acme)
    bob.is_active = False
    bob.save()

    assert_unauthorized(client.get(f"{API}/organization"))


def test_it_refuses_writes_without_a_token_and_changes_nothing(acme):
    response = ApiClient().post(f"{API}/teams", {"name": "Intruders"})

    assert_unauthorized(response)
    assert not Team.objects.filter(name="Intruders").exists()


def test_it_acts_in_the_tokens_organisation(acme, alice, globex):
    response = api_as(alice, acme).get(f"{API}/organization")

    assert response.status_code == 200
    assert response.json()["slug"] == "acme"


def test_it_acts_in_one_organisation_only_even_for_a_member_of_two(acme, alice, globex, charlie):
    # alice joins Globex too; her Acme token still sees only Acme.
    services.member_add(organization=globex, user=alice, role="member")
    client = api_as(alice, acme)
    globex_team = Team.objects.get(organization=globex, name="Sales")

    assert client.get(f"{API}/organization").json()["slug"] == "acme"
    assert client.get(f"{API}/teams/{globex_team.pk}").status_code == 404
    emails = {m["email"] for m in client.get(f"{API}/members").json()["items"]}
    assert "charlie@globex.example" not in emails


def test_it_answers_404_for_another_organisations_objects(acme, alice, bob, charlie, globex):
    invitation = services.invitation_create(
        membership=membership(alice, acme), email="dana@acme.example", role="member"
    ).invitation
    acme_team = Team.objects.get(organization=acme, name="Sales")
    bob_membership = membership(bob, acme)
    client = api_as(charlie, globex)

    for method, url in [
        ("get", f"{API}/teams/{acme_team.pk}"),
        ("get", f"{API}/members/{bob_membership.pk}"),
        ("patch", f"{API}/members/{bob_membership.pk}"),
        ("delete", f"{API}/members/{bob_membership.pk}"),
        ("get", f"{API}/invitations/{invitation.pk}"),
        ("delete", f"{API}/invitations/{invitation.pk}"),
    ]:
        response = getattr(client, method)(url, {"role": "viewer"} if method == "patch" else None)
        assert response.status_code == 404, f"{method} {url}"
        assert response.json() == {"detail": "Not found."}

    # A missing object looks exactly the same.
    assert client.get(f"{API}/teams/999999").json() == {"detail": "Not found."}
    assert membership(bob, acme).role == "member"
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_it_lists_only_the_tokens_organisation(acme, alice, bob, charlie, globex):
    client = api_as(charlie, globex)

    members = client.get(f"{API}/members").json()
    teams = client.get(f"{API}/teams").json()

    assert [m["email"] for m in members["items"]] == ["charlie@globex.example"]
    assert members["count"] == 1
    assert {t["id"] for t in teams} == set(globex.teams.values_list("pk", flat=True))


def test_it_records_when_a_token_was_last_used(acme, alice):
    secret = token_for(alice, acme)
    token = ApiToken.objects.get(token_hash=hashlib.sha256(secret.encode()).hexdigest())
    assert token.last_used_at is None

    ApiClient(secret).get(f"{API}/organization")

    token.refresh_from_db()
    assert token.last_used_at is not None
