"""Importing CSV exports of HubSpot, Salesforce or any CRM, in flat memory.

The file (CSV or an Excel workbook, read by ``accord.lib.tables``) is read
twice: once to decide each date and amount column's convention from all its
values (``accord.lib.conventions``), then streamed in batches of ``BATCH`` rows. Each
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

Reading the file and its cells is ``import_parsing``; the batch upsert is
``import_writing``; this module runs an import over them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accord.lib.conventions import COMMA, AmountColumn, ConventionError, DateColumn
from accord.lib.csvfile import normalise_header, row_width_error
from accord.lib.emails import email_clean
from accord.lib.salesforce_ids import id18
from accord.lib.tables import Skipped, Table, TableError, Unreadable, open_table
from accord.orgs.models import Membership, Organization
from accord.pipeline import opportunity_rollups, rollups
from accord.pipeline.import_parsing import (
    ACCEPT_STATUSES,
    AMOUNT_FIELDS,
    DATE_FIELDS,
    FIELDS,
    FORMATS,
    REASONS,
    REJECT_STATUSES,
    REQUIRED,
    SOURCE_OF_FORMAT,
    STAGES,
    TOUCH_STATUSES,
    DateParser,
    ImportFileError,
    RowError,
    parse_amount,
    parse_bool,
    stage_key,
)
from accord.pipeline.import_writing import (
    LEAD_COLUMNS,
    LEAD_EXPRESSIONS,
    upsert,
)
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
    StageMapping,
    rollup_month,
)

BATCH = 5000
# A waiting run lists at most this many unmapped stages (more means a wrong column).
MAX_UNMAPPED_SHOWN = 50
REFUSED = ImportRowError.Outcome.REFUSED.value
SKIPPED = ImportRowError.Outcome.SKIPPED.value
# Refused rows beyond this many are counted but not stored one by one.
MAX_STORED_ERRORS = 10_000
# The preview shows this many good rows as they are stored.
PREVIEW_ROWS = 5
# Columns of a stored record the preview leaves out (the organisation, and ids
# it shows as the file's text instead).
NOT_PREVIEWED = {"organization_id", "source_system", "mql_month"}
LOOKED_UP = {
    "campaign_id": "campaign",
    "primary_campaign_id": "primary_campaign",
    "owner_id": "owner",
    "account_id": "account",
}


# -- the import ----------------------------------------------------------------------


def _fit(get: Callable[[str], str], field_name: str, limit: int) -> str:
    """A cell's trimmed text, refused (never cut) when longer than its column."""
    text = get(field_name).strip()
    if len(text) > limit:
        raise RowError(field_name, f"is {len(text)} characters long; at most {limit} fit.")
    return text


@dataclass
class Progress:
    rows_seen: int = 0
    rows_imported: int = 0
    rows_refused: int = 0
    bytes_done: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)


ProgressCallback = Callable[[ImportRun], None]


class StagesUnmapped(Exception):
    """The file names lifecycle stages that neither Accord nor the organisation's
    stage mapping knows; the run waits for a mapping instead of guessing."""

    def __init__(self, labels: list[str], total: int) -> None:
        self.labels = labels
        self.total = total
        more = f" and {total - len(labels)} more" if total > len(labels) else ""
        super().__init__(
            f"{total} lifecycle stage{'s' if total != 1 else ''} Accord does not know: "
            f"{', '.join(repr(label) for label in labels[:10])}{more}. Map each to an "
            "Accord stage (lead, mql, accepted, rejected, sql, opportunity, customer); "
            "nothing is imported until then."
        )


def stage_mapping_of(organization: Organization) -> dict[str, str]:
    """The organisation's own lifecycle stages: compared label -> Accord stage."""
    return dict(StageMapping.objects.filter(organization=organization).values_list("key", "stage"))


