"""Which migrations are safe to run while the previous version still serves.

An upgrade migrates first and starts the new code second, so for a while the
old code runs against the new schema. A migration is *live-safe* when that
old code keeps working and no big table is locked for long: it only creates
tables, adds columns the old code can leave out (nullable or with a database
default), or changes what Django alone sees (options, Python defaults,
choices). Everything else is listed, with why, in docs/operations.md between
the markers, generated from the migrations themselves:

    python -m accord.cli.upgrades --write docs/operations.md
    python -m accord.cli.upgrades --check docs/operations.md   # in `make checks`
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from accord.lib.docblock import docblock_main

BEGIN = "<!-- migrations:begin -->"
END = "<!-- migrations:end -->"

# Operations that change only Django's own state, never the tables.
STATE_ONLY = {
    "AlterModelOptions",
    "AlterModelManagers",
    "AlterModelTableComment",
}


VERBS = {
    "RemoveField": "removes",
    "RenameField": "renames",
    "DeleteModel": "deletes",
    "RenameModel": "renames",
    "AlterModelTable": "renames",
}


@dataclass(frozen=True)
class Caution:
    """One migration that needs care during an upgrade, and why."""

    app: str
    name: str
    reasons: tuple[str, ...]


def _field_is_optional(field: Any) -> bool:
    from django.db.models.fields import NOT_PROVIDED

    has_db_default = getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED
    return bool(field.null or has_db_default or field.many_to_many)


def operation_caution(operation: Any, created: set[str]) -> str | None:
    """Why ``operation`` is not live-safe, or None when it is.

    ``created`` holds the lower-cased names of models created earlier in the
    same migration: indexes and constraints on a table that is still empty
    lock nothing worth mentioning.
    """
    kind = type(operation).__name__
    model = str(getattr(operation, "model_name", "") or getattr(operation, "name", "")).lower()
    if kind == "CreateModel":
        created.add(model)
        return None
    if kind in STATE_ONLY:
        return None
    if kind == "AddField":
        if _field_is_optional(operation.field) or model in created:
            return None
        return f"adds the required column {model}.{operation.name}: the old code cannot insert rows"
    if kind in {"AddIndex", "AddConstraint", "AlterUniqueTogether", "AlterIndexTogether"}:
        if model in created:
            return None
        what = "an index" if kind == "AddIndex" else "a constraint"
        return f"builds {what} on {model}: on PostgreSQL writes to it wait until it is built"
    if kind == "AlterField":
        return f"changes the column {model}.{operation.name}: may rewrite or lock the table"
    if kind in VERBS:
        column = f"the column {model}.{getattr(operation, 'name', '')}"
        what = column if "Field" in kind else f"the table of {model}"
        return f"{VERBS[kind]} {what}: the old code still uses it"
    if kind in {"RunPython", "RunSQL"}:
        return "runs code over existing rows: its time grows with the data"
    if kind in {"RemoveIndex", "RemoveConstraint"}:
        return None
    return f"{kind}: not classified, review it before upgrading"


def cautions() -> list[Caution]:
    """Every migration of Accord's apps that is not live-safe, in order."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    found: list[Caution] = []
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if not type(migration).__module__.startswith("accord."):
            continue
        created: set[str] = set()
        reasons = [
            reason
            for operation in migration.operations
            if (reason := operation_caution(operation, created)) is not None
        ]
        if reasons:
            found.append(Caution(app=app, name=name, reasons=tuple(dict.fromkeys(reasons))))
    return found


def cautions_markdown() -> str:
    lines = ["| Migration | Why it needs care |", "|---|---|"]
    for caution in cautions():
        lines.append(f"| `{caution.app}.{caution.name}` | {'; '.join(caution.reasons)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(
        docblock_main(
            begin=BEGIN,
            end=END,
            render=cautions_markdown,
            hint="python -m accord.cli.upgrades --write docs/operations.md",
        )
    )
