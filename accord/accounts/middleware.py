"""Session activity tracking that does not write on every request.

allauth's ``UserSessionsMiddleware`` saves the session's activity row
(last seen, IP address, browser) on every signed-in request. On SQLite each
of those writes takes the database's one write lock, so while the worker
imports, page loads failed with "database is locked"; on any database it is
a write per page view for a timestamp nobody needs to the second.

This middleware reads the row instead and lets allauth write it only when
it is older than ``ACCORD_SESSION_ACTIVITY_SECONDS`` or the IP address or
browser changed (allauth then signals the change at once, as before).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from allauth.account.adapter import get_adapter
from allauth.usersessions.internal import usersessionkit
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone


def activity_is_fresh(request: HttpRequest) -> bool:
    """Whether the session's activity row was written recently enough, from
    the same address and browser, that writing it again can wait."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or user is None or not user.is_authenticated or not session.session_key:
        return True  # nothing to track
    row = (
        UserSession.objects.filter(session_key=session.session_key)
        .values("user_id", "ip", "user_agent", "last_seen_at")
        .first()
    )
    if row is None:
        return False
    every = dt.timedelta(seconds=float(settings.ACCORD_SESSION_ACTIVITY_SECONDS))
    agent = request.META.get("HTTP_USER_AGENT", "")[
        : UserSession._meta.get_field("user_agent").max_length
    ]
    return bool(
        row["user_id"] == user.pk
        and row["ip"] == get_adapter().get_client_ip(request)
        and row["user_agent"] == agent
        and timezone.now() - row["last_seen_at"] < every
    )


class ThrottledUserSessionsMiddleware:
    """allauth's session activity tracking, at most once per period per session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not activity_is_fresh(request):
            usersessionkit.track_activity(
                request,
                user=getattr(request, "user", None),
                session=getattr(request, "session", None),
            )
        return self.get_response(request)
