"""Reading a survey tool's export of past responses.

Parsing only, beside pipeline's importer: the file (CSV in any encoding and
delimiter, or an .xlsx workbook) is read by ``accord.lib.tables``, which
skips the extra header rows of SurveyMonkey and Qualtrics and a report
footer; each row becomes the values of a response, a skipped row, or an
error naming the column. Writing is ``accord.feedback.services.responses_import``.

Formats (``FORMATS``; ``auto`` recognises them by their header):

* Delighted: Response ID, Email, Name, Score, Comment, Response Timestamp
  (ISO or epoch seconds), then the person's properties.
* SurveyMonkey: Respondent ID, Collector ID, Start Date, End Date
  (``03/31/2026 02:05:11 PM``), Email Address, …, one column per question,
  and a second header row ("Response", "Open-Ended Response").
* Typeform: ``#`` (the response token), one column per question, Start
  Date (UTC), Submit Date (UTC), Network ID.
* Qualtrics: three header rows: column ids (StartDate, EndDate, RecordedDate,
  ResponseId, RecipientEmail, Q1, Q2, …), the question texts and the
  ``{"ImportId": …}`` row; questions are found by their text.
* Generic: email, score, better, well, comment, date, name, company, id;
  or any columns, named by a saved column mapping (field -> the file's
  column header, ``mapping``), checked by ``accord.pipeline.mappings``.

The score is the column of the "How likely are you to recommend …" question
(or one named score / NPS). A file with one comment column files it by the
answer's category: a promoter's as "what we do well", a detractor's as "what
can we do better", a passive's as a general comment. Dates are read by
column (``accord.lib.conventions``): day or month first is decided from all
the column's values. Columns the format does not name are kept as the
response's attributes (segments).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.core.exceptions import ValidationError

from accord.feedback.services.common import COMMENT_MAX_LENGTH
from accord.lib.conventions import ConventionError, DateColumn
from accord.lib.csvfile import normalise_header, row_width_error
from accord.lib.emails import email_clean
from accord.lib.inputs import whole_number
from accord.lib.nps import category
from accord.lib.tables import Skipped, TableError, Unreadable, open_table

# Column names (normalised: trimmed, lower-case) per format and field; the
# first present wins. Questions are also matched by the start of their text.
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "delighted": {
        "email": ("email", "person email"),
        "score": ("score",),
        "better": ("what can we do better?",),
        "well": ("what do we do well?", "additional comment"),
        "comment": ("comment",),
        "date": ("response timestamp", "created_at", "date", "responded at"),
        "name": ("name", "person name"),
        "company": ("company",),
        "id": ("response id", "id"),
    },
    "surveymonkey": {
        "email": ("email address", "email"),
        "date": ("end date", "start date"),
        "name": ("name",),
        "company": ("company", "custom data 1"),
        "id": ("respondent id",),
    },
    "typeform": {
        "email": ("email", "email address"),
        "date": ("submit date (utc)", "start date (utc)"),
        "name": ("name",),
        "company": ("company",),
        "id": ("#", "response id", "token"),
    },
    "qualtrics": {
        "email": ("recipientemail", "recipient email"),
        "date": ("recordeddate", "enddate", "recorded date", "end date"),
        "company": ("company",),
        "id": ("responseid", "response id"),
    },
    "generic": {
        "email": ("email",),
        "score": ("score", "nps"),
        "better": ("better", "what can we do better?"),
        "well": ("well", "what do we do well?"),
        "comment": ("comment",),
        "date": ("date", "created_at"),
        "name": ("name",),
        "company": ("company",),
        "id": ("id",),
    },
}
FORMATS = tuple(COLUMNS)
# A response's name, company and each segment value (their columns' size).
TEXT_MAX_LENGTH = 200
SEGMENT_NAME_LENGTH = 60
# The three questions, by how their text starts (any tool, any wording we know).
QUESTIONS: dict[str, tuple[str, ...]] = {
    "score": ("how likely are you to recommend", "how likely is it that you would recommend"),
    "better": ("what can we do better", "what could we do better", "what can we improve"),
    "well": ("what do we do well", "what did we do well", "what do you like"),
    "comment": ("what is the primary reason for your score", "why did you give", "comment"),
}
# What columns the tools add that are not worth keeping as segments.
NOISE = {
    "collector id",
    "ip address",
    "network id",
    "start date",
    "start date (utc)",
    "startdate",
    "enddate",
    "status",
    "ipaddress",
    "progress",
    "duration (in seconds)",
    "finished",
    "distributionchannel",
    "locationlatitude",
    "locationlongitude",
    "recipientfirstname",
    "recipientlastname",
    "externalreference",
    "first name",
    "last name",
    "userlanguage",
    "q1_nps_group",
}


def detect_format(header: list[str]) -> str:
    """The tool whose export has this header (normalised names)."""
    names = set(header)
    if "respondent id" in names:
        return "surveymonkey"
    if "#" in names and any(n.startswith("submit date") for n in names):
        return "typeform"
    if "responseid" in names or "recordeddate" in names:
        return "qualtrics"
    if "response timestamp" in names or "response id" in names:
        return "delighted"
    return "generic"


@dataclass(frozen=True)
class Columns:
    """Where each field is in the file (column index), and the format read."""

    format: str
    index: dict[str, int]


def _mapped(header: list[str], mapping: dict[str, str]) -> Columns | str:
    """The columns a mapping names, or an error naming those the file lacks."""
    missing = [c for c in mapping.values() if normalise_header(c) not in header]
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        return f"The mapping names columns this file does not have: {names}."
    return Columns("generic", {k: header.index(normalise_header(c)) for k, c in mapping.items()})


def _columns(fmt: str, header: list[str], questions: list[str]) -> Columns:
    if fmt == "auto":
        fmt = detect_format(header)
    index: dict[str, int] = {}
    for key, names in COLUMNS[fmt].items():
        for name in names:
            if name in header:
                index[key] = header.index(name)
                break
    # Questions by their text: the header's own, or Qualtrics's second row.
    for key, starts in QUESTIONS.items():
        if key in index:
            continue
        for texts in (header, questions):
            found = next(
                (
                    i
                    for i, text in enumerate(texts)
                    if text.startswith(starts) and i not in index.values()
                ),
                None,
            )
            if found is not None:
                index[key] = found
                break
    # One comment column beside better and well is the same answer twice.
    if "comment" in index and ("better" in index or "well" in index) and fmt != "delighted":
        del index["comment"]
    if "comment" in index and fmt == "delighted" and ("better" in index or "well" in index):
        del index["comment"]
    return Columns(fmt, index)


@dataclass
class Reading:
    """How a file was read, for the preview: the format (and whether it was
    recognised from the header), each field's column as the file names it,
    and the date column's convention."""

    format: str = ""
    recognised: bool = False
    # The saved mapping's name, when one named the columns.
    mapping: str = ""
    # The file's column headers as it writes them, and each field's (for
    # adjusting the mapping on the preview).
    file_columns: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    conventions: dict[str, str] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)


