"""Northwind's chat channel: configured but disabled; seeding twice changes nothing."""

from __future__ import annotations

from accord.chat import demo
from accord.chat.models import ChatChannel, ChatMessage
from accord.chat.services import chat_notify


def test_it_seeds_one_disabled_channel_once(acme):
    demo.seed(acme, {})
    demo.seed(acme, {})

    channel = ChatChannel.objects.get(organization=acme)
    assert (channel.name, channel.enabled) == ("#sales-marketing", False)
    assert channel.secret == demo.PLACEHOLDER_URL
    assert "agenda_ready" in channel.events
    # Disabled: alerts queue nothing until an admin points it at a real channel.
    assert chat_notify(organization=acme, event="agenda_ready", title="x", text="") == 0
    assert not ChatMessage.objects.exists()
