"""Response headers that Django's SecurityMiddleware does not set."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from accord.lib.inputs import text_problem
from accord.lib.keyset import BadCursor

# Strict: scripts and styles only from this origin, never inline; no other
# origin is contacted, so the app keeps working air-gapped. The API docs page
# needs nothing more since its assets are served by ninja from this origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def no_referrer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For pages whose URL carries a secret token: the token never leaves in a
    Referer header and no cache keeps the page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "no-store"
        return response

    return wrapper


# Longest query string accepted: every search box and filter of every page fits
# many times over, and a longer one (a pasted megabyte) would reach the database
# as a search pattern too complex for it.
MAX_QUERY_STRING = 8 * 1024


class QueryStringMiddleware:
    """Refuses a query string that is too long (414) or that carries a NUL
    character (400), for every page and API operation alike, with a message
    naming the parameter: no view then needs to guard its filters against
    either. (Form and JSON bodies are checked by the forms and the API's
    schemas, field by field.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
            return _refuse(
                request, 414, f"The address is too long: at most {MAX_QUERY_STRING} characters."
            )
        for name, values in request.GET.lists():
            for text in (name, *values):
                if problem := text_problem(text):
                    return _refuse(request, 400, f"{name[:40]}: {problem}")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A page's cursor is a query parameter too: one a list did not give
        # out is the client's mistake, answered like the checks above.
        if isinstance(exception, BadCursor):
            return _refuse(request, 400, str(exception))
        return None


def _refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "bad_request.html", {"message": message}, status=status)
