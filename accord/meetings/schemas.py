"""Input and output schemas of the Meetings API (see ``accord.meetings.api``).

No ``from __future__ import annotations`` here: ninja and pydantic read these
annotations at import time.
"""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from accord.lib.api import MAX_ID, InputSchema
from accord.meetings import selectors, services
from accord.meetings.models import ActionItem, AgendaItem, Issue, MeetingSeries, Occurrence

KindName = Literal["joint", "pipeline_review", "customer_call"]
CadenceName = Literal["biweekly", "weekly", "monthly", "custom"]
SectionName = Literal["check_in", "scorecard", "headlines", "action_items", "issues", "conclude"]
SourceName = Literal["scratch", "theme", "rejection_reason", "followup", "goal", "agenda_item"]


# -- schemas ---------------------------------------------------------------------


class MeetingsSeriesOut(Schema):
    id: int
    name: str
    kind: str
    cadence: str
    rrule: str
    start_date: dt.date
    start_time: str = Field(..., description="Local time in time_zone, HH:MM")
    time_zone: str
    duration_minutes: int
    video_url: str
    description: str
    agenda_lead_hours: int
    attendee_ids: list[int]
    uid: str = Field(..., description="The iCalendar UID of every invitation of the series")
    sequence: int = Field(..., description="Raised on every change")
    cancelled_at: dt.datetime | None
    warnings: list[str]

    @staticmethod
    def resolve_start_time(obj: MeetingSeries) -> str:
        return obj.start_time.strftime("%H:%M")

    @staticmethod
    def resolve_attendee_ids(obj: MeetingSeries) -> list[int]:
        return sorted(obj.attendees.values_list("pk", flat=True))

    @staticmethod
    def resolve_warnings(obj: MeetingSeries) -> list[str]:
        return services.series_warnings(obj)


class MeetingsSeriesIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=160)
    kind: KindName = "joint"
    cadence: CadenceName = "biweekly"
    rrule: str = Field("", max_length=500, description="RFC 5545 RRULE for a custom cadence")
    start_date: dt.date
    start_time: dt.time = Field(..., description="Local time in time_zone")
    time_zone: str | None = Field(None, max_length=64, description="Default: the organisation's")
    duration_minutes: int = Field(60, ge=5, le=720)
    video_url: str = Field("", max_length=500)
    description: str = Field("", max_length=5000)
    agenda_lead_hours: int = Field(24, ge=1, le=336)
    attendee_ids: list[int] = Field(..., min_length=1, max_length=500)


class MeetingsSeriesPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=160)
    kind: KindName | None = None
    cadence: CadenceName | None = None
    rrule: str | None = Field(None, max_length=500)
    start_date: dt.date | None = None
    start_time: dt.time | None = None
    time_zone: str | None = Field(None, max_length=64)
    duration_minutes: int | None = Field(None, ge=5, le=720)
    video_url: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=5000)
    agenda_lead_hours: int | None = Field(None, ge=1, le=336)
    attendee_ids: list[int] | None = Field(None, min_length=1, max_length=500)


class MeetingsItemOut(Schema):
    id: int
    section: str
    title: str
    why: str
    source_url: str
    position: int
    timebox_minutes: int | None
    raised_by_id: int | None
    team_id: int | None
    notes: str = Field(..., description="Markdown")
    decision: str
    decided_by_id: int | None
    done: bool
    carried_from_id: int | None
    issue_id: int | None
    version: int


class MeetingsRatingOut(Schema):
    member_id: int
    score: int


class MeetingsOccurrenceOut(Schema):
    id: int
    series_id: int
    original_start: dt.datetime
    starts_at: dt.datetime
    ends_at: dt.datetime
    moved: bool
    status: str
    version: int
    agenda_built_at: dt.datetime | None
    closed_at: dt.datetime | None
    collaborative: bool | None = Field(..., description="Decided on close; None before")
    report_out_reason: str


class MeetingsOccurrenceDetailOut(MeetingsOccurrenceOut):
    items: list[MeetingsItemOut]
    attendance: list[int] = Field(..., description="Members who were there")
    ratings: list[MeetingsRatingOut]

    @staticmethod
    def resolve_items(obj: Occurrence) -> list[AgendaItem]:
        return list(selectors.agenda(obj))

    @staticmethod
    def resolve_attendance(obj: Occurrence) -> list[int]:
        return sorted(selectors.attendance(obj))

    @staticmethod
    def resolve_ratings(obj: Occurrence) -> list[Any]:
        return list(selectors.ratings(obj).order_by("member_id"))


