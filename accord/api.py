"""The REST API at /api/v1/: one ninja Router per app, mounted here.

Authentication is a personal token (``Authorization: Bearer acc_…``) that acts
as its user in exactly one organisation, so no path names an organisation.
Errors: 400 malformed request, 401 no or bad token, 403 role may not act,
404 missing or another organisation's, 414 a query string over 8,192
characters, 422 invalid fields (each named), 503 the database is unavailable
(try again later).
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema

from accord.chat.api import router as chat_router
from accord.feedback.api import router as feedback_router
from accord.goals.api import router as goals_router
from accord.insights.api import portfolio_router
from accord.insights.api import router as insights_router
from accord.lib.api import FieldErrors
from accord.lib.outage import api_unavailable
from accord.lib.throttling import PerAddressThrottle, PerTokenThrottle
from accord.meetings.api import router as meetings_router
from accord.orgs.api import router as orgs_router
from accord.orgs.api_auth import TokenAuth
from accord.pipeline.api import router as pipeline_router
from accord.pulse.api import router as pulse_router


class AccordApi(NinjaAPI):
    """The API, whose OpenAPI schema is built once per process.

    Building it takes seconds (every operation's pydantic schemas), and it
    changes only with the code, so the docs page and /openapi.json answer
    from the first build. ``accord.wsgi`` starts that build in the background
    when a web process starts.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._schemas: dict[str, OpenAPISchema] = {}
        self._schema_lock = threading.Lock()

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        # One build at a time: a request that arrives during the start-up
        # build waits for it rather than starting its own.
        with self._schema_lock:
            if path_prefix not in self._schemas:
                self._schemas[path_prefix] = super().get_openapi_schema(
                    path_prefix=path_prefix, path_params=path_params
                )
            return self._schemas[path_prefix]


api = AccordApi(
    title="Accord API",
    version="1",
    description=(
        "Sales and marketing alignment. Authenticate with a personal API token "
        "(Organisation → API tokens, or `accord token create`): "
        "`Authorization: Bearer acc_…`. A token acts in one organisation only."
    ),
    auth=TokenAuth(),
    throttle=[PerTokenThrottle(), PerAddressThrottle()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

api.add_router("/", orgs_router)
api.add_router("/pipeline", pipeline_router)
api.add_router("/goals", goals_router)
api.add_router("/feedback", feedback_router)
api.add_router("/meetings", meetings_router)
api.add_router("/pulse", pulse_router)
api.add_router("/insights", insights_router)
api.add_router("/portfolio", portfolio_router)
api.add_router("/chat", chat_router)


@api.exception_handler(ValidationError)
def on_django_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        detail = [
            {"loc": ["body", field], "msg": message, "type": "invalid"}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        detail = [{"loc": ["body"], "msg": m, "type": "invalid"} for m in exc.messages]
    return api.create_response(request, {"detail": detail}, status=422)


# The name of every operation's body parameter; clients never see it.
BODY_PARAMETER = "payload"


def _client_location(loc: list[Any]) -> list[str]:
    """``["body", "payload", "team_id"]`` → ``["body", "team_id"]``: what the client sent."""
    parts = [str(part) for part in loc]
    if parts[:2] == ["body", BODY_PARAMETER]:
        parts = ["body", *parts[2:]]
    return parts


@api.exception_handler(NinjaValidationError)
def on_schema_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    detail = []
    for error in exc.errors:
        loc = _client_location(list(error.get("loc", [])))
        msg = str(error.get("msg", "Invalid value"))
        if loc == ["body"] and error.get("type") == "missing":
            msg = "A JSON object is required."
        elif msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
        detail.append({"loc": loc, "msg": msg, "type": str(error.get("type", "invalid"))})
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(FieldErrors)
def on_field_errors(request: HttpRequest, exc: FieldErrors) -> HttpResponse:
    return api.create_response(request, {"detail": exc.detail}, status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc) or "Your role may not do this."}, status=403
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": "A valid API token is required: Authorization: Bearer acc_…"},
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_outage(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The database cannot be reached: 503, so that clients retry later."""
    return api_unavailable(request)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = "The request body is not valid JSON."
    return api.create_response(request, {"detail": message}, status=exc.status_code)
