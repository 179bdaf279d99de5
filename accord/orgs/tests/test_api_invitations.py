"""/api/v1/invitations: invite, list, read, revoke."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accord.conftest import membership
from accord.orgs import services
from accord.orgs.models import Invitation, Membership, Role, Team, TeamKind
from accord.orgs.tests.factories import team_of
from accord.tests.api import API, api_as, fields

pytestmark = pytest.mark.django_db


def invite(client, **body):
    return client.post(f"{API}/invitations", {"email": "dana@acme.example", **body})


def test_it_invites_someone_and_shows_the_link_once(acme, alice):
    response = invite(api_as(alice, acme), role="sales_lead")

    assert response.status_code == 201
    body = response.json()
    invitation = Invitation.objects.get(organization=acme, email="dana@acme.example")
    assert body["id"] == invitation.pk
    assert body["role"] == "sales_lead"
    assert body["status"] == "pending"
    # The role's own team by default.
    assert body["team_id"] == team_of(acme, TeamKind.SALES).pk
    # The link works, and only its hash is stored.
    token = urlsplit(body["url"]).path.split("/")[2]
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
    page = Client().get(urlsplit(body["url"]).path)
    assert page.status_code == 200
    assert "Acme" in page.content.decode()
    # Listing it later never shows the link again.
    listed = api_as(alice, acme).get(f"{API}/invitations/{invitation.pk}").json()
    assert "url" not in listed


def test_it_invites_into_a_chosen_team(acme, alice):
    partners = services.team_create(membership=membership(alice, acme), name="Partners")

    response = invite(api_as(alice, acme), team_id=partners.pk)

    assert response.status_code == 201
    assert response.json()["role"] == "member"
    assert response.json()["team_id"] == partners.pk


def test_it_lets_a_lead_invite_a_member(acme, carol):
    response = invite(api_as(carol, acme), role="member")

    assert response.status_code == 201
    assert (response.json()["email"], response.json()["role"]) == ("dana@acme.example", "member")
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("dana@acme.example", "member")


def test_it_refuses_a_lead_inviting_an_admin(acme, carol):
    response = invite(api_as(carol, acme), role="admin")

    assert response.status_code == 403
    assert response.json() == {"detail": "Only owners and admins may make someone an admin."}
    assert not Invitation.objects.exists()


def test_it_refuses_a_member_inviting_an_admin(acme, bob):
    response = invite(api_as(bob, acme), role="admin")

    assert response.status_code == 403
    assert "may not do this: invite someone by email" in response.json()["detail"]
    assert not Invitation.objects.exists()


def test_it_refuses_an_admin_inviting_an_owner(acme, bob):
    Membership.objects.filter(user=bob).update(role=Role.ADMIN)

    response = invite(api_as(bob, acme), role="owner")

    assert response.status_code == 403
    assert "make someone an owner" in response.json()["detail"]


def test_it_names_an_invalid_email(acme, alice):
    client = api_as(alice, acme)

    assert "body.email" in fields(invite(client, email="not an address"))
    assert "body.email" in fields(invite(client, email=""))
    assert "body.email" in fields(client.post(f"{API}/invitations", {"role": "member"}))


def test_it_names_an_email_too_long_to_store(acme, alice):
    address = "a" * 64 + "@" + ("c" * 63 + ".") * 3 + "example"  # 264 characters

    response = invite(api_as(alice, acme), email=address)

    assert "too long" in fields(response)["body.email"]


def test_it_names_an_unknown_role(acme, alice):
    response = invite(api_as(alice, acme), role="wizard")

    assert list(fields(response)) == ["body.role"]


def test_it_names_a_team_of_another_organisation(acme, alice, globex):
    globex_sales = Team.objects.get(organization=globex, kind=TeamKind.SALES)

    response = invite(api_as(alice, acme), team_id=globex_sales.pk)

    assert fields(response) == {"body.team_id": "No such team in this organisation."}
    assert not Invitation.objects.exists()


def test_it_names_a_team_id_that_is_no_team(acme, alice):
    response = invite(api_as(alice, acme), team_id=2**63)

    assert fields(response) == {"body.team_id": "No such team in this organisation."}


def test_it_names_an_address_that_is_already_invited_or_a_member(acme, alice, bob):
    client = api_as(alice, acme)
    invite(client)

    assert fields(invite(client, email="DANA@acme.example")) == {
        "body.email": "dana@acme.example already has a pending invitation."
    }
    assert fields(invite(client, email="bob@acme.example")) == {
        "body.email": "bob@acme.example is already a member."
    }


def test_it_lists_pending_invitations(acme, alice, bob):
    client = api_as(alice, acme)
    invite(client, email="dana@acme.example")
    invite(client, email="erin@acme.example")
    revoked = invite(client, email="fred@acme.example").json()
    client.delete(f"{API}/invitations/{revoked['id']}")

    response = api_as(bob, acme).get(f"{API}/invitations")

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert {i["email"] for i in response.json()["items"]} == {
        "dana@acme.example",
        "erin@acme.example",
    }
    assert all("url" not in i for i in response.json()["items"])


def test_it_revokes_an_invitation(acme, alice, carol):
    created = invite(api_as(alice, acme)).json()

    response = api_as(carol, acme).delete(f"{API}/invitations/{created['id']}")

    assert response.status_code == 204
    invitation = Invitation.objects.get(pk=created["id"])
    assert invitation.status == "revoked"
    assert Client().get(urlsplit(created["url"]).path).status_code == 404
    shown = api_as(alice, acme).get(f"{API}/invitations/{created['id']}").json()
    assert shown["status"] == "revoked"


def test_it_names_an_invitation_that_is_no_longer_pending(acme, alice):
    client = api_as(alice, acme)
    created = invite(client).json()
    client.delete(f"{API}/invitations/{created['id']}")

    response = client.delete(f"{API}/invitations/{created['id']}")

    assert fields(response) == {"path.invitation_id": "This invitation is already revoked."}


def test_it_refuses_a_member_revoking(acme, alice, bob):
    created = invite(api_as(alice, acme)).json()

    response = api_as(bob, acme).delete(f"{API}/invitations/{created['id']}")

    assert response.status_code == 403
    assert "may not do this: revoke a pending invitation" in response.json()["detail"]
    assert Invitation.objects.get(pk=created["id"]).status == "pending"


def test_it_hides_another_organisations_invitation(acme, alice, charlie, globex):
    created = invite(api_as(alice, acme)).json()
    client = api_as(charlie, globex)

    assert client.get(f"{API}/invitations/{created['id']}").status_code == 404
    assert client.delete(f"{API}/invitations/{created['id']}").status_code == 404
    assert client.get(f"{API}/invitations").json() == {"items": [], "count": 0}
    assert Invitation.objects.get(pk=created["id"]).status == "pending"
