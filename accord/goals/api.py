"""API operations of the Goals section, mounted at /api/v1/goals.

Goals and their actions (propose, agree, decline, close, check-in), the metric
catalogue, activity goals and logs, the content library and events.

No ``from __future__ import annotations`` here: ninja reads these signatures at
import time, and ``@paginate`` hides the module's names from string annotations.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from accord.goals import metrics, selectors, services
from accord.goals.models import (
    ActivityGoal,
    ActivityType,
    Agreement,
    AssetKind,
    Confidence,
    ContentAsset,
    Direction,
    Event,
    EventKind,
    EventSignup,
    EventSlot,
    Goal,
    GoalEvent,
    GoalKind,
    GoalsSettings,
    GoalStatus,
    SlotRole,
    TargetPer,
)
from accord.lib.api import InputSchema, Pagination, fields_named, with_errors
from accord.orgs.api_auth import acting_member
from accord.orgs.selectors import get_scoped

router = Router(tags=["goals"])

# Literal rather than the model enum: its name would clash in the OpenAPI schema.
SideName = Literal["sales", "marketing"]

# Ids are database integers: anything larger cannot name an object.
MAX_ID = 2_147_483_647
MAX_NUMBER = 999_999_999_999
GOAL_FIELDS = {
    "sales_owner": ("body", "sales_owner_id"),
    "marketing_owner": ("body", "marketing_owner_id"),
}


def _id(description: str) -> Any:
    return Path(..., ge=1, le=MAX_ID, description=description)  # type: ignore[type-arg]


def _number(description: str) -> Any:
    return Field(..., ge=-MAX_NUMBER, le=MAX_NUMBER, allow_inf_nan=False, description=description)


# -- schemas -----------------------------------------------------------------


class GoalsMetricOut(Schema):
    key: str
    name: str
    definition: str
    unit: str
    direction: str
    moves: str
    computed_from: str = Field(..., description="App whose data computes it; '' when entered")


class GoalsVanityOut(Schema):
    key: str
    name: str
    why: str
    suggestion: str = Field(..., description="Key of the outcome metric to use instead")


class GoalsCatalogueOut(Schema):
    metrics: list[GoalsMetricOut]
    vanity: list[GoalsVanityOut]


class GoalsAgreementOut(Schema):
    version: int
    side: Literal["sales", "marketing"]
    decision: Literal["agreed", "declined"]
    member: str
    comment: str
    created_at: dt.datetime

    @staticmethod
    def resolve_member(obj: Agreement) -> str:
        return obj.member_label


class GoalsProgressOut(Schema):
    actual: float | None
    actual_date: dt.date | None
    expected: float | None = Field(..., description="The straight line on actual_date")
    expected_today: float
    on_track: bool | None = Field(..., description="None until there is a value")
    computed: bool = Field(..., description="The value comes from Accord's own data")


class GoalOut(Schema):
    id: int
    title: str
    why: str
    kind: GoalKind
    metric: str
    metric_name: str
    metric_moves: str
    unit: str
    baseline: float
    target: float
    direction: Direction
    period_start: dt.date
    period_end: dt.date
    sales_owner_id: int | None = Field(..., description="None if the owner left")
    marketing_owner_id: int | None
    status: GoalStatus
    version: int
    closed_note: str
    created_at: dt.datetime
    updated_at: dt.datetime
    agreements: list[GoalsAgreementOut] = Field(..., description="Answers to the current version")
    progress: GoalsProgressOut | None

    @staticmethod
    def resolve_agreements(obj: Goal) -> list[Agreement]:
        return [a for a in selectors.current_agreements(obj).values() if a is not None]

    @staticmethod
    def resolve_progress(obj: Goal) -> Any:
        if obj.status not in (GoalStatus.ACTIVE, GoalStatus.PROPOSED):
            return None
        return selectors.goal_progress(obj)


class GoalIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=160)
    why: str = Field("", max_length=5000)
    kind: GoalKind = GoalKind.PARTNERSHIP
    metric: str = Field(..., min_length=1, max_length=64, description="A catalogue key or 'custom'")
    metric_name: str = Field("", max_length=120, description="Name of a custom metric")
    metric_moves: str = Field(
        "", max_length=160, description="Which goal or revenue stage it moves (custom metrics)"
    )
    unit: str = Field("", max_length=32)
    baseline: float = _number("Where the metric starts")
    target: float = _number("Where it should be at the period's end")
    direction: Direction | None = None
    period_start: dt.date | None = Field(None, description="Default: this quarter")
    period_end: dt.date | None = None
    sales_owner_id: int = Field(..., ge=1, le=MAX_ID)
    marketing_owner_id: int = Field(..., ge=1, le=MAX_ID)


class GoalPatch(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=160)
    why: str | None = Field(None, max_length=5000)
    kind: GoalKind | None = None
    metric: str | None = Field(None, min_length=1, max_length=64)
    metric_name: str | None = Field(None, max_length=120)
    metric_moves: str | None = Field(None, max_length=160)
    unit: str | None = Field(None, max_length=32)
    baseline: float | None = Field(None, ge=-MAX_NUMBER, le=MAX_NUMBER, allow_inf_nan=False)
    target: float | None = Field(None, ge=-MAX_NUMBER, le=MAX_NUMBER, allow_inf_nan=False)
    direction: Direction | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    sales_owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    marketing_owner_id: int | None = Field(None, ge=1, le=MAX_ID)


class GoalFilter(InputSchema):
    status: GoalStatus | None = None
    kind: GoalKind | None = None
    team_id: int | None = Field(None, ge=1, le=MAX_ID, description="Owned by a member of it")
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    period_start: dt.date | None = Field(None, description="Goals overlapping from this day")
    period_end: dt.date | None = Field(None, description="Goals overlapping up to this day")


class GoalsProposeIn(InputSchema):
    comment: str = Field("", max_length=2000)


class GoalsAgreeIn(InputSchema):
    side: SideName | None = Field(
        None, description="Owners and admins say which side they answer for"
    )
    comment: str = Field("", max_length=2000)


class GoalsDeclineIn(InputSchema):
    side: SideName | None = None
    reason: str = Field(..., min_length=1, max_length=2000)


class GoalsCloseIn(InputSchema):
    outcome: Literal["achieved", "missed", "dropped"]
    note: str = Field(..., min_length=1, max_length=5000)


class GoalsCheckInIn(InputSchema):
    value: float = _number("The metric's value")
    date: dt.date | None = Field(None, description="Default: today")
    confidence: Confidence = Confidence.MEDIUM
    note: str = Field("", max_length=2000)


class GoalsCheckInOut(Schema):
    id: int
    value: float
    date: dt.date
    confidence: str
    note: str
    author_id: int | None
    created_at: dt.datetime


class GoalsHistoryOut(Schema):
    action: str
    actor: str
    version: int
    detail: str
    created_at: dt.datetime

    @staticmethod
    def resolve_actor(obj: GoalEvent) -> str:
        return obj.actor_label


class GoalsActivityGoalOut(Schema):
    id: int
    team_id: int
    activity_type: ActivityType
    custom_name: str
    target_count: int
    per: TargetPer
    is_active: bool
    created_at: dt.datetime


class GoalsActivityGoalIn(InputSchema):
    team_id: int = Field(..., ge=1, le=MAX_ID)
    activity_type: ActivityType
    custom_name: str = Field("", max_length=120)
    target_count: int = Field(..., ge=1, le=1000)
    per: TargetPer = TargetPer.PERSON


class GoalsPersonProgressOut(Schema):
    member_id: int
    email: str
    count: int
    target: float
    expected: float
    behind: bool


class GoalsMonthOut(Schema):
    month: str
    count: int
    target: int


class GoalsActivityProgressOut(Schema):
    activity_goal_id: int
    month: str
    team_count: int
    team_target: int
    team_expected: float
    team_behind: bool
    people: list[GoalsPersonProgressOut]
    behind: list[str] = Field(..., description="Emails of the people behind")
    history: list[GoalsMonthOut]


class GoalsMonthQuery(InputSchema):
    month: str | None = Field(
        None, pattern=r"^(19[7-9][0-9]|2[01][0-9][0-9])-(0[1-9]|1[0-2])$", description="YYYY-MM"
    )


class GoalsActivityLogOut(Schema):
    id: int
    member_id: int
    team_id: int
    activity_type: ActivityType
    activity_goal_id: int | None
    occurred_on: dt.date
    note: str
    source: str
    created_at: dt.datetime


class GoalsActivityLogIn(InputSchema):
    activity_type: ActivityType | None = Field(
        None, description="Default: the member's team's activity goal"
    )
    occurred_on: dt.date | None = Field(None, description="Default: today")
    note: str = Field("", max_length=300)
    member_id: int | None = Field(None, ge=1, le=MAX_ID, description="Leads log for others")


class GoalsActivityLogFilter(InputSchema):
    team_id: int | None = Field(None, ge=1, le=MAX_ID)


class GoalsCsvIn(InputSchema):
    csv: str = Field(..., max_length=5_000_000, description="CSV text with a header row")


class GoalsImportOut(Schema):
    imported: int


class GoalsAssetOut(Schema):
    id: int
    title: str
    kind: AssetKind
    url: str
    body: str
    owner_id: int | None
    tags: list[str]
    created_at: dt.datetime
    uses: int = 0
    last_used: dt.date | None = None


class GoalsAssetIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    kind: AssetKind = AssetKind.OTHER
    url: str = Field("", max_length=500)
    tags: list[str] = Field(default_factory=list, max_length=20)
    body: str = Field("", max_length=20000)


class GoalsAssetPatch(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    kind: AssetKind | None = None
    url: str | None = Field(None, max_length=500)
    tags: list[str] | None = Field(None, max_length=20)
    body: str | None = Field(None, max_length=20000)


class GoalsAssetFilter(InputSchema):
    untouched: bool = Field(False, description="Only assets no one in sales used in N days")
    kind: AssetKind | None = None
    tag: str | None = Field(None, max_length=40)
    q: str | None = Field(None, max_length=200, description="Title contains")


class GoalsUsageOut(Schema):
    id: int
    asset_id: int
    member_id: int
    used_on: dt.date
    note: str
    first_use: bool
    created_at: dt.datetime


class GoalsUsageIn(InputSchema):
    used_on: dt.date | None = Field(None, description="Default: today")
    note: str = Field("", max_length=300)
    member_id: int | None = Field(None, ge=1, le=MAX_ID, description="Leads log for others")


class GoalsSignupOut(Schema):
    id: int
    slot_id: int
    member_id: int
    created_at: dt.datetime


class GoalsSlotOut(Schema):
    id: int
    role: SlotRole
    date: dt.date
    capacity: int
    signups: list[GoalsSignupOut]

    @staticmethod
    def resolve_signups(obj: EventSlot) -> list[EventSignup]:
        return list(obj.signups.all())


class GoalsEventOut(Schema):
    id: int
    name: str
    kind: EventKind
    starts_on: dt.date
    ends_on: dt.date
    place: str
    url: str
    notes: str
    slots: list[GoalsSlotOut]

    @staticmethod
    def resolve_slots(obj: Event) -> list[EventSlot]:
        return selectors.event_slots(obj)


class GoalsSlotIn(InputSchema):
    role: SlotRole
    date: dt.date
    capacity: int = Field(2, ge=1, le=100)


class GoalsEventIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: EventKind = EventKind.TRADESHOW
    starts_on: dt.date
    ends_on: dt.date | None = None
    place: str = Field("", max_length=200)
    url: str = Field("", max_length=500)
    notes: str = Field("", max_length=5000)
    slots: list[GoalsSlotIn] | None = Field(
        None, max_length=50, description="Default: set-up, booth, tear-down"
    )


class GoalsEventFilter(InputSchema):
    when: Literal["upcoming", "past"] = "upcoming"


class GoalsSignupIn(InputSchema):
    member_id: int | None = Field(None, ge=1, le=MAX_ID, description="Leads sign up others")


class GoalsSettingsOut(Schema):
    untouched_days: int
    event_reminder_days: int


class GoalsSettingsPatch(InputSchema):
    untouched_days: int | None = Field(None, ge=1, le=3650)
    event_reminder_days: int | None = Field(None, ge=0, le=60)


# -- metric catalogue --------------------------------------------------------


@router.get("/metrics", response=with_errors({200: GoalsCatalogueOut}))
def metric_catalogue(request: HttpRequest) -> Any:
    """Outcome metrics a goal may use, and vanity metrics that are refused."""
    acting_member(request)
    return {
        "metrics": [
            {
                "key": m.key,
                "name": m.name,
                "definition": m.definition,
                "unit": m.unit,
                "direction": m.direction,
                "moves": m.moves,
                "computed_from": m.source,
            }
            for m in metrics.METRICS
        ],
        "vanity": [
            {"key": v.key, "name": v.name, "why": v.why, "suggestion": v.suggestion}
            for v in metrics.VANITY
        ],
    }


# -- goals -------------------------------------------------------------------


def _goal(request: HttpRequest, goal_id: int) -> Goal:
    return selectors.goal(acting_member(request), goal_id)


@router.get("", response=with_errors({200: list[GoalOut]}))
@paginate(Pagination)
def goals_list(request: HttpRequest, filters: Query[GoalFilter]) -> Any:
    """Goals, latest period first; by status, kind, team, owner and period."""
    return selectors.goals(
        acting_member(request),
        status=filters.status,
        kind=filters.kind,
        team_id=filters.team_id,
        owner_id=filters.owner_id,
        period_start=filters.period_start,
        period_end=filters.period_end,
    ).select_related("organization")


@router.post("", response=with_errors({201: GoalOut}))
def goal_create(request: HttpRequest, payload: GoalIn) -> Any:
    """Draft a goal (leads, admins, owners). Vanity metrics are refused with a suggestion."""
    data = payload.dict()
    data["sales_owner"] = data.pop("sales_owner_id")
    data["marketing_owner"] = data.pop("marketing_owner_id")
    data["baseline"] = Decimal(str(data["baseline"]))
    data["target"] = Decimal(str(data["target"]))
    with fields_named(**GOAL_FIELDS):
        goal = services.goal_create(membership=acting_member(request), **data)
    return Status(201, goal)


@router.get("/{int:goal_id}", response=with_errors({200: GoalOut}))
def goal_get(request: HttpRequest, goal_id: int = _id("A goal")) -> Goal:
    return _goal(request, goal_id)


@router.patch("/{int:goal_id}", response=with_errors({200: GoalOut}))
def goal_patch(request: HttpRequest, payload: GoalPatch, goal_id: int = _id("A goal")) -> Goal:
    """Change a goal. Changing metric, target, direction or period of a proposed
    or active goal re-opens agreement and emails both leads."""
    goal = _goal(request, goal_id)
    changes = payload.dict(exclude_unset=True)
    for key in ("sales_owner_id", "marketing_owner_id"):
        if key in changes:
            changes[key.removesuffix("_id")] = changes.pop(key)
    for key in ("baseline", "target"):
        if changes.get(key) is not None:
            changes[key] = Decimal(str(changes[key]))
    changes = {k: v for k, v in changes.items() if v is not None}
    with fields_named(**GOAL_FIELDS):
        return services.goal_update(membership=acting_member(request), goal=goal, **changes)


@router.post("/{int:goal_id}/propose", response=with_errors({200: GoalOut}))
def goal_propose(
    request: HttpRequest, payload: GoalsProposeIn, goal_id: int = _id("A goal")
) -> Goal:
    """Propose a draft to both teams; a proposing lead agrees for their side."""
    goal = _goal(request, goal_id)
    with fields_named():
        services.goal_propose(membership=acting_member(request), goal=goal, comment=payload.comment)
    goal.refresh_from_db()
    return goal


@router.post("/{int:goal_id}/agree", response=with_errors({200: GoalOut}))
def goal_agree(request: HttpRequest, payload: GoalsAgreeIn, goal_id: int = _id("A goal")) -> Goal:
    """Agree to the current version for one's side; both sides agreed: active."""
    goal = _goal(request, goal_id)
    with fields_named():
        services.goal_agree(
            membership=acting_member(request), goal=goal, side=payload.side, comment=payload.comment
        )
    goal.refresh_from_db()
    return goal


