"""``accord import KIND FILE --org SLUG [--format …] [--dry-run]``.

Kinds: ``leads``, ``contacts``, ``accounts`` and ``opportunities`` go to the
pipeline's importer (``--format hubspot|salesforce|generic|auto``);
``responses`` are past customer answers for feedback (``--format
delighted|surveymonkey|typeform|qualtrics|generic|auto``). Without
``--format`` the format is recognised from the file's header (``auto``; a
file with ``--mapping`` is generic). ``--mapping NAME`` reads the file's
columns through a saved column mapping of that kind (saved on the pipeline's
mapping page, or for responses from the import page's preview).

``--dry-run`` writes nothing and prints the preview: the format (and whether
it was recognised), the column each field is read from, the convention chosen
for each date and amount column, the counts (to create, to update, unchanged,
skipped, refused), the first rows as they would be stored, and every refused
or skipped row with its number, column and reason. ``--json`` prints the same
as one object.

Pipeline imports run in this process with a progress bar on stderr; refused
rows are listed with row number, column and reason (and kept on the import
run for download from the Pipeline → Imports page). Good rows are imported
even when some are refused. Running it again, or after a kill, converges to
one clean run. A response import does the same in one transaction: bad rows
are refused and listed, good rows imported, a second run adds nothing.

Lifecycle stages of the organisation's own (HubSpot portals define them) are
read through its saved stage mapping; a file with a stage neither Accord nor
the mapping knows is refused, naming each such stage, before anything is
written. ``--map-stage "Product Qualified Lead=mql"`` (repeatable) maps one and
saves it for the organisation, as the import's page does; with ``--dry-run``
it applies to that run only.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.feedback.services import (
    RESPONSE_FIELD_LABELS,
    RESPONSE_FORMAT_LABELS,
    RESPONSE_FORMATS,
    RESPONSES_MAPPING,
    responses_import,
)
from accord.orgs.models import Membership, Role
from accord.pipeline.importer import column_mapping, preview_columns, preview_rows, run_import
from accord.pipeline.models import (
    ColumnMapping,
    ImportFormat,
    ImportKind,
    ImportRun,
    ImportStatus,
    Stage,
)
from accord.pipeline.selectors import column_mapping_named
from accord.pipeline.services import import_run_create, stage_mapping_save

RESPONSES = "responses"


def _owner_of(slug: str) -> Membership:
    membership = (
        Membership.objects.select_related("organization", "user")
        .filter(organization__slug=slug, role=Role.OWNER)
        .order_by("created_at")
        .first()
    )
    if membership is None:
        raise CommandError(f"org: no organisation '{slug}'.")
    return membership


def _stage_options(values: list[str]) -> dict[str, str]:
    """``--map-stage LABEL=STAGE`` options as label -> Accord stage."""
    stages: dict[str, str] = {}
    for value in values:
        label, sep, stage = value.rpartition("=")
        stage = stage.strip().lower()
        if not sep or not label.strip():
            raise CommandError(
                f"map-stage: '{value}' is not LABEL=STAGE, e.g. 'Product Qualified Lead=mql'."
            )
        if stage not in Stage.values:
            raise CommandError(
                f"map-stage: '{stage}' (for '{label.strip()}') is not one of "
                f"{', '.join(Stage.values)}."
            )
        stages[label.strip()] = stage
    return stages


def _summary(run: ImportRun) -> dict[str, Any]:
    """The run's outcome for ``--json``: the five counts (they add up to ``rows_seen``)
    and every refused or skipped row with its number, column and reason, with
    the preview (format, columns, conventions, first rows as stored)."""
    return {
        "import": run.pk,
        "dry_run": run.dry_run,
        "format": run.format,
        "format_recognised": run.format_recognised,
        "columns": run.columns,
        "preview": run.preview,
        "rows_seen": run.rows_seen,
        "created": run.rows_created,
        "updated": run.rows_updated,
        "unchanged": run.rows_unchanged,
        "skipped": run.rows_skipped,
        "refused": run.rows_refused,
        "conventions": run.conventions,
        "rows": [
            {"row": row, "column": column, "reason": message, "outcome": outcome}
            for row, column, message, outcome in run.row_errors.values_list(
                "row", "column", "message", "outcome"
            ).iterator()
        ],
    }


def _preview_lines(
    *,
    format_label: str,
    recognised: bool,
    columns: list[tuple[str, str]],
    conventions: dict[str, str],
    counts: str,
    preview: list[dict[str, str]],
    rows: list[tuple[int, str, str]],
    dry_run: bool,
) -> list[str]:
    """The preview as text: what a user checks before importing for real."""
    lines = [f"Format: {format_label}{' (recognised from the header)' if recognised else ''}"]
    lines.append("Columns:")
    lines.extend(f"  {label} <- '{column}'" for label, column in columns)
    if conventions:
        lines.append("Dates and amounts:")
        lines.extend(f"  '{column}': {how}" for column, how in conventions.items())
    lines.append(f"Rows: {counts}")
    if preview:
        lines.append("First rows as they would be stored:" if dry_run else "First rows stored:")
        for stored in preview:
            shown = "; ".join(f"{k}: {v}" for k, v in stored.items() if k != "row" and v != "")
            lines.append(f"  row {stored.get('row', '')}: {shown}")
    if rows:
        lines.append("Refused and skipped rows (row 1 is the header):")
        for number, column, reason in rows:
            where = f" column '{column}'" if column else ""
            lines.append(f"  row {number}{where}: {reason}")
    if dry_run:
        lines.append("Nothing was written (dry run). Run it again without --dry-run to import.")
    return lines


class Command(BaseCommand):
    help = (
        "Import past customer responses (responses FILE --org SLUG --format "
        "delighted|surveymonkey|typeform|qualtrics|generic|auto), "
        "or pipeline data (leads, contacts, accounts, opportunities)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[*ImportKind.values, RESPONSES])
        parser.add_argument("file")
        parser.add_argument("--org", required=True)
        # Optional for responses (generic by default); the pipeline's kinds need
        # it, which handle() checks.
        parser.add_argument(
            "--format",
            choices=sorted({*ImportFormat.values, *RESPONSE_FORMATS}),
            default="auto",
            help="The tool that wrote the file; auto (the default) recognises it by its header",
        )
        parser.add_argument(
            "--mapping", help="A saved column mapping of this kind (the file is then generic)"
        )
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write none")
        parser.add_argument(
            "--day-first", action="store_true", help="Read 05/03/2026 as 5 March, not May 3"
        )
        parser.add_argument(
            "--map-stage",
            action="append",
            default=[],
            metavar="LABEL=STAGE",
            help=(
                "Map a lifecycle stage of your own to an Accord stage "
                f"({', '.join(Stage.values)}), e.g. 'Product Qualified Lead=mql'; "
                "saved for the organisation (for this run only with --dry-run)"
            ),
        )
        parser.add_argument("--sheet", default="", help="The sheet of an .xlsx workbook to read")
        parser.add_argument("--quiet", action="store_true", help="No progress bar")
        parser.add_argument("--json", action="store_true", help="Machine-readable result")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == RESPONSES:
            self.import_responses(**options)
            return
        if options["format"] not in (*ImportFormat.values, "auto"):
            raise CommandError(
                f"format: {options['kind']} come as {', '.join(ImportFormat.values)} or auto."
            )
        self.import_pipeline(**options)

    def import_pipeline(self, **options: Any) -> None:
        membership = _owner_of(options["org"])
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(f"file: {path} does not exist.")
        mapping = None
        if options["mapping"]:
            mapping = ColumnMapping.objects.filter(
                organization=membership.organization, name=options["mapping"]
            ).first()
            if mapping is None:
                raise CommandError(f"mapping: no saved mapping '{options['mapping']}'.")
            if mapping.kind != options["kind"]:
                raise CommandError(
                    f"mapping: '{mapping.name}' maps {mapping.kind}, not {options['kind']}."
                )
        stages = _stage_options(options["map_stage"])
        if stages and not options["dry_run"]:
            try:
                stage_mapping_save(membership=membership, stages=stages)
            except ValidationError as error:
                raise CommandError(f"map-stage: {' '.join(error.messages)}") from None
        try:
            run = import_run_create(
                membership=membership,
                kind=options["kind"],
                format=options["format"],
                filename=os.path.basename(path),
                stored_path=os.path.abspath(path),
                file_size=os.path.getsize(path),
                mapping=mapping,
                dry_run=options["dry_run"],
                day_first=options["day_first"],
                sheet=options["sheet"],
                enqueue=False,
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        started = time.monotonic()
        quiet = options["quiet"]

        def progress(current: ImportRun) -> None:
            if quiet and current.status != "done":
                return
            width = 30
            filled = int(width * current.percent / 100)
            rate = current.rows_seen / max(time.monotonic() - started, 1e-6)
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {current.percent:3d}% "
                f"{current.rows_seen:,} rows, {current.rows_refused:,} refused, "
                f"{rate:,.0f} rows/s"
            )
            sys.stderr.flush()

        with open(path, "rb") as raw:
            run = run_import(
                run,
                raw,
                on_progress=None if options["json"] else progress,
                stage_map=stages if options["dry_run"] else None,
            )
        if not options["json"]:
            sys.stderr.write("\n")
        if run.status == ImportStatus.WAITING:
            # Nobody will map it on the page for a file read from this machine.
            run.status = ImportStatus.FAILED
            run.save(update_fields=["status"])
            example = run.unmapped_stages[0]
            raise CommandError(
                f"stage: {run.message} Map each with --map-stage, e.g. "
                f'--map-stage "{example}=mql" (saved for the organisation), or under '
                "Pipeline → Imports → Lifecycle stages; then run the import again."
            )
        if run.status == "failed":
            raise CommandError(f"file: {run.message}")
        if options["json"]:
            self.stdout.write(json.dumps(_summary(run)))
            return
        if run.dry_run:
            counts = (
                f"{run.rows_seen:,} read: {run.rows_created:,} to create, "
                f"{run.rows_updated:,} to update, {run.rows_unchanged:,} unchanged, "
                f"{run.rows_skipped:,} skipped, {run.rows_refused:,} refused"
            )
            lines = _preview_lines(
                format_label=ImportFormat(run.format).label
                + (f" with the mapping '{run.mapping.name}'" if run.mapping else ""),
                recognised=run.format_recognised,
                columns=column_mapping(run),
                conventions=run.conventions,
                counts=counts,
                preview=[
                    dict(zip(preview_columns(run.kind), row, strict=True))
                    for row in preview_rows(run)
                ],
                rows=list(run.row_errors.values_list("row", "column", "message").iterator()),
                dry_run=True,
            )
            self.stdout.write("\n".join(lines) + f"\n(import #{run.pk})")
            return
        for refused in run.row_errors.all()[:50]:
            column = f" column '{refused.column}'" if refused.column else ""
            self.stderr.write(f"row {refused.row}{column}: {refused.message}")
        if run.rows_refused + run.rows_skipped > 50:
            self.stderr.write(
                f"… and {run.rows_refused + run.rows_skipped - 50:,} more refused or skipped rows."
            )
        for column, convention in run.conventions.items():
            self.stderr.write(f"column '{column}': {convention}")
        verb = "would import" if run.dry_run else "imported"
        self.stdout.write(
            f"{run.rows_seen:,} rows read, {verb} {run.rows_imported:,}, "
            f"refused {run.rows_refused:,}, skipped {run.rows_skipped:,} "
            f"({run.rows_created:,} created, {run.rows_updated:,} updated, "
            f"{run.rows_unchanged:,} unchanged; import #{run.pk})."
        )

    def import_responses(self, **options: Any) -> None:
        fmt = options.get("format") or "auto"
        if fmt not in RESPONSE_FORMATS:
            raise CommandError(f"format: responses come as {', '.join(RESPONSE_FORMATS)}.")
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(f"file: {path} does not exist.")
        membership = _owner_of(options["org"])
        columns, mapping_name = None, ""
        try:
            if options.get("mapping"):
                if fmt not in ("generic", "auto"):
                    raise CommandError(
                        "mapping: a saved column mapping reads a generic CSV; use --format "
                        "generic (or leave --format out)."
                    )
                mapping = column_mapping_named(membership, options["mapping"], RESPONSES_MAPPING)
                columns, mapping_name = mapping.columns, mapping.name
            with open(path, "rb") as handle:
                data = handle.read()
            result = responses_import(
                membership=membership,
                data=data,
                fmt=fmt,
                dry_run=options["dry_run"],
                columns=columns,
                mapping_name=mapping_name,
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        reading = result.reading
        if options.get("json"):
            refused = [{"row": r, "column": c, "reason": m} for r, c, m in result.refused]
            self.stdout.write(
                json.dumps(
                    {
                        "format": reading.format,
                        "format_recognised": reading.recognised,
                        "mapping": reading.mapping or None,
                        "columns": reading.columns,
                        "conventions": reading.conventions,
                        "preview": result.preview,
                        "added": result.added,
                        "already": result.already,
                        "errors": [{"row": r, "reason": m} for r, m in result.errors],
                        "dry_run": bool(options["dry_run"]),
                        # Responses are never changed once recorded: none is updated.
                        "created": 0 if options["dry_run"] else result.added,
                        "updated": 0,
                        "unchanged": result.already,
                        "skipped": len(result.skipped),
                        "refused": len(result.errors),
                        "rows_seen": result.rows,
                        "rows": [
                            *[{**r, "outcome": "refused"} for r in refused],
                            *[
                                {"row": r, "column": "", "reason": m, "outcome": "skipped"}
                                for r, m in result.skipped
                            ],
                        ],
                    }
                )
            )
        elif options["dry_run"]:
            counts = (
                f"{result.rows:,} read: {result.added:,} to create, 0 to update, "
                f"{result.already:,} unchanged (imported before), "
                f"{len(result.skipped):,} skipped, {len(result.errors):,} refused"
            )
            lines = _preview_lines(
                format_label=RESPONSE_FORMAT_LABELS.get(reading.format, reading.format or fmt)
                + (f" with the mapping '{reading.mapping}'" if reading.mapping else ""),
                recognised=reading.recognised,
                columns=[(RESPONSE_FIELD_LABELS.get(k, k), c) for k, c in reading.columns.items()],
                conventions=reading.conventions,
                counts=counts,
                preview=result.preview,
                rows=sorted([*result.refused, *[(r, "", m) for r, m in result.skipped]]),
                dry_run=True,
            )
            self.stdout.write("\n".join(lines))
        else:
            for row, message in result.errors:
                self.stderr.write(f"row {row}: {message}")
            for row, message in result.skipped:
                self.stderr.write(f"row {row}: {message}")
            verb = "would add" if options["dry_run"] else "added"
            self.stdout.write(
                f"{verb} {result.added} responses, {result.already} already imported, "
                f"{len(result.skipped)} skipped, {len(result.errors)} refused"
            )
