"""API operations of the Meetings section, mounted at /api/v1/meetings.

Series, occurrences (move, cancel, close, build the agenda), agenda items
with notes and decisions, attendance, ratings, action items, issues and votes.
Edits of shared objects quote the ``version`` they started from; a stale one
answers 409 and changes nothing.

No ``from __future__ import annotations`` here: ninja reads these signatures at
import time, and ``@paginate`` hides the module's names from string annotations.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accord.lib.api import (
    ErrorOut,
    InputSchema,
    Pagination,
    acting_member,
    fields_named,
    with_errors,
)
from accord.meetings import selectors, services
from accord.meetings.models import (
    ActionItem,
    AgendaItem,
    Issue,
    MeetingSeries,
    Occurrence,
)

router = Router(tags=["meetings"])

MAX_ID = 2_147_483_647
KindName = Literal["joint", "pipeline_review", "customer_call"]
CadenceName = Literal["biweekly", "weekly", "monthly", "custom"]
SectionName = Literal["check_in", "scorecard", "headlines", "action_items", "issues", "conclude"]
SourceName = Literal["scratch", "theme", "rejection_reason", "followup", "goal", "agenda_item"]


def _id(description: str) -> Any:
    return Path(..., ge=1, le=MAX_ID, description=description)  # type: ignore[type-arg]


def _versioned(ok: dict[int, Any]) -> dict[int, Any]:
    return with_errors({**ok, 409: ErrorOut})


@contextmanager
def _no_stale_edit() -> Iterator[None]:
    """A stale version is a 409 Conflict: someone else changed the object first."""
    try:
        yield
    except services.StaleEdit as error:
        raise HttpError(409, str(error)) from None


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


# -- series ------------------------------------------------------------------------


@router.get("/series", response=with_errors({200: list[MeetingsSeriesOut]}))
@paginate(Pagination)
def series_list(request: HttpRequest) -> Any:
    """Meeting series, cancelled ones last."""
    return selectors.series_list(acting_member(request))


@router.post("/series", response=with_errors({201: MeetingsSeriesOut}))
def series_create(request: HttpRequest, payload: MeetingsSeriesIn) -> Any:
    """Start a series (leads, admins, owners); attendees get an .ics invitation.
    ``warnings`` says when a joint series invites only one team."""
    data = payload.dict()
    attendees = data.pop("attendee_ids")
    with fields_named():
        series = services.series_create(
            membership=acting_member(request), attendees=attendees, **data
        )
    return Status(201, series)


@router.get("/series/{int:series_id}", response=with_errors({200: MeetingsSeriesOut}))
def series_get(request: HttpRequest, series_id: int = _id("A series")) -> MeetingSeries:
    return selectors.series_get(acting_member(request), series_id)


@router.patch("/series/{int:series_id}", response=with_errors({200: MeetingsSeriesOut}))
def series_patch(
    request: HttpRequest, payload: MeetingsSeriesPatch, series_id: int = _id("A series")
) -> MeetingSeries:
    """Change a series: SEQUENCE goes up and attendees get the updated invitation."""
    membership = acting_member(request)
    series = selectors.series_get(membership, series_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    attendees = changes.pop("attendee_ids", None)
    with fields_named():
        return services.series_update(
            membership=membership, series=series, attendees=attendees, **changes
        )


@router.post("/series/{int:series_id}/cancel", response=with_errors({200: MeetingsSeriesOut}))
def series_cancel(request: HttpRequest, series_id: int = _id("A series")) -> MeetingSeries:
    """End a series; attendees get METHOD:CANCEL."""
    membership = acting_member(request)
    series = selectors.series_get(membership, series_id)
    with fields_named(series=("path", "series_id")):
        return services.series_cancel(membership=membership, series=series)


# -- occurrences --------------------------------------------------------------------


@router.get("/occurrences", response=with_errors({200: list[MeetingsOccurrenceOut]}))
@paginate(Pagination)
def occurrences_list(request: HttpRequest, filters: Query[MeetingsOccurrenceFilter]) -> Any:
    """Occurrences, soonest first (``when=past``: latest first)."""
    when = "" if filters.when == "all" else filters.when
    return selectors.occurrences(acting_member(request), series_id=filters.series_id, when=when)


def _occurrence(request: HttpRequest, occurrence_id: int) -> Occurrence:
    return selectors.occurrence_get(acting_member(request), occurrence_id)


@router.get(
    "/occurrences/{int:occurrence_id}", response=with_errors({200: MeetingsOccurrenceDetailOut})
)
def occurrence_get(request: HttpRequest, occurrence_id: int = _id("An occurrence")) -> Occurrence:
    """One meeting with its agenda, attendance and ratings."""
    return _occurrence(request, occurrence_id)


@router.post(
    "/occurrences/{int:occurrence_id}/move", response=_versioned({200: MeetingsOccurrenceOut})
)
def occurrence_move(
    request: HttpRequest, payload: MeetingsMoveIn, occurrence_id: int = _id("An occurrence")
) -> Any:
    occurrence = _occurrence(request, occurrence_id)
    with _no_stale_edit(), fields_named(occurrence=("path", "occurrence_id")):
        return services.occurrence_move(
            membership=acting_member(request),
            occurrence=occurrence,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            version=payload.version,
        )


@router.post(
    "/occurrences/{int:occurrence_id}/cancel", response=_versioned({200: MeetingsOccurrenceOut})
)
def occurrence_cancel(
    request: HttpRequest, payload: MeetingsVersionIn, occurrence_id: int = _id("An occurrence")
) -> Any:
    occurrence = _occurrence(request, occurrence_id)
    with _no_stale_edit(), fields_named(occurrence=("path", "occurrence_id")):
        return services.occurrence_cancel(
            membership=acting_member(request), occurrence=occurrence, version=payload.version
        )


@router.post(
    "/occurrences/{int:occurrence_id}/close", response=_versioned({200: MeetingsOccurrenceOut})
)
def occurrence_close(
    request: HttpRequest, payload: MeetingsVersionIn, occurrence_id: int = _id("An occurrence")
) -> Any:
    """Close the meeting: collaborative or report-out, carry-over, summary email."""
    occurrence = _occurrence(request, occurrence_id)
    with _no_stale_edit(), fields_named(occurrence=("path", "occurrence_id")):
        return services.occurrence_close(
            membership=acting_member(request), occurrence=occurrence, version=payload.version
        )


@router.post(
    "/occurrences/{int:occurrence_id}/agenda",
    response=with_errors({200: MeetingsOccurrenceDetailOut}),
)
def occurrence_build_agenda(request: HttpRequest, occurrence_id: int = _id("An occurrence")) -> Any:
    """Build (or refresh) the agenda now (leads); items already there stay."""
    from accord.orgs.permissions import Action, require

    membership = acting_member(request)
    occurrence = _occurrence(request, occurrence_id)
    require(membership, Action.MEETING_MANAGE)
    services.agenda_build(occurrence, force=True)
    return selectors.occurrence_get(membership, occurrence_id)


@router.post("/occurrences/{int:occurrence_id}/items", response=with_errors({201: MeetingsItemOut}))
def item_add(
    request: HttpRequest, payload: MeetingsItemIn, occurrence_id: int = _id("An occurrence")
) -> Any:
    """Add an agenda item (attendees and leads)."""
    occurrence = _occurrence(request, occurrence_id)
    with fields_named(occurrence=("path", "occurrence_id")):
        item = services.agenda_item_add(
            membership=acting_member(request), occurrence=occurrence, **payload.dict()
        )
    return Status(201, item)


@router.post(
    "/occurrences/{int:occurrence_id}/reorder", response=with_errors({200: list[MeetingsItemOut]})
)
def items_reorder(
    request: HttpRequest, payload: MeetingsReorderIn, occurrence_id: int = _id("An occurrence")
) -> Any:
    """Put every item of the agenda in the given order (leads)."""
    occurrence = _occurrence(request, occurrence_id)
    with fields_named(occurrence=("path", "occurrence_id")):
        return services.agenda_reorder(
            membership=acting_member(request), occurrence=occurrence, item_ids=payload.item_ids
        )


@router.post(
    "/occurrences/{int:occurrence_id}/attendance",
    response=with_errors({200: MeetingsOccurrenceDetailOut}),
)
def attendance_set(
    request: HttpRequest, payload: MeetingsAttendanceIn, occurrence_id: int = _id("An occurrence")
) -> Any:
    membership = acting_member(request)
    occurrence = _occurrence(request, occurrence_id)
    with fields_named(occurrence=("path", "occurrence_id")):
        services.attendance_set(
            membership=membership,
            occurrence=occurrence,
            member=payload.member_id,
            present=payload.present,
        )
    return selectors.occurrence_get(membership, occurrence_id)


@router.put(
    "/occurrences/{int:occurrence_id}/rating", response=with_errors({200: MeetingsRatingOut})
)
def rating_set(
    request: HttpRequest, payload: MeetingsRatingIn, occurrence_id: int = _id("An occurrence")
) -> Any:
    """Your own 1-10 rating of a meeting you were invited to."""
    occurrence = _occurrence(request, occurrence_id)
    with fields_named(occurrence=("path", "occurrence_id")):
        return services.rating_set(
            membership=acting_member(request), occurrence=occurrence, score=payload.score
        )


# -- agenda items --------------------------------------------------------------------


@router.patch("/items/{int:item_id}", response=_versioned({200: MeetingsItemOut}))
def item_patch(
    request: HttpRequest, payload: MeetingsItemPatch, item_id: int = _id("An agenda item")
) -> Any:
    """Notes, decision, done (attendees); title, why, section, timebox, position (leads).
    Send the ``version`` you saw: a stale one answers 409 and changes nothing."""
    membership = acting_member(request)
    item = selectors.agenda_item_get(membership, item_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    with _no_stale_edit(), fields_named(occurrence=("path", "item_id")):
        return services.agenda_item_update(
            membership=membership, item=item, version=version, **changes
        )


@router.delete("/items/{int:item_id}", response=_versioned({204: None}))
def item_delete(
    request: HttpRequest,
    item_id: int = _id("An agenda item"),
    version: int | None = Query(None, ge=0, le=MAX_ID),  # type: ignore[type-arg]
) -> Any:
    membership = acting_member(request)
    item = selectors.agenda_item_get(membership, item_id)
    with _no_stale_edit(), fields_named(occurrence=("path", "item_id")):
        services.agenda_item_remove(membership=membership, item=item, version=version)
    return Status(204, None)


# -- action items ----------------------------------------------------------------------


@router.get("/action-items", response=with_errors({200: list[MeetingsActionOut]}))
@paginate(Pagination)
def action_items_list(request: HttpRequest, filters: Query[MeetingsActionFilter]) -> Any:
    return selectors.action_items(
        acting_member(request),
        open_only=filters.open,
        owner_id=filters.owner_id,
        occurrence_id=filters.occurrence_id,
    )


@router.post("/action-items", response=with_errors({201: MeetingsActionOut}))
def action_item_create(request: HttpRequest, payload: MeetingsActionIn) -> Any:
    """An action item with an owner of this organisation and a due date."""
    membership = acting_member(request)
    occurrence = agenda_item = None
    if payload.agenda_item_id is not None:
        agenda_item = selectors.agenda_item_get(membership, payload.agenda_item_id)
    if payload.occurrence_id is not None:
        occurrence = selectors.occurrence_get(membership, payload.occurrence_id)
    with fields_named():
        item = services.action_item_create(
            membership=membership,
            title=payload.title,
            owner=payload.owner_id,
            due_on=payload.due_on,
            occurrence=occurrence,
            agenda_item=agenda_item,
        )
    return Status(201, item)


@router.patch("/action-items/{int:action_item_id}", response=_versioned({200: MeetingsActionOut}))
def action_item_patch(
    request: HttpRequest,
    payload: MeetingsActionPatch,
    action_item_id: int = _id("An action item"),
) -> Any:
    membership = acting_member(request)
    item = selectors.action_item_get(membership, action_item_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    if "owner_id" in changes:
        changes["owner"] = changes.pop("owner_id")
    changes = {k: v for k, v in changes.items() if v is not None}
    with _no_stale_edit(), fields_named(owner=("body", "owner_id")):
        return services.action_item_update(
            membership=membership, action_item=item, version=version, **changes
        )


# -- issues ----------------------------------------------------------------------------


@router.get("/issues", response=with_errors({200: list[MeetingsIssueOut]}))
@paginate(Pagination)
def issues_list(request: HttpRequest, filters: Query[MeetingsIssueFilter]) -> Any:
    """Issues, most votes first."""
    return selectors.issues(acting_member(request), status=filters.status or "")


@router.post("/issues", response=with_errors({201: MeetingsIssueOut}))
def issue_raise(request: HttpRequest, payload: MeetingsIssueIn) -> Any:
    """Raise a friction issue (members), from scratch or from a source."""
    membership = acting_member(request)
    data = payload.dict()
    item_id = data.pop("agenda_item_id")
    agenda_item = selectors.agenda_item_get(membership, item_id) if item_id else None
    with fields_named():
        issue = services.issue_raise(membership=membership, agenda_item=agenda_item, **data)
    return Status(201, selectors.issue_get(membership, issue.pk))


@router.get("/issues/{int:issue_id}", response=with_errors({200: MeetingsIssueDetailOut}))
def issue_get(request: HttpRequest, issue_id: int = _id("An issue")) -> Issue:
    """An issue with its history."""
    return selectors.issue_get(acting_member(request), issue_id)


@router.post("/issues/{int:issue_id}/vote", response=with_errors({200: MeetingsIssueOut}))
def issue_vote(request: HttpRequest, issue_id: int = _id("An issue")) -> Issue:
    """Vote for an issue; a second vote is refused (422)."""
    membership = acting_member(request)
    issue = selectors.issue_get(membership, issue_id)
    with fields_named(issue=("path", "issue_id")):
        services.issue_vote(membership=membership, issue=issue)
    return selectors.issue_get(membership, issue_id)


@router.delete("/issues/{int:issue_id}/vote", response=with_errors({200: MeetingsIssueOut}))
def issue_unvote(request: HttpRequest, issue_id: int = _id("An issue")) -> Issue:
    membership = acting_member(request)
    issue = selectors.issue_get(membership, issue_id)
    with fields_named(issue=("path", "issue_id")):
        services.issue_unvote(membership=membership, issue=issue)
    return selectors.issue_get(membership, issue_id)


@router.post("/issues/{int:issue_id}/agenda", response=with_errors({200: MeetingsIssueOut}))
def issue_put_on_agenda(request: HttpRequest, issue_id: int = _id("An issue")) -> Issue:
    """Put an open issue on the next joint meeting's agenda (leads)."""
    membership = acting_member(request)
    issue = selectors.issue_get(membership, issue_id)
    with fields_named(issue=("path", "issue_id")):
        services.issue_put_on_agenda(membership=membership, issue=issue)
    return selectors.issue_get(membership, issue_id)


@router.post("/issues/{int:issue_id}/solve", response=with_errors({200: MeetingsIssueDetailOut}))
def issue_solve(
    request: HttpRequest, payload: MeetingsSolveIn, issue_id: int = _id("An issue")
) -> Issue:
    """Solve an issue with a resolution and optional action items."""
    membership = acting_member(request)
    issue = selectors.issue_get(membership, issue_id)
    occurrence = (
        selectors.occurrence_get(membership, payload.occurrence_id)
        if payload.occurrence_id
        else None
    )
    actions = [
        {"title": a.title, "owner": a.owner_id, "due_on": a.due_on} for a in payload.action_items
    ]
    with fields_named(issue=("path", "issue_id")):
        services.issue_solve(
            membership=membership,
            issue=issue,
            resolution=payload.resolution,
            occurrence=occurrence,
            action_items=actions,
        )
    return selectors.issue_get(membership, issue_id)
