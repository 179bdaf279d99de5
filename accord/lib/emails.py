"""Email addresses as every form, API operation and import accepts them: one
check, Django's ``validate_email``, so "a@@b.example" is refused everywhere."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# The longest address the database keeps (Django's EmailField).
EMAIL_MAX_LENGTH = 254


def email_clean(value: str) -> str:
    """``value`` trimmed and lower-cased, when it is an email address.

    Raises ``ValidationError`` with a message quoting (at most 80 characters
    of) the value; the caller names the field or the row.
    """
    email = value.strip().lower()
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            f"'{email[:80]}…' is too long: at most {EMAIL_MAX_LENGTH} characters."
        )
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"'{email[:80]}' is not an email address.") from None
    return email
