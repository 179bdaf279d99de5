"""Helpers shared by the Goals section's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from accord.goals import selectors
from accord.goals.models import (
    Goal,
)
from accord.lib.forms import add_service_errors
from accord.orgs.models import Membership

PAGE_SIZE = 50


def _query_without_page(request: HttpRequest) -> str:
    """The page's filters, for pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _status(form: Any) -> int:
    return 400 if form is not None and form.errors else 200


def _goal(membership: Membership, pk: int) -> Goal:
    return selectors.goal(membership, pk)


def _post_only(request: HttpRequest) -> HttpResponse | None:
    return HttpResponseNotAllowed(["POST"]) if request.method != "POST" else None


def _try(request: HttpRequest, form: Any, action: Callable[[], Any], success: str) -> bool:
    """Run a service; show its field errors on ``form`` (or as a message)."""
    try:
        action()
    except ValidationError as error:
        if form is not None:
            add_service_errors(form, error)
        else:
            messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, success)
    return True
