"""Stored secrets survive a rotation of SECRET_KEY through SECRET_KEY_FALLBACKS."""

from __future__ import annotations

import pytest

from accord.integrations import crypto as crm_crypto
from accord.lib import crypto

PURPOSE = b"test-purpose"


def test_it_reads_a_secret_written_under_a_key_now_in_the_fallbacks(settings):
    settings.SECRET_KEY = "old-key-" + "o" * 40
    settings.SECRET_KEY_FALLBACKS = []
    stored = crm_crypto.encrypt("crm-token-123")

    settings.SECRET_KEY = "new-key-" + "n" * 40
    settings.SECRET_KEY_FALLBACKS = ["old-key-" + "o" * 40]
    assert crm_crypto.decrypt(stored) == "crm-token-123"

    # Re-encrypted, it no longer needs the old key.
    moved = crypto.reencrypt(stored, purpose=crm_crypto.PURPOSE)
    settings.SECRET_KEY_FALLBACKS = []
    assert crm_crypto.decrypt(moved) == "crm-token-123"
    with pytest.raises(ValueError, match="SECRET_KEY_FALLBACKS"):
        crm_crypto.decrypt(stored)


def test_it_keeps_purposes_apart(settings):
    stored = crypto.encrypt("hook", purpose=PURPOSE)
    assert crypto.decrypt(stored, purpose=PURPOSE) == "hook"
    with pytest.raises(crypto.UnreadableSecret):
        crypto.decrypt(stored, purpose=b"another-purpose")
