"""``accord import responses FILE --org SLUG [--format delighted|generic] [--dry-run]``.

The ``import`` command is shared: the pipeline app imports leads, contacts,
accounts and opportunities with it. Django runs one command per name, so this
one extends the pipeline's (when it is installed) with the ``responses`` kind
and hands every other kind to it unchanged.
"""

from __future__ import annotations

import importlib
import json
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.orgs.models import Membership, Role

try:
    # "import" is a keyword, so the pipeline's module is reached by name.
    _PipelineImport = importlib.import_module("accord.pipeline.management.commands.import").Command
except (ImportError, AttributeError):
    _PipelineImport = BaseCommand

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


class Command(_PipelineImport):  # type: ignore[misc,valid-type]
    help = (
        "Import past customer responses (responses FILE --org SLUG --format delighted|generic), "
        "or pipeline data (leads, contacts, accounts, opportunities)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        if _PipelineImport is BaseCommand:
            parser.add_argument("kind", choices=["responses"])
            parser.add_argument("file")
            parser.add_argument("--org", required=True)
            parser.add_argument("--format", choices=RESPONSE_FORMATS, default=None)
            parser.add_argument("--dry-run", action="store_true")
            parser.add_argument("--json", action="store_true")
            return
        super().add_arguments(parser)
        for action in parser._actions:
            if action.dest == "kind" and action.choices is not None:
                action.choices = [*action.choices, "responses"]
            if action.dest == "format":
                # Optional for responses (generic by default); the pipeline's kinds
                # still need it, which handle() checks.
                action.required = False
                action.choices = sorted({*(action.choices or []), *RESPONSE_FORMATS})
        if not any(action.dest == "json" for action in parser._actions):
            parser.add_argument("--json", action="store_true", help="Machine-readable result")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] != "responses":
            if _PipelineImport is BaseCommand:
                raise CommandError("kind: only 'responses' can be imported here.")
            if not options.get("format"):
                raise CommandError("format: --format is required for pipeline imports.")
            super().handle(*args, **options)
            return
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
        from accord.feedback.services import responses_import

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