def import_rows(
    data: bytes,
    fmt: str,
    *,
    country: str = "",
    reading: Reading | None = None,
    mapping: dict[str, str] | None = None,
) -> Iterator[tuple[int, dict[str, Any] | str | Skipped]]:
    """Parsed rows of a past-responses export with their row numbers in the file
    (the first row is 1), ``Skipped`` for rows that are not responses, or an
    error message naming the column. The first item may be a row-1 error for
    the file as a whole. ``reading``, when given, is filled in once the header
    is read. ``mapping`` (field -> the file's column, checked beforehand)
    names the columns of a generic file instead of their usual names."""
    try:
        table = open_table(io.BytesIO(data))
        first = list(table.records())
    except TableError as error:
        yield error.row, str(error)
        return
    header = [normalise_header(h) for h in table.header]
    if reading is not None:
        reading.file_columns = [h.replace("\ufeff", "").strip() for h in table.header]
    questions = [normalise_header(q) for q in (table.subheaders[-1] if table.subheaders else [])]
    if table.subheaders and any(q.startswith('{"importid"') for q in questions):
        questions = [normalise_header(q) for q in table.subheaders[0]]
    if mapping is not None:
        found = _mapped(header, mapping)
        if isinstance(found, str):
            yield 1, found
            return
        columns = found
    else:
        columns = _columns(fmt, header, questions)
    index = columns.index
    if reading is not None:
        reading.format = columns.format
        reading.recognised = fmt == "auto" and mapping is None
        reading.headers = header
        # Qualtrics names its questions in the second header row.
        names = table.subheaders[0] if columns.format == "qualtrics" and table.subheaders else []
        for key, i in index.items():
            reading.mapped[key] = reading.file_columns[i]
            shown = table.header[i].strip()
            if names and i < len(names) and names[i].strip() and key in QUESTIONS:
                shown = f"{shown} ({names[i].strip()[:80]})"
            reading.columns[key] = shown
    for needed in ("score", "date"):
        if needed not in index:
            wanted = COLUMNS[columns.format].get(needed, QUESTIONS["score"][:1])[0]
            yield 1, f"The header row needs a '{wanted}' column ({columns.format} export)."
            return
    dates = DateColumn(table.header[index["date"]])
    for item in first:
        if isinstance(item, tuple):
            number, cells = item
            if index["date"] < len(cells):
                dates.observe(number, cells[index["date"]])
    try:
        dates.decide(country=country)
    except ConventionError as error:
        yield 1, str(error)
        return
    if reading is not None and dates.describe():
        reading.conventions[dates.name] = dates.describe()
    # Dates without a zone are UTC (Typeform says so in the column's name).
    known = set(index.values())
    delimiter = table.delimiter if table.source == "csv" else ""
    for item in first:
        if isinstance(item, Skipped):
            yield item.number, item
            continue
        if isinstance(item, Unreadable):
            yield item.number, item.message
            continue
        number, row = item
        wrong = row_width_error(row, len(header), delimiter)
        if wrong:
            yield number, wrong
            continue
        yield number, _response(columns, dates, number, row, header, known)


