"""Reading a survey tool's export of past responses (generic or Delighted CSV).

Parsing only, beside pipeline's importer: the file is read by
``accord.lib.csvfile`` (encoding, delimiter, header names, row numbers) and
each row becomes the values of a response or an error naming the column.
Writing is ``accord.feedback.services.responses_import``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from accord.feedback.services.common import COMMENT_MAX_LENGTH
from accord.lib.csvfile import CsvFileError, read_csv
from accord.lib.emails import email_clean
from accord.lib.inputs import whole_number

DELIGHTED_COLUMNS = {
    "email": ("email", "person email"),
    "score": ("score",),
    "better": ("comment", "what can we do better?"),
    "well": ("what do we do well?", "additional comment"),
    "date": ("response timestamp", "created_at", "date", "responded at"),
    "name": ("name", "person name"),
    "company": ("company",),
    "id": ("response id", "id"),
}
GENERIC_COLUMNS = {
    "email": ("email",),
    "score": ("score",),
    "better": ("better", "what can we do better?"),
    "well": ("well", "what do we do well?"),
    "date": ("date", "created_at"),
    "name": ("name",),
    "company": ("company",),
    "id": ("id",),
}


def _parse_when(text: str) -> datetime | None:
    text = text.strip()
    if whole_number(text) is not None:
        try:
            return datetime.fromtimestamp(int(text), tz=ZoneInfo("UTC"))
        except (OverflowError, OSError, ValueError):
            return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment


def import_rows(data: bytes, fmt: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Parsed rows of a past-responses CSV with their row numbers in the file
    (the header is row 1), or an error message naming the column."""
    columns = DELIGHTED_COLUMNS if fmt == "delighted" else GENERIC_COLUMNS
    try:
        table = read_csv(data)
    except CsvFileError as error:
        yield error.row, str(error)
        return
    header = table.header
    index: dict[str, int] = {}
    for key, names in columns.items():
        for name in names:
            if name in header:
                index[key] = header.index(name)
                break
    for needed in ("score", "date"):
        if needed not in index:
            yield 1, f"The header row needs a '{columns[needed][0]}' column."
            return
    known = set(index.values())
    try:
        for parsed in table.rows:
            number, row = parsed.number, parsed.cells
            cell = {k: (row[i] if i < len(row) else "") for k, i in index.items()}
            score = cell.get("score", "")
            if whole_number(score, low=0, high=10) is None:
                yield number, f"score: '{score[:20]}' is not a whole number from 0 to 10."
                continue
            when = _parse_when(cell.get("date", ""))
            if when is None:
                yield number, f"date: '{cell.get('date', '')[:40]}' is not a date (2025-03-31)."
                continue
            email = cell.get("email", "")
            if email:
                try:
                    email = email_clean(email)
                except ValidationError as error:
                    yield number, f"email: {error.messages[0]}"
                    continue
            too_long = [k for k in ("better", "well") if len(cell.get(k, "")) > COMMENT_MAX_LENGTH]
            if too_long:
                yield number, f"{too_long[0]}: longer than {COMMENT_MAX_LENGTH} characters."
                continue
            attributes = {
                header[i][:60]: value.strip()[:200]
                for i, value in enumerate(row)
                if i < len(header) and i not in known and header[i] and value.strip()
            }
            key_source = cell.get("id") or "|".join(
                [email, when.isoformat(), score, cell.get("better", ""), cell.get("well", "")]
            )
            yield (
                number,
                {
                    "email": email,
                    "score": int(score),
                    "better": cell.get("better", ""),
                    "well": cell.get("well", ""),
                    "when": when,
                    "name": cell.get("name", "")[:200],
                    "company": cell.get("company", "")[:200],
                    "attributes": attributes,
                    "external_key": hashlib.sha256(f"{fmt}:{key_source}".encode()).hexdigest(),
                },
            )
    except CsvFileError as error:
        yield error.row, str(error)
