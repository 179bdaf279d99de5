"""API operations of the pipeline: funnel, compliance, leads and their decisions,
the hand-off agreement, import runs and goal metrics.

No ``from __future__ import annotations`` here: ninja reads these signatures at
import time, and ``@paginate`` hides the module's names from string annotations.
"""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from accord.lib.api import InputSchema, KeysetPagination, Pagination, fields_named, with_errors
from accord.lib.keyset import Segment
from accord.orgs.api_auth import acting_member
from accord.pipeline import selectors, services
from accord.pipeline.models import (
    HandoffAgreement,
    ImportRun,
    Lead,
    RejectionReason,
    Stage,
)

router = Router(tags=["pipeline"])
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class GroupStageOut(Schema):
    stage: str
    count: int
    conversion_from_previous: float | None = Field(
        ..., description="Percent of the previous stage; null for the first"
    )


class StageOut(GroupStageOut):
    median_days_from_previous: float | None = Field(
        None, description="Median whole days from the previous stage"
    )


class GroupOut(Schema):
    key: str
    stages: list[GroupStageOut]


class FunnelOut(Schema):
    stages: list[StageOut]
    groups: list[GroupOut]


class FunnelQuery(InputSchema):
    by: Literal["source", "campaign", "month"] | None = Field(None, description="Group by")
    since: dt.date | None = Field(None, description="First cohort month (the month of this date)")


class LeadOut(Schema):
    id: int
    source_system: str
    source_id: str
    name: str
    email: str
    company: str
    source: str
    campaign: str | None
    owner_id: int | None
    stage: str
    lead_at: dt.datetime | None
    mql_at: dt.datetime | None
    accepted_at: dt.datetime | None
    rejected_at: dt.datetime | None
    rejection_reason: str
    rejection_text: str
    sql_at: dt.datetime | None
    opportunity_at: dt.datetime | None
    customer_at: dt.datetime | None
    first_touch_at: dt.datetime | None
    first_touch_hours: float | None = Field(None, description="Business hours from MQL")
    decision_hours: float | None = Field(None, description="Business hours from MQL")

    @staticmethod
    def resolve_campaign(obj: Lead) -> str | None:
        return obj.campaign.name if obj.campaign else None


class LeadFilter(InputSchema):
    stage: Stage | None = None
    undecided: bool = Field(False, description="Only MQLs not yet accepted or rejected")
    source: str | None = Field(None, max_length=120)


class RejectIn(InputSchema):
    reason: RejectionReason
    text: str = Field("", max_length=500, description="Required when reason is 'other'")


class TouchIn(InputSchema):
    at: dt.datetime | None = Field(None, description="When; now when left out")


class ComplianceOut(Schema):
    key: str = Field(..., description="Cohort month (YYYY-MM), or the owner's email")
    mqls: int
    commitment: int | None
    commitment_percent: float | None
    touched_in_time: int
    touched_late: int
    touch_compliance: float | None
    median_first_touch_hours: float | None
    decided_in_time: int
    decided_late: int
    decision_compliance: float | None
    accepted: int
    rejected: int


class ComplianceQuery(InputSchema):
    by: Literal["month", "owner", "marketer"] = Field(
        "month", description="Cohort month, lead owner (sales) or campaign owner (marketing)"
    )
    since: dt.date | None = None


class AgreementOut(Schema):
    id: int
    version: int
    status: str
    mql_definition: str
    monthly_mql_commitment: int
    first_touch_hours: int
    decision_days: int
    day_start: str = Field(..., description="HH:MM, local time")
    day_end: str = Field(..., description="HH:MM, local time")
    holidays: list[str] = Field(
        ..., description="The organisation's own days off (its business calendar)"
    )

    @staticmethod
    def resolve_holidays(obj: HandoffAgreement) -> list[str]:
        return list(obj.organization.holidays)

    @staticmethod
    def resolve_day_start(obj: HandoffAgreement) -> str:
        return obj.day_start.strftime("%H:%M")

    @staticmethod
    def resolve_day_end(obj: HandoffAgreement) -> str:
        return obj.day_end.strftime("%H:%M")

    sales_agreed_at: dt.datetime | None
    marketing_agreed_at: dt.datetime | None
    activated_at: dt.datetime | None
    created_at: dt.datetime


