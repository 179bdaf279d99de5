"""``accord import KIND FILE --org SLUG [--format …] [--dry-run]``.

Kinds: ``leads``, ``contacts``, ``accounts`` and ``opportunities`` go to the
pipeline's importer (``--format`` required); ``responses`` are past customer
answers for feedback (``--format delighted|generic``, generic by default).

Pipeline imports run in this process with a progress bar on stderr; refused
rows are listed with row number, column and reason (and kept on the import
run for download from the Pipeline → Imports page). Good rows are imported
even when some are refused. Running it again, or after a kill, converges to
one clean run. A response import is all or nothing.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.feedback.services import responses_import
from accord.orgs.models import Membership, Role
from accord.pipeline.importer import run_import
from accord.pipeline.models import ColumnMapping, ImportFormat, ImportKind, ImportRun
from accord.pipeline.services import import_run_create

RESPONSES = "responses"
RESPONSE_FORMATS = ("generic", "delighted")


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


class Command(BaseCommand):
    help = (
        "Import past customer responses (responses FILE --org SLUG --format delighted|generic), "
        "or pipeline data (leads, contacts, accounts, opportunities)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[*ImportKind.values, RESPONSES])
        parser.add_argument("file")
        parser.add_argument("--org", required=True)
        # Optional for responses (generic by default); the pipeline's kinds need
        # it, which handle() checks.
        parser.add_argument(
            "--format", choices=sorted({*ImportFormat.values, *RESPONSE_FORMATS}), default=None
        )
        parser.add_argument("--mapping", help="A saved column mapping (for --format generic)")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write none")
        parser.add_argument(
            "--day-first", action="store_true", help="Read 05/03/2026 as 5 March, not May 3"
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar")
        parser.add_argument("--json", action="store_true", help="Machine-readable result")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == RESPONSES:
            self.import_responses(**options)
            return
        if not options.get("format"):
            raise CommandError("format: --format is required for pipeline imports.")
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
            run = run_import(run, raw, on_progress=progress)
        sys.stderr.write("\n")
        if run.status == "failed":
            raise CommandError(f"file: {run.message}")
        for refused in run.row_errors.all()[:50]:
            column = f" column '{refused.column}'" if refused.column else ""
            self.stderr.write(f"row {refused.row}{column}: {refused.message}")
        if run.rows_refused > 50:
            self.stderr.write(f"… and {run.rows_refused - 50:,} more refused rows.")
        verb = "would import" if run.dry_run else "imported"
        self.stdout.write(
            f"{run.rows_seen:,} rows read, {verb} {run.rows_imported:,}, "
            f"refused {run.rows_refused:,} (import #{run.pk})."
        )

    def import_responses(self, **options: Any) -> None:
        fmt = options.get("format") or "generic"
        if fmt not in RESPONSE_FORMATS:
            raise CommandError(f"format: responses come as {' or '.join(RESPONSE_FORMATS)}.")
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(f"file: {path} does not exist.")
        membership = _owner_of(options["org"])
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                text = handle.read()
        except UnicodeDecodeError:
            raise CommandError("file: not UTF-8 text; export the CSV as UTF-8.") from None
        try:
            result = responses_import(
                membership=membership, text=text, fmt=fmt, dry_run=options["dry_run"]
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        if options.get("json"):
            self.stdout.write(
                json.dumps(
                    {
                        "added": result.added,
                        "already": result.already,
                        "errors": [{"row": r, "reason": m} for r, m in result.errors],
                        "dry_run": bool(options["dry_run"]),
                    }
                )
            )
        else:
            for row, message in result.errors:
                self.stderr.write(f"row {row}: {message}")
            verb = "would add" if options["dry_run"] else "added"
            self.stdout.write(
                f"{verb} {result.added} responses, {result.already} already imported, "
                f"{len(result.errors)} bad rows"
            )
        if result.errors:
            raise CommandError(f"{len(result.errors)} bad rows; nothing was imported.")
