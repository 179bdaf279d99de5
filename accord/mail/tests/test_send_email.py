"""Email through SMTP: queued with the change, sent by the job, at most once, never lost.

The ``smtp`` fixture is a real SMTP server on 127.0.0.1.
"""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.conftest import membership
from accord.jobs.models import DeadJob
from accord.jobs.testing import run_queued_jobs
from accord.mail.models import Delivery
from accord.mail.services import email_enqueue
from accord.orgs.services import invitation_create

pytestmark = pytest.mark.django_db


def free_port() -> int:
    """A loopback port where nothing listens: a mail server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RefusingHandler:
    """Says "try again later" to every message while ``refusing``, then accepts."""

    def __init__(self) -> None:
        self.refusing = True
        self.accepted: list[Envelope] = []

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            return "451 4.3.0 Mailbox busy, try again later"
        self.accepted.append(envelope)
        return "250 OK"


@pytest.fixture
def refusing_smtp(settings):
    handler = RefusingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_CAPTURED = False
    yield handler
    controller.stop()


def statuses():
    return [r.status for r in DBTaskResult.objects.order_by("enqueued_at")]


def later():
    """Far enough ahead that every back-off has passed."""
    return timezone.now() + timedelta(days=1)


def test_it_delivers_an_invitation_with_its_link_once_the_job_runs(smtp, alice, acme):
    issued = invitation_create(
        membership=membership(alice, acme), email="Dave@Example.com", role="member"
    )
    assert smtp.messages == []  # queued with the invitation, not sent inline

    assert run_queued_jobs() == 1

    [(envelope, message)] = smtp.messages
    assert envelope.rcpt_tos == ["dave@example.com"]
    assert message["To"] == "dave@example.com"
    assert message["From"] == "Accord <accord@localhost>"
    assert message["Subject"] == "Alice Owner invited you to Acme on Accord"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Alice Owner invited you to join Acme on Accord as Member." in text
    assert issued.url in text
    assert f'href="{issued.url}"' in html
    # The organisation marker is for the Outbox only; it never leaves.
    assert "X-Accord-Organization" not in message
    assert Delivery.objects.filter(key=f"invitation:{issued.invitation.pk}").exists()


class Abort(Exception):
    pass


def test_it_sends_nothing_for_an_invitation_that_rolled_back(smtp, alice, acme):
    with pytest.raises(Abort), transaction.atomic():
        invitation_create(
            membership=membership(alice, acme), email="dave@example.com", role="member"
        )
        raise Abort

    assert run_queued_jobs() == 0
    assert smtp.messages == []


def test_it_delivers_a_keyed_message_at_most_once_when_queued_twice(smtp):
    for _ in range(2):
        email_enqueue(to=["erin@example.com"], subject="Digest", text="Hi", key="digest:1:erin")

    assert run_queued_jobs() == 2

    assert len(smtp.messages) == 1
    results = DBTaskResult.objects.order_by("enqueued_at")
    assert [r.status for r in results] == ["SUCCESSFUL", "SUCCESSFUL"]
    assert [r.return_value for r in results] == ["sent", "already delivered"]


def test_it_delivers_a_keyed_message_at_most_once_when_its_job_runs_twice(smtp):
    email_enqueue(to=["erin@example.com"], subject="Alert", text="Hi", key="alert:7:erin")
    run_queued_jobs()
    # As if a worker died after sending but before recording the job as done.
    DBTaskResult.objects.update(status="READY")

    assert run_queued_jobs() == 1

    assert len(smtp.messages) == 1
    assert DBTaskResult.objects.get().return_value == "already delivered"


def test_it_sends_an_unkeyed_message_each_time_it_is_queued(smtp):
    for _ in range(2):
        email_enqueue(to=["erin@example.com"], subject="Ping", text="Hi")

    run_queued_jobs()

    assert len(smtp.messages) == 2


def test_it_retries_when_the_server_refuses_and_loses_nothing(refusing_smtp, alice, acme):
    issued = invitation_create(
        membership=membership(alice, acme), email="dave@example.com", role="member"
    )

    assert run_queued_jobs() == 1
    assert refusing_smtp.accepted == []
    assert statuses() == ["FAILED", "READY"]  # the retry waits for its back-off
    assert "SMTPDataError" in DBTaskResult.objects.order_by("enqueued_at")[0].traceback
    # The refused message is not counted as delivered.
    assert not Delivery.objects.exists()

    refusing_smtp.refusing = False
    assert run_queued_jobs(until=later()) == 1

    [envelope] = refusing_smtp.accepted
    assert envelope.rcpt_tos == ["dave@example.com"]
    assert issued.url in envelope.content.decode()
    assert statuses() == ["FAILED", "SUCCESSFUL"]
    assert Delivery.objects.filter(key=f"invitation:{issued.invitation.pk}").count() == 1


def test_it_retries_while_the_server_is_down_and_delivers_when_it_is_back(
    smtp, settings, alice, acme
):
    settings.EMAIL_PORT = free_port()
    invitation_create(membership=membership(alice, acme), email="dave@example.com", role="member")

    assert run_queued_jobs() == 1
    assert statuses() == ["FAILED", "READY"]
    assert "ConnectionRefusedError" in DBTaskResult.objects.order_by("enqueued_at")[0].traceback

    settings.EMAIL_PORT = smtp.port
    run_queued_jobs(until=later())

    assert len(smtp.messages) == 1
    assert statuses() == ["FAILED", "SUCCESSFUL"]


def test_it_shows_mail_that_never_got_through_to_admins_who_can_resend_it(
    smtp, settings, alice, alice_client, acme
):
    settings.ACCORD_JOB_MAX_ATTEMPTS = 3
    settings.EMAIL_PORT = free_port()
    issued = invitation_create(
        membership=membership(alice, acme), email="dave@example.com", role="member"
    )

    assert run_queued_jobs(until=later()) == 3

    assert smtp.messages == []
    dead = DeadJob.objects.get()
    assert dead.organization == acme
    page = alice_client.get("/o/acme/jobs/").content.decode()
    assert "accord.mail.jobs.send_email" in page
    assert "ConnectionRefusedError" in page

    settings.EMAIL_PORT = smtp.port
    alice_client.post(f"/o/acme/jobs/{dead.pk}/retry/")
    run_queued_jobs()

    [(envelope, message)] = smtp.messages
    assert envelope.rcpt_tos == ["dave@example.com"]
    assert issued.url in message.get_body(("plain",)).get_content()
