"""Accounts through django-allauth: sign-up, verification, login, reset, 2FA, throttling."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core.cache import cache
from django.test import Client

from accord.accounts.models import User
from accord.jobs.testing import run_queued_jobs
from accord.mail.models import CapturedMessage

pytestmark = pytest.mark.django_db

PASSPHRASE = "a long enough passphrase"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # allauth counts attempts in the (database) cache; each test starts at zero.
    cache.clear()


def sign_up(client: Client, email: str) -> None:
    response = client.post(
        "/accounts/signup/", {"email": email, "password1": PASSPHRASE, "password2": PASSPHRASE}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def last_mail_to(address: str) -> str:
    run_queued_jobs()
    return next(m for m in CapturedMessage.objects.all() if address in m.to).text_body


def link_in(text: str) -> str:
    url = re.search(r"https?://\S+", text)
    assert url, text
    return re.sub(r"^https?://[^/]+", "", url.group(0))


def test_it_signs_up_and_lands_on_creating_an_organisation(client):
    sign_up(client, "new@example.com")

    assert User.objects.filter(email="new@example.com").exists()
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/new/"


def test_it_verifies_the_email_address_with_a_link(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    sign_up(client, "verify@example.com")
    # Not verified: not logged in yet.
    assert client.get("/new/").status_code == 302

    path = link_in(last_mail_to("verify@example.com"))
    confirm = client.post(path)

    assert confirm.status_code == 302
    assert EmailAddress.objects.get(email="verify@example.com").verified


def test_it_logs_in_and_out(client, alice, password):
    response = client.post(
        "/accounts/login/", {"login": "alice@acme.example", "password": password}
    )
    assert response.status_code == 302
    assert client.get("/new/").status_code == 200
    assert client.session.get("_auth_user_id") == str(alice.pk)

    client.post("/accounts/logout/")
    signed_out = client.get("/new/")
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_it_says_what_is_wrong_with_a_bad_login(client, alice):
    response = client.post("/accounts/login/", {"login": "alice@acme.example", "password": "nope"})
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )


def test_it_resets_a_forgotten_password_by_email(client, alice):
    client.post("/accounts/password/reset/", {"email": "alice@acme.example"})
    path = link_in(last_mail_to("alice@acme.example"))

    form = client.get(path, follow=True)
    set_path = form.redirect_chain[-1][0] if form.redirect_chain else path
    done = client.post(
        set_path, {"password1": "brand new passphrase", "password2": "brand new passphrase"}
    )

    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("brand new passphrase")


def test_it_asks_for_a_second_factor_when_totp_is_on(client, alice, password):
    secret = generate_totp_secret()
    TOTP.activate(alice, secret)

    response = client.post(
        "/accounts/login/", {"login": "alice@acme.example", "password": password}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/new/").status_code == 302  # not in yet

    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post("/accounts/2fa/authenticate/", {"code": code})

    assert response.status_code == 302
    assert client.get("/new/").status_code == 200


def test_it_rejects_a_wrong_second_factor(client, alice, password):
    TOTP.activate(alice, generate_totp_secret())
    client.post("/accounts/login/", {"login": "alice@acme.example", "password": password})

    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})

    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert client.get("/new/").status_code == 302


def test_it_throttles_repeated_failed_logins(client, alice, password):
    for _ in range(5):
        client.post("/accounts/login/", {"login": "alice@acme.example", "password": "wrong"})

    # Even the right password is refused while throttled.
    response = client.post(
        "/accounts/login/", {"login": "alice@acme.example", "password": password}
    )

    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get("/new/").status_code == 302