class AgreementIn(InputSchema):
    mql_definition: str = Field(..., min_length=1, max_length=5000)
    monthly_mql_commitment: int = Field(..., ge=1, le=1_000_000)
    first_touch_hours: int = Field(..., ge=1, le=400)
    decision_days: int = Field(..., ge=1, le=60)
    day_start: str = Field("09:00", pattern=HHMM, description="HH:MM, local time")
    day_end: str = Field("17:00", pattern=HHMM, description="HH:MM, local time")
    holidays: list[dt.date] = Field(
        default_factory=list,
        max_length=400,
        description="Added to the organisation's own days off (set them in its settings)",
    )


class AgreeIn(InputSchema):
    side: Literal["sales", "marketing"] | None = Field(
        None, description="Owners and admins outside sales and marketing say which side"
    )
    comment: str = Field("", max_length=500)


class ImportRunOut(Schema):
    id: int
    kind: str
    format: str
    filename: str
    status: str
    dry_run: bool
    percent: int
    rows_seen: int
    rows_imported: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_skipped: int
    rows_refused: int
    message: str
    unmapped_stages: list[str] = Field(
        ..., description="Lifecycle stages a waiting import needs mapped (status 'waiting')"
    )
    created_at: dt.datetime
    finished_at: dt.datetime | None


class RowErrorOut(Schema):
    row: int
    column: str
    message: str
    outcome: str


class MetricsQuery(InputSchema):
    start: dt.date
    end: dt.date


@router.get("/funnel", response=with_errors({200: FunnelOut}))
def funnel_get(request: HttpRequest, filters: Query[FunnelQuery]) -> Any:
    """MQL → accepted → SQL → opportunity → won, the same as ``accord funnel --json``."""
    return selectors.funnel(acting_member(request).organization, by=filters.by, since=filters.since)


@router.get("/compliance", response=with_errors({200: list[ComplianceOut]}))
def compliance_get(request: HttpRequest, filters: Query[ComplianceQuery]) -> Any:
    """Both sides of the hand-off agreement per cohort month or per lead owner."""
    rows = selectors.compliance(
        acting_member(request).organization, by=filters.by, since=filters.since
    )
    return [
        {
            **row.__dict__,
            "commitment_percent": row.commitment_percent,
            "touch_compliance": row.touch_compliance,
            "decision_compliance": row.decision_compliance,
        }
        for row in rows
    ]


@router.get("/rejection-reasons", response=with_errors({200: dict[str, Any]}))
def rejection_reasons_get(request: HttpRequest) -> Any:
    """Rejections by reason: ``totals`` and ``by_month``."""
    return selectors.rejection_reasons(acting_member(request).organization)


@router.get("/metrics", response=with_errors({200: dict[str, float | None]}))
def metrics_get(request: HttpRequest, filters: Query[MetricsQuery]) -> Any:
    """The goal metrics the pipeline provides, for [start, end]."""
    return selectors.metric_values(acting_member(request).organization, filters.start, filters.end)


@router.get("/leads", response=with_errors({200: list[LeadOut]}))
@paginate(KeysetPagination)
def leads_list(request: HttpRequest, filters: Query[LeadFilter]) -> Any:
    """Leads, newest MQL first (then those never qualified, newest first);
    ``undecided=true`` is the triage queue (oldest MQL first)."""
    membership = acting_member(request)
    if filters.undecided:
        queryset = selectors.triage_queue(membership)
    else:
        queryset = selectors.leads(membership)
    if filters.stage:
        queryset = queryset.filter(stage=filters.stage)
    if filters.source:
        queryset = queryset.filter(source=filters.source)
    if filters.undecided:
        return [Segment(queryset, selectors.TRIAGE_ORDER)]
    return selectors.lead_listing(queryset)


