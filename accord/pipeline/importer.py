"""Importing CSV exports of HubSpot, Salesforce or any CRM, in flat memory.

The file is streamed through ``csv.reader`` in batches of ``BATCH`` rows. Each
row is checked field by field; a bad row is recorded with its row number, the
column and the reason, and the good rows of the batch are written with the
database's own bulk path through Django's connection: ``executemany`` of an
``INSERT … ON CONFLICT DO UPDATE`` on SQLite, ``COPY`` into a temporary table
and one ``INSERT … SELECT … ON CONFLICT`` on PostgreSQL (psycopg 3).

Every record is keyed by (organization, source system, source id), so running
the same file twice changes nothing, and a run killed at any point and started
again ends in the state of one clean run: each batch commits on its own
together with the run's progress, and the upsert makes re-writing a batch
harmless.

Dates without a time zone are read in the organisation's time zone.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from accord.lib.csvfile import CsvFileError, normalise_header, open_text
from accord.orgs.models import Membership, Organization
from accord.pipeline.models import (
    Account,
    Campaign,
    ColumnMapping,
    Contact,
    ImportFormat,
    ImportKind,
    ImportRowError,
    ImportRun,
    ImportStatus,
    Lead,
    Opportunity,
    OpportunityStatus,
    OpportunityTouch,
    RejectionReason,
    SourceSystem,
    Stage,
)

MAX_IMPORT_BYTES = 1024 * 2**20
BATCH = 5000
# Refused rows beyond this many are counted but not stored one by one.
MAX_STORED_ERRORS = 10_000
csv.field_size_limit(1024 * 1024)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (not a CSV, no known columns, …)."""


class RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        self.column = column
        self.message = message
        super().__init__(f"{column}: {message}")


# -- what each kind of record can hold ------------------------------------------

FIELDS: dict[str, dict[str, str]] = {
    ImportKind.LEADS: {
        "source_id": "Id in the source system",
        "email": "Email",
        "first_name": "First name",
        "last_name": "Last name",
        "name": "Full name",
        "company": "Company",
        "source": "Lead source",
        "campaign": "Campaign",
        "owner": "Owner (email or name)",
        "stage": "Lifecycle stage",
        "status": "Lead status (accepted / rejected)",
        "rejection_reason": "Rejection reason",
        "created_at": "Create date",
        "lead_at": "Became a lead",
        "mql_at": "Became an MQL",
        "accepted_at": "Accepted on",
        "rejected_at": "Rejected on",
        "sql_at": "Became an SQL",
        "opportunity_at": "Became an opportunity",
        "customer_at": "Became a customer",
        "first_touch_at": "First touch",
        "updated_at": "Last modified",
    },
    ImportKind.CONTACTS: {
        "source_id": "Id in the source system",
        "email": "Email",
        "first_name": "First name",
        "last_name": "Last name",
        "name": "Full name",
        "company": "Company",
        "account": "Account id or name",
        "language": "Language",
        "owner": "Owner (email or name)",
    },
    ImportKind.ACCOUNTS: {
        "source_id": "Id in the source system",
        "name": "Name",
        "domain": "Domain",
        "industry": "Industry",
        "region": "Region / country",
        "owner": "Owner (email or name)",
    },
    ImportKind.OPPORTUNITIES: {
        "source_id": "Id in the source system",
        "name": "Name",
        "account": "Account id or name",
        "amount": "Amount",
        "currency": "Currency",
        "stage": "Stage",
        "won": "Won (true/false)",
        "closed": "Closed (true/false)",
        "created_on": "Created",
        "close_date": "Close date",
        "source": "Source",
        "primary_campaign": "Primary campaign",
        "campaigns": "Influencing campaigns (separated by ;)",
        "owner": "Owner (email or name)",
    },
}
REQUIRED: dict[str, list[str]] = {
    ImportKind.LEADS: ["source_id"],
    ImportKind.CONTACTS: ["source_id"],
    ImportKind.ACCOUNTS: ["source_id", "name"],
    ImportKind.OPPORTUNITIES: ["source_id", "name"],
}

