"""The Outbox (/o/<slug>/outbox/): mail captured when no EMAIL_URL is set."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.conftest import membership
from accord.jobs.testing import run_queued_jobs
from accord.mail.models import CapturedMessage
from accord.mail.services import email_enqueue
from accord.orgs.services import invitation_create

pytestmark = pytest.mark.django_db

BANNER = "Email is captured, not sent: no <code>EMAIL_URL</code> is configured."


@pytest.fixture(autouse=True)
def captured(settings):
    """No EMAIL_URL: what the settings choose, whatever this machine's environment says."""
    settings.EMAIL_BACKEND = "accord.mail.backends.CapturingBackend"
    settings.EMAIL_CAPTURED = True


@pytest.fixture
def invited(alice, acme):
    """Acme invited Dave, and the worker has run: the invitation is in the Outbox."""
    issued = invitation_create(
        membership=membership(alice, acme), email="dave@example.com", role="member"
    )
    run_queued_jobs()
    return issued


def outbox_url(slug="acme"):
    return reverse("org_outbox", args=[slug])


def message_url(message, slug="acme"):
    return reverse("org_outbox_message", args=[slug, message.pk])


def test_it_captures_mail_instead_of_sending_it(invited, acme):
    message = CapturedMessage.objects.get()

    assert message.organization == acme
    assert message.to == ["dave@example.com"]
    assert message.subject == "Alice Owner invited you to Acme on Accord"
    assert invited.url in message.text_body
    assert f'href="{invited.url}"' in message.html_body
    assert "X-Accord-Organization" not in message.headers


def test_it_lists_captured_mail_to_an_admin_with_the_banner(alice_client, invited):
    response = alice_client.get(outbox_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert BANNER in page
    assert "email is kept here instead of being sent" in page
    assert "dave@example.com" in page
    assert "Alice Owner invited you to Acme on Accord" in page
    assert message_url(CapturedMessage.objects.get()) in page


def test_it_shows_one_captured_message_with_its_link(alice_client, invited):
    response = alice_client.get(message_url(CapturedMessage.objects.get()))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Alice Owner invited you to Acme on Accord" in page
    assert "dave@example.com" in page
    assert invited.url in page


def test_it_shows_nothing_until_the_job_has_run(alice_client, alice, acme):
    invitation_create(membership=membership(alice, acme), email="dave@example.com", role="member")

    page = alice_client.get(outbox_url()).content.decode()

    assert "No email captured yet." in page
    assert "dave@example.com" not in page


def test_it_shows_the_banner_on_every_page_to_admins_only(alice_client, bob_client, acme):
    overview = reverse("org_overview", args=["acme"])

    assert BANNER in alice_client.get(overview).content.decode()
    assert BANNER not in bob_client.get(overview).content.decode()


def test_it_shows_no_banner_when_mail_is_sent(alice_client, settings, acme):
    settings.EMAIL_CAPTURED = False

    page = alice_client.get(reverse("org_overview", args=["acme"])).content.decode()

    assert BANNER not in page


def test_it_forbids_the_outbox_to_a_member(bob_client, invited):
    message = CapturedMessage.objects.get()
    for page in (bob_client.get(outbox_url()), bob_client.get(message_url(message))):
        assert page.status_code == 403
        text = page.content.decode()
        assert "You can't do that here" in text
        assert "dave@example.com" not in text and message.subject not in text


def test_it_hides_the_outbox_from_another_organization(charlie_client, invited, globex):
    message = CapturedMessage.objects.get()

    # Through Acme's address: Charlie is not a member.
    assert charlie_client.get(outbox_url()).status_code == 404
    assert charlie_client.get(message_url(message)).status_code == 404
    # Through his own organisation's address, with Acme's message id.
    assert charlie_client.get(message_url(message, slug="globex")).status_code == 404
    page = charlie_client.get(outbox_url("globex")).content.decode()
    assert "dave@example.com" not in page
    assert "No email captured yet." in page


def test_it_keeps_mail_sent_for_no_organization_out_of_every_outbox(alice_client):
    email_enqueue(to=["someone@example.com"], subject="Instance notice", text="Hi")
    run_queued_jobs()

    assert CapturedMessage.objects.get().organization is None
    assert "Instance notice" not in alice_client.get(outbox_url()).content.decode()
