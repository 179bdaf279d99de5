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


def test_it_shows_the_banner_on_every_page_to_every_member(alice_client, bob_client, acme):
    overview = reverse("org_overview", args=["acme"])

    assert BANNER + " Read it in the" in alice_client.get(overview).content.decode()
    assert BANNER + " Read yours in the" in bob_client.get(overview).content.decode()


def test_it_shows_no_banner_when_mail_is_sent(alice_client, settings, acme):
    settings.EMAIL_CAPTURED = False

    page = alice_client.get(reverse("org_overview", args=["acme"])).content.decode()

    assert BANNER not in page


def test_it_shows_a_member_only_the_mail_sent_to_them(bob_client, bob, invited, acme):
    """Bob reads what was sent to him; Dave's invitation is not his (404)."""
    message = CapturedMessage.objects.get()
    with_bob = email_enqueue(
        to=[bob.email.upper()], subject="Your weekly digest", text="Hi", organization_id=acme.pk
    )
    del with_bob
    run_queued_jobs()
    page = bob_client.get(outbox_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "The messages sent to you, and those about the campaigns and goals you own." in text
    assert "Your weekly digest" in text
    assert "dave@example.com" not in text and message.subject not in text
    assert bob_client.get(message_url(message)).status_code == 404
    mine = CapturedMessage.objects.get(subject="Your weekly digest")
    assert bob_client.get(message_url(mine)).status_code == 200


def test_it_lets_a_member_read_the_mail_about_what_they_own(bob_client, bob, acme):
    email_enqueue(
        to=["customer@example.com"],
        subject="About Bob's campaign",
        text="Hi",
        organization_id=acme.pk,
        readers=[bob.email],
    )
    run_queued_jobs()
    message = CapturedMessage.objects.get()
    assert message.readers == f",{bob.email},customer@example.com,"
    assert "X-Accord-Readers" not in message.headers
    assert "About Bob&#x27;s campaign" in bob_client.get(outbox_url()).content.decode()
    assert bob_client.get(message_url(message)).status_code == 200


def test_it_searches_the_outbox_by_recipient_and_subject_and_keeps_paging(alice_client, acme):
    for n in range(55):
        email_enqueue(
            to=[f"person{n}@customer.example"],
            subject=f"Survey {n}" if n % 2 else f"Reminder {n}",
            text="Hi",
            organization_id=acme.pk,
        )
    email_enqueue(to=["zoe@partner.example"], subject="Hello", text="x", organization_id=acme.pk)
    run_queued_jobs()

    by_recipient = alice_client.get(outbox_url(), {"q": "zoe@partner"}).content.decode()
    assert "zoe@partner.example" in by_recipient and "person1@" not in by_recipient
    by_subject = alice_client.get(outbox_url(), {"q": "reminder"}).content.decode()
    assert "Reminder 2" in by_subject and "Survey 1" not in by_subject
    assert 'value="reminder"' in by_subject
    nothing = alice_client.get(outbox_url(), {"q": "nobody"}).content.decode()
    assert "No message matches “nobody”." in nothing

    first = alice_client.get(outbox_url(), {"q": "customer.example"})
    cursor = first.context["page"].next
    assert f"?q=customer.example&amp;cursor={cursor}" in first.content.decode()
    second = alice_client.get(outbox_url(), {"q": "customer.example", "cursor": cursor})
    assert second.context["page"].next is None and second.context["page"].previous


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
