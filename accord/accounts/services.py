"""Writes for user accounts."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from accord.accounts.models import User
from accord.lib.emails import email_clean


@dataclass(frozen=True)
class EnsuredUser:
    user: User
    created: bool


@transaction.atomic
def user_ensure(*, email: str, name: str = "", password: str | None = None) -> EnsuredUser:
    """The user with ``email``, created (verified, with ``password`` or none) if missing."""
    try:
        email = email_clean(email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages[0]}) from None
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return EnsuredUser(user=user, created=False)
    user = User.objects.create_user(email=email, password=password, name=name)
    # Created by an operator (CLI, demo): the address is taken as verified.
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return EnsuredUser(user=user, created=True)


def password_set_link(user: User) -> str:
    """A one-time link to choose a password (it stops working once used)."""
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )
    return f"{settings.SITE_URL}{path}"
