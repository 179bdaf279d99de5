"""Building Slack (Block Kit) and Teams (Adaptive Card) messages and sending them.

``send`` returns an Outcome the job acts on; it never raises for what the
outside service answers, so a refusal is recorded rather than lost.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.webhook import WebhookClient

from accord.chat.models import ChannelKind, ChatChannel, ChatMessage
from accord.chat.ssrf import check_webhook_url

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Outcome:
    """What happened: ``sent``; or retry after ``retry_after`` seconds (None: back off); or fail."""

    sent: bool = False
    retry: bool = False
    retry_after: float | None = None
    reason: str = ""


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_blocks(message: ChatMessage) -> list[dict[str, Any]]:
    """The Block Kit blocks of ``message``, built with slack-sdk's models."""
    blocks: list[Any] = [HeaderBlock(text=PlainTextObject(text=_trim(message.title, 150)))]
    if message.text:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_trim(message.text, 3000))))
    fields = [
        MarkdownTextObject(text=_trim(f"*{label}*\n{value}", 2000))
        for label, value in message.fields[:10]
    ]
    if fields:
        blocks.append(SectionBlock(fields=fields))
    if message.url:
        blocks.append(
            ActionsBlock(elements=[ButtonElement(text="Open in Accord", url=message.url)])
        )
    return [block.to_dict() for block in blocks]


def teams_payload(message: ChatMessage) -> dict[str, Any]:
    """An incoming-webhook message carrying one Adaptive Card."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": message.title,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
    ]
    if message.text:
        body.append({"type": "TextBlock", "text": message.text, "wrap": True})
    if message.fields:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": str(k), "value": str(v)} for k, v in message.fields],
            }
        )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if message.url:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open in Accord", "url": message.url}
        ]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def _ca_file() -> str | None:
    # Tests point this at the loopback server's self-signed certificate.
    return getattr(settings, "ACCORD_CHAT_CA_FILE", None) or None


def _retry_after(headers: Any) -> float | None:
    if not headers:
        return None
    for key, value in dict(headers).items():
        if str(key).lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return None
    return None


def _from_status(status: int, headers: Any, body: str) -> Outcome:
    if 200 <= status < 300:
        return Outcome(sent=True)
    reason = _trim(f"HTTP {status}: {body}".strip(), 500)
    if status == 429:
        return Outcome(retry=True, retry_after=_retry_after(headers) or 60.0, reason=reason)
    if status >= 500 or status == 408:
        return Outcome(retry=True, reason=reason)
    return Outcome(reason=reason)


def _send_slack_webhook(channel: ChatChannel, message: ChatMessage) -> Outcome:
    context = ssl.create_default_context(cafile=_ca_file())
    client = WebhookClient(channel.secret, timeout=TIMEOUT_SECONDS, ssl=context, retry_handlers=[])
    response = client.send(text=message.title, blocks=slack_blocks(message))
    return _from_status(response.status_code, response.headers, str(response.body))


def _send_slack_bot(channel: ChatChannel, message: ChatMessage) -> Outcome:
    context = ssl.create_default_context(cafile=_ca_file())
    client = WebClient(
        token=channel.secret,
        base_url=settings.ACCORD_CHAT_SLACK_API_URL,
        timeout=TIMEOUT_SECONDS,
        ssl=context,
        retry_handlers=[],  # the outbox retries, with its own schedule
    )
    try:
        client.chat_postMessage(
            channel=channel.slack_channel, text=message.title, blocks=slack_blocks(message)
        )
    except SlackApiError as error:
        response = error.response
        status = response.status_code
        if status == 200:  # ok: false, e.g. channel_not_found: Slack refuses for good
            return Outcome(reason=_trim(f"Slack: {response.get('error')}", 500))
        return _from_status(status, response.headers, str(response.data))
    return Outcome(sent=True)


def _send_teams(channel: ChatChannel, message: ChatMessage) -> Outcome:
    response = requests.post(
        channel.secret,
        json=teams_payload(message),
        timeout=TIMEOUT_SECONDS,
        verify=_ca_file() or True,
        allow_redirects=False,  # a redirect could lead anywhere, past the address check
    )
    return _from_status(response.status_code, response.headers, response.text[:200])


def send(channel: ChatChannel, message: ChatMessage) -> Outcome:
    """Try to deliver ``message`` once. Time-outs and connection errors ask for a retry."""
    try:
        if channel.kind in (ChannelKind.SLACK_WEBHOOK, ChannelKind.TEAMS_WEBHOOK):
            check_webhook_url(channel.secret)
        if channel.kind == ChannelKind.SLACK_WEBHOOK:
            return _send_slack_webhook(channel, message)
        if channel.kind == ChannelKind.SLACK_BOT:
            return _send_slack_bot(channel, message)
        return _send_teams(channel, message)
    except ValidationError as error:
        return Outcome(reason=_trim("; ".join(error.messages), 500))
    except (OSError, requests.RequestException) as error:
        # Time-outs, refused connections, TLS failures: the service may be back later.
        return Outcome(retry=True, reason=_trim(f"{type(error).__name__}: {error}", 500))
