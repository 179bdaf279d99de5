"""Helpers shared by the Meetings pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
)

from accord.lib.inputs import MAX_ID, whole_number
from accord.meetings import services


def post_only(request: HttpRequest) -> HttpResponse | None:
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


def status_of(form: Any) -> int:
    return 400 if form is not None and form.errors else 200


def run_service(request: HttpRequest, action: Callable[[], Any], success: str) -> Any:
    """Run a service from a button; report its refusal as a message."""
    try:
        result = action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    except services.StaleEdit as error:
        messages.error(request, str(error))
        return None
    messages.success(request, success)
    return result if result is not None else True


def form_errors(form: Any) -> str:
    return "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items())


def to_int(value: Any) -> int | None:
    """A posted id or version, or None when it is not one a database can hold."""
    return whole_number(value, low=0, high=MAX_ID)
