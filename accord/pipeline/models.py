"""The pipeline: accounts, contacts, leads, opportunities, campaigns, and the
lead hand-off agreement between marketing and sales.

Every CRM record keeps the id it has in its source system (``source_system``,
``source_id``), unique per organisation, so imports and syncs are upserts: the
same file or the same sync page twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accord.orgs.models import Membership, Organization


class SourceSystem(models.TextChoices):
    HUBSPOT = "hubspot", "HubSpot"
    SALESFORCE = "salesforce", "Salesforce"
    CSV = "csv", "CSV file"
    ACCORD = "accord", "Accord"


class Stage(models.TextChoices):
    """A lead's lifecycle stage, in funnel order (rejected sits beside accepted)."""

    LEAD = "lead", "Lead"
    MQL = "mql", "MQL"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    SQL = "sql", "SQL"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"


class RejectionReason(models.TextChoices):
    NOT_ICP = "not_icp", "Not our customer profile"
    BAD_DATA = "bad_data", "Bad contact data"
    NO_BUDGET = "no_budget", "No budget or authority"
    DUPLICATE = "duplicate", "Duplicate"
    IN_PIPELINE = "in_pipeline", "Already in pipeline"
    STUDENT_COMPETITOR = "student_competitor", "Student or competitor"
    OTHER = "other", "Other"


class OpportunityStatus(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


def _source_unique(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=["organization", "source_system", "source_id"], name=name)


class Campaign(models.Model):
    """A marketing campaign that leads and opportunities are attributed to."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    source_system = models.CharField(max_length=20, choices=SourceSystem.choices)
    source_id = models.CharField(max_length=120)
    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=80, blank=True)
    started_on = models.DateField(null=True, blank=True)
    cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # The marketer answerable for the campaign's MQLs (marketing's side, per person).
    owner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [_source_unique("campaign_unique_source")]

    def __str__(self) -> str:
        return self.name

    # The owner as loaded from the database (None: a new campaign, or none).
    _loaded_owner_id: int | None = None

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Campaign:
        # Remember the owner as loaded, so that a save handing the campaign to
        # another marketer marks its leads' months (accord.pipeline.rollups).
        instance = super().from_db(db, field_names, values)
        instance._loaded_owner_id = instance.__dict__.get("owner_id")
        return instance


class Account(models.Model):
    """A company: a prospect or a customer."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    source_system = models.CharField(max_length=20, choices=SourceSystem.choices)
    source_id = models.CharField(max_length=120)
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=120, blank=True)
    owner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [_source_unique("account_unique_source")]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at an account: a survey recipient, a buyer, a champion."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    source_system = models.CharField(max_length=20, choices=SourceSystem.choices)
    source_id = models.CharField(max_length=120)
    email = models.CharField(max_length=254, blank=True)
    name = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    language = models.CharField(max_length=10, blank=True)
    owner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attributes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name", "email"]
        constraints = [_source_unique("contact_unique_source")]
        indexes = [models.Index(fields=["organization", "email"], name="contact_org_email")]

    def __str__(self) -> str:
        return self.name or self.email


