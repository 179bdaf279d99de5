"""Encrypting stored CRM credentials with Fernet, keyed from SECRET_KEY.

The key is derived from SECRET_KEY with HKDF, so changing SECRET_KEY makes
stored credentials unreadable: reconnect the CRM after rotating it (key
rotation with MultiFernet is not implemented; see docs).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"accord-crm-credentials", info=b"fernet-v1"
    ).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> bytes:
    return _fernet().encrypt(secret.encode())


def decrypt(token: bytes | memoryview) -> str:
    """The secret; ValueError if it was encrypted under another SECRET_KEY."""
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken:
        raise ValueError(
            "The stored CRM credentials cannot be read (was SECRET_KEY changed?). "
            "Connect the CRM again."
        ) from None