@router.post("/{int:goal_id}/decline", response=with_errors({200: GoalOut}))
def goal_decline(
    request: HttpRequest, payload: GoalsDeclineIn, goal_id: int = _id("A goal")
) -> Goal:
    """Decline a proposed goal with a reason: back to draft."""
    goal = _goal(request, goal_id)
    with fields_named():
        services.goal_decline(
            membership=acting_member(request), goal=goal, side=payload.side, reason=payload.reason
        )
    goal.refresh_from_db()
    return goal


@router.post("/{int:goal_id}/close", response=with_errors({200: GoalOut}))
def goal_close(request: HttpRequest, payload: GoalsCloseIn, goal_id: int = _id("A goal")) -> Goal:
    """Achieved or missed at the period's end, or dropped; with a note."""
    goal = _goal(request, goal_id)
    with fields_named():
        services.goal_close(
            membership=acting_member(request), goal=goal, outcome=payload.outcome, note=payload.note
        )
    goal.refresh_from_db()
    return goal


@router.post("/{int:goal_id}/check-ins", response=with_errors({201: GoalsCheckInOut}))
def goal_check_in(
    request: HttpRequest, payload: GoalsCheckInIn, goal_id: int = _id("A goal")
) -> Any:
    """Check in a value (the goal's owners, leads, admins and owners)."""
    goal = _goal(request, goal_id)
    with fields_named():
        checkin = services.goal_check_in(
            membership=acting_member(request),
            goal=goal,
            value=Decimal(str(payload.value)),
            date=payload.date,
            confidence=payload.confidence,
            note=payload.note,
        )
    return Status(201, checkin)