class Lead(models.Model):
    """A lead and the date it reached each lifecycle stage.

    ``stage`` is the furthest stage reached; the ``*_at`` dates say when each
    was reached. ``mql_month`` ("YYYY-MM", the month of ``mql_at``
    in the organisation's time zone) is the cohort a lead belongs to in the
    funnel and in SLA compliance, stored so they group without date functions;
    a change of the organisation's time zone files it again
    (``services.lead_months_refile``). ``first_touch_hours`` and
    ``decision_hours`` are business hours from MQL to first touch and to
    accept/reject on the organisation's calendar, filled in by
    ``services.lead_sla_refresh``.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    source_system = models.CharField(max_length=20, choices=SourceSystem.choices)
    source_id = models.CharField(max_length=120)
    email = models.CharField(max_length=254, blank=True)
    name = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=120, blank=True)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    owner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.LEAD)
    lead_at = models.DateTimeField(null=True, blank=True)
    mql_at = models.DateTimeField(null=True, blank=True)
    mql_month = models.CharField(max_length=7, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=30, choices=RejectionReason.choices, blank=True)
    rejection_text = models.CharField(max_length=500, blank=True)
    sql_at = models.DateTimeField(null=True, blank=True)
    opportunity_at = models.DateTimeField(null=True, blank=True)
    customer_at = models.DateTimeField(null=True, blank=True)
    first_touch_at = models.DateTimeField(null=True, blank=True)
    first_touch_hours = models.FloatField(null=True, blank=True)
    decision_hours = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-mql_at", "-id"]
        constraints = [_source_unique("lead_unique_source")]
        indexes = [
            # The funnel and the compliance report group MQLs by cohort month.
            models.Index(fields=["organization", "mql_month", "source"], name="lead_org_cohort"),
            models.Index(fields=["organization", "mql_month", "campaign"], name="lead_org_cmp"),
            # The triage queue: undecided MQLs, oldest first.
            models.Index(
                fields=["organization", "mql_at", "id"],
                name="lead_org_undecided_id",
                condition=Q(
                    mql_at__isnull=False, accepted_at__isnull=True, rejected_at__isnull=True
                ),
            ),
            models.Index(fields=["organization", "email"], name="lead_org_email"),
            # Goal metrics read the MQLs of a period; the agenda, the
            # rejections since the last meeting: windows, not all history.
            # The leads list pages by them (``accord.lib.keyset``).
            models.Index(fields=["organization", "mql_at", "id"], name="lead_org_mql_id"),
            models.Index(
                fields=["organization", "rejected_at", "rejection_reason"],
                name="lead_org_rejected",
                condition=Q(rejected_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.source_id

    # The cohort month as loaded from the database (None: a new lead).
    _loaded_mql_month: str | None = None

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Lead:
        # Remember the cohort month as loaded, so that a save moving the lead
        # to another month marks both months' rollups (accord.pipeline.rollups).
        instance = super().from_db(db, field_names, values)
        instance._loaded_mql_month = instance.__dict__.get("mql_month")
        return instance

    @property
    def decided(self) -> bool:
        return self.accepted_at is not None or self.rejected_at is not None


# The rollup month (``OpportunityRollup``) of opportunities created without a date.
UNDATED = "undated"


def rollup_month(day: dt.date | None) -> str:
    """The ``OpportunityRollup`` month of a ``created_on`` or ``close_date``."""
    return day.strftime("%Y-%m") if day is not None else UNDATED


class Opportunity(models.Model):
    """A deal: amount, stage, dates, outcome, and the campaigns behind it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    source_system = models.CharField(max_length=20, choices=SourceSystem.choices)
    source_id = models.CharField(max_length=120)
    name = models.CharField(max_length=200)
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="opportunities"
    )
    lead = models.ForeignKey(
        Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="opportunities"
    )
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="USD")
    stage = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=10, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    created_on = models.DateField(null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=120, blank=True)
    # Marketing-sourced: the primary campaign created it. Influenced: any
    # campaign in ``influencing`` touched it.
    primary_campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    influencing: models.ManyToManyField[Campaign, OpportunityTouch] = models.ManyToManyField(
        Campaign, through="OpportunityTouch", related_name="influenced", blank=True
    )
    owner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_on", "-id"]
        constraints = [_source_unique("opportunity_unique_source")]
        indexes = [models.Index(fields=["organization", "created_on"], name="opp_org_created")]

    def __str__(self) -> str:
        return self.name

    _loaded_months: frozenset[str] = frozenset()

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Opportunity:
        # Remember the months as loaded, so that a save moving the
        # opportunity to other months marks those too (opportunity_rollups).
        instance = super().from_db(db, field_names, values)
        instance._loaded_months = instance.rollup_months()
        return instance

    def rollup_months(self) -> frozenset[str]:
        """The months its ``OpportunityRollup`` rows are filed under: the
        month it was created in and the month it closed in."""
        created, closed = self.__dict__.get("created_on"), self.__dict__.get("close_date")
        return frozenset({rollup_month(created)} | ({rollup_month(closed)} if closed else set()))