class Importer:
    """One import run over one file. Use ``run_import`` rather than this directly."""

    def __init__(
        self,
        run: ImportRun,
        *,
        day_first: bool = False,
        stage_map: dict[str, str] | None = None,
    ) -> None:
        self.run = run
        self.organization: Organization = run.organization
        self.kind = run.kind
        self.source_system = SOURCE_OF_FORMAT[ImportFormat(run.format)]
        self.zone = ZoneInfo(self.organization.time_zone)
        self.dates = DateParser(self.zone, day_first=day_first or run.day_first)
        self.amounts: dict[str, AmountColumn] = {}
        self.salesforce = self.source_system == SourceSystem.SALESFORCE
        self._owners: dict[str, int] | None = None
        self._campaigns: dict[str, int] = {}
        self._accounts: dict[str, int] = {}
        # The organisation's saved mapping, and this run's own additions (a dry
        # run from the command line maps stages without saving them).
        self.stage_map = stage_mapping_of(self.organization) | {
            stage_key(label): stage for label, stage in (stage_map or {}).items()
        }

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

    def _source_id(self, get: Callable[[str], str]) -> str:
        """The record's id; a Salesforce id in its 18-character form, so that a
        report's 15-character ids and the API's 18-character ones meet."""
        source_id = _fit(get, "source_id", 120)
        return id18(source_id) if self.salesforce else source_id

    def account_id(self, text: str) -> int | None:
        key = text.strip().split(";")[0].strip()[:200]
        if self.salesforce:
            key = id18(key)
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
        if len(name) > 200:
            raise RowError("name", f"is {len(name)} characters long; at most 200 fit.")
        return name

    def _email(self, get: Callable[[str], str]) -> str:
        email = get("email").strip()
        if not email:
            return ""
        try:
            return email_clean(email)
        except ValidationError as error:
            raise RowError("email", error.messages[0]) from None

    def column(self, field_name: str) -> str:
        """The file's header for a field (errors name the column the user sees)."""
        index = self.index.get(field_name)
        return self.headers[index] if index is not None else field_name

    def lead_row(self, get: Callable[[str], str]) -> tuple[Any, ...]:
        dates = self.dates
        source_id = self._source_id(get)
        if not source_id:
            raise RowError("source_id", "is empty; every record needs its id.")
        stage_text = get("stage").strip()
        stage = Stage.LEAD
        if stage_text:
            key = stage_key(stage_text)
            found = STAGES.get(key) or self.stage_map.get(key)
            if found is None:
                # A file never gets here (its stages are all checked first and the
                # run waits for a mapping); a CRM sync's record does.
                raise RowError(
                    "stage",
                    f"unknown lifecycle stage '{stage_text[:40]}': map it to an Accord stage "
                    "under Pipeline → Imports → Lifecycle stages, then sync again.",
                )
            stage = Stage(found)
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
        elif (
            status in ACCEPT_STATUSES
            or stage in (Stage.ACCEPTED, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER)
            or accepted_at
        ):
            # A lead sales already took to SQL, an opportunity or a customer was
            # accepted, when it became an SQL at the latest: it is past triage.
            accepted_at = accepted_at or sql_at or decided_at
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
            _fit(get, "company", 200),
            _fit(get, "source", 120),
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
        source_id = self._source_id(get)
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
            _fit(get, "company", 200),
            self.account_id(get("account")),
            _fit(get, "language", 10),
            self.owner_id(get("owner")),
            attributes,
        )

    def account_row(self, get: Callable[[str], str]) -> tuple[Any, ...]:
        source_id = self._source_id(get)
        name = _fit(get, "name", 200)
        if not source_id:
            raise RowError("source_id", "is empty; every record needs its id.")
        if not name:
            raise RowError("name", "is empty; an account needs a name.")
        return (
            self.organization.pk,
            self.source_system,
            source_id,
            name,
            _fit(get, "domain", 200),
            _fit(get, "industry", 120),
            _fit(get, "region", 120),
            self.owner_id(get("owner")),
        )

    def opportunity_row(self, get: Callable[[str], str]) -> tuple[Any, ...]:
        source_id = self._source_id(get)
        name = _fit(get, "name", 200)
        if not source_id:
            raise RowError("source_id", "is empty; every record needs its id.")
        if not name:
            raise RowError("name", "is empty; a deal needs a name.")
        convention = self.amounts.get("amount")
        amount = parse_amount(
            "amount", get("amount"), comma=bool(convention and convention.mark == COMMA)
        )
        currency = (get("currency").strip().upper() or "USD")[:3]
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise RowError("currency", f"'{currency}' is not a currency code like EUR.")
        created = self.dates("created_on", get("created_on"))
        closing = self.dates("close_date", get("close_date"))
        stage = _fit(get, "stage", 80)
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
            _fit(get, "source", 120),
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

    def _mark_rollups(self, columns: list[str], values: list[tuple[Any, ...]]) -> None:
        """Mark the cohort months the batch writes to, and those its leads
        leave (an updated lead may change month), in the batch's transaction."""
        month_at = columns.index("mql_month")
        source_at = columns.index("source_id")
        months = {row[month_at] for row in values}
        months.update(
            Lead.objects.filter(
                organization=self.organization,
                source_system=self.source_system,
                source_id__in=[row[source_at] for row in values],
            )
            .order_by()
            .values_list("mql_month", flat=True)
            .distinct()
        )
        rollups.rollups_mark(self.organization.pk, months)

    def _mark_opportunity_rollups(self, columns: list[str], values: list[tuple[Any, ...]]) -> None:
        """Mark the months the batch's opportunities are filed under, as
        written and as they stood (``opportunity_rollups``), in the batch's
        transaction: the upsert and the touches send no signals."""
        created_at, closed_at = columns.index("created_on"), columns.index("close_date")
        source_at = columns.index("source_id")
        months = {rollup_month(row[created_at]) for row in values}
        months.update(rollup_month(row[closed_at]) for row in values if row[closed_at])
        months.update(
            opportunity_rollups.months_of(
                Opportunity.objects.filter(
                    organization=self.organization,
                    source_system=self.source_system,
                    source_id__in=[row[source_at] for row in values],
                )
            )
        )
        rollups.rollups_mark(self.organization.pk, months)

    def _write(self, rows: dict[str, tuple[Any, ...]]) -> None:
        model, columns, expressions = self.TABLES[self.kind]
        values = list(rows.values())
        if self.kind == ImportKind.OPPORTUNITIES:
            self._mark_opportunity_rollups(columns, values)
        if self.kind == ImportKind.CONTACTS:
            import json

            index = columns.index("attributes")
            values = [(*r[:index], json.dumps(r[index]), *r[index + 1 :]) for r in values]
        if self.kind == ImportKind.LEADS:
            self._mark_rollups(columns, values)
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

    def _open(self, raw: IO[bytes]) -> Table:
        try:
            return open_table(raw, sheet=self.run.sheet or None, reread=True)
        except TableError as error:
            raise ImportFileError(str(error)) from None

    def _decide_conventions(self, table: Table) -> None:
        """Look at every value of the file's date and amount columns and fix each
        column's convention (``accord.lib.conventions``), recorded on the run;
        and at every lifecycle stage, raising ``StagesUnmapped`` for those
        neither Accord nor the organisation's mapping knows."""
        dates = {f: DateColumn(self.column(f)) for f in self.index if f in DATE_FIELDS}
        amounts = {f: AmountColumn(self.column(f)) for f in self.index if f in AMOUNT_FIELDS}
        watched = [(self.index[f], c) for f, c in (dates | amounts).items()]
        stage_at = self.index.get("stage") if self.kind == ImportKind.LEADS else None
        if not watched and stage_at is None:
            return
        unmapped: dict[str, str] = {}
        # A file has a handful of stages over many rows: each text is looked at once.
        stages_seen: set[str] = set()
        for item in table.records():
            if isinstance(item, tuple):
                number, cells = item
                for i, column in watched:
                    if i < len(cells) and cells[i]:
                        column.observe(number, cells[i])
                if stage_at is not None and stage_at < len(cells):
                    text = cells[stage_at]
                    if text in stages_seen:
                        continue
                    if len(stages_seen) < 10_000:
                        stages_seen.add(text)
                    key = stage_key(text)
                    if key and key not in STAGES and key not in self.stage_map:
                        unmapped.setdefault(key, " ".join(text.split())[:200])
        chosen = True if self.run.day_first else None
        described: dict[str, str] = {}
        try:
            for name, column in dates.items():
                column.decide(day_first=chosen, country=self.organization.country)
                if column.shapes:
                    described[column.name] = column.describe()
                self.dates.columns[name] = column
            for name, amount in amounts.items():
                amount.decide(comma_file=table.delimiter == ";")
                described[amount.name] = amount.describe()
                self.amounts[name] = amount
        except ConventionError as error:
            raise ImportFileError(str(error)) from None
        self.run.conventions = described
        self.run.save(update_fields=["conventions"])
        # After the dates: a file refused for them is not worth mapping first.
        if unmapped:
            labels = sorted(unmapped.values(), key=str.lower)
            raise StagesUnmapped(labels[:MAX_UNMAPPED_SHOWN], len(labels))

    def execute(self, raw: IO[bytes], on_progress: ProgressCallback | None = None) -> ImportRun:
        """Read, check and write the whole file; the run records progress per batch.

        The file is read twice: once to decide each date and amount column's
        convention from all its values, then to import it (a workbook's second
        pass reads the text kept from its first).
        """
        run = self.run
        table = self._open(raw)
        self.headers = table.header
        self.index = self.header_map(table.header)
        run.columns = {field_name: self.column(field_name) for field_name in self.index}
        run.save(update_fields=["columns"])
        self._decide_conventions(table)
        try:
            table = table.again(raw)
        except TableError as error:
            raise ImportFileError(str(error)) from None
        build = self._builder()
        positions = list(self.index.items())
        # Every field the row builder may ask for, empty unless the file has it.
        blank = dict.fromkeys(FIELDS[self.kind], "")
        needed = max(self.index.values(), default=-1) + 1
        width_of_header = len(table.header)
        # Rows run into one quoted cell are looked for in CSV text only.
        delimiter = table.delimiter if table.source == "csv" else ""
        # A resumed run skips the rows already committed.
        skip = run.rows_seen
        batch: dict[str, tuple[Any, ...]] = {}
        rows_of: dict[str, int] = {}
        errors: list[tuple[int, str, str, str]] = []
        self._touches: list[tuple[str, list[int | None], datetime | None]] = []
        self.preview: list[dict[str, str]] = []
        seen = 0
        for item in table.records():
            seen += 1
            if seen <= skip:
                continue
            if isinstance(item, Skipped):
                errors.append((item.number, "", f"skipped: {item.reason}.", SKIPPED))
                continue
            if isinstance(item, Unreadable):
                errors.append((item.number, "", item.message, REFUSED))
                continue
            row_number, raw_row = item
            self._raw = raw_row
            width = len(raw_row)
            wrong = row_width_error(raw_row, width_of_header, delimiter)
            if wrong:
                errors.append((row_number, "", wrong, REFUSED))
                continue
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
                errors.append((row_number, self.column(error.column), error.message, REFUSED))
            else:
                if len(self.preview) < PREVIEW_ROWS:
                    self.preview.append(self._previewed(row_number, record, values))
                key = record[2]
                earlier = rows_of.get(key)
                if earlier is not None:
                    errors.append(
                        (
                            earlier,
                            self.column("source_id"),
                            f"skipped: row {row_number} has the same id ({key}) and is "
                            "imported instead.",
                            SKIPPED,
                        )
                    )
                batch[key] = record
                rows_of[key] = row_number
            if (len(batch) + len(errors)) >= BATCH:
                self._commit(batch, errors, seen, table.bytes_read)
                batch, errors, rows_of, self._touches = {}, [], {}, []
                if on_progress:
                    on_progress(run)
        self._commit(batch, errors, seen, table.bytes_read)
        run.status = ImportStatus.DONE
        run.finished_at = timezone.now()
        run.bytes_done = run.file_size or table.bytes_read
        fields = ["status", "finished_at", "bytes_done"]
        if self.preview or not skip:
            # A resumed run keeps the preview of the rows it read first.
            run.preview = self.preview
            fields.append("preview")
        run.save(update_fields=fields)
        if on_progress:
            on_progress(run)
        return run

    def _previewed(
        self, row_number: int, record: tuple[Any, ...], values: dict[str, str]
    ) -> dict[str, str]:
        """A good row as it is stored (column -> text), for the preview: ids of
        looked-up records (owner, campaign, account) shown as the file names them."""
        _, columns, _ = self.TABLES[self.kind]
        shown = {"row": str(row_number)}
        for column, value in zip(columns, record, strict=True):
            if column in NOT_PREVIEWED:
                continue
            if column in LOOKED_UP:
                value = values.get(LOOKED_UP[column], "").strip()
            if isinstance(value, datetime):
                value = value.astimezone(self.zone).isoformat(sep=" ", timespec="minutes")
            elif isinstance(value, dict):
                value = ", ".join(f"{k}: {v}" for k, v in value.items())
            shown[column.removesuffix("_id") if column in LOOKED_UP else column] = (
                "" if value is None else str(value)
            )
        return shown

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
        errors: list[tuple[int, str, str, str]] = []
        positions: dict[str, int] = {}
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
                        REFUSED,
                    )
                )
            else:
                key = record[2]
                if key in positions:
                    errors.append(
                        (
                            positions[key],
                            self.column("source_id"),
                            f"skipped: record {seen} of this sync has the same id ({key}).",
                            SKIPPED,
                        )
                    )
                batch[key] = record
                positions[key] = seen
            if len(batch) + len(errors) >= BATCH:
                self._commit(batch, errors, seen, 0)
                batch, errors, positions, self._touches = {}, [], {}, []
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

    def _stored(self, keys: list[str]) -> dict[str, tuple[Any, ...]]:
        """The stored values of the records with these source ids, as the upsert
        writes them (to tell updated from unchanged)."""
        model, columns, _ = self.TABLES[self.kind]
        compared = [c for c in columns if c not in ("organization_id", "source_system")]
        found: dict[str, tuple[Any, ...]] = {}
        # SQLite allows 32,766 parameters per statement; a batch is far below.
        for row in model.objects.filter(
            organization=self.organization, source_system=self.source_system, source_id__in=keys
        ).values_list(*compared):
            found[row[0]] = row
        return found

    def _write_counted(self, batch: dict[str, tuple[Any, ...]]) -> tuple[int, int, int]:
        """Write the batch; (created, updated, unchanged) by comparing each record
        before and after (the upsert keeps some stored values, see ``LEAD_EXPRESSIONS``)."""
        keys = list(batch)
        before = self._stored(keys)
        self._write(batch)
        after = self._stored(list(before)) if before else {}
        updated = sum(1 for key, row in before.items() if after.get(key) != row)
        return len(batch) - len(before), updated, len(before) - updated

    def _commit(
        self,
        batch: dict[str, tuple[Any, ...]],
        errors: list[tuple[int, str, str, str]],
        seen: int,
        bytes_done: int,
    ) -> None:
        run = self.run
        created = updated = unchanged = 0
        with transaction.atomic():
            if batch:
                if run.dry_run:
                    # Written and rolled back: a dry run counts exactly what a run would.
                    savepoint = transaction.savepoint()
                    created, updated, unchanged = self._write_counted(batch)
                    transaction.savepoint_rollback(savepoint)
                else:
                    created, updated, unchanged = self._write_counted(batch)
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
                        outcome=outcome,
                    )
                    for row, col, message, outcome in errors[:room]
                ]
            )
            skipped = sum(1 for error in errors if error[3] == SKIPPED)
            run.rows_seen = seen
            run.rows_imported += len(batch)
            run.rows_created += created
            run.rows_updated += updated
            run.rows_unchanged += unchanged
            run.rows_skipped += skipped
            run.rows_refused += len(errors) - skipped
            run.bytes_done = bytes_done
            run.status = ImportStatus.RUNNING
            run.save(
                update_fields=[
                    "rows_seen",
                    "rows_imported",
                    "rows_created",
                    "rows_updated",
                    "rows_unchanged",
                    "rows_skipped",
                    "rows_refused",
                    "bytes_done",
                    "status",
                ]
            )