class MeetingsOccurrenceFilter(InputSchema):
    series_id: int | None = Field(None, ge=1, le=MAX_ID)
    when: Literal["upcoming", "past", "all"] = "all"


class MeetingsVersionIn(InputSchema):
    version: int | None = Field(None, ge=0, le=MAX_ID, description="The version you saw")


class MeetingsMoveIn(MeetingsVersionIn):
    starts_at: dt.datetime = Field(..., description="With its UTC offset")
    ends_at: dt.datetime | None = Field(None, description="Default: the same duration")


class MeetingsItemIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    why: str = Field("", max_length=500)
    section: SectionName = "issues"
    timebox_minutes: int | None = Field(None, ge=1, le=240)


class MeetingsItemPatch(InputSchema):
    version: int = Field(..., ge=0, le=MAX_ID, description="The version you saw")
    title: str | None = Field(None, min_length=1, max_length=200)
    why: str | None = Field(None, max_length=500)
    section: SectionName | None = None
    timebox_minutes: int | None = Field(None, ge=1, le=240)
    position: int | None = Field(None, ge=0, le=1_000_000)
    notes: str | None = Field(None, description="Markdown, at most 20,000 characters")
    decision: str | None = Field(None, description="At most 5,000 characters")
    done: bool | None = None


class MeetingsReorderIn(InputSchema):
    item_ids: list[int] = Field(..., min_length=1, max_length=1000)


class MeetingsAttendanceIn(InputSchema):
    member_id: int = Field(..., ge=1, le=MAX_ID)
    present: bool = True


class MeetingsRatingIn(InputSchema):
    score: int = Field(..., ge=1, le=10)


class MeetingsActionOut(Schema):
    id: int
    title: str
    owner_id: int
    due_on: dt.date
    occurrence_id: int | None
    agenda_item_id: int | None
    issue_id: int | None
    done: bool
    done_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_done(obj: ActionItem) -> bool:
        return obj.is_done


class MeetingsActionIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    owner_id: int = Field(..., ge=1, le=MAX_ID)
    due_on: dt.date
    occurrence_id: int | None = Field(None, ge=1, le=MAX_ID)
    agenda_item_id: int | None = Field(None, ge=1, le=MAX_ID)


class MeetingsActionPatch(InputSchema):
    version: int = Field(..., ge=0, le=MAX_ID, description="The version you saw")
    title: str | None = Field(None, min_length=1, max_length=200)
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    due_on: dt.date | None = None
    done: bool | None = None


class MeetingsActionFilter(InputSchema):
    open: bool = False
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    occurrence_id: int | None = Field(None, ge=1, le=MAX_ID)


class MeetingsIssueOut(Schema):
    id: int
    title: str
    description: str
    team_ids: list[int]
    source_kind: str
    source_url: str
    status: str
    resolution: str
    raised_by_id: int | None
    solved_in_id: int | None
    solved_at: dt.datetime | None
    created_at: dt.datetime
    votes: int
    voted: bool = Field(..., description="Whether the token's member voted")

    @staticmethod
    def resolve_team_ids(obj: Issue) -> list[int]:
        return sorted(obj.teams.values_list("pk", flat=True))

    @staticmethod
    def resolve_votes(obj: Issue) -> int:
        return int(getattr(obj, "vote_count", 0))


class MeetingsIssueIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    team_ids: list[int] = Field([], max_length=50)
    source_kind: SourceName = "scratch"
    source_url: str = Field("", max_length=500)
    agenda_item_id: int | None = Field(None, ge=1, le=MAX_ID, description="Raised from this item")


class MeetingsIssueFilter(InputSchema):
    status: Literal["open", "on_agenda", "solved"] | None = None


class MeetingsSolveActionIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    owner_id: int = Field(..., ge=1, le=MAX_ID)
    due_on: dt.date


class MeetingsSolveIn(InputSchema):
    resolution: str = Field(..., min_length=1, max_length=10_000)
    occurrence_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The meeting it was solved in"
    )
    action_items: list[MeetingsSolveActionIn] = Field([], max_length=50)


class MeetingsIssueEventOut(Schema):
    action: str
    actor: str
    detail: str
    created_at: dt.datetime

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return str(obj.actor_label)


class MeetingsIssueDetailOut(MeetingsIssueOut):
    history: list[MeetingsIssueEventOut]

    @staticmethod
    def resolve_history(obj: Issue) -> list[Any]:
        return list(selectors.issue_history(obj))