class OpportunityTouch(models.Model):
    """A campaign that touched an opportunity, and when (for attribution)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="touches")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    touched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["touched_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "campaign"], name="opportunity_touch_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.opportunity}"


class AgreementStatus(models.TextChoices):
    PROPOSED = "proposed", "Awaiting agreement"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Superseded"


class HandoffAgreement(models.Model):
    """One version of the lead hand-off agreement (the SLA) between the teams.

    It becomes active only when the sales side and the marketing side have
    each agreed; then the previous active version is superseded. Changing the
    terms means proposing a new version, which needs both agreements again.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    mql_definition = models.TextField()
    monthly_mql_commitment = models.PositiveIntegerField()
    first_touch_hours = models.PositiveIntegerField()
    decision_days = models.PositiveIntegerField()
    day_start = models.TimeField()
    day_end = models.TimeField()
    status = models.CharField(
        max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sales_agreed_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sales_agreed_at = models.DateTimeField(null=True, blank=True)
    sales_comment = models.CharField(max_length=500, blank=True)
    marketing_agreed_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marketing_agreed_at = models.DateTimeField(null=True, blank=True)
    marketing_comment = models.CharField(max_length=500, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    # The last cohort month whose results were emailed to marketing ("YYYY-MM").
    digest_month = models.CharField(max_length=7, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "version"], name="agreement_version"),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(status="active"),
                name="agreement_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"Lead hand-off agreement v{self.version}"


class BreachKind(models.TextChoices):
    FIRST_TOUCH = "first_touch", "No first touch in time"
    DECISION = "decision", "Not accepted or rejected in time"


class SlaBreach(models.Model):
    """A lead that missed the agreed first-touch or decision time (once per kind)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="breaches")
    kind = models.CharField(max_length=20, choices=BreachKind.choices)
    due_at = models.DateTimeField()
    detected_at = models.DateTimeField(default=timezone.now)
    owner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["lead", "kind"], name="sla_breach_once")]
        indexes = [
            # The compliance page lists them newest first, by keyset.
            models.Index(fields=["organization", "due_at", "id"], name="breach_org_due_id"),
            # The agenda counts the breaches detected since the last meeting.
            models.Index(fields=["organization", "detected_at"], name="breach_org_detected"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.lead}"


class ImportKind(models.TextChoices):
    LEADS = "leads", "Leads"
    CONTACTS = "contacts", "Contacts"
    ACCOUNTS = "accounts", "Accounts"
    OPPORTUNITIES = "opportunities", "Opportunities"


class ColumnMappingKind(models.TextChoices):
    """What a saved column mapping maps: one of the pipeline's kinds, or past
    survey responses (feedback's import reads them through the same mappings)."""

    LEADS = "leads", "Leads"
    CONTACTS = "contacts", "Contacts"
    ACCOUNTS = "accounts", "Accounts"
    OPPORTUNITIES = "opportunities", "Opportunities"
    RESPONSES = "responses", "Survey responses"


class ImportFormat(models.TextChoices):
    HUBSPOT = "hubspot", "HubSpot export"
    SALESFORCE = "salesforce", "Salesforce report export"
    GENERIC = "generic", "Any CSV, with a column mapping"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    # Lifecycle stages the organisation has not mapped yet: nothing is written
    # until someone maps them (the import's page), then the run is queued again.
    WAITING = "waiting", "Waiting for a stage mapping"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ColumnMapping(models.Model):
    """A saved mapping of a generic CSV's columns to Accord's fields, by name:
    for pipeline records or for survey responses (``accord.pipeline.mappings``
    says which fields each kind has)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=ColumnMappingKind.choices)
    columns = models.JSONField(default=dict, help_text="Accord field -> CSV column header")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="mapping_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class StageMapping(models.Model):
    """What one of the organisation's own lifecycle stages means in Accord.

    CRMs let a portal define stages of its own ("Product Qualified Lead"); an
    import meeting a stage Accord does not know waits until it is mapped here,
    once, and every later import reads the stage through this mapping. ``label``
    is kept as the export writes it; ``key`` is how imports compare it.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200, help_text="The label, trimmed and lower-case")
    label = models.CharField(max_length=200)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="stage_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.label} → {self.get_stage_display()}"


class ImportRun(models.Model):
    """One import of a CSV file: what, how far, and which rows were refused."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    format = models.CharField(max_length=20, choices=ImportFormat.choices)
    mapping = models.ForeignKey(
        ColumnMapping, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    file_size = models.BigIntegerField(default=0)
    dry_run = models.BooleanField(default=False)
    day_first = models.BooleanField(default=False, help_text="Read 05/03/2026 as 5 March")
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    bytes_done = models.BigIntegerField(default=0)
    sheet = models.CharField(max_length=100, blank=True, help_text="The workbook's sheet")
    # Every data row ends in exactly one of created, updated, unchanged,
    # skipped (a report footer, a second header row, a repeated id) or refused:
    # rows_seen is their sum; rows_imported is created + updated + unchanged.
    rows_seen = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    rows_refused = models.PositiveIntegerField(default=0)
    # The convention chosen for each date and amount column, and why.
    conventions = models.JSONField(default=dict, blank=True)
    # The preview: whether the format was recognised from the header (not
    # chosen), which column each field is read from (field -> header), and the
    # first good rows as they are stored (column -> text).
    format_recognised = models.BooleanField(default=False)
    columns = models.JSONField(default=dict, blank=True)
    preview = models.JSONField(default=list, blank=True)
    # A dry run confirmed: the run that imports the same file.
    confirmed_as = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The lifecycle stages a waiting run needs mapped, as the file writes them.
    unmapped_stages = models.JSONField(default=list, blank=True)
    message = models.CharField(max_length=500, blank=True)
    started_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The import runs page newest first (``accord.lib.keyset``).
        indexes = [
            models.Index(fields=["organization", "created_at", "id"], name="import_org_created_id")
        ]

    def __str__(self) -> str:
        return f"Import of {self.filename}"

    @property
    def percent(self) -> int:
        if not self.file_size:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, int(100 * self.bytes_done / self.file_size))


class ImportRowError(models.Model):
    """A refused or skipped row of an import: its row number, the column and why."""

    class Outcome(models.TextChoices):
        REFUSED = "refused", "Refused"
        SKIPPED = "skipped", "Skipped"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField(help_text="1 is the header; data starts at 2")
    column = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=500)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.REFUSED)

    class Meta:
        ordering = ["row", "id"]
        # An import's refused rows page in row order (``accord.lib.keyset``).
        indexes = [models.Index(fields=["run", "row", "id"], name="import_error_run_row_id")]

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}"


class CrmConnection(models.Model):
    """Credentials and sync state for one CRM (HubSpot or Salesforce).

    ``secret`` is encrypted with a key derived from SECRET_KEY and never shown
    again; ``cursor`` is the last-modified moment synced so far, per object.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    system = models.CharField(max_length=20, choices=SourceSystem.choices)
    secret = models.BinaryField()
    instance_url = models.CharField(max_length=300, blank=True)
    cursor = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["system"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "system"], name="crm_one_per_system")
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} connection"