@router.get("/{int:goal_id}/check-ins", response=with_errors({200: list[GoalsCheckInOut]}))
@paginate(Pagination)
def goal_check_ins(request: HttpRequest, goal_id: int = _id("A goal")) -> Any:
    return selectors.goal_checkins(_goal(request, goal_id))


@router.get("/{int:goal_id}/history", response=with_errors({200: list[GoalsHistoryOut]}))
@paginate(Pagination)
def goal_history(request: HttpRequest, goal_id: int = _id("A goal")) -> Any:
    """Everything that happened to the goal, oldest first."""
    return selectors.goal_history(_goal(request, goal_id))


@router.get("/{int:goal_id}/agreements", response=with_errors({200: list[GoalsAgreementOut]}))
@paginate(Pagination)
def goal_agreements(request: HttpRequest, goal_id: int = _id("A goal")) -> Any:
    """Every side's answer to every version, latest version first."""
    return selectors.goal_agreements(_goal(request, goal_id))


# -- activity goals and logs ---------------------------------------------------


def _activity_goal(request: HttpRequest, activity_goal_id: int) -> ActivityGoal:
    return selectors.activity_goal(acting_member(request), activity_goal_id)


@router.get("/activity-goals", response=with_errors({200: list[GoalsActivityGoalOut]}))
def activity_goals_list(request: HttpRequest) -> Any:
    """Each team's activity goal (ended ones too), by team."""
    return selectors.activity_goals(acting_member(request), include_ended=True)