def run_import(
    run: ImportRun,
    raw: IO[bytes],
    *,
    on_progress: ProgressCallback | None = None,
    day_first: bool = False,
    stage_map: dict[str, str] | None = None,
) -> ImportRun:
    """Run (or resume) ``run`` over the bytes of its file. A file-level problem marks
    the run failed with the reason; rows already committed stay. Lifecycle stages
    nobody has mapped leave the run waiting, with nothing written, and listed in
    ``run.unmapped_stages``; ``stage_map`` (label -> stage) adds to the
    organisation's saved mapping for this run only."""
    try:
        Importer(run, day_first=day_first, stage_map=stage_map).execute(raw, on_progress)
    except StagesUnmapped as waiting:
        run.status = ImportStatus.WAITING
        run.unmapped_stages = waiting.labels
        run.message = str(waiting)[:500]
        run.save(update_fields=["status", "unmapped_stages", "message"])
    except (ImportFileError, TableError) as error:
        # TableError: a workbook found damaged partway through (a CSV's bad
        # rows are refused one by one instead).
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


def preview_header(raw: IO[bytes], *, sheet: str | None = None) -> list[str]:
    """The header row of a file (CSV or .xlsx), for the column-mapping screen
    and to recognise its format."""
    try:
        return open_table(raw, sheet=sheet).header
    except TableError as error:
        raise ImportFileError(str(error)) from None


def to_date(value: datetime | None) -> date | None:
    return value.date() if value else None


def preview_columns(kind: str) -> list[str]:
    """The columns of a run's preview rows, in the order stored records have
    them (a JSON column on PostgreSQL does not keep the order of keys)."""
    _, columns, _ = Importer.TABLES[kind]
    return ["row"] + [
        column.removesuffix("_id") if column in LOOKED_UP else column
        for column in columns
        if column not in NOT_PREVIEWED
    ]


def preview_rows(run: ImportRun) -> list[list[str]]:
    """The run's preview rows as lists, in ``preview_columns`` order."""
    order = preview_columns(run.kind)
    return [[row.get(column, "") for column in order] for row in run.preview]


def column_mapping(run: ImportRun) -> list[tuple[str, str]]:
    """(Accord field's label, the file's column) for each field the run reads,
    in the order of the kind's fields."""
    labels = FIELDS[run.kind]
    known = [(labels[f], run.columns[f]) for f in labels if f in run.columns]
    return known + [(f, c) for f, c in run.columns.items() if f not in labels]
