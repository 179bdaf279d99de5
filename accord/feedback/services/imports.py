"""Importing past responses from a survey tool's export: the writing side
(parsing is ``accord.feedback.importer``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import (
    transaction,
)

from accord.feedback.importer import FORMATS, import_rows
from accord.feedback.models import (
    Response,
)
from accord.feedback.services.responses import month_of
from accord.feedback.services.surveys import feedback_settings
from accord.lib.nps import category
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record
from accord.pipeline.selectors import account_owner_for_email

RESPONSE_FORMATS = (*FORMATS, "auto")


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    added: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # Rows that are not responses (a second header row, a report footer), and
    # rows repeating a response earlier in the same file.
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Every row of the file ends in exactly one of these four outcomes."""
        return self.added + self.already + len(self.skipped) + len(self.errors)


@transaction.atomic
def responses_import(
    *, membership: Membership, data: bytes, fmt: str = "generic", dry_run: bool = False
) -> ImportResult:
    """Import past responses (``fmt``: one of ``FORMATS`` or ``auto``).

    As every import: a bad row is refused with its number and why (in
    ``errors``) and the good rows are imported; a dry run lists the same and
    writes nothing. Re-importing adds nothing (those rows count as ``already``),
    so a file fixed and imported again adds only the rows refused before."""
    require(membership, Action.SURVEY_MANAGE)
    if fmt not in {*FORMATS, "auto"}:
        raise ValidationError({"format": f"One of {', '.join(FORMATS)} or auto."})
    organization = membership.organization
    result = ImportResult()
    good: list[dict[str, Any]] = []
    for number, row in import_rows(data, fmt, country=organization.country):
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
            changes={"added": result.added, "already": result.already, "format": fmt},
        )
    return result
