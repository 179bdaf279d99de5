"""Inviting, accepting, revoking, changing roles and removing members."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accord.accounts.tests.factories import UserFactory
from accord.conftest import membership
from accord.jobs.testing import run_queued_jobs
from accord.mail.models import CapturedMessage
from accord.orgs.models import ApiToken, AuditEvent, Invitation, Membership, Role, TeamKind
from accord.orgs.services import (
    api_token_authenticate,
    api_token_create,
    invitation_accept,
    invitation_create,
    member_change_role,
    member_remove,
)
from accord.orgs.tests.factories import team_of

pytestmark = pytest.mark.django_db


def test_it_invites_by_email_and_the_colleague_accepts(alice_client, alice, acme):
    marketing = team_of(acme, TeamKind.MARKETING)
    response = alice_client.post(
        reverse("org_members", args=["acme"]),
        {"email": "Dana@Acme.example", "role": Role.MARKETING_LEAD, "team": marketing.pk},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=acme)
    assert invitation.email == "dana@acme.example"

    run_queued_jobs()
    message = CapturedMessage.objects.get(organization=acme)
    assert message.to == ["dana@acme.example"]
    assert "invited you to Acme" in message.subject
    link = next(word for word in message.text_body.split() if "/invitations/" in word)
    path = link.split("127.0.0.1:8000", 1)[1]

    dana = UserFactory.create(email="dana@acme.example")
    EmailAddress.objects.create(user=dana, email=dana.email, primary=True, verified=True)
    client = Client()
    client.force_login(dana)
    page = client.get(path)
    assert "Join Acme" in page.content.decode()
    # A GET (a mail scanner, a preview) never consumes the invitation.
    invitation.refresh_from_db()
    assert invitation.status == "pending"

    response = client.post(path)
    assert response.status_code == 302
    joined = membership(dana, acme)
    assert joined.role == Role.MARKETING_LEAD
    assert joined.team == marketing
    assert client.get(reverse("org_overview", args=["acme"])).status_code == 200
    # Used once: the same link now says so.
    assert "This invitation can't be used" in client.get(path).content.decode()


def test_it_shows_a_clear_page_for_an_unknown_invitation_link(client):
    response = client.get("/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert "The link is not valid" in response.content.decode()


def test_it_names_the_email_field_when_the_person_is_already_a_member(alice_client, bob):
    response = alice_client.post(
        reverse("org_members", args=["acme"]), {"email": "bob@acme.example", "role": "member"}
    )
    assert response.status_code == 400
    assert "bob@acme.example is already a member." in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_refuses_an_invitation_from_a_plain_member(bob, acme):
    with pytest.raises(PermissionDenied):
        invitation_create(membership=membership(bob, acme), email="x@y.example", role="member")


def test_it_lets_a_lead_invite_members_but_not_admins(carol, acme):
    lead = membership(carol, acme)
    invitation_create(membership=lead, email="new@acme.example", role=Role.MEMBER)
    with pytest.raises(PermissionDenied):
        invitation_create(membership=lead, email="boss@acme.example", role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        invitation_create(membership=lead, email="king@acme.example", role=Role.OWNER)


def test_it_revokes_a_pending_invitation(alice_client, alice, acme):
    issued = invitation_create(
        membership=membership(alice, acme), email="e@x.example", role="member"
    )
    response = alice_client.post(
        reverse("org_invitation_revoke", args=["acme", issued.invitation.pk])
    )
    assert response.status_code == 302
    issued.invitation.refresh_from_db()
    assert issued.invitation.status == "revoked"
    with pytest.raises(ValidationError, match="revoked"):
        invitation_accept(token=issued.token, user=UserFactory.create())


def test_it_changes_a_role_and_records_it(alice_client, bob, acme):
    target = membership(bob, acme)
    response = alice_client.post(
        reverse("org_member_role", args=["acme", target.pk]),
        {"role": Role.SALES_LEAD, "team": team_of(acme, TeamKind.SALES).pk},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.SALES_LEAD
    event = AuditEvent.objects.get(action="member.change_role")
    assert event.actor_label == "alice@acme.example"
    assert event.changes["role"] == [Role.MEMBER, Role.SALES_LEAD]


def test_it_keeps_at_least_one_owner(alice, acme):
    owner = membership(alice, acme)
    with pytest.raises(ValidationError, match="at least one owner"):
        member_change_role(membership=owner, target=owner, role=Role.ADMIN)
    with pytest.raises(ValidationError, match="at least one owner"):
        member_remove(membership=owner, target=owner)


def test_it_lets_only_owners_touch_owners(alice, acme):
    admin = Membership.objects.create(organization=acme, user=UserFactory.create(), role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        member_change_role(membership=admin, target=membership(alice, acme), role=Role.MEMBER)
    with pytest.raises(PermissionDenied):
        member_change_role(membership=admin, target=admin, role=Role.OWNER)


def test_it_removes_a_member_ending_their_access_and_tokens(alice_client, bob, bob_client, acme):
    target = membership(bob, acme)
    secret = api_token_create(membership=target, name="bob's script").secret
    assert bob_client.get(reverse("org_overview", args=["acme"])).status_code == 200

    confirm = alice_client.get(reverse("org_member_remove", args=["acme", target.pk]))
    assert "Remove Bob Seller?" in confirm.content.decode()
    response = alice_client.post(reverse("org_member_remove", args=["acme", target.pk]))

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=target.pk).exists()
    # Bob's open session loses the organisation at its very next request...
    assert bob_client.get(reverse("org_overview", args=["acme"])).status_code == 404
    # ...and his token stops working.
    assert api_token_authenticate(secret) is None
    assert ApiToken.objects.get(user=bob).revoked_at is not None


def test_it_forbids_role_changes_to_members(bob_client, alice, acme):
    owner = membership(alice, acme)
    response = bob_client.post(
        reverse("org_member_role", args=["acme", owner.pk]), {"role": Role.VIEWER}
    )
    assert response.status_code == 403
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_it_lets_a_viewer_read_but_not_invite(acme):
    viewer = UserFactory.create()
    Membership.objects.create(organization=acme, user=viewer, role=Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    page = client.get(reverse("org_members", args=["acme"]))
    assert page.status_code == 200
    assert "Invite a colleague" not in page.content.decode()
    with pytest.raises(PermissionDenied):
        invitation_create(membership=membership(viewer, acme), email="v@x.example", role="member")