@router.post("/activity-goals", response=with_errors({201: GoalsActivityGoalOut}))
def activity_goal_create(request: HttpRequest, payload: GoalsActivityGoalIn) -> Any:
    """Commit a team to an activity the other team normally does (leads, admins, owners)."""
    with fields_named(team=("body", "team_id")):
        goal = services.activity_goal_create(
            membership=acting_member(request),
            team=payload.team_id,
            activity_type=payload.activity_type,
            custom_name=payload.custom_name,
            target_count=payload.target_count,
            per=payload.per,
        )
    return Status(201, goal)


@router.get(
    "/activity-goals/{int:activity_goal_id}", response=with_errors({200: GoalsActivityGoalOut})
)
def activity_goal_get(
    request: HttpRequest, activity_goal_id: int = _id("An activity goal")
) -> ActivityGoal:
    return _activity_goal(request, activity_goal_id)


@router.post(
    "/activity-goals/{int:activity_goal_id}/end", response=with_errors({200: GoalsActivityGoalOut})
)
def activity_goal_end(
    request: HttpRequest, activity_goal_id: int = _id("An activity goal")
) -> ActivityGoal:
    """End an activity goal; its logs stay."""
    goal = _activity_goal(request, activity_goal_id)
    with fields_named(activity_goal=("path", "activity_goal_id")):
        return services.activity_goal_end(membership=acting_member(request), activity_goal=goal)


