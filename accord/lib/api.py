"""Shared pieces of the REST API: authentication, errors, pagination."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Schema
from ninja.security import HttpBearer

from accord.orgs.models import Membership


class ErrorOut(Schema):
    """Every error: ``detail`` says what went wrong; for 422, per field."""

    detail: Any


class FieldError(Schema):
    loc: list[str]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[FieldError]


ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
}


def with_errors(ok: dict[int, Any]) -> dict[int, Any]:
    """Response map of an operation: its own successes plus every documented error."""
    return {**ok, **ERRORS}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer acc_…``: a personal token acting in one organisation."""

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        from accord.orgs.services import api_token_authenticate

        membership = api_token_authenticate(token)
        if membership is not None:
            request.membership = membership  # type: ignore[attr-defined]
        return membership


def acting_member(request: HttpRequest) -> Membership:
    """The member the request's token acts as (set by TokenAuth)."""
    membership: Membership = request.auth  # type: ignore[attr-defined]
    return membership
