"""Writes: chat channels, and ``chat_notify``, the one way an alert reaches chat."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accord.chat.models import (
    SUBSCRIBABLE,
    ChannelKind,
    ChatChannel,
    ChatEvent,
    ChatMessage,
    MessageStatus,
)
from accord.chat.ssrf import check_webhook_url
from accord.jobs.services import job_enqueue
from accord.orgs.models import Membership, Organization
from accord.orgs.permissions import Action, require


def _hint(kind: str, secret: str, slack_channel: str) -> str:
    if kind == ChannelKind.SLACK_BOT:
        return f"bot token …{secret[-4:]} → {slack_channel}"
    from urllib.parse import urlsplit

    return f"{urlsplit(secret).hostname or ''}/…"


def _clean_events(events: Iterable[str]) -> list[str]:
    events = list(dict.fromkeys(events))
    allowed = {str(e) for e in SUBSCRIBABLE}
    unknown = [e for e in events if e not in allowed]
    if unknown:
        raise ValidationError({"events": f"Unknown event(s): {', '.join(unknown)}."})
    return events


def _check_secret(kind: str, secret: str, slack_channel: str) -> None:
    if kind not in ChannelKind.values:
        raise ValidationError({"kind": "Choose Slack webhook, Slack bot or Teams webhook."})
    if kind == ChannelKind.SLACK_BOT:
        if not secret.startswith("xoxb-"):
            raise ValidationError({"secret": "A Slack bot token starts with xoxb-."})
        if not slack_channel.strip():
            raise ValidationError({"slack_channel": "Name the Slack channel the bot posts to."})
    else:
        if len(secret) > 2000:
            raise ValidationError({"secret": "The webhook URL is too long."})
        check_webhook_url(secret, field="secret")


@transaction.atomic
def chat_channel_create(
    *,
    membership: Membership,
    name: str,
    kind: str,
    secret: str,
    slack_channel: str = "",
    events: Iterable[str] = (),
    enabled: bool = True,
) -> ChatChannel:
    """Add a channel. ``secret`` is the webhook URL (https, public host) or the bot token."""
    require(membership, Action.CHAT_MANAGE)
    secret = secret.strip()
    if not name.strip():
        raise ValidationError({"name": "Give the channel a name."})
    _check_secret(kind, secret, slack_channel)
    channel = ChatChannel(
        organization=membership.organization,
        name=name.strip()[:100],
        kind=kind,
        slack_channel=slack_channel.strip() if kind == ChannelKind.SLACK_BOT else "",
        target_hint=_hint(kind, secret, slack_channel.strip()),
        enabled=enabled,
        events=_clean_events(events),
    )
    channel.set_secret(secret)
    channel.save()
    return channel


@transaction.atomic
def chat_channel_update(
    *,
    membership: Membership,
    channel: ChatChannel,
    name: str | None = None,
    events: Iterable[str] | None = None,
    enabled: bool | None = None,
    secret: str | None = None,
    slack_channel: str | None = None,
) -> ChatChannel:
    """Change a channel; None leaves a field as it is. A new secret is checked like a new one."""
    require(membership, Action.CHAT_MANAGE)
    if channel.organization_id != membership.organization_id:
        raise PermissionError("another organisation's channel")
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": "Give the channel a name."})
        channel.name = name.strip()[:100]
    if events is not None:
        channel.events = _clean_events(events)
    if enabled is not None:
        channel.enabled = enabled
    if slack_channel is not None and channel.kind == ChannelKind.SLACK_BOT:
        channel.slack_channel = slack_channel.strip()
    if secret:
        secret = secret.strip()
        _check_secret(channel.kind, secret, channel.slack_channel)
        channel.set_secret(secret)
        channel.target_hint = _hint(channel.kind, secret, channel.slack_channel)
    elif channel.kind == ChannelKind.SLACK_BOT and not channel.slack_channel:
        raise ValidationError({"slack_channel": "Name the Slack channel the bot posts to."})
    channel.save()
    return channel


@transaction.atomic
def chat_channel_delete(*, membership: Membership, channel: ChatChannel) -> None:
    """Delete a channel and its outbox (pending messages are dropped with it)."""
    require(membership, Action.CHAT_MANAGE)
    if channel.organization_id != membership.organization_id:
        raise PermissionError("another organisation's channel")
    channel.delete()


def _enqueue_delivery(channel: ChatChannel) -> None:
    from accord.chat.jobs import chat_deliver

    job_enqueue(chat_deliver, organization_id=channel.organization_id, channel_id=channel.pk)


@transaction.atomic
def chat_notify(
    *,
    organization: Organization,
    event: str,
    title: str,
    text: str,
    url: str | None = None,
    fields: Iterable[tuple[str, str]] = (),
) -> int:
    """Queue an alert to every enabled channel of ``organization`` subscribed to ``event``.

    One ChatMessage per channel is written inside the caller's transaction
    (so it exists only if the caller's change commits), and the worker
    delivers it. Returns how many messages were queued.
    """
    channels = [
        c
        for c in ChatChannel.objects.filter(organization=organization, enabled=True)
        if event in c.events
    ]
    field_list = [[str(k)[:100], str(v)[:500]] for k, v in fields]
    for channel in channels:
        ChatMessage.objects.create(
            organization=organization,
            channel=channel,
            event=event,
            title=title[:300],
            text=text[:3000],
            url=url or "",
            fields=field_list,
        )
        _enqueue_delivery(channel)
    return len(channels)


@transaction.atomic
def chat_test_send(*, membership: Membership, channel: ChatChannel) -> ChatMessage:
    """Queue a test message to ``channel`` (enabled or not)."""
    require(membership, Action.CHAT_MANAGE)
    message = ChatMessage.objects.create(
        organization=channel.organization,
        channel=channel,
        event=ChatEvent.TEST,
        title="Test message from Accord",
        text=f"{membership.user.email} sent this to check the channel “{channel.name}”.",
    )
    _enqueue_delivery(channel)
    return message


@transaction.atomic
def chat_message_retry(*, membership: Membership, message: ChatMessage) -> bool:
    """Put a dead letter back in its channel's outbox. False if it was not failed."""
    require(membership, Action.CHAT_MANAGE)
    locked = ChatMessage.objects.select_for_update().get(pk=message.pk)
    if locked.organization_id != membership.organization_id:
        raise PermissionError("another organisation's message")
    if locked.status != MessageStatus.FAILED:
        return False
    locked.status = MessageStatus.PENDING
    locked.attempts = 0
    locked.next_attempt_at = timezone.now()
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    _enqueue_delivery(locked.channel)
    return True
