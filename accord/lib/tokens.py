"""Random secrets and their stored form.

Tokens carry 256 bits of randomness; only their SHA-256 is ever stored, so a
database leak reveals no usable token. SHA-256 (not a slow password hash) is
right here because the input is already high-entropy random.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str = "") -> str:
    """Return a fresh URL-safe token with 256 bits of randomness."""
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the hex SHA-256 of ``token``: what the database keeps."""
    return hashlib.sha256(token.encode()).hexdigest()
