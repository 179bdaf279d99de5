"""Delivery through real HTTP: a TLS server on 127.0.0.1 plays Slack and Teams."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from slack_sdk.models.blocks import Block

from accord.chat.delivery import slack_blocks
from accord.chat.models import ChannelKind, ChatEvent, ChatMessage, MessageStatus
from accord.chat.services import chat_notify
from accord.chat.tests.factories import channel_for
from accord.integrations.tests.loopback import LoopbackServer
from accord.jobs.testing import run_queued_jobs

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


class Script:
    """Answers given in turn, then 200 for ever."""

    def __init__(self, *answers: tuple[int, dict[str, str]]) -> None:
        self.answers = list(answers)

    def __call__(self, method, path, query, headers, body):
        if self.answers:
            status, extra = self.answers.pop(0)
            return status, extra, {"error": "scripted"}
        if path.endswith("chat.postMessage"):
            return 200, {}, {"ok": True, "ts": "1.0"}
        return 200, {}, "ok"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def serve(settings) -> Iterator[Callable[..., LoopbackServer]]:
    servers: list[LoopbackServer] = []

    def start(handler) -> LoopbackServer:
        server = LoopbackServer(handler, tls=True)
        servers.append(server)
        settings.ACCORD_CHAT_CA_FILE = server.cafile
        settings.ACCORD_CHAT_ALLOW_LOOPBACK = True
        return server

    yield start
    for server in servers:
        server.stop()


def _round_trip(block: dict[str, Any]) -> dict[str, Any]:
    """``block`` parsed as slack-sdk's Block Kit model, and written back."""
    parsed = Block.parse(block)
    assert parsed is not None, block
    return parsed.to_dict()


def _notify(org, n: int, event=ChatEvent.GOAL_AGREED) -> int:
    return chat_notify(
        organization=org,
        event=event,
        title=f"Goal {n} agreed",
        text=f"Both teams agreed to goal *{n}*.",
        url=f"https://accord.example/o/acme/goals/{n}/",
        fields=[("Owner", "Carol"), ("Target", str(n * 10))],
    )


def test_it_delivers_block_kit_to_a_slack_webhook(acme, serve, clock):
    server = serve(Script())
    channel_for(acme, url=f"{server.url}/services/T1/B1/secret")

    assert _notify(acme, 1) == 1
    run_queued_jobs()

    [request] = server.requests
    assert request["path"] == "/services/T1/B1/secret"
    blocks = request["body"]["blocks"]
    # Every block parses as slack-sdk's Block Kit model and round-trips unchanged.
    assert [_round_trip(b) for b in blocks] == blocks
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Goal 1 agreed"},
    }
    assert blocks[1]["text"]["text"] == "Both teams agreed to goal *1*."
    assert blocks[2]["fields"][0]["text"] == "*Owner*\nCarol"
    assert blocks[3]["elements"][0]["url"] == "https://accord.example/o/acme/goals/1/"
    assert request["body"]["text"] == "Goal 1 agreed"
    message = ChatMessage.objects.get()
    assert message.status == MessageStatus.SENT
    assert message.sent_at == NOW
    assert slack_blocks(message) == blocks


def test_it_posts_with_a_slack_bot_token_to_the_configured_api(acme, serve, clock, settings):
    server = serve(Script())
    settings.ACCORD_CHAT_SLACK_API_URL = f"{server.url}/api/"
    channel_for(acme, url="xoxb-1-2-secret", kind=ChannelKind.SLACK_BOT, slack_channel="#revenue")

    _notify(acme, 2)
    run_queued_jobs()

    [request] = server.requests
    assert request["path"] == "/api/chat.postMessage"
    assert request["headers"]["Authorization"] == "Bearer xoxb-1-2-secret"
    assert request["body"]["channel"] == "#revenue"
    assert [_round_trip(b) for b in request["body"]["blocks"]] == request["body"]["blocks"]
    assert ChatMessage.objects.get().status == MessageStatus.SENT


def test_it_sends_an_adaptive_card_to_a_teams_webhook(acme, serve, clock):
    server = serve(Script())
    channel_for(acme, url=f"{server.url}/webhookb2/abc", kind=ChannelKind.TEAMS_WEBHOOK)

    _notify(acme, 3)
    run_queued_jobs()

    [request] = server.requests
    body = request["body"]
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["body"][0]["text"] == "Goal 3 agreed"
    assert card["body"][2]["facts"] == [
        {"title": "Owner", "value": "Carol"},
        {"title": "Target", "value": "30"},
    ]
    assert card["actions"][0] == {
        "type": "Action.OpenUrl",
        "title": "Open in Accord",
        "url": "https://accord.example/o/acme/goals/3/",
    }


