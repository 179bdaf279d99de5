"""Keyset (cursor) paging: every list that grows pages through this module.

A page is read from where the previous one ended (``WHERE key < last key
ORDER BY key LIMIT size + 1``), never with ``OFFSET`` and never with a
``COUNT(*)``: with an index on (scope, sort key, id) the thousandth page
costs what the first does. The price is that pages are reached by "next"
and "previous", not by number.

An ordering is a tuple of model field names as ``order_by`` takes them
(``("-created_at", "-id")``). It must end with a unique field and none of
its fields may be NULL. A list whose order puts NULLs somewhere (leads
without an MQL time) or that is split by a moving boundary (the triage
queue's SLA sort) is a sequence of :class:`Segment` s read one after the
other; the cursor says which segment it points into.

A cursor is opaque to clients: base64 of a small JSON array (direction,
segment, key values). Anything else a client sends as one raises
:class:`BadCursor`, which pages and the API answer with a 400 naming the
parameter.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any, Generic, TypeVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import QueryDict

from accord.lib.inputs import MAX_ID

M = TypeVar("M", bound=models.Model)

# Longest cursor accepted: a handful of key values fits many times over.
MAX_CURSOR = 500
PARAMETER = "cursor"


class BadCursor(ValueError):
    """A cursor this module did not write (or one for another list's order)."""

    def __init__(self, parameter: str = PARAMETER) -> None:
        self.parameter = parameter
        super().__init__(
            f"{parameter}: not a position in this list; use the “next” or “previous”"
            " link of a page, or leave it out for the first page."
        )


@dataclass(frozen=True)
class Segment(Generic[M]):
    """One run of a list: rows of ``queryset`` in ``order`` (unique, no NULLs)."""

    queryset: QuerySet[M]
    order: tuple[str, ...]


@dataclass(frozen=True)
class KeysetPage(Generic[M]):
    """One page and the cursors of its neighbours (``None``: no such page)."""

    items: list[M]
    next: str | None
    previous: str | None


@dataclass(frozen=True)
class _Position:
    forward: bool
    segment: int
    values: tuple[Any, ...]


def _name(term: str) -> str:
    return term.removeprefix("-")


def _descending(term: str) -> bool:
    return term.startswith("-")


def _encode(forward: bool, segment: int, values: Sequence[Any]) -> str:
    plain = [
        value.isoformat() if isinstance(value, dt.date | dt.datetime) else value for value in values
    ]
    text = json.dumps(["n" if forward else "p", segment, plain], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    if name == "pk":
        return model._meta.pk
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        raise ValueError(f"{model.__name__} has no field {name!r} to order by") from None
    assert isinstance(field, models.Field)
    return field


def _value(field: models.Field[Any, Any], raw: Any) -> Any:
    """``raw`` (from JSON) as a value of ``field``, or BadCursor."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise BadCursor
    if isinstance(field, models.DateTimeField):
        if not isinstance(raw, str):
            raise BadCursor
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise BadCursor from None
        if moment.tzinfo is None:
            raise BadCursor
        return moment
    if isinstance(field, models.DateField):
        if not isinstance(raw, str):
            raise BadCursor
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise BadCursor from None
    if isinstance(field, models.IntegerField | models.AutoField):
        # Bounded, so that no number a client sends reaches the database out of range.
        if not isinstance(raw, int) or not -MAX_ID <= raw <= MAX_ID:
            raise BadCursor
        return raw
    try:
        return field.to_python(raw)
    except ValidationError:
        raise BadCursor from None


def _decode(text: str, segments: Sequence[Segment[M]]) -> _Position:
    if not text or len(text) > MAX_CURSOR:
        raise BadCursor
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error):
        raise BadCursor from None
    if not isinstance(data, list) or len(data) != 3:
        raise BadCursor
    direction, segment, values = data
    if direction not in ("n", "p") or not isinstance(values, list):
        raise BadCursor
    if isinstance(segment, bool) or not isinstance(segment, int):
        raise BadCursor
    if not 0 <= segment < len(segments):
        raise BadCursor
    part = segments[segment]
    if len(values) != len(part.order):
        raise BadCursor
    model = part.queryset.model
    parsed = tuple(
        _value(_field(model, _name(term)), raw)
        for term, raw in zip(part.order, values, strict=True)
    )
    return _Position(forward=direction == "n", segment=segment, values=parsed)


def beyond(order: Sequence[str], values: Sequence[Any], *, forward: bool = True) -> Q:
    """The rows strictly after (``forward``) or before the key ``values`` in ``order``.

    ``(a, id) > (x, y)`` spelt out as ``a >= x AND (a > x OR (a = x AND id > y))``:
    the redundant first bound is what lets the database start its index scan
    at the key instead of reading from the top and discarding rows, which is
    what makes a deep page cost what the first does.
    """
    clauses = []
    equal: dict[str, Any] = {}
    for term, value in zip(order, values, strict=True):
        name = _name(term)
        ahead = "lt" if _descending(term) == forward else "gt"
        clauses.append(Q(**equal, **{f"{name}__{ahead}": value}))
        equal[name] = value
    first = order[0]
    bound = "lte" if _descending(first) == forward else "gte"
    return Q(**{f"{_name(first)}__{bound}": values[0]}) & reduce(operator.or_, clauses)


def _reversed(order: Sequence[str]) -> tuple[str, ...]:
    return tuple(_name(term) if _descending(term) else f"-{term}" for term in order)


def _key(item: models.Model, order: Sequence[str]) -> tuple[Any, ...]:
    return tuple(getattr(item, _name(term)) for term in order)


def keyset_page(
    listing: QuerySet[M] | Sequence[Segment[M]],
    *,
    order: Sequence[str] = (),
    cursor: str | None = None,
    size: int = 50,
    parameter: str = PARAMETER,
) -> KeysetPage[M]:
    """The page of ``listing`` that ``cursor`` points to (the first without one).

    ``listing`` is a queryset (then ``order`` is its order) or segments read
    one after the other. Reads at most ``size + 1`` rows per segment visited;
    raises :class:`BadCursor` (naming ``parameter``) for a cursor it did not write.
    """
    if isinstance(listing, QuerySet):
        segments: Sequence[Segment[M]] = [Segment(listing, tuple(order))]
    else:
        segments = listing
    try:
        start = _decode(cursor, segments) if cursor else None
    except BadCursor:
        raise BadCursor(parameter) from None
    forward = start is None or start.forward
    found: list[tuple[int, M]] = []
    if forward:
        indexes = range(start.segment if start else 0, len(segments))
    else:
        assert start is not None
        indexes = range(start.segment, -1, -1)
    for index in indexes:
        part = segments[index]
        walk = part.order if forward else _reversed(part.order)
        queryset = part.queryset.order_by(*walk)
        if start is not None and index == start.segment:
            queryset = queryset.filter(beyond(part.order, start.values, forward=forward))
        found.extend((index, item) for item in queryset[: size + 1 - len(found)])
        if len(found) > size:
            break
    more = len(found) > size
    rows = found[:size]
    if not forward:
        rows.reverse()

    def at(row: tuple[int, M], ahead: bool) -> str:
        index, item = row
        return _encode(ahead, index, _key(item, segments[index].order))

    def back_to_start() -> str | None:
        # Where the cursor pointed, when a page came out empty (its rows were
        # deleted meanwhile): the way back starts there.
        if start is None:
            return None
        return _encode(not forward, start.segment, start.values)

    if forward:
        next_cursor = at(rows[-1], True) if more else None
        previous = (at(rows[0], False) if rows else back_to_start()) if start else None
    else:
        previous = at(rows[0], False) if more else None
        next_cursor = at(rows[-1], True) if rows else back_to_start()
    return KeysetPage(items=[item for _, item in rows], next=next_cursor, previous=previous)


def query_without_cursor(query: QueryDict, parameter: str = PARAMETER) -> str:
    """A page's other parameters (its filters), encoded for its next/previous links."""
    kept = query.copy()
    kept.pop(parameter, None)
    return kept.urlencode()


def cursor_after(item: models.Model, order: Sequence[str], *, segment: int = 0) -> str:
    """The cursor of the page that starts just after ``item`` in ``order``
    (for a link straight into a list, and for benchmarks of deep pages)."""
    return _encode(True, segment, _key(item, order))
