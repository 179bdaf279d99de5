"""API operations for customer feedback under /api/v1/feedback: surveys,
campaigns, recipients, responses, statistics, follow-ups and themes.

No ``from __future__ import annotations`` here: ninja reads these signatures at
import time, and ``@paginate`` hides the module's names from string annotations.
"""

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import ValidationInfo, field_validator

from accord.feedback import selectors, services
from accord.feedback.models import Campaign, FollowUp, RecipientImport, Survey, Theme
from accord.lib.api import (
    FieldErrors,
    InputSchema,
    KeysetPagination,
    Pagination,
    fields_named,
    with_errors,
)
from accord.orgs.api_auth import acting_member

router = Router(tags=["feedback"])

SEGMENT_PATTERN = selectors.SEGMENT_NAME.pattern


class SurveyOut(Schema):
    id: int
    name: str
    brand_name: str
    colour: str
    thank_you: str
    default_language: str
    has_logo: bool
    has_anonymous_link: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_has_logo(obj: Survey) -> bool:
        return bool(obj.logo_type)

    @staticmethod
    def resolve_has_anonymous_link(obj: Survey) -> bool:
        return bool(obj.anonymous_token_hash)


class SurveyIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=120)
    brand_name: str = Field("", max_length=120)
    colour: str = Field("#2f5d8a", pattern=r"^#[0-9a-fA-F]{6}$")
    thank_you: str = Field("", max_length=2000)
    default_language: Literal["en", "es", "fr", "de"] = "en"


class SurveyPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=120)
    brand_name: str | None = Field(None, max_length=120)
    colour: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    thank_you: str | None = Field(None, max_length=2000)
    default_language: Literal["en", "es", "fr", "de"] | None = None


class AnonymousLinkOut(Schema):
    url: str = Field(..., description="Shown only now; a previous anonymous link stops working.")


class CampaignOut(Schema):
    id: int
    name: str
    survey_id: int
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    reminder_sent_at: dt.datetime | None


class ProgressOut(Schema):
    recipients: int
    queued: int
    sent: int
    skipped: int
    bounced: int
    unconfirmed: int
    opened: int
    responded: int
    response_rate: float | None


class CampaignDetailOut(CampaignOut):
    progress: ProgressOut


class CampaignIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=120)
    survey_id: int = Field(..., ge=1, le=2**53)


class RecipientOut(Schema):
    id: int
    email: str
    name: str
    company: str
    language: str
    attributes: dict[str, Any]
    status: str
    skip_reason: str
    sent_at: dt.datetime | None
    opened_at: dt.datetime | None
    responded_at: dt.datetime | None


class RecipientsIn(InputSchema):
    csv: str = Field(
        ...,
        max_length=20_000_000,
        description="CSV text with a header row: email, name, company, language, any other column",
    )
    dry_run: bool = False


class RowError(Schema):
    row: int
    reason: str


class RecipientImportOut(Schema):
    """A list being added to a campaign by the worker, and how far it got."""

    id: int
    status: Literal["queued", "running", "done", "failed"]
    source: Literal["csv", "pipeline"]
    dry_run: bool
    message: str
    rows_done: int
    added: int
    skipped_recent: int
    skipped_opted_out: int
    duplicates: int
    skipped: int
    refused: int
    errors: list[RowError] = Field(
        description="The refused rows so far (the first 1,000), by row number"
    )


class ResponseOut(Schema):
    id: int
    score: int
    category: str
    better: str
    well: str
    may_quote: bool
    language: str
    email: str
    name: str
    company: str
    attributes: dict[str, Any]
    source: str
    campaign_id: int | None
    account_owner_id: int | None
    created_at: dt.datetime


class ResponseFilter(InputSchema):
    category: Literal["promoter", "passive", "detractor"] | None = None
    since: dt.date | None = Field(None, description="From this date (inclusive)")
    until: dt.date | None = Field(None, description="Up to this date (exclusive)")