# Column headers of the real exports, lower-cased -> field.
HUBSPOT_CONTACTS = {
    "record id": "source_id",
    "contact id": "source_id",
    "email": "email",
    "first name": "first_name",
    "last name": "last_name",
    "company name": "company",
    "associated company": "company",
    "original source": "source",
    "original source type": "source",
    "campaign": "campaign",
    "utm campaign": "campaign",
    "first conversion": "campaign",
    "contact owner": "owner",
    "hubspot owner": "owner",
    "lifecycle stage": "stage",
    "lead status": "status",
    "rejection reason": "rejection_reason",
    "create date": "created_at",
    "became a lead date": "lead_at",
    "became a marketing qualified lead date": "mql_at",
    "became a sales qualified lead date": "sql_at",
    "became an opportunity date": "opportunity_at",
    "became a customer date": "customer_at",
    "date of first engagement": "first_touch_at",
    "first engagement date": "first_touch_at",
    "last modified date": "updated_at",
    "preferred language": "language",
    "associated company ids": "account",
    "associated company id": "account",
}
FORMATS: dict[str, dict[str, dict[str, str]]] = {
    ImportFormat.HUBSPOT: {
        ImportKind.LEADS: HUBSPOT_CONTACTS,
        ImportKind.CONTACTS: HUBSPOT_CONTACTS,
        ImportKind.ACCOUNTS: {
            "record id": "source_id",
            "company id": "source_id",
            "company name": "name",
            "name": "name",
            "company domain name": "domain",
            "website url": "domain",
            "industry": "industry",
            "country/region": "region",
            "country": "region",
            "company owner": "owner",
        },
        ImportKind.OPPORTUNITIES: {
            "record id": "source_id",
            "deal id": "source_id",
            "deal name": "name",
            "associated company": "account",
            "associated company ids": "account",
            "amount": "amount",
            "currency": "currency",
            "deal currency code": "currency",
            "deal stage": "stage",
            "is closed won": "won",
            "is deal closed?": "closed",
            "create date": "created_on",
            "close date": "close_date",
            "original source type": "source",
            "original source": "source",
            "campaign": "primary_campaign",
            "primary campaign": "primary_campaign",
            "influencing campaigns": "campaigns",
            "deal owner": "owner",
        },
    },
    ImportFormat.SALESFORCE: {
        ImportKind.LEADS: {
            "lead id": "source_id",
            "id": "source_id",
            "email": "email",
            "first name": "first_name",
            "last name": "last_name",
            "company / account": "company",
            "company": "company",
            "lead source": "source",
            "campaign name": "campaign",
            "primary campaign source": "campaign",
            "lead owner": "owner",
            "lead status": "status",
            "status": "status",
            "unqualified reason": "rejection_reason",
            "rejection reason": "rejection_reason",
            "create date": "created_at",
            "created date": "created_at",
            "mql date": "mql_at",
            "accepted date": "accepted_at",
            "rejected date": "rejected_at",
            "sql date": "sql_at",
            "converted date": "opportunity_at",
            "first activity": "first_touch_at",
            "first touch date": "first_touch_at",
            "last modified date": "updated_at",
        },
        ImportKind.CONTACTS: {
            "contact id": "source_id",
            "email": "email",
            "first name": "first_name",
            "last name": "last_name",
            "account name": "company",
            "account id": "account",
            "contact owner": "owner",
            "preferred language": "language",
        },
        ImportKind.ACCOUNTS: {
            "account id": "source_id",
            "account name": "name",
            "website": "domain",
            "industry": "industry",
            "billing country": "region",
            "account owner": "owner",
        },
        ImportKind.OPPORTUNITIES: {
            "opportunity id": "source_id",
            "opportunity name": "name",
            "account name": "account",
            "account id": "account",
            "amount": "amount",
            "amount currency": "currency",
            "opportunity currency": "currency",
            "stage": "stage",
            "won": "won",
            "closed": "closed",
            "created date": "created_on",
            "close date": "close_date",
            "lead source": "source",
            "primary campaign source": "primary_campaign",
            "influencing campaigns": "campaigns",
            "opportunity owner": "owner",
        },
    },
}
SOURCE_OF_FORMAT = {
    ImportFormat.HUBSPOT: SourceSystem.HUBSPOT,
    ImportFormat.SALESFORCE: SourceSystem.SALESFORCE,
    ImportFormat.GENERIC: SourceSystem.CSV,
}

