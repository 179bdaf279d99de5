"""Encrypting stored secrets (CRM credentials, webhook URLs) with Fernet keys
derived from SECRET_KEY and SECRET_KEY_FALLBACKS.

New values are encrypted under SECRET_KEY; values encrypted under any key in
SECRET_KEY_FALLBACKS still decrypt (MultiFernet), so a key is rotated by
moving the old one to the fallbacks, without anyone reconnecting anything;
``reencrypt`` moves a stored value to the new key.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class UnreadableSecret(ValueError):
    """A stored secret encrypted under a key that is neither SECRET_KEY nor a fallback."""


def _fernet_for(secret_key: str, purpose: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=purpose, info=b"fernet-v1").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _keys(purpose: bytes) -> MultiFernet:
    """SECRET_KEY first (it encrypts), then each fallback (they only decrypt)."""
    secret_keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(key, purpose) for key in secret_keys])


def encrypt(secret: str, *, purpose: bytes) -> bytes:
    """``secret`` encrypted under the current SECRET_KEY, for ``purpose`` (an HKDF salt)."""
    return _keys(purpose).encrypt(secret.encode())


def decrypt(token: bytes | memoryview, *, purpose: bytes) -> str:
    """The secret, whichever of SECRET_KEY and its fallbacks encrypted it.

    Raises UnreadableSecret when none of them did.
    """
    try:
        return _keys(purpose).decrypt(bytes(token)).decode()
    except InvalidToken:
        raise UnreadableSecret("encrypted under a key that is no longer configured") from None


def reencrypt(token: bytes | memoryview, *, purpose: bytes) -> bytes:
    """The same secret encrypted under the current SECRET_KEY (for rotation)."""
    try:
        return _keys(purpose).rotate(bytes(token))
    except InvalidToken:
        raise UnreadableSecret("encrypted under a key that is no longer configured") from None
