"""Dates and amounts read by column: every value of a column is looked at
before any is read, and the column's convention is decided from them.

Dates. The shapes read, with or without a time, seconds, a comma before the
time, ``AM``/``PM``/``a.m.``/``p.m.`` and the narrow spaces ICU puts before
them: ISO (``2026-03-31 14:05``, ``…T14:05:00Z``), day or month first
(``1/25/2026, 6:55 PM`` en_US, ``20/01/2026 09:41`` en_GB, ``31.03.2026, 14:05``
de_DE, ``26-2-2026 15:41`` nl_NL, two-digit years as ``1/25/26``), year
first (``2026/02/22 17:05`` ja_JP), and epoch seconds or milliseconds.

Day first or month first is decided per column (``DateColumn``): a value
whose first number is above 12 proves day-first, one whose second number is
above 12 proves month-first. A column with proof of both, or with three
shapes mixed, is refused as a whole (``ConventionError``). A column where
every value is ambiguous takes, in order: the importer's explicit choice,
the separator (dots and dashes are only ever written day-first), the
organisation's country, and month-first (what HubSpot and Salesforce write by
default); the convention chosen and why is reported for each column.

Amounts (``AmountColumn``): currency symbols and codes, spaces and
apostrophes (``12'500.00``) as thousands separators, accounting negatives
``(1,200.00)``. Whether the comma or the point is the decimal mark is decided
per column from the values that prove it (``1.200,50``, ``12,5``, ``1,200.50``,
``1,200,000``; most of them when they disagree, and a tie refuses the column),
else from the file (a semicolon-separated file comes from a
spreadsheet where the comma is decimal), else the point; ``12,5`` in a column
whose convention is the decimal point is refused, not read as 125.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation

DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"
YEAR_FIRST = "year-first"
ISO = "ISO"
EPOCH = "epoch"

# Countries that write the month first (CLDR short date patterns).
MONTH_FIRST_COUNTRIES = {"US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "UM", "VI"}

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_NUMERIC = re.compile(
    r"^(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})\.?"
    r"(?:,?\s*(\d{1,2})[:.h](\d{2})(?:[:.](\d{2})(?:\.\d+)?)?\s*"
    r"(am|pm|a\.m\.|p\.m\.|a|p)?)?$",
    re.IGNORECASE,
)


class ConventionError(ValueError):
    """A column whose values cannot be read with any one convention."""


@dataclass
class DateColumn:
    """What a date column's values show about its convention; then reads them."""

    name: str
    shapes: dict[str, tuple[int, str]] = field(default_factory=dict)
    order: str = ""
    reason: str = ""

    def observe(self, row: int, text: str) -> None:
        text = _clean(text)
        if not text:
            return
        shape = _shape(text)
        if shape and shape not in self.shapes:
            self.shapes[shape] = (row, text)

    def decide(self, *, day_first: bool | None = None, country: str = "") -> str:
        """Fix the column's convention (and return it), or raise ``ConventionError``."""
        proofs = {s: v for s, v in self.shapes.items() if s != "ambiguous"}
        numeric = {s for s in proofs if s in (DAY_FIRST, MONTH_FIRST)}
        examples = "; ".join(f"row {r} '{t}' ({s})" for s, (r, t) in sorted(proofs.items()))
        if len(numeric) == 2:
            raise ConventionError(
                f"{self.name}: this column mixes day-first and month-first dates "
                f"({examples}); export it again with one date format."
            )
        # An ambiguous 3/4/2026 belongs to the day- or month-first values beside it.
        kinds = [s for s in self.shapes if s != "ambiguous" or not numeric]
        if len(kinds) >= 3:
            shown = "; ".join(f"row {self.shapes[s][0]} '{self.shapes[s][1]}'" for s in kinds)
            raise ConventionError(
                f"{self.name}: this column mixes {len(kinds)} date formats ({shown}); "
                "export it again with one date format."
            )
        if numeric:
            self.order = numeric.pop()
            row, text = proofs[self.order]
            self.reason = f"row {row} '{text}' can only be read {self.order}"
        elif "ambiguous" in self.shapes:
            row, text = self.shapes["ambiguous"]
            separator = _NUMERIC.match(text)
            if day_first is not None:
                self.order = DAY_FIRST if day_first else MONTH_FIRST
                self.reason = "every date is ambiguous; as chosen for this import"
            elif separator and separator.group(2) in ".-":
                self.order = DAY_FIRST
                self.reason = (
                    f"every date is ambiguous; '{separator.group(2)}' is written day-first"
                )
            elif country:
                self.order = MONTH_FIRST if country.upper() in MONTH_FIRST_COUNTRIES else DAY_FIRST
                self.reason = f"every date is ambiguous; the organisation's country is {country}"
            else:
                self.order = MONTH_FIRST
                self.reason = (
                    "every date is ambiguous and the organisation has no country; "
                    "read as exported by default (month first)"
                )
        else:
            self.order = next(iter(self.shapes), ISO)
            self.reason = "unambiguous"
        return self.order

    def describe(self) -> str:
        return f"{self.order} ({self.reason})" if self.order else ""

    def parse(self, text: str, zone: tzinfo) -> datetime | None:
        """The moment ``text`` names (naive values in ``zone``), as UTC; None when
        empty. Raises ``ValueError`` with a message for the user."""
        return parse_date(text, zone, day_first=self.order == DAY_FIRST)


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _digits(text: str) -> bool:
    """Only ASCII digits: "²" and "٣" are digits to Python, not to int()."""
    return text.isascii() and text.isdigit()


