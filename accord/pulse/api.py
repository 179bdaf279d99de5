"""API operations of the Pulse section, mounted at /api/v1/pulse.

Cycles (list, open now, close), one's own answer (read, submit or change),
results (anonymous by default), the settings, and the scorecard with its
measurables and weekly values. Nobody reads another person's answer here.

No ``from __future__ import annotations`` here: ninja reads these signatures at
import time, and ``@paginate`` hides the module's names from string annotations.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from accord.lib.api import (
    MAX_ID,
    DecimalOut,
    FieldErrors,
    InputSchema,
    Pagination,
    RecordId,
    decimal_in,
    with_errors,
)
from accord.orgs.api_auth import acting_member
from accord.orgs.permissions import Action, require
from accord.orgs.selectors import member_find
from accord.pulse import scorecard, selectors, services
from accord.pulse.models import Measurable, PulseCycle

router = Router(tags=["pulse"])

VoteName = Literal["worse", "same", "better"]
FollowName = Literal["done", "partly", "not_done"]


def _id(description: str) -> Any:
    return Path(..., ge=1, le=MAX_ID, description=description)  # type: ignore[type-arg]


@contextmanager
def _answer_fields() -> Iterator[None]:
    """Service field names → where the client put them (``vote_12`` → votes/12)."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        detail = []
        for field, messages in exc.message_dict.items():
            loc = ["body", field]
            for prefix, name in (("vote_", "vote"), ("comment_", "comment")):
                if field.startswith(prefix):
                    loc = ["body", "votes", field.removeprefix(prefix), name]
            if field == "one_thing_goal":
                loc = ["body", "one_thing_goal_id"]
            detail += [{"loc": loc, "msg": m, "type": "invalid"} for m in messages]
        raise FieldErrors(detail) from None


@contextmanager
def _fields() -> Iterator[None]:
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise FieldErrors(
            [
                {"loc": ["body", "owner_id" if f == "owner" else f], "msg": m, "type": "invalid"}
                for f, messages in exc.message_dict.items()
                for m in messages
            ]
        ) from None


# -- schemas -----------------------------------------------------------------


class PulseCycleOut(Schema):
    id: int
    kind: Literal["monthly", "quarterly"]
    period: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    status: Literal["open", "closed"]
    goal_ids: list[int]

    @staticmethod
    def resolve_goal_ids(obj: PulseCycle) -> list[int]:
        # From the prefetched goals when listed: one query for the page.
        return sorted(goal.pk for goal in obj.goals.all())


class PulseVoteIn(InputSchema):
    goal_id: int = Field(..., ge=1, le=MAX_ID)
    vote: VoteName
    comment: str = Field("", max_length=2000)


class PulseAnswerIn(InputSchema):
    votes: list[PulseVoteIn] = Field(..., max_length=200, description="One per goal of the cycle")
    internal_score: int | None = Field(
        None, ge=0, le=10, description="Sales rate marketing, marketing rate sales"
    )
    one_thing: str = Field(..., max_length=5000, description="One sentence, at most 280 characters")
    one_thing_goal_id: int | None = Field(None, ge=1, le=MAX_ID)
    follow_through: FollowName | None = Field(
        None, description="Required when there is a One Thing from an earlier pulse"
    )
    follow_through_comment: str = Field("", max_length=2000)


class PulseVoteOut(Schema):
    goal_id: int
    vote: VoteName
    comment: str


class PulseOneThingOut(Schema):
    text: str
    goal_id: int | None
    follow_through: str = Field(..., description="'' until the next pulse asks")
    follow_through_comment: str


class PulseAnswerOut(Schema):
    cycle_id: int
    votes: list[PulseVoteOut]
    internal_score: int | None
    rated_team_id: int | None
    one_thing: PulseOneThingOut | None
    submitted_at: dt.datetime
    updated_at: dt.datetime


class PulseCountsOut(Schema):
    worse: int
    same: int
    better: int
    n: int
    balance: int = Field(..., description="Better minus worse")
    balance_pct: float | None = Field(..., description="Balance in points of the votes")


class PulseGroupOut(Schema):
    label: str
    n: int
    hidden: bool = Field(..., description="Fewer answers than the threshold: in totals only")
    counts: PulseCountsOut | None


