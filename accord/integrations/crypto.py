"""Encrypting stored CRM credentials (see accord.lib.crypto for the keys).

SECRET_KEY encrypts; values written under a key now listed in
SECRET_KEY_FALLBACKS still read, so rotating SECRET_KEY needs no reconnect.
"""

from __future__ import annotations

from accord.lib import crypto

# The HKDF salt of CRM credentials: keys for other secrets differ from these.
PURPOSE = b"accord-crm-credentials"


def encrypt(secret: str) -> bytes:
    return crypto.encrypt(secret, purpose=PURPOSE)


def decrypt(token: bytes | memoryview) -> str:
    """The secret; ValueError if no configured key (SECRET_KEY or a fallback) encrypted it."""
    try:
        return crypto.decrypt(token, purpose=PURPOSE)
    except crypto.UnreadableSecret:
        raise ValueError(
            "The stored CRM credentials cannot be read: neither SECRET_KEY nor any of "
            "SECRET_KEY_FALLBACKS encrypted them. Connect the CRM again."
        ) from None