@router.get("/leads/{lead_id}", response=with_errors({200: LeadOut}))
def lead_get(request: HttpRequest, lead_id: int) -> Any:
    return selectors.lead(acting_member(request), lead_id)


@router.post("/leads/{lead_id}/accept", response=with_errors({200: LeadOut}))
def lead_accept(request: HttpRequest, lead_id: int) -> Any:
    """Sales accepts the MQL."""
    membership = acting_member(request)
    lead = selectors.lead(membership, lead_id)
    with fields_named(lead=("path", "lead_id")):
        return services.lead_accept(membership=membership, lead=lead)


@router.post("/leads/{lead_id}/reject", response=with_errors({200: LeadOut}))
def lead_reject(request: HttpRequest, lead_id: int, payload: RejectIn) -> Any:
    """Sales rejects the MQL with a reason from the catalogue ('other' needs text)."""
    membership = acting_member(request)
    lead = selectors.lead(membership, lead_id)
    with fields_named(lead=("path", "lead_id")):
        return services.lead_reject(
            membership=membership, lead=lead, reason=payload.reason, text=payload.text
        )


@router.post("/leads/{lead_id}/touch", response=with_errors({200: LeadOut}))
def lead_touch(request: HttpRequest, lead_id: int, payload: TouchIn) -> Any:
    """Log the lead's first touch (a later one changes nothing)."""
    membership = acting_member(request)
    lead = selectors.lead(membership, lead_id)
    return services.lead_touch(membership=membership, lead=lead, at=payload.at)


@router.get("/agreements", response=with_errors({200: list[AgreementOut]}))
@paginate(Pagination)
def agreements_list(request: HttpRequest) -> Any:
    """Every version of the hand-off agreement, newest first."""
    return selectors.agreements(acting_member(request))


@router.post("/agreements", response=with_errors({201: AgreementOut}))
def agreement_propose(request: HttpRequest, payload: AgreementIn) -> Any:
    """Propose a new version (leads); it takes effect when both sides agree."""
    terms = payload.dict()
    for name in ("day_start", "day_end"):
        terms[name] = dt.time.fromisoformat(terms[name])
    agreement = services.agreement_propose(membership=acting_member(request), **terms)
    return Status(201, agreement)


@router.post("/agreements/{agreement_id}/agree", response=with_errors({200: AgreementOut}))
def agreement_agree(request: HttpRequest, agreement_id: int, payload: AgreeIn) -> Any:
    """Agree for one's team (sales lead, marketing lead; owners and admins choose a side)."""
    membership = acting_member(request)
    agreement = selectors.handoff_agreement(membership, agreement_id)
    with fields_named(agreement=("path", "agreement_id")):
        return services.agreement_agree(
            membership=membership, agreement=agreement, side=payload.side, comment=payload.comment
        )


@router.get("/imports", response=with_errors({200: list[ImportRunOut]}))
@paginate(KeysetPagination, order=selectors.IMPORT_RUN_ORDER)
def imports_list(request: HttpRequest) -> Any:
    """Import runs, newest first, with their progress."""
    return selectors.import_runs(acting_member(request))


@router.get("/imports/{import_run_id}", response=with_errors({200: ImportRunOut}))
def import_get(request: HttpRequest, import_run_id: int) -> ImportRun:
    return selectors.import_run(acting_member(request), import_run_id)


@router.get("/imports/{import_run_id}/errors", response=with_errors({200: list[RowErrorOut]}))
@paginate(KeysetPagination, order=selectors.ROW_ERROR_ORDER)
def import_errors(request: HttpRequest, import_run_id: int) -> Any:
    """The refused rows of an import: row number, column and reason."""
    run = selectors.import_run(acting_member(request), import_run_id)
    return selectors.import_row_errors(run)
