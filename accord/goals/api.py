"""API operations of the Goals section, mounted at /api/v1/goals.

Goals and their actions (propose, agree, decline, close, check-in), the metric
catalogue, activity goals and logs, the content library and events; their
schemas are in ``accord.goals.schemas``.

No ``from __future__ import annotations`` here: ninja reads these signatures at
import time, and ``@paginate`` hides the module's names from string annotations.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from accord.goals import metrics, selectors, services
from accord.goals.models import (
    ActivityGoal,
    ContentAsset,
    Event,
    Goal,
    GoalsSettings,
)
from accord.goals.schemas import (
    GoalFilter,
    GoalIn,
    GoalOut,
    GoalPatch,
    GoalsActivityGoalIn,
    GoalsActivityGoalOut,
    GoalsActivityLogFilter,
    GoalsActivityLogIn,
    GoalsActivityLogOut,
    GoalsActivityProgressOut,
    GoalsAgreeIn,
    GoalsAgreementOut,
    GoalsAssetFilter,
    GoalsAssetIn,
    GoalsAssetOut,
    GoalsAssetPatch,
    GoalsCatalogueOut,
    GoalsCheckInIn,
    GoalsCheckInOut,
    GoalsCloseIn,
    GoalsCsvIn,
    GoalsDeclineIn,
    GoalsEventFilter,
    GoalsEventIn,
    GoalsEventOut,
    GoalsHistoryOut,
    GoalsImportOut,
    GoalsMonthQuery,
    GoalsProposeIn,
    GoalsSettingsOut,
    GoalsSettingsPatch,
    GoalsSignupIn,
    GoalsSignupOut,
    GoalsSlotIn,
    GoalsSlotOut,
    GoalsUsageIn,
    GoalsUsageOut,
)
from accord.lib.api import MAX_ID, KeysetPagination, Pagination, fields_named, with_errors
from accord.orgs.api_auth import acting_member
from accord.orgs.models import Membership
from accord.orgs.selectors import get_scoped, member_find, member_named, team_find

router = Router(tags=["goals"])

GOAL_FIELDS = {
    "sales_owner": ("body", "sales_owner_id"),
    "marketing_owner": ("body", "marketing_owner_id"),
}


def _id(description: str) -> Any:
    return Path(..., ge=1, le=MAX_ID, description=description)  # type: ignore[type-arg]


def _member_or_self(membership: Membership, member_id: int | None) -> Membership | None:
    """The member a ``member_id`` in the body names (None: the acting member
    themself); another organisation's id is the ``member`` field's error."""
    return None if member_id is None else member_named(membership, member_id, "member")


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


class GoalPagination(Pagination):
    """``Pagination`` whose page reads its goals' progress and agreements together,
    in a number of queries that does not grow with the goals on it."""

    def paginate_queryset(self, queryset: Any, pagination: Any, request: Any, **params: Any) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page[self.items_attribute] = selectors.with_progress(list(page[self.items_attribute]))
        return page


@router.get("", response=with_errors({200: list[GoalOut]}))
@paginate(GoalPagination)
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
    membership = acting_member(request)
    data = payload.dict()
    data["sales_owner"] = member_find(membership, data.pop("sales_owner_id"))
    data["marketing_owner"] = member_find(membership, data.pop("marketing_owner_id"))
    with fields_named(**GOAL_FIELDS):
        goal = services.goal_create(membership=membership, **data)
    return Status(201, goal)


@router.get("/{int:goal_id}", response=with_errors({200: GoalOut}))
def goal_get(request: HttpRequest, goal_id: int = _id("A goal")) -> Goal:
    return _goal(request, goal_id)


@router.patch("/{int:goal_id}", response=with_errors({200: GoalOut}))
def goal_patch(request: HttpRequest, payload: GoalPatch, goal_id: int = _id("A goal")) -> Goal:
    """Change a goal. Changing metric, target, direction or period of a proposed
    or active goal re-opens agreement and emails both leads."""
    membership = acting_member(request)
    goal = _goal(request, goal_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    for key in ("sales_owner_id", "marketing_owner_id"):
        if key in changes:
            changes[key.removesuffix("_id")] = member_find(membership, changes.pop(key))
    with fields_named(**GOAL_FIELDS):
        return services.goal_update(membership=membership, goal=goal, **changes)


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
            value=payload.value,
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
    membership = acting_member(request)
    with fields_named(team=("body", "team_id")):
        goal = services.activity_goal_create(
            membership=membership,
            team=team_find(membership, payload.team_id),
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
    month = (
        dt.date.fromisoformat(f"{filters.month}-01")
        if filters.month
        else services.today(goal.organization)
    )
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
@paginate(KeysetPagination, order=selectors.ACTIVITY_LOG_ORDER)
def activity_logs_list(request: HttpRequest, filters: Query[GoalsActivityLogFilter]) -> Any:
    """Logged activities, newest first."""
    return selectors.activity_logs(acting_member(request), team_id=filters.team_id)


@router.post("/activity-logs", response=with_errors({201: GoalsActivityLogOut}))
def activity_log_create(request: HttpRequest, payload: GoalsActivityLogIn) -> Any:
    """Log a cross-team activity (one's own; leads for anyone)."""
    membership = acting_member(request)
    with fields_named(member=("body", "member_id")):
        log = services.activity_log(
            membership=membership,
            activity_type=payload.activity_type,
            occurred_on=payload.occurred_on,
            note=payload.note,
            member=_member_or_self(membership, payload.member_id),
            source="api",
        )
    return Status(201, log)


@router.post("/activity-logs/import", response=with_errors({201: GoalsImportOut}))
def activity_logs_import(request: HttpRequest, payload: GoalsCsvIn) -> Any:
    """Import activities from CSV (email, date, activity_type, note); all rows or none."""
    with fields_named(file=("body", "csv")):
        count = services.activity_import_csv(
            membership=acting_member(request), data=payload.csv.encode()
        )
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
            membership=acting_member(request), data=payload.csv.encode()
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
@paginate(KeysetPagination, order=selectors.USAGE_ORDER)
def content_uses(request: HttpRequest, asset_id: int = _id("An asset")) -> Any:
    return selectors.asset_usages(_asset(request, asset_id))


@router.post("/content/{int:asset_id}/uses", response=with_errors({201: GoalsUsageOut}))
def content_use_log(
    request: HttpRequest, payload: GoalsUsageIn, asset_id: int = _id("An asset")
) -> Any:
    """Log a use by a sales member (oneself; leads for anyone)."""
    membership = acting_member(request)
    asset = _asset(request, asset_id)
    with fields_named(member=("body", "member_id")):
        usage = services.content_usage_log(
            membership=membership,
            asset=asset,
            used_on=payload.used_on,
            note=payload.note,
            member=_member_or_self(membership, payload.member_id),
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
        signup = services.event_signup(
            membership=membership,
            slot=slot,
            member=_member_or_self(membership, payload.member_id),
        )
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
