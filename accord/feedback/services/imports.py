"""Importing past responses from a survey tool's export: the writing side
(parsing is ``accord.feedback.importer``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import (
    transaction,
)

from accord.feedback.importer import FORMATS, Reading, import_rows
from accord.feedback.models import (
    Response,
)
from accord.feedback.selectors import RESPONSES_MAPPING
from accord.feedback.services.responses import month_of
from accord.feedback.services.surveys import feedback_settings
from accord.lib.nps import category
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record
from accord.pipeline.mappings import MappingFields, mapping_columns_clean
from accord.pipeline.selectors import account_owner_for_email
from accord.pipeline.services import column_mapping_save

if TYPE_CHECKING:
    from accord.pipeline.models import ColumnMapping

RESPONSE_FORMATS = (*FORMATS, "auto")
RESPONSE_FORMAT_LABELS = {
    "delighted": "Delighted export",
    "surveymonkey": "SurveyMonkey export",
    "typeform": "Typeform export",
    "qualtrics": "Qualtrics export",
    "generic": "Generic CSV (email, score, better, well, comment, date)",
}
RESPONSE_FIELD_LABELS = {
    "score": "Score (0-10)",
    "date": "Date answered",
    "email": "Email",
    "name": "Name",
    "company": "Company",
    "id": "Response id",
    "better": "What we can do better",
    "well": "What we do well",
    "comment": "Comment (filed by the score's category)",
}
# The preview shows this many responses as they are stored.
PREVIEW_ROWS = 5
# A saved column mapping of survey responses (``accord.pipeline.mappings``):
# every response needs its score and date, and a column is read as one field.
RESPONSE_MAPPING_FIELDS = MappingFields(
    fields=RESPONSE_FIELD_LABELS,
    required=("score", "date"),
    one_field_per_column=True,
    action=Action.SURVEY_MANAGE,
)


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    added: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # Rows that are not responses (a second header row, a report footer), and
    # rows repeating a response earlier in the same file.
    skipped: list[tuple[int, str]] = field(default_factory=list)
    # The preview: how the file was read, and the first responses to add as
    # they are stored (field -> text).
    reading: Reading = field(default_factory=Reading)
    preview: list[dict[str, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Every row of the file ends in exactly one of these four outcomes."""
        return self.added + self.already + len(self.skipped) + len(self.errors)

    @property
    def refused(self) -> list[tuple[int, str, str]]:
        """Each refused row as (row, the file's column, reason); the column is
        empty when the row as a whole is refused."""
        out: list[tuple[int, str, str]] = []
        for row, message in self.errors:
            key, sep, reason = message.partition(": ")
            column = self.reading.columns.get(key, "") if sep else ""
            if sep and not column and any(h[:60] == key for h in self.reading.headers):
                # A segment column, named by its (normalised) header.
                column = key
            out.append((row, column, reason if column else message))
        return out


@transaction.atomic
def responses_import(
    *,
    membership: Membership,
    data: bytes,
    fmt: str = "generic",
    dry_run: bool = False,
    columns: dict[str, str] | None = None,
    mapping_name: str = "",
) -> ImportResult:
    """Import past responses (``fmt``: one of ``FORMATS`` or ``auto``).

    As every import: a bad row is refused with its number and why (in
    ``errors``) and the good rows are imported; a dry run lists the same and
    writes nothing. Re-importing adds nothing (those rows count as ``already``),
    so a file fixed and imported again adds only the rows refused before.

    ``columns`` (field -> the file's column header; a saved mapping's, called
    ``mapping_name``, or chosen on the preview) reads a generic file through
    that mapping; refused whole (ValidationError naming the column, nothing
    written) when it maps a column twice or lacks the score or the date."""
    require(membership, Action.SURVEY_MANAGE)
    if fmt not in {*FORMATS, "auto"}:
        raise ValidationError({"format": f"One of {', '.join(FORMATS)} or auto."})
    if columns is not None:
        if fmt not in ("generic", "auto"):
            raise ValidationError(
                {"format": "A column mapping reads a generic CSV; choose generic (or auto)."}
            )
        columns = mapping_columns_clean(RESPONSES_MAPPING, columns)
        fmt = "generic"
    organization = membership.organization
    result = ImportResult()
    result.reading.mapping = mapping_name if columns is not None else ""
    good: list[dict[str, Any]] = []
    rows = import_rows(
        data, fmt, country=organization.country, reading=result.reading, mapping=columns
    )
    for number, row in rows:
        if isinstance(row, str):
            result.errors.append((number, row))
        elif isinstance(row, dict):
            row["number"] = number
            good.append(row)
        else:
            result.skipped.append((number, f"skipped: {row.reason}."))
    keys = {row["external_key"] for row in good}
    existing: set[str] = set()
    key_list = list(keys)
    for start in range(0, len(key_list), 500):
        existing.update(
            key
            for key in Response.objects.filter(
                organization=organization, external_key__in=key_list[start : start + 500]
            ).values_list("external_key", flat=True)
            if key
        )
    seen: dict[str, int] = {}
    for row in good:
        if row["external_key"] in seen:
            result.skipped.append(
                (row["number"], f"skipped: the same response as row {seen[row['external_key']]}.")
            )
            continue
        if row["external_key"] in existing:
            result.already += 1
            continue
        seen[row["external_key"]] = row["number"]
        result.added += 1
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append(_previewed(row, organization.time_zone))
        if dry_run:
            continue
        Response.objects.create(
            organization=organization,
            source=Response.Source.IMPORT,
            score=row["score"],
            category=category(row["score"]),
            better=row["better"],
            well=row["well"],
            comment=row["comment"],
            email=row["email"],
            name=row["name"],
            company=row["company"],
            attributes=row["attributes"],
            account_owner=account_owner_for_email(organization, row["email"]),
            external_key=row["external_key"],
            created_at=row["when"],
            month=month_of(row["when"], organization.time_zone),
        )
        # History opens no loops: a year-old detractor is not a follow-up due in two days.
    if result.added and not dry_run:
        from accord.feedback.themes import themes_queue_soon

        feedback_settings(organization)
        themes_queue_soon(organization.pk)
        audit_record(
            organization=organization,
            actor=membership.user,
            action="responses.import",
            obj=organization,
            changes={
                "added": result.added,
                "already": result.already,
                "format": fmt,
                **({"mapping": mapping_name or "chosen on the preview"} if columns else {}),
            },
        )
    return result


def response_mapping_save(
    *, membership: Membership, name: str, columns: dict[str, str]
) -> ColumnMapping:
    """Save (or replace) a named column mapping of survey responses, chosen
    again by name on the import page, in the API and with ``accord import
    responses --mapping NAME``; checked as ``responses_import`` checks it."""
    return column_mapping_save(
        membership=membership, name=name, kind=RESPONSES_MAPPING, columns=columns
    )


def _previewed(row: dict[str, Any], time_zone: str) -> dict[str, str]:
    """A response as it is stored, for the preview (dates in the organisation's zone)."""
    return {
        "row": str(row["number"]),
        "date": row["when"].astimezone(ZoneInfo(time_zone)).isoformat(sep=" ", timespec="minutes"),
        "score": str(row["score"]),
        "category": category(row["score"]),
        "email": row["email"],
        "name": row["name"],
        "company": row["company"],
        "what we do well": row["well"],
        "what we can do better": row["better"],
        "comment": row["comment"],
        "segments": ", ".join(f"{k}: {v}" for k, v in row["attributes"].items()),
    }
