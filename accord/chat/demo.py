"""Northwind's chat channel: configured, but disabled until someone points it at a real one."""

from __future__ import annotations

from accord.chat.models import SUBSCRIBABLE, ChannelKind, ChatChannel
from accord.orgs.models import Membership, Organization

# Slack's documented example URL: it posts nowhere, and the channel is disabled.
PLACEHOLDER_URL = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"


def seed(organization: Organization, people: dict[str, Membership]) -> None:
    if ChatChannel.objects.filter(organization=organization).exists():
        return
    # Made directly, without the service's address check: the demo runs offline.
    channel = ChatChannel(
        organization=organization,
        name="#sales-marketing",
        kind=ChannelKind.SLACK_WEBHOOK,
        target_hint="hooks.slack.com/…",
        enabled=False,
        events=[str(event) for event in SUBSCRIBABLE],
    )
    channel.set_secret(PLACEHOLDER_URL)
    channel.save()