# Lifecycle stages as HubSpot, Salesforce and people write them.
STAGES = {
    "subscriber": Stage.LEAD,
    "lead": Stage.LEAD,
    "other": Stage.LEAD,
    "marketingqualifiedlead": Stage.MQL,
    "marketing qualified lead": Stage.MQL,
    "mql": Stage.MQL,
    "accepted": Stage.ACCEPTED,
    "sales accepted lead": Stage.ACCEPTED,
    "sal": Stage.ACCEPTED,
    "rejected": Stage.REJECTED,
    "salesqualifiedlead": Stage.SQL,
    "sales qualified lead": Stage.SQL,
    "sql": Stage.SQL,
    "opportunity": Stage.OPPORTUNITY,
    "customer": Stage.CUSTOMER,
    "evangelist": Stage.CUSTOMER,
}
ACCEPT_STATUSES = {
    "open_deal",
    "open deal",
    "in_progress",
    "in progress",
    "connected",
    "accepted",
    "working - contacted",
    "closed - converted",
    "qualified",
}
REJECT_STATUSES = {"unqualified", "closed - not converted", "rejected", "disqualified"}
TOUCH_STATUSES = {"attempted_to_contact", "attempted to contact", "connected", "in_progress"}
TOUCH_STATUSES |= {"in progress", "working - contacted"}
REASONS = {label.lower(): value for value, label in RejectionReason.choices} | {
    value: value for value in RejectionReason.values
}
TRUE = {"true", "yes", "1", "won", "y", "wahr", "oui"}
FALSE = {"false", "no", "0", "n", "", "lost", "falsch", "non"}


# -- parsing values -------------------------------------------------------------

_SLASH = re.compile(
    r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_AMOUNT_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")
_AMOUNT_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_AMOUNT_EURO = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$|^-?\d+,\d{1,2}$")


class DateParser:
    """Dates as the exports write them, cached (dates repeat across rows).

    ISO (``2026-03-05``, ``2026-03-05 14:22``, ``…T14:22:00Z``), US
    (``3/5/2026 2:15 PM``, Salesforce in en_US) or day-first with
    ``day_first`` (``05/03/2026``, ``05.03.2026`` is always day-first).
    """

    def __init__(self, zone: ZoneInfo, *, day_first: bool = False) -> None:
        self.zone = zone
        self.day_first = day_first
        self._cache: dict[str, datetime] = {}

    def __call__(self, column: str, text: str) -> datetime | None:
        text = text.strip()
        if not text:
            return None
        found = self._cache.get(text)
        if found is None:
            found = self._parse(column, text)
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[text] = found
        return found

    def _parse(self, column: str, text: str) -> datetime:
        try:
            if len(text) >= 10 and text[4] == "-":
                value = datetime.fromisoformat(text.replace("Z", "+00:00"))
            elif text.isdigit() and len(text) >= 12:
                # Epoch milliseconds, as HubSpot's API and some exports write them.
                return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
            else:
                match = _SLASH.match(text)
                if match is None:
                    raise ValueError
                a, b, year, hour, minute, second, ampm = match.groups()
                day_first = self.day_first or "." in text[:6]
                day, month = (int(a), int(b)) if day_first else (int(b), int(a))
                h = int(hour or 0)
                if ampm:
                    if not 1 <= h <= 12:
                        raise ValueError
                    h = h % 12 + (12 if ampm.lower() == "pm" else 0)
                value = datetime(int(year), month, day, h, int(minute or 0), int(second or 0))
        except ValueError:
            raise RowError(
                column, f"'{text[:40]}' is not a date (e.g. 2026-03-31 or 3/31/2026)."
            ) from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.zone)
        return value.astimezone(UTC)


