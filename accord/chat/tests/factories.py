from __future__ import annotations

from accord.chat.models import SUBSCRIBABLE, ChannelKind, ChatChannel
from accord.orgs.models import Organization


def channel_for(
    organization: Organization,
    *,
    url: str,
    kind: str = ChannelKind.SLACK_WEBHOOK,
    name: str = "Sales and marketing",
    slack_channel: str = "",
    events: list[str] | None = None,
    enabled: bool = True,
) -> ChatChannel:
    """A channel stored the way the service stores it (secret encrypted), without the URL check."""
    channel = ChatChannel(
        organization=organization,
        name=name,
        kind=kind,
        slack_channel=slack_channel,
        target_hint="127.0.0.1/…",
        enabled=enabled,
        events=[str(e) for e in SUBSCRIBABLE] if events is None else events,
    )
    channel.set_secret(url)
    channel.save()
    return channel
