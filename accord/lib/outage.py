"""What Accord says while its database cannot be reached.

Every way in ends with one clear message instead of a stack trace:

* the API answers ``503 {"detail": "database unavailable"}`` (``accord.api``);
* pages answer 503 with ``503.html``, a static page rendered without a
  request context, so that nothing on it needs the database;
* ``accord`` commands print one line and exit with status 1 (``accord.__main__``);
* ``accord worker`` waits and tries again with back-off (``accord.jobs.worker``).

A database error is any ``OperationalError`` or ``InterfaceError``: the server
refused or dropped the connection, the SQLite file cannot be opened, or the
database is too busy to answer (locked). All of them pass when retried later,
which is what 503 tells a client.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.defaults import server_error as django_server_error

DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
DATABASE_UNAVAILABLE = "database unavailable"
# Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 30


def is_database_outage(error: BaseException | None) -> bool:
    """Whether ``error``, or an error it was raised from, says the database is unreachable."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DATABASE_ERRORS):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def outage_reason(error: BaseException) -> str:
    """The driver's own explanation, on one line (e.g. "connection refused")."""
    text = " ".join(str(error).split())
    return text[:300] or type(error).__name__


def api_unavailable(request: HttpRequest | None = None) -> HttpResponse:
    """The API's answer during an outage: 503 with the API's error shape."""
    response = JsonResponse({"detail": DATABASE_UNAVAILABLE}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def page_unavailable(request: HttpRequest | None = None) -> HttpResponse:
    """A page's answer during an outage: the static 503 page."""
    body = loader.get_template("503.html").render()
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: 503 when the error is the database being unreachable.

    Called while the error is being handled, so ``sys.exc_info`` holds it,
    whether a view or a middleware (sessions, authentication) raised it.
    """
    if is_database_outage(sys.exc_info()[1]):
        if request.path.startswith("/api/"):
            return api_unavailable(request)
        return page_unavailable(request)
    response: HttpResponse = django_server_error(request)
    return response