@router.get(
    "/activity-goals/{int:activity_goal_id}/progress",
    response=with_errors({200: GoalsActivityProgressOut}),
)
def activity_goal_progress(
    request: HttpRequest,
    filters: Query[GoalsMonthQuery],
    activity_goal_id: int = _id("An activity goal"),
) -> Any:
    """Progress per person and team in a month (default: this one), who is behind."""
    goal = _activity_goal(request, activity_goal_id)
    month = dt.date.fromisoformat(f"{filters.month}-01") if filters.month else services.today()
    progress = selectors.activity_progress(goal, month)
    return {
        "activity_goal_id": goal.pk,
        "month": progress.month.strftime("%Y-%m"),
        "team_count": progress.team_count,
        "team_target": progress.team_target,
        "team_expected": progress.team_expected,
        "team_behind": progress.team_behind,
        "people": [
            {
                "member_id": p.member.pk,
                "email": p.member.user.email,
                "count": p.count,
                "target": p.target,
                "expected": p.expected,
                "behind": p.behind,
            }
            for p in progress.people
        ],
        "behind": [p.member.user.email for p in progress.behind],
        "history": [
            {"month": m.strftime("%Y-%m"), "count": c, "target": t} for m, c, t in progress.history
        ],
    }


@router.get("/activity-logs", response=with_errors({200: list[GoalsActivityLogOut]}))
@paginate(Pagination)
def activity_logs_list(request: HttpRequest, filters: Query[GoalsActivityLogFilter]) -> Any:
    """Logged activities, newest first."""
    return selectors.activity_logs(acting_member(request), team_id=filters.team_id)


