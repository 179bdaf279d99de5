"""/api/v1/members: list, read, change role or team, remove."""

from __future__ import annotations

import pytest

from accord.conftest import membership
from accord.orgs.models import ApiToken, AuditEvent, Membership, Role, Team, TeamKind
from accord.orgs.tests.factories import team_of
from accord.tests.api import API, ApiClient, api_as, fields, token_for

pytestmark = pytest.mark.django_db


def test_it_lists_members_by_email_with_a_count(acme, alice, bob, carol):
    response = api_as(bob, acme).get(f"{API}/members")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [m["email"] for m in body["items"]] == [
        "alice@acme.example",
        "bob@acme.example",
        "carol@acme.example",
    ]
    bob_item = body["items"][1]
    assert bob_item["name"] == "Bob Seller"
    assert bob_item["role"] == "member"
    assert bob_item["team_id"] == team_of(acme, TeamKind.SALES).pk
    assert bob_item["id"] == membership(bob, acme).pk


def test_it_pages_the_list(acme, alice, bob, carol):
    client = api_as(alice, acme)

    page = client.get(f"{API}/members", {"limit": 2, "offset": 1}).json()

    assert page["count"] == 3
    assert [m["email"] for m in page["items"]] == ["bob@acme.example", "carol@acme.example"]


def test_it_names_a_page_size_out_of_bounds(acme, alice):
    client = api_as(alice, acme)

    assert "query.limit" in fields(client.get(f"{API}/members", {"limit": 0}))
    assert "query.limit" in fields(client.get(f"{API}/members", {"limit": 10**30}))
    assert "query.offset" in fields(client.get(f"{API}/members", {"offset": -1}))
    assert "query.offset" in fields(client.get(f"{API}/members", {"offset": 10**30}))


def test_it_shows_one_member(acme, alice, carol):
    carol_membership = membership(carol, acme)

    response = api_as(alice, acme).get(f"{API}/members/{carol_membership.pk}")

    assert response.status_code == 200
    assert response.json()["email"] == "carol@acme.example"
    assert response.json()["role"] == "marketing_lead"


def test_it_lets_an_owner_change_a_role_and_team(acme, alice, bob):
    bob_membership = membership(bob, acme)
    marketing = team_of(acme, TeamKind.MARKETING)

    response = api_as(alice, acme).patch(
        f"{API}/members/{bob_membership.pk}", {"role": "sales_lead", "team_id": marketing.pk}
    )

    assert response.status_code == 200
    assert response.json()["role"] == "sales_lead"
    assert response.json()["team_id"] == marketing.pk
    bob_membership.refresh_from_db()
    assert (bob_membership.role, bob_membership.team) == (Role.SALES_LEAD, marketing)
    event = AuditEvent.objects.get(action="member.change_role")
    assert event.changes["role"] == ["member", "sales_lead"]


def test_it_changes_only_the_team_when_no_role_is_sent(acme, alice, bob):
    bob_membership = membership(bob, acme)
    marketing = team_of(acme, TeamKind.MARKETING)

    response = api_as(alice, acme).patch(
        f"{API}/members/{bob_membership.pk}", {"team_id": marketing.pk}
    )

    assert response.status_code == 200
    assert response.json()["role"] == "member"
    assert response.json()["team_id"] == marketing.pk


def test_it_names_an_unknown_role(acme, alice, bob):
    response = api_as(alice, acme).patch(
        f"{API}/members/{membership(bob, acme).pk}", {"role": "wizard"}
    )

    errors = fields(response)
    assert list(errors) == ["body.role"]
    assert (
        "'owner', 'admin', 'sales_lead', 'marketing_lead', 'member' or 'viewer'"
        in errors["body.role"]
    )
    assert membership(bob, acme).role == Role.MEMBER


def test_it_names_a_team_of_another_organisation(acme, alice, bob, globex):
    globex_sales = Team.objects.get(organization=globex, kind=TeamKind.SALES)

    response = api_as(alice, acme).patch(
        f"{API}/members/{membership(bob, acme).pk}", {"role": "member", "team_id": globex_sales.pk}
    )

    assert fields(response) == {"body.team_id": "No such team in this organisation."}
    assert membership(bob, acme).team == team_of(acme, TeamKind.SALES)