class ImportIn(InputSchema):
    csv: str = Field(..., max_length=20_000_000)
    format: Literal["generic", "delighted", "surveymonkey", "typeform", "qualtrics", "auto"] = (
        "generic"
    )
    mapping: str | None = Field(
        None,
        max_length=80,
        description="A saved column mapping of survey responses, by name (saved from the "
        "import page's preview): the file is read as generic through it",
    )
    dry_run: bool = False


class ImportOut(Schema):
    """What an import did, or with ``dry_run`` the preview of what it would do."""

    added: int
    already: int
    errors: list[RowError]
    dry_run: bool
    format: str = Field(..., description="The format the file was read as")
    format_recognised: bool = Field(..., description="Recognised from the header (format auto)")
    mapping: str | None = Field(..., description="The saved column mapping used, if any")
    columns: dict[str, str] = Field(..., description="Each field -> the file's column read")
    conventions: dict[str, str] = Field(..., description="The date column's convention, and why")
    rows: int = Field(..., description="The file's data rows: added + already + skipped + errors")
    skipped: list[RowError] = Field(..., description="Rows that are not responses, or repeats")
    preview: list[dict[str, str]] = Field(
        ..., description="The first responses to add, as they are stored"
    )


class NpsGroupOut(Schema):
    key: str
    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None = Field(..., description="-100..100; null without responses")
    ci95: list[float] | None = Field(..., description="95% adjusted-Wald interval [low, high]")
    small_sample: bool


class NpsChangeOut(Schema):
    since: dt.date = Field(..., description="The period compared: from this day (inclusive)")
    until: dt.date = Field(..., description="… to this day (exclusive)")
    previous_since: dt.date = Field(..., description="The period of the same length before it")
    previous_until: dt.date
    nps: float | None
    n: int
    previous_nps: float | None
    previous_n: int
    delta: float | None = Field(..., description="nps - previous_nps in points; null without both")
    ci95: list[float] | None = Field(
        ...,
        description="95% interval of the change, centred on it; null below 3 responses a period",
    )
    significant: bool = Field(..., description="The interval excludes zero")
    reason: str = Field(..., description="Why there is no interval, else empty")


class NpsOut(Schema):
    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    ci95: list[float] | None
    small_sample: bool
    groups: list[NpsGroupOut]
    change: NpsChangeOut = Field(
        ...,
        description=(
            "since..until (the last 90 days without them) against the period of the "
            "same length before it, as the Customers page shows it"
        ),
    )


class NpsQuery(InputSchema):
    by: str = Field(
        "month",
        pattern=SEGMENT_PATTERN,
        max_length=selectors.SEGMENT_MAX_LENGTH,
        description=(
            "month, quarter, owner, campaign, language, or a segment attribute "
            "(an imported column: letters, digits, spaces, _ and -, at least one letter)"
        ),
    )
    since: dt.date | None = None
    until: dt.date | None = None

    @field_validator("until")
    @classmethod
    def _after_since(cls, until: dt.date | None, info: ValidationInfo) -> dt.date | None:
        # A 422 naming ``until`` in the documented per-field shape.
        since = info.data.get("since")
        if until is not None and since is not None and since >= until:
            raise ValueError("must be after since")
        return until


class FollowUpOut(Schema):
    id: int
    response_id: int
    kind: str
    play: str
    status: str
    sales_owner_id: int | None
    marketing_owner_id: int | None
    due_at: dt.datetime
    outcome: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    escalated_at: dt.datetime | None
    overdue: bool

    @staticmethod
    def resolve_overdue(obj: FollowUp) -> bool:
        return obj.is_overdue


class FollowUpEntryOut(Schema):
    id: int
    kind: Literal["status_change", "note", "action"]
    action: str = Field(description="For an action: which one; empty otherwise.")
    text: str
    actor_id: int | None = Field(description="The member who wrote it; null if carried over.")
    at: dt.datetime


