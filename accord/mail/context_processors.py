from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def email_mode(request: HttpRequest) -> dict[str, bool]:
    """Lets every page say when email is captured rather than sent."""
    return {"email_captured": bool(settings.EMAIL_CAPTURED)}
