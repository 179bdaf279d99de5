"""Shared pieces of the REST API: input rules, errors, pagination.

Who a request acts as is the organisations app's: ``accord.orgs.api_auth``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, PaginationBase
from ninja.schema import DjangoGetter
from pydantic import BaseModel, PlainSerializer, field_validator, model_validator

from accord.lib.inputs import MAX_ID as MAX_ID  # the API's schemas read it here
from accord.lib.inputs import text_problem
from accord.lib.keyset import MAX_CURSOR, BadCursor, Segment, keyset_page

# An id in a request body.
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]

# A stored decimal quantity (a goal's target, a check-in's value: DecimalField(16, 4))
# in a response. It is a Decimal in Python and a JSON number on the wire, as the API
# has always written it; clients must not read it as text.
DecimalOut = Annotated[Decimal, PlainSerializer(float, return_type=float)]
# Largest absolute value of a decimal quantity: 12 digits before the point.
MAX_NUMBER = 999_999_999_999


def decimal_in(default: Any = ..., description: str | None = None) -> Any:
    """A decimal quantity in a request, read exactly as a Decimal from a JSON
    number (or a numeric string); finite and at most ``MAX_NUMBER`` either way."""
    return Field(
        default, ge=-MAX_NUMBER, le=MAX_NUMBER, allow_inf_nan=False, description=description
    )


# Largest page a client may ask for, and the furthest it may skip: both bounded,
# so that no number a client sends reaches the database as an out-of-range integer.
MAX_PAGE_SIZE = 200
MAX_OFFSET = 1_000_000_000


class ErrorOut(Schema):
    """Every error: ``detail`` says what went wrong; for 422, per field."""

    detail: Any


class FieldError(Schema):
    loc: list[str] = Field(..., description='Where: e.g. ["body", "team_id"] or ["query", "limit"]')
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[FieldError]


ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    # Any operation: lib.middleware refuses a query string over MAX_QUERY_STRING.
    414: ErrorOut,
    422: ValidationErrorOut,
}


def with_errors(ok: dict[int, Any]) -> dict[int, Any]:
    """Response map of an operation: its own successes plus every documented error."""
    return {**ok, **ERRORS}


class InputSchema(Schema):
    """Base of every request body and query schema.

    Strings must be storable in any supported database: PostgreSQL refuses NUL
    characters (Django's form fields reject them the same way), and text that
    is not valid Unicode cannot be encoded for either database. And the body
    must be a JSON object: ninja's schemas also read attributes of other
    objects, so without this check ``[]`` or ``"x"`` would pass as an empty
    PATCH.
    """

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # ninja hands the input over wrapped in its DjangoGetter.
        given = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(given, dict | BaseModel):
            raise ValueError("A JSON object is required.")
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        if isinstance(value, str) and (problem := text_problem(value)):
            raise ValueError(problem)
        return value


class PageParams(InputSchema):
    limit: int = Field(
        ninja_settings.PAGINATION_PER_PAGE,  # NINJA_PAGINATION_PER_PAGE
        ge=1,
        le=MAX_PAGE_SIZE,
        description="How many items, at most",
    )
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip")


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=`` with bounds; the answer is ``{"items": [...], "count": n}``."""

    Input = PageParams  # type: ignore[assignment]


class CursorParams(InputSchema):
    limit: int = Field(
        ninja_settings.PAGINATION_PER_PAGE,  # NINJA_PAGINATION_PER_PAGE
        ge=1,
        le=MAX_PAGE_SIZE,
        description="How many items, at most",
    )
    cursor: str | None = Field(
        None,
        max_length=MAX_CURSOR,
        description="Where the page starts: the `next` or `previous` of an earlier page;"
        " leave out for the first page",
    )


class KeysetPagination(PaginationBase):
    """``?limit=&cursor=``: keyset pages, ``{"items": [...], "next": …, "previous": …}``.

    A deep page costs what the first does (``accord.lib.keyset``); there is
    no total, since counting a list that grows is what made deep pages slow.
    The operation returns a queryset (read in the ``order`` given here) or
    a list of ``Segment`` s; a cursor the list did not give out is a 400.
    """

    Input = CursorParams  # type: ignore[assignment]

    class Output(Schema):
        items: list[Any]
        next: str | None = Field(..., description="`cursor` of the next page; null on the last")
        previous: str | None = Field(
            ..., description="`cursor` of the previous page; null on the first"
        )

    def __init__(self, *, order: tuple[str, ...] = ("-id",), **kwargs: Any) -> None:
        self.order = order
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: Any, **params: Any
    ) -> dict[str, Any]:
        listing = queryset
        if not isinstance(listing, list):
            listing = [Segment(listing, self.order)]
        try:
            page = keyset_page(listing, cursor=pagination.cursor, size=pagination.limit)
        except BadCursor as error:
            raise HttpError(400, str(error)) from None
        return {"items": page.items, "next": page.next, "previous": page.previous}


class FieldErrors(Exception):
    """A 422 whose ``detail`` names each field where the client sent it."""

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        self.detail = detail
        super().__init__(detail)


@contextmanager
def fields_named(**locations: tuple[str, ...]) -> Iterator[None]:
    """Report a service's field errors under the names the client used.

    Services name model fields (``team``); the API's client sent ``team_id`` in
    the body, or ``member_id`` in the path::

        with fields_named(team=("body", "team_id")):
            services.invitation_create(...)
    """
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise FieldErrors(
            [
                {
                    "loc": list(locations.get(field, ("body", field))),
                    "msg": message,
                    "type": "invalid",
                }
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        ) from None