class PulseGoalResultOut(Schema):
    goal_id: int
    title: str
    total: PulseCountsOut
    change: int | None = Field(..., description="Balance change from the previous cycle")
    teams: list[PulseGroupOut]


class PulseFollowOut(Schema):
    label: str
    done: int
    partly: int
    not_done: int
    n: int
    rate: float | None
    hidden: bool


class PulseNpsOut(Schema):
    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    ci95: list[float] | None
    small_sample: bool


class PulseInternalOut(Schema):
    rated: str
    raters: str
    n: int
    hidden: bool
    result: PulseNpsOut | None
    change: float | None


class PulseCommentOut(Schema):
    goal: str
    vote: str
    text: str
    team: str | None
    author: str | None = Field(..., description="Only with attribution, for leads")


class PulsePersonOut(Schema):
    author: str
    team: str
    text: str = Field(..., description="The One Thing committed to in this cycle")
    goal: str
    last_text: str = Field(..., description="The earlier One Thing followed up in this cycle")
    follow_through: str
    follow_through_comment: str


class PulseResultsOut(Schema):
    cycle_id: int
    threshold: int
    attributed: bool
    invited: int | None
    answered: int
    goals: list[PulseGoalResultOut]
    follow_through: PulseFollowOut
    follow_through_teams: list[PulseFollowOut]
    internal: list[PulseInternalOut]
    comments: list[PulseCommentOut]
    people: list[PulsePersonOut]


class PulseSettingsOut(Schema):
    monthly: bool
    quarterly: bool
    open_day: int
    duration_days: int
    reminder_days: int
    remind_before_close: bool
    participant_team_ids: list[int]
    anonymity_threshold: int
    attribution: bool


class PulseSettingsPatch(InputSchema):
    monthly: bool | None = None
    quarterly: bool | None = None
    open_day: int | None = Field(None, ge=1, le=28)
    duration_days: int | None = Field(None, ge=1, le=28)
    reminder_days: int | None = Field(None, ge=1, le=27)
    remind_before_close: bool | None = None
    participant_team_ids: list[RecordId] | None = Field(None, max_length=100)
    anonymity_threshold: int | None = Field(None, ge=1, le=50)
    attribution: bool | None = None


class PulseMeasurableOut(Schema):
    id: int
    name: str
    metric: str = Field(..., description="A catalogue key, or 'manual'")
    moves: str
    unit: str
    owner_id: int | None
    goal_value: DecimalOut
    direction: Literal["up", "down"]
    is_active: bool


class PulseMeasurableIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=120)
    metric: str = Field("manual", min_length=1, max_length=64)
    moves: str = Field("", max_length=160)
    unit: str = Field("", max_length=32)
    owner_id: int = Field(..., ge=1, le=MAX_ID)
    goal_value: Decimal = decimal_in()
    direction: Literal["up", "down"] | None = None


class PulseMeasurablePatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=120)
    moves: str | None = Field(None, max_length=160)
    unit: str | None = Field(None, max_length=32)
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    goal_value: Decimal | None = decimal_in(None)
    direction: Literal["up", "down"] | None = None
    is_active: bool | None = None


class PulseValueIn(InputSchema):
    week: dt.date = Field(..., description="Its Monday, or any day in it")
    value: Decimal = decimal_in()


class PulseValueOut(Schema):
    measurable_id: int
    week: dt.date
    value: DecimalOut


class PulseCellOut(Schema):
    week: dt.date
    value: float | None
    state: Literal["green", "red", "none"]


class PulseRowOut(Schema):
    measurable: PulseMeasurableOut
    computed: bool
    cells: list[PulseCellOut]


class PulseScorecardOut(Schema):
    weeks: list[dt.date]
    rows: list[PulseRowOut]


# -- cycles and answers ----------------------------------------------------------


def _cycle(request: HttpRequest, cycle_id: int) -> PulseCycle:
    return selectors.cycle(acting_member(request), cycle_id)


@router.get("/cycles", response=with_errors({200: list[PulseCycleOut]}))
@paginate(Pagination)
def cycles_list(request: HttpRequest) -> Any:
    """The organisation's pulse cycles, latest first."""
    return selectors.cycles(acting_member(request)).prefetch_related("goals")