class FollowUpDetailOut(FollowUpOut):
    actions: list[str] = Field(description="The actions this kind of follow-up offers.")
    timeline: list[FollowUpEntryOut] = Field(
        description="Status changes, notes and actions, newest first."
    )

    @staticmethod
    def resolve_actions(obj: FollowUp) -> list[str]:
        return list(FollowUp.ACTIONS[obj.kind])

    @staticmethod
    def resolve_timeline(obj: FollowUp) -> Any:
        return selectors.followup_timeline(obj)


class FollowUpNoteIn(InputSchema):
    text: str = Field(min_length=1, max_length=20_000)


class FollowUpActionIn(InputSchema):
    action: Literal[
        "apologise", "fix", "credit", "close_loop", "referral_ask", "case_study_ask", "review_ask"
    ] = Field(
        description=(
            "Recovery: apologise, fix, credit, close_loop. "
            "Advocacy: referral_ask, case_study_ask, review_ask."
        )
    )
    text: str = Field("", max_length=20_000, description="An optional comment.")


class FollowUpFilter(InputSchema):
    status: Literal["open", "contacted", "resolved", "lost"] | None = None
    kind: Literal["recovery", "advocacy", "nurture"] | None = None


class FollowUpPatch(InputSchema):
    status: Literal["open", "contacted", "resolved", "lost"] | None = None
    play: Literal["", "referral", "case_study", "review"] | None = None
    outcome: str | None = Field(None, max_length=200)
    note: str | None = Field(
        None, max_length=20_000, description="Added to the timeline as a note (blank: none)."
    )
    sales_owner_id: int | None = Field(None, ge=1, le=2**53)
    marketing_owner_id: int | None = Field(None, ge=1, le=2**53)


class ThemeOut(Schema):
    id: int
    name: str
    top_terms: list[str]
    backlog: str
    merged_into_id: int | None
    total: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0


class ThemeDetailOut(ThemeOut):
    quotes: list[str]
    trend: list[dict[str, Any]]


class ThemePatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=120)
    backlog: Literal["", "sales", "marketing"] | None = None


class ThemeMergeIn(InputSchema):
    into_id: int = Field(..., ge=1, le=2**53)


# -- surveys --------------------------------------------------------------------------


@router.get("/surveys", response=with_errors({200: list[SurveyOut]}))
@paginate(Pagination)
def surveys_list(request: HttpRequest) -> Any:
    return selectors.surveys(acting_member(request))


@router.post("/surveys", response=with_errors({201: SurveyOut}))
def survey_create(request: HttpRequest, payload: SurveyIn) -> Any:
    """A branded survey of the three questions (leads, admins, owners)."""
    return Status(201, services.survey_create(membership=acting_member(request), **payload.dict()))


@router.get("/surveys/{survey_id}", response=with_errors({200: SurveyOut}))
def survey_get(request: HttpRequest, survey_id: int) -> Any:
    return selectors.survey(acting_member(request), survey_id)


