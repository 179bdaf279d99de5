"""Reads about user accounts: which addresses a person has shown to be theirs."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings

from accord.accounts.models import User


def email_verification_on() -> bool:
    """Whether addresses must be confirmed (``ACCOUNT_EMAIL_VERIFICATION`` not ``none``)."""
    return str(settings.ACCOUNT_EMAIL_VERIFICATION).lower() != "none"


def email_is_users(user: User, email: str) -> bool:
    """Whether ``email`` (any case) is ``user``'s address, and verified when
    verification is on: the test for anything sent to one address only."""
    addresses = EmailAddress.objects.filter(user=user, email__iexact=email)
    if email_verification_on():
        return bool(addresses.filter(verified=True).exists())
    return user.email.lower() == email.lower() or bool(addresses.exists())


def email_is_unverified(user: User, email: str) -> bool:
    """Whether ``email`` is ``user``'s login address (or one of theirs) but not yet verified."""
    if not email_verification_on():
        return False
    mine = user.email.lower() == email.lower() or (
        EmailAddress.objects.filter(user=user, email__iexact=email).exists()
    )
    return mine and not email_is_users(user, email)
