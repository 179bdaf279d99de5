"""Refusing webhook URLs that would make the server call into its own network."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if getattr(settings, "ACCORD_CHAT_ALLOW_LOOPBACK", False) and address.is_loopback:
        return False
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_webhook_url(url: str, *, field: str = "url") -> None:
    """Raise ValidationError naming ``field`` unless ``url`` is https to a public host.

    Every address the host resolves to is checked (not only the first), and
    delivery checks again before each send, so a name that later resolves to
    a private address is refused then too. ``ACCORD_CHAT_ALLOW_LOOPBACK``
    (tests only) lets 127.0.0.1 through.
    """
    parts = urlsplit(url.strip())
    if parts.scheme != "https":
        raise ValidationError({field: "The webhook URL must start with https://."})
    host = parts.hostname
    if not host:
        raise ValidationError({field: "The webhook URL has no host."})
    try:
        port = parts.port or 443
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError):
        raise ValidationError({field: f"The host {host!r} could not be resolved."}) from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if _refused(address):
            raise ValidationError(
                {field: "The webhook URL points at a private, loopback or link-local address."}
            )