@router.post("/cycles", response=with_errors({201: PulseCycleOut}))
def cycle_open(request: HttpRequest) -> Any:
    """Open this month's pulse now and invite the participants (leads, admins, owners)."""
    with _fields():
        cycle = services.cycle_open_now(membership=acting_member(request))
    return Status(201, cycle)


@router.get("/cycles/{int:cycle_id}", response=with_errors({200: PulseCycleOut}))
def cycle_get(request: HttpRequest, cycle_id: int = _id("A pulse cycle")) -> PulseCycle:
    return _cycle(request, cycle_id)


@router.post("/cycles/{int:cycle_id}/close", response=with_errors({200: PulseCycleOut}))
def cycle_close(request: HttpRequest, cycle_id: int = _id("A pulse cycle")) -> PulseCycle:
    """Close an open pulse now: answers can no longer change."""
    return services.cycle_close(cycle=_cycle(request, cycle_id), membership=acting_member(request))


def _answer_out(membership: Any, cycle: PulseCycle) -> dict[str, Any]:
    answer = selectors.my_answer(membership, cycle)
    if answer is None:
        raise Http404("No answer")
    thing = selectors.my_one_thing_of(answer)
    return {
        "cycle_id": cycle.pk,
        "votes": [
            {"goal_id": v.goal_id, "vote": v.vote, "comment": v.comment} for v in answer.votes.all()
        ],
        "internal_score": answer.internal_score,
        "rated_team_id": answer.rated_team_id,
        "one_thing": None
        if thing is None
        else {
            "text": thing.text,
            "goal_id": thing.goal_id,
            "follow_through": thing.follow_through,
            "follow_through_comment": thing.follow_through_comment,
        },
        "submitted_at": answer.submitted_at,
        "updated_at": answer.updated_at,
    }


@router.get("/cycles/{int:cycle_id}/answer", response=with_errors({200: PulseAnswerOut}))
def answer_get(request: HttpRequest, cycle_id: int = _id("A pulse cycle")) -> Any:
    """One's own answer to the cycle (404 before answering). Never anyone else's."""
    membership = acting_member(request)
    require(membership, Action.PULSE_ANSWER)
    return _answer_out(membership, _cycle(request, cycle_id))


@router.put("/cycles/{int:cycle_id}/answer", response=with_errors({200: PulseAnswerOut}))
def answer_put(
    request: HttpRequest, payload: PulseAnswerIn, cycle_id: int = _id("A pulse cycle")
) -> Any:
    """Answer the pulse, or change one's answer until it closes; all or nothing."""
    membership = acting_member(request)
    cycle = _cycle(request, cycle_id)
    votes: dict[int, tuple[str, str]] = {}
    for vote in payload.votes:
        if vote.goal_id in votes:
            raise FieldErrors(
                [
                    {
                        "loc": ["body", "votes", str(vote.goal_id)],
                        "msg": "One vote per goal.",
                        "type": "invalid",
                    }
                ]
            )
        votes[vote.goal_id] = (vote.vote, vote.comment)
    with _answer_fields():
        services.answer_submit(
            membership=membership,
            cycle=cycle,
            votes=votes,
            internal_score=payload.internal_score,
            one_thing=payload.one_thing,
            one_thing_goal_id=payload.one_thing_goal_id,
            follow_through=payload.follow_through or "",
            follow_through_comment=payload.follow_through_comment,
        )
    return _answer_out(membership, cycle)


@router.get("/cycles/{int:cycle_id}/results", response=with_errors({200: PulseResultsOut}))
def results_get(request: HttpRequest, cycle_id: int = _id("A pulse cycle")) -> Any:
    """Results without names (unless attribution is on, for leads); small groups hidden."""
    membership = acting_member(request)
    require(membership, Action.PULSE_RESULTS_READ)
    found = selectors.cycle_results(membership, _cycle(request, cycle_id))

    def counts(c: Any) -> dict[str, Any] | None:
        if c is None:
            return None
        return {
            "worse": c.worse,
            "same": c.same,
            "better": c.better,
            "n": c.n,
            "balance": c.balance,
            "balance_pct": c.balance_pct,
        }

    def follow(r: Any) -> dict[str, Any]:
        return {
            "label": r.label,
            "done": r.done,
            "partly": r.partly,
            "not_done": r.not_done,
            "n": r.n,
            "rate": r.rate,
            "hidden": r.hidden,
        }

    return {
        "cycle_id": found.cycle.pk,
        "threshold": found.threshold,
        "attributed": found.attributed,
        "invited": found.invited,
        "answered": found.answered,
        "goals": [
            {
                "goal_id": g.goal_id,
                "title": g.title,
                "total": counts(g.total),
                "change": g.change,
                "teams": [
                    {"label": t.label, "n": t.n, "hidden": t.hidden, "counts": counts(t.counts)}
                    for t in g.teams
                ],
            }
            for g in found.goals
        ],
        "follow_through": follow(found.follow_through),
        "follow_through_teams": [follow(r) for r in found.follow_through_teams],
        "internal": [
            {
                "rated": s.rated,
                "raters": s.raters,
                "n": s.n,
                "hidden": s.hidden,
                "result": None if s.result is None else _nps(s.result),
                "change": s.change,
            }
            for s in found.internal
        ],
        "comments": [c.__dict__ for c in found.comments],
        "people": [p.__dict__ for p in found.people],
    }


