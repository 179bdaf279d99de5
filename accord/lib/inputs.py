"""Reading numbers and text a client typed, without surprises.

Python's ``str.isdigit`` is true for "²" (which ``int`` refuses) and ``int``
reads "٣" as 3 and "9" * 200 as a number no database column holds. Every
hand-read number goes through ``whole_number`` (or ``record_id`` for an id),
and every hand-read text through ``text_problem``, so that such input is a
field error (4xx), never an exception (500).
"""

from __future__ import annotations

import re

# The largest id a client may send: primary keys are 32-bit on every database
# Accord runs on, so a larger number is refused as invalid, never sent to the
# database (where it would overflow into a 500).
MAX_ID = 2_147_483_647

# ASCII digits only, at most 18 (any 64-bit column holds them), optional sign.
_WHOLE = re.compile(r"[+-]?[0-9]{1,18}")


def whole_number(value: object, *, low: int | None = None, high: int | None = None) -> int | None:
    """The whole number ``value`` writes in ASCII digits (spaces around allowed),
    within ``low``..``high`` when given; None for anything else: other scripts'
    digits, superscripts, decimals, more than 18 digits, None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number


def record_id(value: object) -> int | None:
    """``value`` as a primary key a database can hold (1..MAX_ID), or None."""
    return whole_number(value, low=1, high=MAX_ID)


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None: PostgreSQL refuses NUL
    characters, and a lone surrogate is not Unicode either database can encode."""
    if "\x00" in value:
        return "Null characters are not allowed."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Text must be valid Unicode."
    return None
