"""Reading CRM exports for the pipeline importer: the file (through the shared
CSV reader), the columns each export format names, and the values in cells
(dates, amounts, yes/no). No database writes here; see ``importer``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from accord.lib.conventions import DAY_FIRST, DateColumn, parse_date
from accord.lib.conventions import parse_amount as conventions_parse_amount
from accord.lib.csvfile import normalise_header
from accord.pipeline.models import (
    ImportFormat,
    ImportKind,
    RejectionReason,
    SourceSystem,
    Stage,
)

MAX_IMPORT_BYTES = 1024 * 2**20


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
# HubSpot's internal property names (field -> property), as its API returns
# them and as an export "with internal names" heads its columns; the CRM sync
# asks for the same properties.
HUBSPOT_CONTACT_PROPERTIES = {
    "source_id": "hs_object_id",
    "email": "email",
    "first_name": "firstname",
    "last_name": "lastname",
    "company": "company",
    "source": "hs_analytics_source",
    "owner": "hubspot_owner_id",
    "stage": "lifecyclestage",
    "status": "hs_lead_status",
    "created_at": "createdate",
    "lead_at": "hs_lifecyclestage_lead_date",
    "mql_at": "hs_lifecyclestage_marketingqualifiedlead_date",
    "sql_at": "hs_lifecyclestage_salesqualifiedlead_date",
    "opportunity_at": "hs_lifecyclestage_opportunity_date",
    "customer_at": "hs_lifecyclestage_customer_date",
    "first_touch_at": "hs_sa_first_engagement_date",
    "updated_at": "lastmodifieddate",
    "language": "hs_language",
}
HUBSPOT_CONTACTS |= {name: field for field, name in HUBSPOT_CONTACT_PROPERTIES.items()}
# The column headers of an export from a portal whose users work in German
# (HubSpot's German property labels).
HUBSPOT_CONTACTS |= {
    "datensatz-id": "source_id",
    "vorname": "first_name",
    "nachname": "last_name",
    "e-mail": "email",
    "lebenszyklusphase": "stage",
    "lifecycle-phase": "stage",
    "zuständiger mitarbeiter für kontakt": "owner",
    "zuständiger mitarbeiter in hubspot": "owner",
    "datum der konversion zum lead": "lead_at",
    "datum der konversion zum marketing-qualified-lead": "mql_at",
    "datum der konversion zum sales-qualified-lead": "sql_at",
    "datum der konversion zum opportunity": "opportunity_at",
    "datum der konversion zum kunde": "customer_at",
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
# ``--format auto``: the export formats recognised by their header.
AUTO = "auto"


def detect_format(header: list[str], kind: str) -> str:
    """The export format (HubSpot or Salesforce) whose column names this header
    uses for ``kind``: the one naming the record's id with most columns.
    Raises ``ImportFileError`` naming what to choose when neither fits or both
    fit equally (a generic file needs a column mapping, never a guess)."""
    names = {normalise_header(h) for h in header if h.strip()}
    scores: dict[str, int] = {}
    for fmt in (ImportFormat.HUBSPOT, ImportFormat.SALESFORCE):
        known = FORMATS[fmt][kind]
        fields = {known[name] for name in names if name in known}
        if kind in (ImportKind.LEADS, ImportKind.CONTACTS) and "email" in fields:
            # Keyed by email when the export has no id column, as the import does.
            fields.add("source_id")
        if all(f in fields for f in REQUIRED[kind]):
            scores[fmt] = sum(1 for name in names if name in known)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        found = "neither" if not ranked else "both equally"
        raise ImportFileError(
            f"The header reads as {found} a HubSpot or a Salesforce export of {kind}: "
            "choose the format, or map the file's columns (generic CSV) and choose the mapping."
        )
    return str(ranked[0][0])


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
    # HubSpot's default stages as its German interface names them.
    "abonnent": Stage.LEAD,
    "sonstige": Stage.LEAD,
    "marketing-qualified-lead": Stage.MQL,
    "sales-qualified-lead": Stage.SQL,
    "kunde": Stage.CUSTOMER,
    "fürsprecher": Stage.CUSTOMER,
}


def stage_key(text: str) -> str:
    """A lifecycle stage as imports compare it: trimmed, one space, lower-case."""
    return " ".join(text.split()).lower()


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

# The fields read as dates and as amounts, whose conventions are decided by column.
DATE_FIELDS = {name for fields in FIELDS.values() for name in fields if name.endswith("_at")}
DATE_FIELDS |= {"created_on", "close_date"}
AMOUNT_FIELDS = {"amount"}


class DateParser:
    """Dates as the exports write them (see ``accord.lib.conventions``), read
    with each column's convention once ``columns`` holds it (month-first until
    then, as HubSpot and Salesforce write by default), cached per column
    (dates repeat across rows)."""

    def __init__(self, zone: ZoneInfo, *, day_first: bool = False) -> None:
        self.zone = zone
        self.day_first = day_first
        self.columns: dict[str, DateColumn] = {}
        self._cache: dict[str, dict[str, datetime | None]] = {}

    def __call__(self, column: str, text: str) -> datetime | None:
        text = text.strip()
        if not text:
            return None
        cache = self._cache.get(column)
        if cache is None:
            cache = self._cache[column] = {}
        if text in cache:
            found = cache[text]
        else:
            found = self._parse(column, text)
            if len(cache) > 200_000:
                cache.clear()
            cache[text] = found
        return found

    def _parse(self, column: str, text: str) -> datetime | None:
        convention = self.columns.get(column)
        day_first = convention.order == DAY_FIRST if convention else self.day_first
        try:
            return parse_date(text, self.zone, day_first=day_first)
        except ValueError as error:
            raise RowError(column, str(error)) from None


def parse_amount(column: str, text: str, *, comma: bool = False) -> Decimal:
    """An amount as ``accord.lib.conventions.parse_amount`` reads it, or a
    ``RowError`` naming the column."""
    try:
        return conventions_parse_amount(text, comma=comma)
    except ValueError as error:
        raise RowError(column, str(error)) from None


def parse_bool(column: str, text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise RowError(column, f"'{text[:40]}' is not true or false.")
