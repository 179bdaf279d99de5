"""Writing the pipeline importer's batches: one upsert per batch through the
database's own bulk path (``executemany`` of ``INSERT … ON CONFLICT`` on
SQLite, ``COPY`` into a temporary table and ``INSERT … SELECT`` on
PostgreSQL), keyed by (organization, source system, source id).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import connection

# -- writing ------------------------------------------------------------------------

CONFLICT = ("organization_id", "source_system", "source_id")


def _sqlite_rows(columns: list[str], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Datetimes as Django stores them in SQLite: naive UTC text (cached: they repeat)."""
    positions = [i for i, c in enumerate(columns) if c.endswith("_at")]
    if not positions:
        return rows
    cache: dict[datetime, str] = {}
    out = []
    for row in rows:
        values = list(row)
        for i in positions:
            value = values[i]
            if value is not None:
                text = cache.get(value)
                if text is None:
                    text = cache[value] = str(value.astimezone(UTC).replace(tzinfo=None))
                values[i] = text
        out.append(tuple(values))
    return out


def upsert(
    *,
    table: str,
    columns: list[str],
    rows: list[tuple[Any, ...]],
    expressions: dict[str, str] | None = None,
) -> None:
    """Insert ``rows``, or update the row with the same source key, in bulk.

    ``expressions`` overrides the update of a column (``t`` is the stored row,
    ``excluded`` the incoming one); every other column takes the incoming value.
    """
    if not rows:
        return
    expressions = expressions or {}
    names = ", ".join(columns)
    updates = ", ".join(
        f"{c} = {expressions.get(c, f'excluded.{c}')}" for c in columns if c not in CONFLICT
    )
    conflict = f"ON CONFLICT ({', '.join(CONFLICT)}) DO UPDATE SET {updates}"
    # Table and column names come from this module, never from the file.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            temp = f"_accord_import_{table}"
            cursor.execute(
                f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {names} FROM {table} WITH NO DATA"
            )
            raw = cursor.cursor
            with raw.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} AS t ({names}) "  # noqa: S608
                f"SELECT {names} FROM {temp} {conflict}"
            )
            cursor.execute(f"DROP TABLE {temp}")
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} AS t ({names}) "  # noqa: S608
                f"VALUES ({placeholders}) {conflict}",
                _sqlite_rows(columns, rows),
            )


LEAD_COLUMNS = [
    "organization_id",
    "source_system",
    "source_id",
    "email",
    "name",
    "company",
    "source",
    "campaign_id",
    "owner_id",
    "stage",
    "lead_at",
    "mql_at",
    "mql_month",
    "accepted_at",
    "rejected_at",
    "rejection_reason",
    "rejection_text",
    "sql_at",
    "opportunity_at",
    "customer_at",
    "first_touch_at",
]
# What the file says wins, except: a decision or first touch already recorded
# (perhaps in Accord) is kept; a stage date the file leaves empty is kept.
LEAD_EXPRESSIONS = {
    "stage": (
        "CASE WHEN excluded.stage = 'mql' AND t.stage IN ('accepted', 'rejected') "
        "THEN t.stage ELSE excluded.stage END"
    ),
    "accepted_at": (
        "CASE WHEN t.rejected_at IS NOT NULL THEN t.accepted_at "
        "ELSE COALESCE(t.accepted_at, excluded.accepted_at) END"
    ),
    "rejected_at": (
        "CASE WHEN t.accepted_at IS NOT NULL THEN t.rejected_at "
        "ELSE COALESCE(t.rejected_at, excluded.rejected_at) END"
    ),
    "rejection_reason": (
        "CASE WHEN t.rejection_reason <> '' OR t.accepted_at IS NOT NULL "
        "THEN t.rejection_reason ELSE excluded.rejection_reason END"
    ),
    "rejection_text": (
        "CASE WHEN t.rejection_reason <> '' OR t.accepted_at IS NOT NULL "
        "THEN t.rejection_text ELSE excluded.rejection_text END"
    ),
    "first_touch_at": "COALESCE(t.first_touch_at, excluded.first_touch_at)",
    "lead_at": "COALESCE(excluded.lead_at, t.lead_at)",
    "mql_at": "COALESCE(excluded.mql_at, t.mql_at)",
    "mql_month": "CASE WHEN excluded.mql_month <> '' THEN excluded.mql_month ELSE t.mql_month END",
    "sql_at": "COALESCE(excluded.sql_at, t.sql_at)",
    "opportunity_at": "COALESCE(excluded.opportunity_at, t.opportunity_at)",
    "customer_at": "COALESCE(excluded.customer_at, t.customer_at)",
    "campaign_id": "COALESCE(excluded.campaign_id, t.campaign_id)",
    "owner_id": "COALESCE(excluded.owner_id, t.owner_id)",
}
