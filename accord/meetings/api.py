"""API operations of the Meetings section, mounted at /api/v1/meetings.

Series, occurrences (move, cancel, close, build the agenda), agenda items
with notes and decisions, attendance, ratings, action items, issues and votes.
Edits of shared objects quote the ``version`` they started from; a stale one
answers 409 and changes nothing.

No ``from __future__ import annotations`` here: ninja reads these signatures at
import time, and ``@paginate`` hides the module's names from string annotations.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accord.lib.api import (
    MAX_ID,
    ErrorOut,
    Pagination,
    fields_named,
    with_errors,
)
from accord.meetings import selectors, services
from accord.meetings.models import (
    Issue,
    MeetingSeries,
    Occurrence,
)
from accord.meetings.schemas import (
    MeetingsActionFilter,
    MeetingsActionIn,
    MeetingsActionOut,
    MeetingsActionPatch,
    MeetingsAttendanceIn,
    MeetingsIssueDetailOut,
    MeetingsIssueFilter,
    MeetingsIssueIn,
    MeetingsIssueOut,
    MeetingsItemIn,
    MeetingsItemOut,
    MeetingsItemPatch,
    MeetingsMoveIn,
    MeetingsOccurrenceDetailOut,
    MeetingsOccurrenceFilter,
    MeetingsOccurrenceOut,
    MeetingsRatingIn,
    MeetingsRatingOut,
    MeetingsReorderIn,
    MeetingsSeriesIn,
    MeetingsSeriesOut,
    MeetingsSeriesPatch,
    MeetingsSolveIn,
    MeetingsVersionIn,
)
from accord.orgs.api_auth import acting_member
from accord.orgs.models import Membership
from accord.orgs.selectors import member_named

router = Router(tags=["meetings"])


def _id(description: str) -> Any:
    return Path(..., ge=1, le=MAX_ID, description=description)  # type: ignore[type-arg]


def _members(membership: Membership, ids: list[int]) -> list[Membership]:
    """The members ``attendee_ids`` names; another organisation's id is its error."""
    return [member_named(membership, pk, "attendee_ids") for pk in ids]


def _versioned(ok: dict[int, Any]) -> dict[int, Any]:
    return with_errors({**ok, 409: ErrorOut})


@contextmanager
def _no_stale_edit() -> Iterator[None]:
    """A stale version is a 409 Conflict: someone else changed the object first."""
    try:
        yield
    except services.StaleEdit as error:
        raise HttpError(409, str(error)) from None


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
    membership = acting_member(request)
    data = payload.dict()
    with fields_named():
        attendees = _members(membership, data.pop("attendee_ids"))
        series = services.series_create(membership=membership, attendees=attendees, **data)
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
    with fields_named():
        ids = changes.pop("attendee_ids", None)
        attendees = None if ids is None else _members(membership, ids)
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
            member=member_named(membership, payload.member_id, "member_id"),
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
            owner=member_named(membership, payload.owner_id, "owner_id"),
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
    changes = {k: v for k, v in changes.items() if v is not None}
    with _no_stale_edit(), fields_named(owner=("body", "owner_id")):
        if "owner_id" in changes:
            changes["owner"] = member_named(membership, changes.pop("owner_id"), "owner")
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
    with fields_named(issue=("path", "issue_id")):
        actions = [
            services.ActionItemSpec(
                title=a.title,
                owner=member_named(membership, a.owner_id, f"action_items.{i}.owner_id"),
                due_on=a.due_on,
            )
            for i, a in enumerate(payload.action_items)
        ]
        services.issue_solve(
            membership=membership,
            issue=issue,
            resolution=payload.resolution,
            occurrence=occurrence,
            action_items=actions,
        )
    return selectors.issue_get(membership, issue_id)
