"""Request and response schemas of the Goals API (``accord.goals.api``).

No ``from __future__ import annotations`` here: ninja reads these
annotations at import time.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from accord.goals import selectors
from accord.goals.models import (
    ActivityType,
    Agreement,
    AssetKind,
    Confidence,
    Direction,
    Event,
    EventKind,
    EventSignup,
    EventSlot,
    Goal,
    GoalEvent,
    GoalKind,
    GoalStatus,
    SlotRole,
    TargetPer,
)
from accord.lib.api import MAX_ID, DecimalOut, InputSchema, decimal_in

# Literal rather than the model enum: its name would clash in the OpenAPI schema.
SideName = Literal["sales", "marketing"]


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
    baseline: DecimalOut
    target: DecimalOut
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
        # A list's page reads them for all its goals at once (selectors.with_progress).
        answers = getattr(obj, "prefetched_answers", None) or selectors.current_agreements(obj)
        return [a for a in answers.values() if a is not None]

    @staticmethod
    def resolve_progress(obj: Goal) -> Any:
        if obj.status not in (GoalStatus.ACTIVE, GoalStatus.PROPOSED):
            return None
        if hasattr(obj, "prefetched_progress"):
            return obj.prefetched_progress
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
    baseline: Decimal = decimal_in(description="Where the metric starts")
    target: Decimal = decimal_in(description="Where it should be at the period's end")
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
    baseline: Decimal | None = decimal_in(None)
    target: Decimal | None = decimal_in(None)
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
    value: Decimal = decimal_in(description="The metric's value")
    date: dt.date | None = Field(None, description="Default: today")
    confidence: Confidence = Confidence.MEDIUM
    note: str = Field("", max_length=2000)


class GoalsCheckInOut(Schema):
    id: int
    value: DecimalOut
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