def _response(
    columns: Columns,
    dates: DateColumn,
    number: int,
    row: list[str],
    header: list[str],
    known: set[int],
) -> dict[str, Any] | str:
    index = columns.index
    cell = {k: (row[i].strip() if i < len(row) else "") for k, i in index.items()}
    score = cell.get("score", "")
    # Some tools write the label with the number ("10 - Extremely likely").
    score = score.split(" ")[0] if whole_number(score[:2].strip()) is not None else score
    if whole_number(score, low=0, high=10) is None:
        return f"score: '{score[:20]}' is not a whole number from 0 to 10."
    try:
        when = dates.parse(cell.get("date", ""), UTC)
    except ValueError as error:
        return f"date: {error}"
    if when is None:
        return "date: is empty; every response needs its date."
    email = cell.get("email", "")
    if email:
        try:
            email = email_clean(email)
        except ValidationError as error:
            return f"email: {error.messages[0]}"
    better, well, comment = cell.get("better", ""), cell.get("well", ""), ""
    single = cell.get("comment", "")
    if single:
        kind = category(int(score))
        if kind == "promoter":
            well = single
        elif kind == "detractor":
            better = single
        else:
            comment = single
    texts = {"better": better, "well": well, "comment": comment}
    too_long = [k for k, text in texts.items() if len(text) > COMMENT_MAX_LENGTH]
    if too_long:
        return f"{too_long[0]}: longer than {COMMENT_MAX_LENGTH} characters."
    # Refused, never cut: a name or a segment must read as the file wrote it.
    for key in ("name", "company"):
        if len(cell.get(key, "")) > TEXT_MAX_LENGTH:
            return f"{key}: {len(cell[key])} characters; at most {TEXT_MAX_LENGTH} fit."
    attributes: dict[str, str] = {}
    for i, value in enumerate(row):
        if i >= len(header) or i in known or not header[i] or header[i] in NOISE:
            continue
        if not value.strip():
            continue
        if len(value.strip()) > TEXT_MAX_LENGTH:
            return (
                f"{header[i][:60]}: {len(value.strip())} characters; at most {TEXT_MAX_LENGTH} fit."
            )
        # A segment's name has at most 60 characters: a longer column name (a
        # tool's question text) is kept under its first 60 (docs/feedback.md).
        attributes[header[i][:SEGMENT_NAME_LENGTH]] = value.strip()
    # Keys stay as earlier versions made them, so a re-import adds nothing.
    parts = [email, when.isoformat(), score, better, well] + ([comment] if comment else [])
    key_source = cell.get("id") or "|".join(parts)
    key_format = columns.format
    return {
        "email": email,
        "score": int(score),
        "better": better,
        "well": well,
        "comment": comment,
        "when": when,
        "name": cell.get("name", ""),
        "company": cell.get("company", ""),
        "attributes": attributes,
        "external_key": hashlib.sha256(f"{key_format}:{key_source}".encode()).hexdigest(),
    }


def file_header(data: bytes) -> list[str]:
    """The file's column headers as it writes them (trimmed), to choose a
    column mapping from; empty when the file cannot be read."""
    try:
        header = open_table(io.BytesIO(data)).header
    except TableError:
        return []
    return [h.replace("\ufeff", "").strip() for h in header]