def _shape(text: str) -> str:
    if _digits(text) and len(text) >= 9:
        return EPOCH
    if len(text) >= 10 and text[4] == "-" and _digits(text[:4]):
        return ISO
    match = _NUMERIC.match(text)
    if match is None:
        return ""
    a, b, c = match.group(1), match.group(3), match.group(4)
    if len(a) == 4:
        return YEAR_FIRST
    if len(c) not in (2, 4):
        return ""
    first, second = int(a), int(b)
    if first > 12 and second <= 12:
        return DAY_FIRST
    if second > 12 and first <= 12:
        return MONTH_FIRST
    return "ambiguous"


def _year(text: str) -> int:
    # Two-digit years as Python's %y reads them: 69-99 are 1900s, 00-68 2000s.
    year = int(text)
    if len(text) == 2:
        year += 1900 if year >= 69 else 2000
    return year


def parse_date(text: str, zone: tzinfo, *, day_first: bool = False) -> datetime | None:
    """One date in any of the shapes above (see the module notes), as UTC."""
    text = _clean(text)
    if not text:
        return None
    if _digits(text) and len(text) >= 9:
        number = int(text)
        # 13 digits and more: milliseconds (HubSpot); fewer: seconds.
        try:
            return datetime.fromtimestamp(number / 1000 if len(text) >= 12 else number, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"'{text[:40]}' is not a date.") from None
    try:
        if len(text) >= 10 and text[4] == "-" and _digits(text[:4]):
            value = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" UTC", ""))
        else:
            match = _NUMERIC.match(text)
            if match is None:
                raise ValueError
            a, _, b, c, hour, minute, second, half = match.groups()
            if len(a) == 4:
                year, month, day = int(a), int(b), int(c)
            else:
                if len(c) not in (2, 4):
                    raise ValueError
                year = _year(c)
                day, month = (int(a), int(b)) if day_first else (int(b), int(a))
            h = int(hour or 0)
            if half:
                if not 1 <= h <= 12:
                    raise ValueError
                h = h % 12 + (12 if half.lower().startswith("p") else 0)
            value = datetime(year, month, day, h, int(minute or 0), int(second or 0))
    except ValueError:
        order = "day first" if day_first else "month first"
        raise ValueError(
            f"'{text[:40]}' is not a date (this column is read {order}; "
            "e.g. 2026-03-31 or 3/31/2026)."
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        # 0001-01-01 east of UTC, or 9999-12-31 west of it.
        raise ValueError(f"'{text[:40]}' is not a date Accord can store.") from None


# -- amounts --------------------------------------------------------------------------

POINT = "decimal point"
COMMA = "decimal comma"

_CURRENCY = re.compile(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$|[$€£¥₹₩₽¢]|\bCHF\b|\bFr\.", re.IGNORECASE)
_GROUPED_POINT = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_GROUPED_COMMA = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_PLAIN = re.compile(r"^\d+$")
_POINT_DECIMAL = re.compile(r"^\d+\.\d+$")
_COMMA_DECIMAL = re.compile(r"^\d+,\d+$")


def _amount_core(text: str) -> tuple[bool, str]:
    """(negative, the digits and separators) of an amount as written."""
    cleaned = _CURRENCY.sub("", _clean(text)).replace(" ", "")
    cleaned = cleaned.replace("'", "").replace("\u2019", "")
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1]
    if cleaned.startswith("-"):
        negative, cleaned = not negative, cleaned[1:]
    elif cleaned.endswith("-"):
        negative, cleaned = not negative, cleaned[:-1]
    cleaned = _CURRENCY.sub("", cleaned).strip()
    return negative, cleaned


def _amount_proof(core: str) -> str:
    """Which decimal mark ``core`` proves, or "" when it reads either way."""
    if "," in core and "." in core:
        return POINT if core.rfind(".") > core.rfind(",") else COMMA
    if _COMMA_DECIMAL.match(core):
        # 12,5 or 12,50 is decimal; 12,500 reads either way; 1,2345 is decimal.
        return "" if len(core) - core.index(",") == 4 else COMMA
    if _POINT_DECIMAL.match(core):
        return "" if len(core) - core.index(".") == 4 else POINT
    if core.count(",") > 1:
        return POINT
    if core.count(".") > 1:
        return COMMA
    return ""


@dataclass
class AmountColumn:
    """What an amount column's values show about its decimal mark; then reads them."""

    name: str
    proofs: dict[str, tuple[int, str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    mark: str = ""
    reason: str = ""

    def observe(self, row: int, text: str) -> None:
        if not text.strip():
            return
        proof = _amount_proof(_amount_core(text)[1])
        if proof:
            self.counts[proof] = self.counts.get(proof, 0) + 1
            self.proofs.setdefault(proof, (row, text.strip()))

    def decide(self, *, comma_file: bool = False) -> str:
        """Fix the column's decimal mark: the one most of its values prove (the
        others are refused row by row), else the file's; ``ConventionError``
        when as many values prove one as the other."""
        if len(self.counts) == 2:
            if self.counts[POINT] == self.counts[COMMA]:
                shown = "; ".join(
                    f"row {r} '{t}' ({m})" for m, (r, t) in sorted(self.proofs.items())
                )
                raise ConventionError(
                    f"{self.name}: this column mixes a decimal point and a decimal comma "
                    f"as often ({shown}); export it again with one number format."
                )
            self.mark = max(self.counts, key=self.counts.__getitem__)
            row, text = self.proofs[self.mark]
            self.reason = f"row {row} '{text}' and most other values"
        elif self.proofs:
            self.mark, (row, text) = next(iter(self.proofs.items()))
            self.reason = f"row {row} '{text}'"
        elif comma_file:
            self.mark, self.reason = COMMA, "the file is separated by semicolons"
        else:
            self.mark, self.reason = POINT, "no value shows otherwise"
        return self.mark

    def describe(self) -> str:
        return f"{self.mark} ({self.reason})" if self.mark else ""

    def parse(self, text: str) -> Decimal:
        return parse_amount(text, comma=self.mark == COMMA)


def parse_amount(text: str, *, comma: bool = False) -> Decimal:
    """An amount as written (see the module notes), to the cent; empty is 0.
    Raises ``ValueError`` with a message for the user."""
    if not text.strip():
        return Decimal(0)
    negative, core = _amount_core(text)
    decimal, group = (",", ".") if comma else (".", ",")
    grouped = _GROUPED_COMMA if comma else _GROUPED_POINT
    plain = _COMMA_DECIMAL if comma else _POINT_DECIMAL
    if _PLAIN.match(core) or plain.match(core):
        number = core.replace(decimal, ".")
    elif grouped.match(core):
        number = core.replace(group, "").replace(decimal, ".")
    else:
        mark = "comma" if comma else "point"
        raise ValueError(
            f"'{text.strip()[:40]}' is not an amount (this column's decimal mark is the {mark})."
        )
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise ValueError(f"'{text.strip()[:40]}' is not an amount.") from None
    if value >= Decimal("1e14"):
        raise ValueError(f"'{text.strip()[:40]}' is too large an amount.")
    value = value.quantize(Decimal("0.01"))
    return -value if negative else value