def _nps(result: Any) -> dict[str, Any]:
    out = result.as_dict()
    out.pop("groups", None)
    out.pop("key", None)
    return dict(out)


# -- settings ----------------------------------------------------------------


def _settings_out(membership: Any) -> dict[str, Any]:
    current = services.settings_of(membership.organization)
    out = {name: getattr(current, name) for name in services.SETTINGS_FIELDS}
    out["participant_team_ids"] = sorted(current.participant_teams.values_list("pk", flat=True))
    return out


@router.get("/settings", response=with_errors({200: PulseSettingsOut}))
def settings_get(request: HttpRequest) -> Any:
    return _settings_out(acting_member(request))


@router.patch("/settings", response=with_errors({200: PulseSettingsOut}))
def settings_patch(request: HttpRequest, payload: PulseSettingsPatch) -> Any:
    """Change when the pulse opens, for how long, who answers, how anonymous."""
    membership = acting_member(request)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    team_ids = changes.pop("participant_team_ids", None)
    with _fields():
        services.settings_update(membership=membership, participant_team_ids=team_ids, **changes)
    return _settings_out(membership)


# -- scorecard ---------------------------------------------------------------


def _measurable(request: HttpRequest, measurable_id: int) -> Measurable:
    return selectors.measurable(acting_member(request), measurable_id)


@router.get("/scorecard", response=with_errors({200: PulseScorecardOut}))
def scorecard_get(request: HttpRequest) -> Any:
    """The last 13 weeks of each active measurable: value and green, red or none."""
    membership = acting_member(request)
    require(membership, Action.PULSE_RESULTS_READ)
    weeks, rows = scorecard.scorecard(membership)
    return {"weeks": weeks, "rows": rows}


@router.post("/measurables", response=with_errors({201: PulseMeasurableOut}))
def measurable_create(request: HttpRequest, payload: PulseMeasurableIn) -> Any:
    """Add a measurable (leads, admins, owners). Vanity metrics are refused."""
    membership = acting_member(request)
    data = payload.dict()
    data["owner"] = member_find(membership, data.pop("owner_id"))
    with _fields():
        found = scorecard.measurable_create(membership=membership, **data)
    return Status(201, found)


@router.patch("/measurables/{int:measurable_id}", response=with_errors({200: PulseMeasurableOut}))
def measurable_patch(
    request: HttpRequest, payload: PulseMeasurablePatch, measurable_id: int = _id("A measurable")
) -> Any:
    """Change a measurable; ``is_active: false`` retires it."""
    membership = acting_member(request)
    found = _measurable(request, measurable_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    if "owner_id" in changes:
        changes["owner"] = member_find(membership, changes.pop("owner_id"))
    with _fields():
        return scorecard.measurable_update(membership=membership, measurable=found, **changes)


@router.put("/measurables/{int:measurable_id}/values", response=with_errors({200: PulseValueOut}))
def measurable_value_put(
    request: HttpRequest, payload: PulseValueIn, measurable_id: int = _id("A measurable")
) -> Any:
    """Enter or correct a week's value of a manual measurable (its owner, or a lead)."""
    found = _measurable(request, measurable_id)
    with _fields():
        row = scorecard.measurable_value_enter(
            membership=acting_member(request),
            measurable=found,
            week=payload.week,
            value=payload.value,
        )
    return {"measurable_id": found.pk, "week": row.week, "value": row.value}