class LeadMonthRollup(models.Model):
    """SLA compliance and conversion counts of one cohort month (``mql_month``)
    of MQLs.

    Kept by ``accord.pipeline.rollups``: the same numbers
    ``selectors.compliance(by="month")`` would count from the leads, measured
    against the limits in ``touch_limit`` and ``decision_limit`` (the active
    agreement's when refreshed; a row with other limits is stale for the
    touch and decision counts). Without an active agreement the limits are
    empty and so are those four counts; ``mqls``, ``sqls`` (MQLs that reached
    SQL or beyond), ``accepted``, ``rejected`` and the histogram do not depend
    on the agreement and are always kept (the goals' computed metrics read
    them). ``first_touch_histogram`` maps first-touch hours rounded to 0.1 to
    their count, so the month's median is exact and months can be combined.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    month = models.CharField(max_length=7)
    touch_limit = models.FloatField(null=True)
    decision_limit = models.FloatField(null=True)
    mqls = models.PositiveIntegerField(default=0)
    sqls = models.PositiveIntegerField(default=0)
    touched_in_time = models.PositiveIntegerField(default=0)
    touched_late = models.PositiveIntegerField(default=0)
    decided_in_time = models.PositiveIntegerField(default=0)
    decided_late = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    first_touch_histogram = models.JSONField(default=dict)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="leadrollup_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month}"


class LeadRollupMark(models.Model):
    """A cohort month whose ``LeadMonthRollup`` may be stale: written in the
    same transaction as the change to its leads or breaches. ``month`` "*"
    stands for every month of the organisation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    month = models.CharField(max_length=7)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="leadmark_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month}"