def test_it_names_fields_of_the_wrong_type(acme, alice, bob):
    response = api_as(alice, acme).patch(
        f"{API}/members/{membership(bob, acme).pk}", {"role": 3, "team_id": "sales"}
    )

    assert set(fields(response)) == {"body.role", "body.team_id"}


def test_it_refuses_a_member_changing_roles(acme, bob, carol):
    response = api_as(bob, acme).patch(
        f"{API}/members/{membership(carol, acme).pk}", {"role": "viewer"}
    )

    assert response.status_code == 403
    assert "may not do this: change a member's role or team" in response.json()["detail"]
    assert membership(carol, acme).role == Role.MARKETING_LEAD


def test_it_refuses_a_member_promoting_themselves(acme, bob):
    response = api_as(bob, acme).patch(
        f"{API}/members/{membership(bob, acme).pk}", {"role": "owner"}
    )

    assert response.status_code == 403
    assert membership(bob, acme).role == Role.MEMBER


def test_it_refuses_an_admin_making_an_owner(acme, bob, carol):
    Membership.objects.filter(user=bob).update(role=Role.ADMIN)

    response = api_as(bob, acme).patch(
        f"{API}/members/{membership(carol, acme).pk}", {"role": "owner"}
    )

    assert response.status_code == 403
    assert "make someone an owner" in response.json()["detail"]


def test_it_keeps_the_last_owner(acme, alice):
    response = api_as(alice, acme).patch(
        f"{API}/members/{membership(alice, acme).pk}", {"role": "admin"}
    )

    assert fields(response) == {"body.role": "An organisation needs at least one owner."}
    assert membership(alice, acme).role == Role.OWNER


def test_it_removes_a_member_and_ends_their_tokens(acme, alice, bob):
    bob_client = api_as(bob, acme)
    assert bob_client.get(f"{API}/organization").status_code == 200
    bob_membership = membership(bob, acme)

    response = api_as(alice, acme).delete(f"{API}/members/{bob_membership.pk}")

    assert response.status_code == 204
    assert response.content == b""
    assert not Membership.objects.filter(pk=bob_membership.pk).exists()
    assert not ApiToken.objects.filter(user=bob, revoked_at__isnull=True).exists()
    # Even if bob were added back, the old token stays dead.
    Membership.objects.create(organization=acme, user=bob, role=Role.MEMBER)
    assert bob_client.get(f"{API}/organization").status_code == 401


def test_it_keeps_a_removed_members_tokens_elsewhere(acme, alice, bob, globex):
    Membership.objects.create(organization=globex, user=bob, role=Role.MEMBER)
    globex_client = ApiClient(token_for(bob, globex))

    api_as(alice, acme).delete(f"{API}/members/{membership(bob, acme).pk}")

    assert globex_client.get(f"{API}/organization").json()["slug"] == "globex"


def test_it_refuses_removing_the_last_owner(acme, alice):
    response = api_as(alice, acme).delete(f"{API}/members/{membership(alice, acme).pk}")

    assert fields(response) == {"path.member_id": "An organisation needs at least one owner."}
    assert Membership.objects.filter(user=alice, organization=acme).exists()


def test_it_refuses_a_lead_removing_a_member(acme, bob, carol):
    response = api_as(carol, acme).delete(f"{API}/members/{membership(bob, acme).pk}")

    assert response.status_code == 403
    assert "may not do this: remove a member" in response.json()["detail"]
    assert Membership.objects.filter(user=bob, organization=acme).exists()


def test_it_answers_404_for_a_member_that_is_gone(acme, alice, bob):
    client = api_as(alice, acme)
    bob_id = membership(bob, acme).pk
    client.delete(f"{API}/members/{bob_id}")

    for response in (
        client.get(f"{API}/members/{bob_id}"),
        client.delete(f"{API}/members/{bob_id}"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    assert not Membership.objects.filter(user=bob, organization=acme).exists()