@router.post("/activity-logs", response=with_errors({201: GoalsActivityLogOut}))
def activity_log_create(request: HttpRequest, payload: GoalsActivityLogIn) -> Any:
    """Log a cross-team activity (one's own; leads for anyone)."""
    with fields_named(member=("body", "member_id")):
        log = services.activity_log(
            membership=acting_member(request),
            activity_type=payload.activity_type,
            occurred_on=payload.occurred_on,
            note=payload.note,
            member=payload.member_id,
            source="api",
        )
    return Status(201, log)


@router.post("/activity-logs/import", response=with_errors({201: GoalsImportOut}))
def activity_logs_import(request: HttpRequest, payload: GoalsCsvIn) -> Any:
    """Import activities from CSV (email, date, activity_type, note); all rows or none."""
    with fields_named(file=("body", "csv")):
        count = services.activity_import_csv(membership=acting_member(request), text=payload.csv)
    return Status(201, {"imported": count})


@router.delete("/activity-logs/{int:log_id}", response=with_errors({204: None}))
def activity_log_delete(request: HttpRequest, log_id: int = _id("An activity log")) -> Any:
    membership = acting_member(request)
    log = selectors.activity_log(membership, log_id)
    with fields_named(source=("path", "log_id")):
        services.activity_log_delete(membership=membership, log=log)
    return Status(204, None)


# -- content library ---------------------------------------------------------


def _asset(request: HttpRequest, asset_id: int) -> ContentAsset:
    return selectors.content_asset(acting_member(request), asset_id)


@router.get("/content", response=with_errors({200: list[GoalsAssetOut]}))
@paginate(Pagination)
def content_list(request: HttpRequest, filters: Query[GoalsAssetFilter]) -> Any:
    """The library with use counts; ``untouched=true``: unused by sales for N days."""
    return selectors.content_assets(
        acting_member(request),
        untouched=filters.untouched,
        kind=filters.kind,
        tag=filters.tag,
        query=filters.q,
    )


@router.post("/content", response=with_errors({201: GoalsAssetOut}))
def content_create(request: HttpRequest, payload: GoalsAssetIn) -> Any:
    with fields_named():
        asset = services.content_asset_create(
            membership=acting_member(request),
            title=payload.title,
            kind=payload.kind,
            url=payload.url,
            tags=payload.tags,
            body=payload.body,
        )
    return Status(201, asset)


@router.post("/content/uses/import", response=with_errors({201: GoalsImportOut}))
def content_uses_import(request: HttpRequest, payload: GoalsCsvIn) -> Any:
    """Import content use from CSV (email, asset id or title, date, note); all or none."""
    with fields_named(file=("body", "csv")):
        count = services.content_usage_import_csv(
            membership=acting_member(request), text=payload.csv
        )
    return Status(201, {"imported": count})


@router.get("/content/{int:asset_id}", response=with_errors({200: GoalsAssetOut}))
def content_get(request: HttpRequest, asset_id: int = _id("An asset")) -> Any:
    return get_scoped(
        acting_member(request), selectors.content_assets(acting_member(request)), pk=asset_id
    )