class LeadGroupRollup(models.Model):
    """The MQLs of one cohort month (``mql_month``) that share one value of
    one grouping, kept by ``accord.pipeline.rollups`` with ``LeadMonthRollup``
    and under the same marks: the funnel (total, by source, by campaign),
    SLA compliance per person (lead owner; campaign, whose owner is the
    marketer), the rejection reasons, the goals' lead metrics over the days
    of a partial month and the triage queue's size and sources read these
    rows instead of the leads.

    ``by`` is "total" (``key`` empty: the funnel's stages and the histograms
    of days between them, ``stage_days``), "source", "campaign" (the
    campaign's id), "owner" (the lead owner's membership id), "marketer"
    (the membership id of the campaign's owner), "reason" (the rejection
    reason) or "day" (the day of ``mql_at`` in the organisation's time
    zone, ``YYYY-MM-DD``, within its month); ``key`` is empty for a lead
    without one. Ids, not names, so renaming a campaign or a person's new
    email needs no refresh: readers look the names up (a membership since
    deleted reads as no one). A campaign handed to another owner, or
    deleted, marks the months of its leads (their "marketer" rows). The
    touch and decision counts are measured against ``touch_limit`` and
    ``decision_limit``, as in ``LeadMonthRollup``; ``first_touch_histogram``
    is kept for owners, marketers, campaigns and days (the per-person and
    partial-month medians).
    ``queued`` counts the MQLs still waiting in the triage queue (neither
    accepted nor rejected, nor past the decision).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    month = models.CharField(max_length=7)
    by = models.CharField(max_length=10)
    key = models.CharField(max_length=120, blank=True)
    touch_limit = models.FloatField(null=True)
    decision_limit = models.FloatField(null=True)
    # The funnel: MQLs that reached each stage (or a later one).
    mqls = models.PositiveIntegerField(default=0)
    reached_accepted = models.PositiveIntegerField(default=0)
    sqls = models.PositiveIntegerField(default=0)
    opportunities = models.PositiveIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)
    # SLA compliance, as LeadMonthRollup's counts.
    touched_in_time = models.PositiveIntegerField(default=0)
    touched_late = models.PositiveIntegerField(default=0)
    decided_in_time = models.PositiveIntegerField(default=0)
    decided_late = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # db_default: rows inserted by the code before this column still count 0.
    queued = models.PositiveIntegerField(default=0, db_default=0)
    first_touch_histogram = models.JSONField(default=dict)
    stage_days = models.JSONField(default=dict)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "by", "month", "key"], name="leadgrouprollup_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month} {self.by}={self.key}"


class OpportunityRollup(models.Model):
    """The opportunities of one month that share one grouping, kept by
    ``accord.pipeline.rollups`` under the leads' marks (``LeadRollupMark``: a
    month's refresh recomputes its rows here too): the funnel page's
    attribution block and the goals' opportunity metrics read these rows
    instead of the opportunities.

    ``by`` is "total" (``key`` empty) or "day" (``key`` the ``created_on``
    day, ``YYYY-MM-DD``) for the opportunities created in ``month`` (the
    month of ``created_on``; "undated" for those without one), with their
    count and amounts: all, won, marketing-sourced (a primary campaign) and
    -influenced (sourced or touched by a campaign), each of the period's
    pipeline and of its won deals (revenue); "campaign" (``key`` the
    campaign's id) for the revenue of the won deals created in ``month``
    credited to that campaign under first-touch, last-touch and linear
    attribution; "closed" (``key`` empty) or "closed_day" (``key`` the
    ``close_date`` day) for the opportunities closed in ``month`` (the
    month of ``close_date``): won and lost, and ``cycle_days``, the
    histogram of days from creation to close of the won ones (whole days ->
    count), so medians are exact and periods can be combined. Ids, not
    names: renaming a campaign needs no refresh, readers look the names up.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    month = models.CharField(max_length=7)
    by = models.CharField(max_length=10)
    key = models.CharField(max_length=120, blank=True)
    opportunities = models.PositiveIntegerField(default=0)
    pipeline = models.DecimalField(max_digits=24, decimal_places=2, default=0)
    revenue = models.DecimalField(max_digits=24, decimal_places=2, default=0)
    sourced_pipeline = models.DecimalField(max_digits=24, decimal_places=2, default=0)
    sourced_revenue = models.DecimalField(max_digits=24, decimal_places=2, default=0)
    influenced_pipeline = models.DecimalField(max_digits=24, decimal_places=2, default=0)
    influenced_revenue = models.DecimalField(max_digits=24, decimal_places=2, default=0)
    # Credited revenue: a linear share is a fraction of a deal's amount.
    first_touch = models.DecimalField(max_digits=30, decimal_places=10, default=0)
    last_touch = models.DecimalField(max_digits=30, decimal_places=10, default=0)
    linear = models.DecimalField(max_digits=30, decimal_places=10, default=0)
    won = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)
    cycle_days = models.JSONField(default=dict)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "by", "month", "key"], name="opprollup_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month} {self.by}={self.key}"
