"""Who an API request acts as: a personal token, acting in one organisation."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from accord.lib.tokens import hash_token
from accord.orgs.models import Membership
from accord.orgs.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer acc_…``: a personal token acting in one organisation."""

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        membership = api_token_authenticate(token)
        if membership is not None:
            request.membership = membership  # type: ignore[attr-defined]
            # What the per-token rate limit counts by (accord.lib.throttling).
            request.api_token_hash = hash_token(token)  # type: ignore[attr-defined]
        return membership


def acting_member(request: HttpRequest) -> Membership:
    """The member the request's token acts as (set by TokenAuth)."""
    membership: Membership = request.auth  # type: ignore[attr-defined]
    return membership
