"""Importing past responses from a survey tool's export."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import (
    transaction,
)

from accord.feedback.models import (
    Response,
)
from accord.feedback.services.common import COMMENT_MAX_LENGTH
from accord.feedback.services.responses import month_of
from accord.feedback.services.surveys import feedback_settings
from accord.lib.nps import category
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record
from accord.pipeline.selectors import account_owner_for_email


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    added: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


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
    if text.isdigit():
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


def import_rows(text: str, fmt: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Parsed rows of a past-responses CSV with their row numbers, or error messages."""
    columns = DELIGHTED_COLUMNS if fmt == "delighted" else GENERIC_COLUMNS
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as error:
        yield 1, f"The file is not readable CSV: {error}"
        return
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
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            cell = {k: (row[i].strip() if i < len(row) else "") for k, i in index.items()}
            score = cell.get("score", "")
            if not score.isdigit() or not 0 <= int(score) <= 10:
                yield number, f"score: '{score[:20]}' is not a whole number from 0 to 10."
                continue
            when = _parse_when(cell.get("date", ""))
            if when is None:
                yield number, f"date: '{cell.get('date', '')[:40]}' is not a date (2025-03-31)."
                continue
            email = cell.get("email", "").lower()
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    yield number, f"email: '{email[:80]}' is not an email address."
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
    except csv.Error as error:
        yield reader.line_num, f"The file is not readable CSV: {error}"


@transaction.atomic
def responses_import(
    *, membership: Membership, text: str, fmt: str = "generic", dry_run: bool = False
) -> ImportResult:
    """Import past responses. A dry run lists every bad row and writes nothing;
    a real run with bad rows writes nothing either. Re-importing adds nothing."""
    require(membership, Action.SURVEY_MANAGE)
    if fmt not in {"generic", "delighted"}:
        raise ValidationError({"format": "One of generic, delighted."})
    organization = membership.organization
    result = ImportResult()
    good: list[dict[str, Any]] = []
    for number, row in import_rows(text, fmt):
        if isinstance(row, str):
            result.errors.append((number, row))
        else:
            good.append(row)
    if result.errors:
        return result
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
    seen: set[str] = set()
    for row in good:
        if row["external_key"] in existing or row["external_key"] in seen:
            result.already += 1
            continue
        seen.add(row["external_key"])
        result.added += 1
        if dry_run:
            continue
        Response.objects.create(
            organization=organization,
            source=Response.Source.IMPORT,
            score=row["score"],
            category=category(row["score"]),
            better=row["better"],
            well=row["well"],
            email=row["email"],
            name=row["name"],
            company=row["company"],
            attributes=row["attributes"],
            account_owner=account_owner_for_email(organization, row["email"]),
            external_key=row["external_key"],
            created_at=row["when"],
            month=month_of(row["when"]),
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
            changes={"added": result.added, "already": result.already, "format": fmt},
        )
    return result
