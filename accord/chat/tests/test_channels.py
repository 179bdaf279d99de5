"""Channel settings: pages and API, SSRF refusals, encrypted storage, isolation."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from accord.chat.models import ChannelKind, ChatChannel, ChatEvent, ChatMessage, MessageStatus
from accord.chat.services import chat_channel_create
from accord.chat.tests.factories import channel_for
from accord.conftest import membership
from accord.tests.api import API, api_as, fields

PUBLIC_IP = "93.184.216.34"
SECRET_URL = "https://hooks.slack.example/services/T000/B000/very-secret-token"


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def public_dns(monkeypatch):
    """Names under .example resolve to a public address; others as the system says."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if str(host).endswith(".example"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_IP, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def _url(name: str, org: str = "acme", **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org, **kwargs})


def test_it_adds_a_channel_and_stores_the_url_encrypted(alice_client, acme, public_dns):
    response = alice_client.post(
        _url("chat_channels"),
        {
            "name": "#sales-marketing",
            "kind": ChannelKind.SLACK_WEBHOOK,
            "secret": SECRET_URL,
            "events": [ChatEvent.GOAL_AGREED, ChatEvent.SLA_BREACH],
            "enabled": "on",
        },
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "#sales-marketing" in page
    assert "hooks.slack.example/…" in page
    assert "very-secret-token" not in page
    channel = ChatChannel.objects.get()
    assert channel.events == ["goal_agreed", "sla_breach"]
    assert channel.secret == SECRET_URL
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM chat_chatchannel")
        [(stored,)] = cursor.fetchall()
    assert b"very-secret-token" not in bytes(stored)
    assert b"hooks.slack.example" not in bytes(stored)
    edit = alice_client.get(_url("chat_channel_edit", pk=channel.pk)).content.decode()
    assert "very-secret-token" not in edit


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.slack.example/x", "must start with https://"),
        ("https://10.0.0.1/hook", "private, loopback or link-local"),
        ("https://127.0.0.1:8443/hook", "private, loopback or link-local"),
        ("https://169.254.169.254/latest/meta-data", "private, loopback or link-local"),
        ("https://[::1]/hook", "private, loopback or link-local"),
        ("https://192.168.1.20/hook", "private, loopback or link-local"),
    ],
)
def test_it_refuses_webhook_urls_into_private_networks(alice_client, acme, url, message):
    response = alice_client.post(
        _url("chat_channels"),
        {"name": "Bad", "kind": ChannelKind.TEAMS_WEBHOOK, "secret": url},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ChatChannel.objects.exists()


def test_it_lets_loopback_through_only_with_the_test_setting(alice, acme, settings):
    owner = membership(alice, acme)
    settings.ACCORD_CHAT_ALLOW_LOOPBACK = True
    channel = chat_channel_create(
        membership=owner,
        name="Local",
        kind=ChannelKind.SLACK_WEBHOOK,
        secret="https://127.0.0.1:8443/hook",
    )
    assert channel.pk
    # Still never a private network, nor plain http.
    client = api_as(alice, acme)
    for url in ("https://10.0.0.1/hook", "http://127.0.0.1/hook"):
        response = client.post(
            f"{API}/chat/channels",
            {"name": "Bad", "kind": "slack_webhook", "secret": url},
        )
        assert "body.secret" in fields(response)


def test_it_refuses_a_bad_url_through_the_api_naming_the_field(alice, acme):
    response = api_as(alice, acme).post(
        f"{API}/chat/channels",
        {"name": "Bad", "kind": "teams_webhook", "secret": "https://10.0.0.1/hook"},
    )

    assert fields(response) == {
        "body.secret": "The webhook URL points at a private, loopback or link-local address."
    }
    assert not ChatChannel.objects.exists()


def test_it_never_returns_the_url_from_the_api(alice, acme, public_dns):
    client = api_as(alice, acme)
    created = client.post(
        f"{API}/chat/channels",
        {
            "name": "Teams",
            "kind": "teams_webhook",
            "secret": "https://teams.example/webhookb2/very-secret-token",
            "events": ["agenda_ready"],
        },
    )
    assert created.status_code == 201, created.content
    channel_id = created.json()["id"]
    assert created.json()["target"] == "teams.example/…"

    patched = client.patch(
        f"{API}/chat/channels/{channel_id}", {"enabled": False, "events": ["pulse_open"]}
    )
    listed = client.get(f"{API}/chat/channels")

    for response in (created, patched, listed, client.get(f"{API}/chat/channels/{channel_id}")):
        assert response.status_code == 200 or response.status_code == 201
        assert b"very-secret-token" not in response.content
    assert patched.json()["enabled"] is False
    stored = ChatChannel.objects.get()
    assert (stored.enabled, stored.events) == (False, ["pulse_open"])
    assert client.delete(f"{API}/chat/channels/{channel_id}").status_code == 204
    assert not ChatChannel.objects.exists()


def test_it_refuses_an_unknown_event(alice, acme, public_dns):
    response = api_as(alice, acme).post(
        f"{API}/chat/channels",
        {"name": "T", "kind": "slack_webhook", "secret": SECRET_URL, "events": ["nope"]},
    )
    assert "body.events.0" in fields(response)
    assert not ChatChannel.objects.exists()


def test_it_keeps_chat_settings_to_admins_and_owners(bob, bob_client, acme):
    channel_for(acme, url=SECRET_URL, name="Acme alerts")
    page = bob_client.get(_url("chat_channels"))
    assert page.status_code == 403
    assert "Acme alerts" not in page.content.decode()
    answer = api_as(bob, acme).get(f"{API}/chat/channels")
    assert answer.status_code == 403
    assert b"Acme alerts" not in answer.content and answer.json()["detail"]


def test_it_hides_another_organisations_channel(charlie_client, globex, acme):
    channel = channel_for(acme, url=SECRET_URL, name="Acme alerts")

    for name in ("chat_channel_edit", "chat_channel_delete"):
        assert charlie_client.get(_url(name, org="globex", pk=channel.pk)).status_code == 404
    assert (
        charlie_client.post(_url("chat_channel_test", org="globex", pk=channel.pk)).status_code
        == 404
    )
    assert not ChatMessage.objects.exists()


def test_it_toggles_tests_and_deletes_with_confirmation(alice_client, acme):
    channel = channel_for(acme, url=SECRET_URL, name="Acme alerts")

    alice_client.post(_url("chat_channel_toggle", pk=channel.pk))
    channel.refresh_from_db()
    assert channel.enabled is False

    response = alice_client.post(_url("chat_channel_test", pk=channel.pk), follow=True)
    assert "Test message queued for Acme alerts" in response.content.decode()
    assert ChatMessage.objects.get().event == ChatEvent.TEST

    confirm = alice_client.get(_url("chat_channel_delete", pk=channel.pk))
    assert "Delete Acme alerts?" in confirm.content.decode()
    assert ChatChannel.objects.exists()
    alice_client.post(_url("chat_channel_delete", pk=channel.pk))
    assert not ChatChannel.objects.exists()


def test_it_shows_dead_letters_and_retries_them(alice_client, acme):
    channel = channel_for(acme, url=SECRET_URL, name="Acme alerts")
    dead = ChatMessage.objects.create(
        organization=acme,
        channel=channel,
        event=ChatEvent.SLA_BREACH,
        title="Lead waited 3 days",
        status=MessageStatus.FAILED,
        attempts=1,
        last_error="HTTP 404: no_service",
    )

    page = alice_client.get(_url("chat_channel_edit", pk=channel.pk)).content.decode()
    assert "Lead waited 3 days" in page
    assert "HTTP 404: no_service" in page

    response = alice_client.post(_url("chat_message_retry", pk=dead.pk), follow=True)
    assert "Message queued again." in response.content.decode()
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (MessageStatus.PENDING, 0)
    # A second click changes nothing.
    alice_client.post(_url("chat_message_retry", pk=dead.pk))
    assert ChatMessage.objects.filter(status=MessageStatus.PENDING).count() == 1
