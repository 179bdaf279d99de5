"""django-allauth's email (password reset, sign-up verification) goes through the job queue."""

from __future__ import annotations

import re
import socket
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.jobs.testing import run_queued_jobs

pytestmark = pytest.mark.django_db


def link_in(text: str, path: str) -> str:
    match = re.search(rf"http://testserver({re.escape(path)}\S*)", text)
    assert match, f"no {path} link in:\n{text}"
    return match.group(1)


def test_it_sends_a_password_reset_through_the_queue(smtp, alice, password):
    client = Client()

    response = client.post("/accounts/password/reset/", {"email": "alice@acme.example"})

    assert response.status_code == 302
    assert smtp.messages == []  # queued, not sent by the request
    assert DBTaskResult.objects.ready().count() == 1

    assert run_queued_jobs() == 1

    [(envelope, message)] = smtp.messages
    assert envelope.rcpt_tos == ["alice@acme.example"]
    assert message["Subject"] == "[Accord] Password Reset Email"
    text = message.get_body(("plain",)).get_content()
    assert "requested a password reset" in text

    # The link in the email works: it leads to the form for a new password.
    response = client.get(link_in(text, "/accounts/password/reset/key/"), follow=True)
    assert response.status_code == 200
    assert 'name="password1"' in response.content.decode()


def test_it_keeps_the_reset_page_working_while_the_mail_server_is_down(smtp, settings, alice):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = probe.getsockname()[1]  # nothing listens there

    response = Client().post("/accounts/password/reset/", {"email": "alice@acme.example"})

    assert response.status_code == 302
    run_queued_jobs()
    assert smtp.messages == []

    settings.EMAIL_PORT = smtp.port
    run_queued_jobs(until=timezone.now() + timedelta(days=1))

    [(envelope, _)] = smtp.messages
    assert envelope.rcpt_tos == ["alice@acme.example"]


def test_it_sends_the_sign_up_verification_through_the_queue(smtp, password):
    client = Client()

    response = client.post(
        "/accounts/signup/",
        {"email": "frank@example.com", "password1": password, "password2": password},
    )

    assert response.status_code == 302
    assert smtp.messages == []

    run_queued_jobs()

    [(envelope, message)] = smtp.messages
    assert envelope.rcpt_tos == ["frank@example.com"]
    assert message["Subject"].startswith("[Accord] ")
    text = message.get_body(("plain",)).get_content()
    response = client.get(link_in(text, "/accounts/confirm-email/"))
    assert response.status_code == 200
    assert "frank@example.com" in response.content.decode()


def test_it_captures_account_mail_without_an_email_url(settings, alice):
    from accord.mail.models import CapturedMessage

    settings.EMAIL_BACKEND = "accord.mail.backends.CapturingBackend"
    settings.EMAIL_CAPTURED = True

    Client().post("/accounts/password/reset/", {"email": "alice@acme.example"})
    run_queued_jobs()

    message = CapturedMessage.objects.get()
    assert message.to == ["alice@acme.example"]
    assert message.organization is None  # account mail belongs to no organisation
    assert "/accounts/password/reset/key/" in message.text_body


def test_it_keeps_both_parts_of_account_mail_with_an_html_template(smtp, settings, tmp_path, alice):
    # allauth ships text templates only; an HTML one added later must not be lost.
    templates = tmp_path / "account" / "email"
    templates.mkdir(parents=True)
    (templates / "password_reset_key_message.html").write_text(
        '<p><a href="{{ password_reset_url }}">Choose a new password</a></p>'
    )
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]

    Client().post("/accounts/password/reset/", {"email": "alice@acme.example"})
    run_queued_jobs()

    [(_, message)] = smtp.messages
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    url = "http://testserver" + link_in(text, "/accounts/password/reset/key/")
    assert f'<a href="{url}">Choose a new password</a>' in html
