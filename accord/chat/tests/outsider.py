"""Acme's chat objects that the outsider test tries to reach (see test_isolation.py)."""

from __future__ import annotations

from typing import Any

from accord.chat.models import ChatEvent, ChatMessage, MessageStatus
from accord.chat.tests.factories import channel_for
from accord.orgs.models import Membership, Organization


def _channel(acme: Organization) -> Any:
    channel = acme.chat_channels.first()
    if channel is None:
        channel = channel_for(acme, url="https://hooks.acme.example/secret", name="Acme alerts")
    return channel


def page_objects(acme: Organization, owner: Membership) -> dict[str, dict[str, Any]]:
    channel = _channel(acme)
    message = ChatMessage.objects.create(
        organization=acme,
        channel=channel,
        event=ChatEvent.GOAL_AGREED,
        title="Acme secret goal",
        status=MessageStatus.FAILED,
        last_error="HTTP 404",
    )
    return {
        "chat_channels": {},
        "chat_channel_edit": {"pk": channel.pk},
        "chat_channel_toggle": {"pk": channel.pk},
        "chat_channel_delete": {"pk": channel.pk},
        "chat_channel_test": {"pk": channel.pk},
        "chat_message_retry": {"pk": message.pk},
    }


def api_objects(acme: Organization, owner: Membership) -> dict[str, Any]:
    return {"channel_id": _channel(acme).pk}


API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("patch", "/chat/channels/{channel_id}"): {"name": "Acme renamed"},
}
