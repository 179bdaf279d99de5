"""How Accord writes a number for people: one helper for pages, email,
exports and the API's display fields, so no raw float ("2.8499999999999996")
reaches a reader.

Each function takes what a selector returns (int, float, Decimal or None)
and gives text: None, "" and NaN read "—". Rounding is half-up, as people
round, not Python's half-to-even. The same functions are template filters
(``{{ m.touch_compliance|percent }}``), a builtin of both template engines,
so no template needs ``{% load %}``.

==============  ==========================  ============
filter          what                        example
==============  ==========================  ============
``hours``       durations in hours          ``2.9``
``days``        durations in days           ``4.5``
``percent``     a share of 0-100            ``85.7%``
``points``      a difference of percents    ``+12`` / ``-3.5``
``money``       an amount, with a currency  ``EUR 650,000``
``count``       a count, with separators    ``12,345``
``number``      anything else (1 decimal)   ``7.3``
==============  ==========================  ============
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()

NONE = "—"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        # repr gives the shortest text that reads back as the same float:
        # 2.8499999999999996 stays itself, and rounds to 2.8, not 2.9.
        value = repr(value)
    try:
        found = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return found if found.is_finite() else None


def number(value: Any, decimals: int = 1, *, sign: bool = False) -> str:
    """``value`` rounded half-up to at most ``decimals`` places, trailing
    zeros dropped, thousands separated by commas ("12,345.5")."""
    found = _decimal(value)
    if found is None:
        return NONE
    step = Decimal(1).scaleb(-decimals)
    rounded = found.quantize(step, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    text = f"{rounded:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if sign and rounded > 0:
        text = "+" + text
    return text


@register.filter(name="number")
def number_filter(value: Any, decimals: Any = 1) -> str:
    """``{{ value|number }}`` or ``{{ value|number:2 }}``."""
    return number(value, int(decimals))


@register.filter
def hours(value: Any) -> str:
    """A duration in hours, to a tenth: 2.8499999999999996 → "2.8"."""
    return number(value, 1)


@register.filter
def days(value: Any) -> str:
    """A duration in days, to a tenth."""
    return number(value, 1)


@register.filter
def percent(value: Any, decimals: Any = 1) -> str:
    """A share already in percent (0-100), with its sign: 85.714 → "85.7%"."""
    text = number(value, int(decimals))
    return text if text == NONE else f"{text}%"


@register.filter
def points(value: Any, decimals: Any = 1) -> str:
    """A difference or a score in points, signed when positive: "+12", "-3.5"."""
    return number(value, int(decimals), sign=True)


@register.filter
def money(value: Any, currency: Any = "") -> str:
    """An amount in whole units of ``currency`` (an ISO code): "EUR 650,000"."""
    text = number(value, 0)
    code = str(currency or "").strip().upper()
    return f"{code} {text}" if code and text != NONE else text


@register.filter
def count(value: Any) -> str:
    """A count with thousands separators: 12345 → "12,345"."""
    return number(value, 0)