@router.patch("/content/{int:asset_id}", response=with_errors({200: GoalsAssetOut}))
def content_patch(
    request: HttpRequest, payload: GoalsAssetPatch, asset_id: int = _id("An asset")
) -> Any:
    asset = _asset(request, asset_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    with fields_named():
        return services.content_asset_update(
            membership=acting_member(request), asset=asset, **changes
        )


@router.get("/content/{int:asset_id}/uses", response=with_errors({200: list[GoalsUsageOut]}))
@paginate(Pagination)
def content_uses(request: HttpRequest, asset_id: int = _id("An asset")) -> Any:
    return selectors.asset_usages(_asset(request, asset_id))


@router.post("/content/{int:asset_id}/uses", response=with_errors({201: GoalsUsageOut}))
def content_use_log(
    request: HttpRequest, payload: GoalsUsageIn, asset_id: int = _id("An asset")
) -> Any:
    """Log a use by a sales member (oneself; leads for anyone)."""
    asset = _asset(request, asset_id)
    with fields_named(member=("body", "member_id")):
        usage = services.content_usage_log(
            membership=acting_member(request),
            asset=asset,
            used_on=payload.used_on,
            note=payload.note,
            member=payload.member_id,
        )
    return Status(201, usage)


# -- events ------------------------------------------------------------------


def _event(request: HttpRequest, event_id: int) -> Event:
    return selectors.event(acting_member(request), event_id)


@router.get("/events", response=with_errors({200: list[GoalsEventOut]}))
@paginate(Pagination)
def events_list(request: HttpRequest, filters: Query[GoalsEventFilter]) -> Any:
    """Upcoming events soonest first, or past ones latest first."""
    return selectors.events(acting_member(request), when=filters.when)


@router.post("/events", response=with_errors({201: GoalsEventOut}))
def event_create(request: HttpRequest, payload: GoalsEventIn) -> Any:
    """Create an event with staffing slots (leads, admins, owners)."""
    with fields_named():
        event = services.event_create(
            membership=acting_member(request),
            name=payload.name,
            kind=payload.kind,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            place=payload.place,
            url=payload.url,
            notes=payload.notes,
            slots=None
            if payload.slots is None
            else [(s.role, s.date, s.capacity) for s in payload.slots],
        )
    return Status(201, event)


@router.get("/events/{int:event_id}", response=with_errors({200: GoalsEventOut}))
def event_get(request: HttpRequest, event_id: int = _id("An event")) -> Event:
    return _event(request, event_id)


@router.post("/events/{int:event_id}/slots", response=with_errors({201: GoalsSlotOut}))
def event_slot_add(
    request: HttpRequest, payload: GoalsSlotIn, event_id: int = _id("An event")
) -> Any:
    event = _event(request, event_id)
    with fields_named():
        slot = services.event_slot_add(
            membership=acting_member(request),
            event=event,
            role=payload.role,
            date=payload.date,
            capacity=payload.capacity,
        )
    return Status(201, slot)


@router.post("/events/slots/{int:slot_id}/signups", response=with_errors({201: GoalsSignupOut}))
def event_signup(request: HttpRequest, payload: GoalsSignupIn, slot_id: int = _id("A slot")) -> Any:
    """Sign up for a slot (oneself; leads for anyone). Sales staff count toward
    sales' activity goal; a reminder is emailed before the slot."""
    membership = acting_member(request)
    slot = selectors.event_slot(membership, slot_id)
    with fields_named(member=("body", "member_id"), slot=("path", "slot_id")):
        signup = services.event_signup(membership=membership, slot=slot, member=payload.member_id)
    return Status(201, signup)


@router.delete("/events/signups/{int:signup_id}", response=with_errors({204: None}))
def event_signup_cancel(request: HttpRequest, signup_id: int = _id("A sign-up")) -> Any:
    membership = acting_member(request)
    signup = selectors.event_signup(membership, signup_id)
    services.event_signup_cancel(membership=membership, signup=signup)
    return Status(204, None)


# -- settings ----------------------------------------------------------------


@router.get("/settings", response=with_errors({200: GoalsSettingsOut}))
def settings_get(request: HttpRequest) -> GoalsSettings:
    return services.goals_settings_of(acting_member(request).organization)


@router.patch("/settings", response=with_errors({200: GoalsSettingsOut}))
def settings_patch(request: HttpRequest, payload: GoalsSettingsPatch) -> GoalsSettings:
    """The untouched period of the content library, and event reminder days."""
    with fields_named():
        return services.goals_settings_update(
            membership=acting_member(request), **payload.dict(exclude_unset=True)
        )
