"""A loopback Slack webhook for other apps' alert tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from accord.chat.tests.factories import channel_for
from accord.integrations.tests.loopback import LoopbackServer
from accord.orgs.models import Organization


@contextmanager
def slack_hook(settings: Any, organization: Organization) -> Iterator[LoopbackServer]:
    """A real HTTPS server on 127.0.0.1 with a channel of ``organization`` posting to it."""
    server = LoopbackServer(lambda *args: (200, {}, "ok"), tls=True)
    settings.ACCORD_CHAT_CA_FILE = server.cafile
    settings.ACCORD_CHAT_ALLOW_LOOPBACK = True
    channel_for(organization, url=f"{server.url}/hook")
    try:
        yield server
    finally:
        server.stop()


def titles(server: LoopbackServer) -> list[str]:
    return [request["body"]["text"] for request in server.requests]