def test_it_delivers_every_message_exactly_once_in_order_through_failures(acme, serve, clock):
    server = serve(Script((503, {}), (429, {"Retry-After": "120"})))
    channel_for(acme, url=f"{server.url}/hook")
    for n in (1, 2, 3):
        _notify(acme, n)

    run_queued_jobs()
    # The 503 holds back the whole channel; nothing overtakes the first message.
    assert [r["body"]["text"] for r in server.requests] == ["Goal 1 agreed"]
    first = ChatMessage.objects.earliest("pk")
    assert first.status == MessageStatus.PENDING
    assert first.last_error.startswith("HTTP 503")
    assert first.next_attempt_at == NOW + dt.timedelta(seconds=30)

    clock.shift(dt.timedelta(seconds=31))
    run_queued_jobs()
    assert len(server.requests) == 2
    first.refresh_from_db()
    assert first.last_error.startswith("HTTP 429")
    # Retry-After is honoured, not the shorter back-off.
    assert first.next_attempt_at == NOW + dt.timedelta(seconds=31 + 120)

    clock.shift(dt.timedelta(seconds=60))
    run_queued_jobs()
    assert len(server.requests) == 2  # still waiting

    clock.shift(dt.timedelta(seconds=61))
    run_queued_jobs()
    run_queued_jobs()
    assert [r["body"]["text"] for r in server.requests] == [
        "Goal 1 agreed",
        "Goal 1 agreed",
        "Goal 1 agreed",
        "Goal 2 agreed",
        "Goal 3 agreed",
    ]
    assert list(ChatMessage.objects.order_by("pk").values_list("status", "attempts")) == [
        (MessageStatus.SENT, 3),
        (MessageStatus.SENT, 1),
        (MessageStatus.SENT, 1),
    ]


def test_it_keeps_each_channel_in_its_own_order(acme, serve, clock):
    slack, teams = Script((503, {})), Script()
    server = serve(lambda m, path, *rest: (slack if path == "/slack" else teams)(m, path, *rest))
    channel_for(acme, url=f"{server.url}/slack", name="Slack")
    channel_for(acme, url=f"{server.url}/teams", name="Teams", kind=ChannelKind.TEAMS_WEBHOOK)
    _notify(acme, 1)
    _notify(acme, 2)

    def received(path: str) -> list[str]:
        return [
            r["body"].get("text") or r["body"]["attachments"][0]["content"]["body"][0]["text"]
            for r in server.requests
            if r["path"] == path
        ]

    run_queued_jobs()
    # Teams is not held back by Slack's trouble.
    assert received("/teams") == ["Goal 1 agreed", "Goal 2 agreed"]
    assert received("/slack") == ["Goal 1 agreed"]
    clock.shift(dt.timedelta(minutes=5))
    run_queued_jobs()
    assert received("/slack") == [
        "Goal 1 agreed",
        "Goal 1 agreed",
        "Goal 2 agreed",
    ]


def test_it_turns_a_refusal_into_a_dead_letter_and_goes_on(acme, serve, clock):
    server = serve(Script((404, {})))
    channel_for(acme, url=f"{server.url}/hook")
    _notify(acme, 1)
    _notify(acme, 2)

    run_queued_jobs()

    first, second = ChatMessage.objects.order_by("pk")
    assert first.status == MessageStatus.FAILED
    assert first.last_error.startswith("HTTP 404")
    assert second.status == MessageStatus.SENT
    assert len(server.requests) == 2


def test_it_retries_a_time_out_with_back_off(acme, serve, clock, settings):
    # A port nobody listens on: the connection is refused, like a service that is down.
    server = serve(Script())
    url = f"{server.url}/hook"
    server.stop()
    channel_for(acme, url=url)
    _notify(acme, 1)

    run_queued_jobs()

    message = ChatMessage.objects.get()
    assert message.status == MessageStatus.PENDING
    assert message.attempts == 1
    assert message.next_attempt_at == NOW + dt.timedelta(seconds=30)


def test_it_queues_nothing_for_a_disabled_or_unsubscribed_channel(acme, serve, clock):
    server = serve(Script())
    channel_for(acme, url=f"{server.url}/a", enabled=False)
    channel_for(acme, url=f"{server.url}/b", events=[ChatEvent.SLA_BREACH])

    assert _notify(acme, 1, event=ChatEvent.GOAL_AGREED) == 0
    assert _notify(acme, 2, event=ChatEvent.SLA_BREACH) == 1
    run_queued_jobs()
    assert [r["path"] for r in server.requests] == ["/b"]