def parse_amount(column: str, text: str) -> Decimal:
    """``12500``, ``12,500.00``, ``$12,500``, ``12.500,00``; not ``12,5k``."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    for symbol in ("$", "€", "£", "USD", "EUR", "GBP"):
        cleaned = cleaned.replace(symbol, "")
    if not cleaned:
        return Decimal(0)
    if _AMOUNT_PLAIN.match(cleaned):
        number = cleaned
    elif _AMOUNT_THOUSANDS.match(cleaned):
        number = cleaned.replace(",", "")
    elif _AMOUNT_EURO.match(cleaned):
        number = cleaned.replace(".", "").replace(",", ".")
    else:
        raise RowError(column, f"'{text[:40]}' is not an amount (write 12500 or 12,500.00).")
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise RowError(column, f"'{text[:40]}' is not an amount.") from None
    if abs(value) >= Decimal("1e14"):
        raise RowError(column, f"'{text[:40]}' is too large an amount.")
    return value.quantize(Decimal("0.01"))


def parse_bool(column: str, text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise RowError(column, f"'{text[:40]}' is not true or false.")


# -- reading the file -------------------------------------------------------------


class CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read, for the progress bar."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


def open_csv(raw: IO[bytes]) -> tuple[CountingReader, Iterator[list[str]]]:
    """The counting reader and a row iterator over the file, decoded and split by
    the shared reader's rules (``accord.lib.csvfile``: UTF-8 with or without
    BOM, UTF-16, else Windows-1252; comma, semicolon or tab), streamed."""
    counting = CountingReader(raw)
    try:
        text, delimiter = open_text(counting)
    except CsvFileError as error:
        raise ImportFileError(str(error)) from None
    return counting, csv.reader(text, delimiter=delimiter)


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


# -- the import ----------------------------------------------------------------------


@dataclass
class Progress:
    rows_seen: int = 0
    rows_imported: int = 0
    rows_refused: int = 0
    bytes_done: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)


ProgressCallback = Callable[[ImportRun], None]


class Importer:
    """One import run over one file. Use ``run_import`` rather than this directly."""

    def __init__(self, run: ImportRun, *, day_first: bool = False) -> None:
        self.run = run
        self.organization: Organization = run.organization
        self.kind = run.kind
        self.source_system = SOURCE_OF_FORMAT[ImportFormat(run.format)]
        self.zone = ZoneInfo(self.organization.time_zone)
        self.dates = DateParser(self.zone, day_first=day_first or run.day_first)
        self._owners: dict[str, int] | None = None
        self._campaigns: dict[str, int] = {}
        self._accounts: dict[str, int] = {}

    # columns -----------------------------------------------------------------

    def header_map(self, header: list[str]) -> dict[str, int]:
        """Field -> column index, from the export format or the saved mapping."""
        cleaned = [h.strip().lstrip("\ufeff") for h in header]
        positions = {normalise_header(h): i for i, h in enumerate(cleaned) if h}
        found: dict[str, int] = {}
        if self.run.format == ImportFormat.GENERIC:
            mapping: ColumnMapping | None = self.run.mapping
            columns = mapping.columns if mapping else {}
            missing = [c for c in columns.values() if normalise_header(c) not in positions]
            if missing:
                raise ImportFileError(
                    f"The mapping names columns this file does not have: {', '.join(missing)}."
                )
            found = {f: positions[normalise_header(c)] for f, c in columns.items()}
        else:
            known = FORMATS[self.run.format][self.kind]
            for header_name, index in positions.items():
                target = known.get(header_name)
                if target is not None and target not in found:
                    found[target] = index
        if self.kind == ImportKind.CONTACTS and "email" in found and "source_id" not in found:
            found["source_id"] = found["email"]
        if self.kind == ImportKind.LEADS and "email" in found and "source_id" not in found:
            found["source_id"] = found["email"]
        missing_required = [f for f in REQUIRED[self.kind] if f not in found]
        if missing_required:
            expected = sorted(
                h
                for h, f in FORMATS.get(self.run.format, {}).get(self.kind, {}).items()
                if f in missing_required
            )
            hint = f" (expected a column like: {', '.join(expected)})" if expected else ""
            raise ImportFileError(
                f"This does not look like a {ImportFormat(self.run.format).label} of "
                f"{self.kind}: no column for {', '.join(missing_required)}{hint}."
            )
        self.headers = cleaned
        return found

    # lookups ------------------------------------------------------------------

    def owner_id(self, text: str) -> int | None:
        if not text.strip():
            return None
        if self._owners is None:
            self._owners = {}
            for pk, email, name in Membership.objects.filter(
                organization=self.organization
            ).values_list("pk", "user__email", "user__name"):
                self._owners[email.lower()] = pk
                if name:
                    self._owners.setdefault(name.lower(), pk)
        # Unknown owners are left empty: CRMs have users who are not members.
        return self._owners.get(text.strip().lower())

    def campaign_id(self, text: str) -> int | None:
        name = text.strip()[:200]
        if not name or self.run.dry_run:
            return None
        found = self._campaigns.get(name)
        if found is None:
            campaign = Campaign.objects.filter(organization=self.organization, name=name).first()
            if campaign is None:
                campaign, _ = Campaign.objects.get_or_create(
                    organization=self.organization,
                    source_system=self.source_system,
                    source_id=name[:120],
                    defaults={"name": name},
                )
            found = self._campaigns[name] = campaign.pk
        return found

    def account_id(self, text: str) -> int | None:
        key = text.strip().split(";")[0].strip()[:200]
        if not key or self.run.dry_run:
            return None
        found = self._accounts.get(key)
        if found is None:
            account = (
                Account.objects.filter(organization=self.organization, source_id=key).first()
                or Account.objects.filter(organization=self.organization, name=key).first()
            )
            if account is None:
                account, _ = Account.objects.get_or_create(
                    organization=self.organization,
                    source_system=self.source_system,
                    source_id=key[:120],
                    defaults={"name": key},
                )
            found = self._accounts[key] = account.pk
        return found

    # rows -----------------------------------------------------------------------

    def _name(self, get: Callable[[str], str]) -> str:
        name = get("name").strip()
        if not name:
            name = f"{get('first_name').strip()} {get('last_name').strip()}".strip()
        return name[:200]

    def _email(self, get: Callable[[str], str]) -> str:
        email = get("email").strip().lower()
        if email and ("@" not in email or len(email) > 254):
            raise RowError("email", f"'{email[:40]}' is not an email address.")
        return email

    def column(self, field_name: str) -> str:
        """The file's header for a field (errors name the column the user sees)."""
        index = self.index.get(field_name)
        return self.headers[index] if index is not None else field_name

    def lead_row(self, get: Callable[[str], str]) -> tuple[Any, ...]:
        dates = self.dates
        source_id = get("source_id").strip()[:120]
        if not source_id:
            raise RowError("source_id", "is empty; every record needs its id.")
        stage_text = get("stage").strip()
        stage = Stage.LEAD
        if stage_text:
            found = STAGES.get(stage_text.lower())
            if found is None:
                raise RowError(
                    "stage",
                    f"unknown lifecycle stage '{stage_text[:40]}' (expected lead, MQL, SQL, "
                    "opportunity, customer or HubSpot's names for them).",
                )
            stage = found
        created = dates("created_at", get("created_at"))
        lead_at = dates("lead_at", get("lead_at")) or created
        mql_at = dates("mql_at", get("mql_at"))
        sql_at = dates("sql_at", get("sql_at"))
        opportunity_at = dates("opportunity_at", get("opportunity_at"))
        customer_at = dates("customer_at", get("customer_at"))
        accepted_at = dates("accepted_at", get("accepted_at"))
        rejected_at = dates("rejected_at", get("rejected_at"))
        first_touch_at = dates("first_touch_at", get("first_touch_at"))
        updated_at = dates("updated_at", get("updated_at"))
        # A stage reached without its date: the best earlier date we know.
        if mql_at is None and stage not in (Stage.LEAD,):
            mql_at = lead_at
        if mql_at is None and self.run.format == ImportFormat.SALESFORCE:
            # A Salesforce lead is, by convention, a lead handed to sales.
            mql_at = lead_at
        if stage in (Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER) and sql_at is None:
            sql_at = opportunity_at or customer_at or mql_at
        if stage in (Stage.OPPORTUNITY, Stage.CUSTOMER) and opportunity_at is None:
            opportunity_at = customer_at or sql_at
        if stage == Stage.CUSTOMER and customer_at is None:
            customer_at = opportunity_at
        status = get("status").strip().lower()
        reason_text = get("rejection_reason").strip()
        reason, rejection_text = "", ""
        # A decision read from a status has no date of its own: the record's last
        # change, else its latest date. Never "now": a re-run must write the same.
        known = [d for d in (mql_at, first_touch_at, sql_at, opportunity_at, customer_at) if d]
        decided_at = updated_at or (max(known) if known else lead_at)
        if status in REJECT_STATUSES or stage == Stage.REJECTED or rejected_at:
            rejected_at = rejected_at or decided_at
            reason = REASONS.get(reason_text.lower(), RejectionReason.OTHER if reason_text else "")
            if reason == RejectionReason.OTHER and reason_text.lower() not in REASONS:
                rejection_text = reason_text[:500]
            reason = reason or RejectionReason.OTHER
            if not rejection_text and reason == RejectionReason.OTHER:
                rejection_text = status or "Rejected in the CRM"
            stage = Stage.REJECTED if stage in (Stage.LEAD, Stage.MQL) else stage
        elif status in ACCEPT_STATUSES or stage == Stage.ACCEPTED:
            accepted_at = accepted_at or decided_at
        if status in TOUCH_STATUSES and first_touch_at is None:
            first_touch_at = updated_at
        if mql_at is not None and stage == Stage.LEAD:
            stage = Stage.MQL
        if mql_at is None:
            # A status on a lead that never became an MQL is no hand-off decision.
            accepted_at = rejected_at = None
            reason = rejection_text = ""
            stage = Stage.LEAD
        mql_month = mql_at.astimezone(self.zone).strftime("%Y-%m") if mql_at else ""
        return (
            self.organization.pk,
            self.source_system,
            source_id,
            self._email(get),
            self._name(get),
            get("company").strip()[:200],
            get("source").strip()[:120],
            self.campaign_id(get("campaign")),
            self.owner_id(get("owner")),
            str(stage),
            lead_at,
            mql_at,
            mql_month,
            accepted_at,
            None if accepted_at else rejected_at,
            "" if accepted_at else reason,
            "" if accepted_at else rejection_text,
            sql_at,
            opportunity_at,
            customer_at,
            first_touch_at,
        )

    def contact_row(self, get: Callable[[str], str]) -> tuple[Any, ...]:
        source_id = get("source_id").strip()[:120]
        if not source_id:
            raise RowError("source_id", "is empty; every record needs its id.")
        known = set(self.index.values())
        attributes = {
            self.headers[i]: value
            for i, value in enumerate(self._raw)
            if i not in known and i < len(self.headers) and value and len(value) < 200
        }
        return (
            self.organization.pk,
            self.source_system,
            source_id,
            self._email(get),
            self._name(get),
            get("company").strip()[:200],
            self.account_id(get("account")),
            get("language").strip()[:10],
            self.owner_id(get("owner")),
            attributes,
        )

    def account_row(self, get: Callable[[str], str]) -> tuple[Any, ...]:
        source_id = get("source_id").strip()[:120]
        name = get("name").strip()[:200]
        if not source_id:
            raise RowError("source_id", "is empty; every record needs its id.")
        if not name:
            raise RowError("name", "is empty; an account needs a name.")
        return (
            self.organization.pk,
            self.source_system,
            source_id,
            name,
            get("domain").strip()[:200],
            get("industry").strip()[:120],
            get("region").strip()[:120],
            self.owner_id(get("owner")),
        )

    def opportunity_row(self, get: Callable[[str], str]) -> tuple[Any, ...]:
        source_id = get("source_id").strip()[:120]
        name = get("name").strip()[:200]
        if not source_id:
            raise RowError("source_id", "is empty; every record needs its id.")
        if not name:
            raise RowError("name", "is empty; a deal needs a name.")
        amount = parse_amount("amount", get("amount"))
        currency = (get("currency").strip().upper() or "USD")[:3]
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise RowError("currency", f"'{currency}' is not a currency code like EUR.")
        created = self.dates("created_on", get("created_on"))
        closing = self.dates("close_date", get("close_date"))
        stage = get("stage").strip()[:80]
        won_text, closed_text = get("won"), get("closed")
        won = parse_bool("won", won_text) if won_text.strip() else None
        closed = parse_bool("closed", closed_text) if closed_text.strip() else None
        lowered = stage.lower()
        if won is None:
            won = "closed won" in lowered or lowered == "closedwon" or lowered == "won"
        if closed is None:
            closed = won or "closed lost" in lowered or lowered in ("closedlost", "lost")
        status = (
            OpportunityStatus.WON
            if won
            else OpportunityStatus.LOST
            if closed
            else OpportunityStatus.OPEN
        )
        campaigns = [c.strip() for c in get("campaigns").split(";") if c.strip()]
        self._touches.append((source_id, [self.campaign_id(c) for c in campaigns], created))
        return (
            self.organization.pk,
            self.source_system,
            source_id,
            name,
            self.account_id(get("account")),
            amount,
            currency,
            stage,
            str(status),
            created.astimezone(self.zone).date() if created else None,
            closing.astimezone(self.zone).date() if closing else None,
            get("source").strip()[:120],
            self.campaign_id(get("primary_campaign")),
            self.owner_id(get("owner")),
        )

    TABLES: dict[str, tuple[type[Any], list[str], dict[str, str]]] = {
        ImportKind.LEADS: (Lead, LEAD_COLUMNS, LEAD_EXPRESSIONS),
        ImportKind.CONTACTS: (
            Contact,
            [
                "organization_id",
                "source_system",
                "source_id",
                "email",
                "name",
                "company",
                "account_id",
                "language",
                "owner_id",
                "attributes",
            ],
            {},
        ),
        ImportKind.ACCOUNTS: (
            Account,
            [
                "organization_id",
                "source_system",
                "source_id",
                "name",
                "domain",
                "industry",
                "region",
                "owner_id",
            ],
            {},
        ),
        ImportKind.OPPORTUNITIES: (
            Opportunity,
            [
                "organization_id",
                "source_system",
                "source_id",
                "name",
                "account_id",
                "amount",
                "currency",
                "stage",
                "status",
                "created_on",
                "close_date",
                "source",
                "primary_campaign_id",
                "owner_id",
            ],
            {},
        ),
    }

    def _write(self, rows: dict[str, tuple[Any, ...]]) -> None:
        model, columns, expressions = self.TABLES[self.kind]
        values = list(rows.values())
        if self.kind == ImportKind.CONTACTS:
            import json

            index = columns.index("attributes")
            values = [(*r[:index], json.dumps(r[index]), *r[index + 1 :]) for r in values]
        upsert(table=model._meta.db_table, columns=columns, rows=values, expressions=expressions)
        if self.kind == ImportKind.OPPORTUNITIES and self._touches:
            ids = dict(
                Opportunity.objects.filter(
                    organization=self.organization,
                    source_system=self.source_system,
                    source_id__in=[t[0] for t in self._touches],
                ).values_list("source_id", "pk")
            )
            OpportunityTouch.objects.bulk_create(
                [
                    OpportunityTouch(
                        organization=self.organization,
                        opportunity_id=ids[source_id],
                        campaign_id=campaign,
                        touched_at=created,
                    )
                    for source_id, campaigns, created in self._touches
                    for campaign in campaigns
                    if campaign is not None and source_id in ids
                ],
                ignore_conflicts=True,
            )

    def execute(self, raw: IO[bytes], on_progress: ProgressCallback | None = None) -> ImportRun:
        """Read, check and write the whole file; the run records progress per batch."""
        run = self.run
        counting, reader = open_csv(raw)
        try:
            header = next(reader)
        except StopIteration:
            raise ImportFileError("The file is empty.") from None
        except csv.Error as error:
            raise ImportFileError(f"This is not a CSV file: {error}.") from None
        self.index = self.header_map(header)
        build = self._builder()
        positions = list(self.index.items())
        # Every field the row builder may ask for, empty unless the file has it.
        blank = dict.fromkeys(FIELDS[self.kind], "")
        needed = max(self.index.values(), default=-1) + 1
        # A resumed run skips the batches already committed.
        skip = run.rows_seen
        row_number = 1
        batch: dict[str, tuple[Any, ...]] = {}
        errors: list[tuple[int, str, str]] = []
        self._touches: list[tuple[str, list[int | None], datetime | None]] = []
        seen = 0
        while True:
            try:
                raw_row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                row_number += 1
                seen += 1
                if seen > skip:
                    errors.append((row_number, "", f"cannot be read as CSV: {error}"))
                continue
            row_number += 1
            if not raw_row or (len(raw_row) == 1 and not raw_row[0].strip()):
                continue
            seen += 1
            if seen <= skip:
                continue
            self._raw = raw_row
            width = len(raw_row)
            values = dict(blank)
            if width >= needed:
                for f, i in positions:
                    values[f] = raw_row[i]
            else:
                for f, i in positions:
                    values[f] = raw_row[i] if i < width else ""
            try:
                record = build(values.__getitem__)
            except RowError as error:
                errors.append((row_number, self.column(error.column), error.message))
            else:
                batch[record[2]] = record
            if seen - skip and (len(batch) + len(errors)) >= BATCH:
                self._commit(batch, errors, seen, counting.count)
                batch, errors, self._touches = {}, [], []
                if on_progress:
                    on_progress(run)
        self._commit(batch, errors, seen, counting.count)
        run.status = ImportStatus.DONE
        run.finished_at = timezone.now()
        run.bytes_done = run.file_size or counting.count
        run.save(update_fields=["status", "finished_at", "bytes_done"])
        if on_progress:
            on_progress(run)
        return run

    def execute_records(
        self, records: Iterable[dict[str, str]], *, labels: dict[str, str]
    ) -> ImportRun:
        """Check and write records that a CRM's API returned, in batches.

        ``records`` map Accord's field names to text as the CRM wrote it;
        ``labels`` map each field to the CRM's property name, used in messages.
        A refused record's "row" is its position in this sync.
        """
        run = self.run
        self.headers = list(labels.values())
        self.index = {name: i for i, name in enumerate(labels)}
        self._raw = []
        build = self._builder()
        blank = dict.fromkeys(FIELDS[self.kind], "")
        batch: dict[str, tuple[Any, ...]] = {}
        errors: list[tuple[int, str, str]] = []
        self._touches = []
        seen = 0
        for values in records:
            seen += 1
            try:
                filled = dict(blank)
                filled.update({k: v or "" for k, v in values.items() if k in blank})
                record = build(filled.__getitem__)
            except RowError as error:
                errors.append(
                    (
                        seen,
                        self.column(error.column),
                        f"{values.get('source_id', '')}: {error.message}",
                    )
                )
            else:
                batch[record[2]] = record
            if len(batch) + len(errors) >= BATCH:
                self._commit(batch, errors, seen, 0)
                batch, errors, self._touches = {}, [], []
        self._commit(batch, errors, seen, 0)
        run.status = ImportStatus.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])
        return run

    def _builder(self) -> Callable[[Callable[[str], str]], tuple[Any, ...]]:
        return {
            ImportKind.LEADS: self.lead_row,
            ImportKind.CONTACTS: self.contact_row,
            ImportKind.ACCOUNTS: self.account_row,
            ImportKind.OPPORTUNITIES: self.opportunity_row,
        }[ImportKind(self.kind)]

    def _commit(
        self,
        batch: dict[str, tuple[Any, ...]],
        errors: list[tuple[int, str, str]],
        seen: int,
        bytes_done: int,
    ) -> None:
        run = self.run
        with transaction.atomic():
            if batch and not run.dry_run:
                self._write(batch)
            stored = ImportRowError.objects.filter(run=run).count() if errors else 0
            room = max(0, MAX_STORED_ERRORS - stored)
            ImportRowError.objects.bulk_create(
                [
                    ImportRowError(
                        organization=run.organization,
                        run=run,
                        row=row,
                        column=col[:200],
                        message=message[:500],
                    )
                    for row, col, message in errors[:room]
                ]
            )
            run.rows_seen = seen
            run.rows_imported += len(batch)
            run.rows_refused += len(errors)
            run.bytes_done = bytes_done
            run.status = ImportStatus.RUNNING
            run.save(
                update_fields=["rows_seen", "rows_imported", "rows_refused", "bytes_done", "status"]
            )


