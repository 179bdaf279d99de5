"""Helpers for API tests: a client that sends a bearer token and JSON bodies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.test import Client

from accord.accounts.models import User
from accord.orgs.models import Membership, Organization
from accord.orgs.services import api_token_create

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse
    from django.utils.functional import _StrPromise

API = "/api/v1"


def token_for(user: User, organization: Organization, name: str = "tests") -> str:
    """A fresh personal token of ``user`` in ``organization``: the secret."""
    membership = Membership.objects.get(user=user, organization=organization)
    return api_token_create(membership=membership, name=name).secret


class ApiClient(Client):
    """Django's test client, sending ``Authorization: Bearer <token>`` and JSON."""

    def __init__(self, token: str | None = None, **defaults: Any) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else None
        super().__init__(headers=headers, **defaults)

    def post(
        self,
        path: str | _StrPromise,
        data: Any = None,
        content_type: str = "application/json",
        *args: Any,
        **kwargs: Any,
    ) -> _MonkeyPatchedWSGIResponse:
        return super().post(path, data, content_type, *args, **kwargs)

    def patch(
        self,
        path: str | _StrPromise,
        data: Any = None,
        content_type: str = "application/json",
        *args: Any,
        **kwargs: Any,
    ) -> _MonkeyPatchedWSGIResponse:
        return super().patch(path, data, content_type, *args, **kwargs)


def api_as(user: User, organization: Organization) -> ApiClient:
    """A client acting with a new token of ``user`` in ``organization``."""
    return ApiClient(token_for(user, organization))


def fields(response: Any) -> dict[str, str]:
    """A 422's errors as ``{"body.team_id": message}``: what a client shows by the field."""
    assert response.status_code == 422, response.content
    return {".".join(error["loc"]): error["msg"] for error in response.json()["detail"]}
