"""An invitation is for one address: only its owner, verified, may accept it."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

from accord.accounts.tests.factories import PASSWORD, UserFactory
from accord.conftest import membership
from accord.orgs.models import AuditEvent, Invitation, Membership
from accord.orgs.services import invitation_accept, invitation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(alice, acme):
    return invitation_create(
        membership=membership(alice, acme), email="dana@acme.example", role="member"
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _verified(email: str, *, stored_as: str | None = None):
    user = UserFactory.create(email=email)
    EmailAddress.objects.create(user=user, email=stored_as or email, primary=True, verified=True)
    return user


def test_it_lets_the_verified_invited_address_accept_in_any_case(acme, issued):
    dana = _verified("dana@acme.example", stored_as="Dana@ACME.example")
    response = _client(dana).post(f"/invitations/{issued.token}/")
    assert response.status_code == 302
    assert Membership.objects.filter(organization=acme, user=dana).exists()
    issued.invitation.refresh_from_db()
    assert issued.invitation.accepted_by == dana


def test_it_shows_another_account_which_address_the_invitation_is_for(acme, issued):
    eve = _verified("eve@elsewhere.example")
    client = _client(eve)
    page = client.get(f"/invitations/{issued.token}/")
    assert page.status_code == 403
    text = page.content.decode()
    assert "This invitation is for dana@acme.example" in text
    assert "You are logged in as <strong>eve@elsewhere.example</strong>" in text
    accepted = client.post(f"/invitations/{issued.token}/")
    assert accepted.status_code == 403
    assert "This invitation is for dana@acme.example" in accepted.content.decode()
    assert not Membership.objects.filter(organization=acme, user=eve).exists()
    issued.invitation.refresh_from_db()
    assert issued.invitation.status == "pending"
    assert not AuditEvent.objects.filter(action="invitation.accept").exists()


def test_it_refuses_another_account_in_the_service_naming_the_field(issued):
    eve = _verified("eve@elsewhere.example")
    with pytest.raises(ValidationError) as caught:
        invitation_accept(token=issued.token, user=eve)
    assert caught.value.message_dict == {
        "email": [
            "This invitation is for dana@acme.example; you are logged in as eve@elsewhere.example."
        ]
    }


def test_it_refuses_an_account_with_the_address_as_an_unverified_extra(issued):
    # Anyone may add an address to their account; only a verified one counts.
    eve = _verified("eve@elsewhere.example")
    EmailAddress.objects.create(user=eve, email="dana@acme.example", verified=False)
    page = _client(eve).post(f"/invitations/{issued.token}/")
    assert page.status_code == 403
    assert "Verify dana@acme.example first" in page.content.decode()
    assert Invitation.objects.get(pk=issued.invitation.pk).status == "pending"


def test_it_asks_the_invited_address_to_be_verified_first(acme, issued):
    dana = UserFactory.create(email="dana@acme.example")
    EmailAddress.objects.create(user=dana, email=dana.email, primary=True, verified=False)
    client = _client(dana)
    page = client.post(f"/invitations/{issued.token}/")
    assert page.status_code == 403
    assert "Verify dana@acme.example first" in page.content.decode()
    assert not Membership.objects.filter(organization=acme, user=dana).exists()
    with pytest.raises(ValidationError) as caught:
        invitation_accept(token=issued.token, user=dana)
    assert "email" in caught.value.message_dict

    EmailAddress.objects.filter(user=dana).update(verified=True)
    assert client.post(f"/invitations/{issued.token}/").status_code == 302
    assert Membership.objects.filter(organization=acme, user=dana).exists()


@override_settings(ACCOUNT_EMAIL_VERIFICATION="none")
def test_it_needs_no_verification_when_verification_is_off(acme, issued):
    dana = UserFactory.create(email="Dana@Acme.example")
    assert _client(dana).post(f"/invitations/{issued.token}/").status_code == 302
    assert Membership.objects.filter(organization=acme, user=dana).exists()


@override_settings(ACCOUNT_EMAIL_VERIFICATION="none")
def test_it_still_refuses_another_address_when_verification_is_off(acme, issued):
    eve = UserFactory.create(email="eve@elsewhere.example")
    assert _client(eve).post(f"/invitations/{issued.token}/").status_code == 403
    assert not Membership.objects.filter(organization=acme, user=eve).exists()


def test_it_counts_a_sign_up_from_the_invitation_link_as_verified(acme, issued):
    client = Client()
    assert client.get(f"/invitations/{issued.token}/").status_code == 200
    signed_up = client.post(
        f"/accounts/signup/?next=/invitations/{issued.token}/",
        {"email": "dana@acme.example", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert signed_up.status_code == 302, signed_up.content
    assert EmailAddress.objects.get(email="dana@acme.example").verified
    assert client.post(f"/invitations/{issued.token}/").status_code == 302
    assert Membership.objects.filter(organization=acme, user__email="dana@acme.example").exists()


def test_it_does_not_verify_another_address_signed_up_from_the_link(acme, issued):
    client = Client()
    client.get(f"/invitations/{issued.token}/")
    client.post(
        "/accounts/signup/",
        {"email": "eve@elsewhere.example", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not EmailAddress.objects.get(email="eve@elsewhere.example").verified
    response = client.post(f"/invitations/{issued.token}/")
    assert response.status_code in (302, 403)
    assert not Membership.objects.filter(
        organization=acme, user__email="eve@elsewhere.example"
    ).exists()