def run_import(
    run: ImportRun,
    raw: IO[bytes],
    *,
    on_progress: ProgressCallback | None = None,
    day_first: bool = False,
) -> ImportRun:
    """Run (or resume) ``run`` over the bytes of its file. A file-level problem marks
    the run failed with the reason; rows already committed stay."""
    try:
        Importer(run, day_first=day_first).execute(raw, on_progress)
    except ImportFileError as error:
        run.status = ImportStatus.FAILED
        run.message = str(error)[:500]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
    if run.status == ImportStatus.DONE and run.kind == ImportKind.LEADS and not run.dry_run:
        # Business hours to first touch and decision are measured by the worker,
        # off the import's hot path.
        from accord.jobs.services import job_enqueue
        from accord.pipeline.jobs import lead_sla_refresh_job

        with transaction.atomic():
            job_enqueue(lead_sla_refresh_job, organization_id=run.organization_id)
    return run


def error_rows(run: ImportRun) -> Iterable[list[str]]:
    """The refused rows as CSV rows (header first), for download."""
    yield ["row", "column", "message"]
    for row, column, message in run.row_errors.values_list("row", "column", "message").iterator():
        yield [str(row), column, message]


def preview_header(raw: IO[bytes]) -> list[str]:
    """The header row of a file, for the column-mapping screen."""
    _, reader = open_csv(raw)
    try:
        return [h.strip().lstrip("\ufeff") for h in next(reader)]
    except (StopIteration, csv.Error):
        raise ImportFileError("The file has no header row.") from None


def to_date(value: datetime | None) -> date | None:
    return value.date() if value else None