@router.patch("/surveys/{survey_id}", response=with_errors({200: SurveyOut}))
def survey_patch(request: HttpRequest, survey_id: int, payload: SurveyPatch) -> Any:
    membership = acting_member(request)
    survey = selectors.survey(membership, survey_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.survey_update(membership=membership, survey=survey, **changes)


@router.post("/surveys/{survey_id}/anonymous-link", response=with_errors({201: AnonymousLinkOut}))
def survey_anonymous_link(request: HttpRequest, survey_id: int) -> Any:
    """A new shareable link anyone can answer; the previous one stops working."""
    membership = acting_member(request)
    survey = selectors.survey(membership, survey_id)
    return Status(
        201, {"url": services.survey_anonymous_link(membership=membership, survey=survey)}
    )


# -- campaigns and recipients ----------------------------------------------------------------


@router.get("/campaigns", response=with_errors({200: list[CampaignOut]}))
@paginate(Pagination)
def campaigns_list(request: HttpRequest) -> Any:
    return selectors.campaigns(acting_member(request))


@router.post("/campaigns", response=with_errors({201: CampaignOut}))
def campaign_create(request: HttpRequest, payload: CampaignIn) -> Any:
    membership = acting_member(request)
    try:
        survey = selectors.survey(membership, payload.survey_id)
    except Http404:
        raise FieldErrors(
            [{"loc": ["body", "survey_id"], "msg": "No such survey.", "type": "invalid"}]
        ) from None
    return Status(
        201, services.campaign_create(membership=membership, survey=survey, name=payload.name)
    )


def _campaign_detail(campaign: Campaign) -> dict[str, Any]:
    progress = selectors.campaign_progress(campaign)
    data = CampaignOut.model_validate(campaign).model_dump()
    data["progress"] = {**progress.__dict__, "response_rate": progress.response_rate}
    return data


@router.get("/campaigns/{campaign_id}", response=with_errors({200: CampaignDetailOut}))
def campaign_get(request: HttpRequest, campaign_id: int) -> Any:
    """A campaign with its progress: sent, skipped, bounced, opened, responded."""
    campaign = selectors.campaign(acting_member(request), campaign_id)
    return _campaign_detail(campaign)


@router.post("/campaigns/{campaign_id}/send", response=with_errors({202: CampaignDetailOut}))
def campaign_send(request: HttpRequest, campaign_id: int) -> Any:
    """Start sending; the worker sends in batches and reminds non-respondents once."""
    membership = acting_member(request)
    campaign = selectors.campaign(membership, campaign_id)
    with fields_named(campaign=("path", "campaign_id")):
        campaign = services.campaign_send(membership=membership, campaign=campaign)
    return Status(202, _campaign_detail(campaign))


@router.get("/campaigns/{campaign_id}/recipients", response=with_errors({200: list[RecipientOut]}))
@paginate(Pagination)
def recipients_list(request: HttpRequest, campaign_id: int) -> Any:
    membership = acting_member(request)
    campaign = selectors.campaign(membership, campaign_id)
    return selectors.campaign_recipients(campaign)


def _recipient_import(run: RecipientImport) -> dict[str, Any]:
    fields = RecipientImportOut.model_fields.keys() - {"errors"}
    return {
        **{name: getattr(run, name) for name in fields},
        "errors": [{"row": e.row, "reason": e.message} for e in run.errors.all()[:1000]],
    }


@router.post("/campaigns/{campaign_id}/recipients", response=with_errors({202: RecipientImportOut}))
def recipients_add(request: HttpRequest, campaign_id: int, payload: RecipientsIn) -> Any:
    """Queue adding a CSV list to a draft campaign; the worker adds it in batches.
    Poll ``GET /campaigns/{campaign_id}/recipient-imports/{import_id}`` until
    ``status`` is done: a bad row is refused (``errors``, with its row number
    and reason) and the good rows are added. A file that cannot be read at all
    (no email column, binary, too wide) is a 422 at once."""
    membership = acting_member(request)
    campaign = selectors.campaign(membership, campaign_id)
    with fields_named(file=("body", "csv")):
        run = services.recipients_import_csv(
            membership=membership,
            campaign=campaign,
            data=payload.csv.encode(),
            dry_run=payload.dry_run,
        )
    return Status(202, _recipient_import(run))


@router.get(
    "/campaigns/{campaign_id}/recipient-imports/{import_id}",
    response=with_errors({200: RecipientImportOut}),
)
def recipient_import_get(request: HttpRequest, campaign_id: int, import_id: int) -> Any:
    """How far adding a list got: counts, status and the refused rows."""
    membership = acting_member(request)
    campaign = selectors.campaign(membership, campaign_id)
    return _recipient_import(selectors.recipient_import(membership, campaign, import_id))


# -- responses and statistics ------------------------------------------------------------------


@router.get("/responses", response=with_errors({200: list[ResponseOut]}))
@paginate(KeysetPagination, order=selectors.RESPONSE_ORDER)
def responses_list(request: HttpRequest, filters: Query[ResponseFilter]) -> Any:
    """Responses, newest first."""
    membership = acting_member(request)
    queryset = selectors.responses_in(
        membership.organization, since=filters.since, until=filters.until
    )
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    return queryset


@router.get("/responses/{response_id}", response=with_errors({200: ResponseOut}))
def response_get(request: HttpRequest, response_id: int) -> Any:
    return selectors.response(acting_member(request), response_id)


@router.post("/imports/responses", response=with_errors({200: ImportOut}))
def responses_import(request: HttpRequest, payload: ImportIn) -> Any:
    """Import past responses (a survey tool's CSV export or a generic one). A bad
    row is refused and listed (``errors``, row number and reason) and the good
    rows are imported; importing the same rows again adds nothing. With
    ``dry_run`` nothing is written and the answer is the preview the import
    page shows: the format, the columns read, the date convention, the counts,
    the first responses as stored and every bad row. ``mapping`` reads the
    file's columns through a saved mapping (422 naming it when there is none)."""
    membership = acting_member(request)
    columns, name = None, ""
    if payload.mapping:
        mapping = selectors.response_mapping_named(membership, payload.mapping)
        columns, name = mapping.columns, mapping.name
    result = services.responses_import(
        membership=membership,
        data=payload.csv.encode(),
        fmt=payload.format,
        dry_run=payload.dry_run,
        columns=columns,
        mapping_name=name,
    )
    reading = result.reading
    return {
        "added": result.added,
        "already": result.already,
        "errors": [{"row": r, "reason": m} for r, m in result.errors],
        "dry_run": payload.dry_run,
        "format": reading.format,
        "format_recognised": reading.recognised,
        "mapping": reading.mapping or None,
        "columns": reading.mapped,
        "conventions": reading.conventions,
        "rows": result.rows,
        "skipped": [{"row": r, "reason": m} for r, m in result.skipped],
        "preview": result.preview,
    }


@router.get("/nps", response=with_errors({200: NpsOut}))
def nps(request: HttpRequest, query: Query[NpsQuery]) -> Any:
    """NPS with n and its 95% confidence interval (adjusted Wald), overall and per
    group, and the change from the previous period of the same length with its
    interval and significance; percentages are numbers from -100 to 100. Same
    shape as ``accord nps --json``."""
    if not selectors.valid_segment(query.by):
        raise HttpError(422, "by: not a group name.")
    organization = acting_member(request).organization
    result = selectors.nps_by(
        organization, by=query.by, since=query.since, until=query.until
    ).as_dict()
    try:
        comparison = selectors.nps_compare(organization, since=query.since, until=query.until)
    except ValueError as error:
        # A since after today, or so far back that no period precedes it
        # (until is checked by the query's schema).
        raise FieldErrors(
            [{"loc": ["query", "since"], "msg": str(error), "type": "invalid"}]
        ) from None
    result["change"] = comparison.as_dict()
    return result


# -- follow-ups -----------------------------------------------------------------------------------


@router.get("/followups", response=with_errors({200: list[FollowUpOut]}))
@paginate(KeysetPagination, order=selectors.FOLLOWUP_ORDER)
def followups_list(request: HttpRequest, filters: Query[FollowUpFilter]) -> Any:
    """Follow-ups by due time."""
    queryset = selectors.followups(acting_member(request))
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    return queryset


@router.get("/followups/{followup_id}", response=with_errors({200: FollowUpDetailOut}))
def followup_get(request: HttpRequest, followup_id: int) -> Any:
    """A follow-up with the actions it offers and its timeline, newest first."""
    return selectors.followup(acting_member(request), followup_id)


@router.patch("/followups/{followup_id}", response=with_errors({200: FollowUpDetailOut}))
def followup_patch(request: HttpRequest, followup_id: int, payload: FollowUpPatch) -> Any:
    """Move a follow-up open → contacted → resolved or lost (closing needs an outcome);
    a change of status, and a note, go on its timeline."""
    membership = acting_member(request)
    followup = selectors.followup(membership, followup_id)
    with fields_named(
        sales_owner=("body", "sales_owner_id"), marketing_owner=("body", "marketing_owner_id")
    ):
        return services.followup_update(
            membership=membership, followup=followup, **payload.dict(exclude_unset=True)
        )


@router.post("/followups/{followup_id}/notes", response=with_errors({201: FollowUpEntryOut}))
def followup_note_add(request: HttpRequest, followup_id: int, payload: FollowUpNoteIn) -> Any:
    """Add a note to the follow-up's timeline."""
    membership = acting_member(request)
    followup = selectors.followup(membership, followup_id)
    return Status(
        201, services.followup_note_add(membership=membership, followup=followup, text=payload.text)
    )


@router.post("/followups/{followup_id}/actions", response=with_errors({201: FollowUpEntryOut}))
def followup_action_record(
    request: HttpRequest, followup_id: int, payload: FollowUpActionIn
) -> Any:
    """Record an action taken: a recovery follow-up offers apologise, fix, credit
    and close_loop; an advocacy one the referral, case-study and review asks."""
    membership = acting_member(request)
    followup = selectors.followup(membership, followup_id)
    return Status(
        201,
        services.followup_action_record(
            membership=membership, followup=followup, action=payload.action, text=payload.text
        ),
    )


# -- themes ----------------------------------------------------------------------------------------


@router.get("/themes", response=with_errors({200: list[ThemeOut]}))
def themes_list(request: HttpRequest) -> Any:
    """Active themes with counts split by promoters, passives and detractors."""
    return [
        {
            **ThemeOut.model_validate(s.theme).model_dump(),
            "total": s.total,
            "promoters": s.promoters,
            "passives": s.passives,
            "detractors": s.detractors,
        }
        for s in selectors.theme_summaries(acting_member(request))
    ]


def _theme_detail(membership: Any, theme: Theme) -> dict[str, Any]:
    summary = next(
        (s for s in selectors.theme_summaries(membership) if s.theme.pk == theme.pk), None
    )
    data = ThemeOut.model_validate(theme).model_dump()
    if summary is not None:
        data.update(
            total=summary.total,
            promoters=summary.promoters,
            passives=summary.passives,
            detractors=summary.detractors,
        )
    data["quotes"] = [
        (m.response.better if m.field == "better" else m.response.well)[:1000]
        for m in selectors.theme_quotes(theme)
    ]
    data["trend"] = [{"month": m, "n": n} for m, n in selectors.theme_trend(theme)]
    return data


@router.get("/themes/{theme_id}", response=with_errors({200: ThemeDetailOut}))
def theme_get(request: HttpRequest, theme_id: int) -> Any:
    """A theme with representative quotes and its trend by month."""
    membership = acting_member(request)
    return _theme_detail(membership, selectors.theme(membership, theme_id))


@router.patch("/themes/{theme_id}", response=with_errors({200: ThemeDetailOut}))
def theme_patch(request: HttpRequest, theme_id: int, payload: ThemePatch) -> Any:
    """Rename a theme or route it to the sales or marketing backlog."""
    membership = acting_member(request)
    theme = selectors.theme(membership, theme_id)
    theme = services.theme_update(
        membership=membership, theme=theme, **payload.dict(exclude_unset=True)
    )
    return _theme_detail(membership, theme)


@router.post("/themes/{theme_id}/merge", response=with_errors({200: ThemeDetailOut}))
def theme_merge(request: HttpRequest, theme_id: int, payload: ThemeMergeIn) -> Any:
    """Move this theme's comments into another theme."""
    membership = acting_member(request)
    theme = selectors.theme(membership, theme_id)
    try:
        into = selectors.theme(membership, payload.into_id)
    except Http404:
        raise FieldErrors(
            [{"loc": ["body", "into_id"], "msg": "No such theme.", "type": "invalid"}]
        ) from None
    with fields_named(into=("body", "into_id")):
        merged = services.theme_merge(membership=membership, theme=theme, into=into)
    return _theme_detail(membership, merged)
