"""API operations of Insights, mounted at /api/v1/insights.

``GET /health``: alignment health now (its parts, weights and monthly trend);
``PUT /health/weights``: set the weights (leads, admins and owners);
``GET /report?quarter=2026Q4``: the quarterly alignment report (everyone).
``GET /api/v1/portfolio`` (``portfolio_router``): the signed-in person's
organisations; session only, see ``portfolio_get``.

No ``from __future__ import annotations`` here: ninja reads these signatures at
import time.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from accord.insights import health
from accord.insights.portfolio import portfolio_of
from accord.insights.quarters import quarter_parse
from accord.insights.report import Report, report_build
from accord.lib.api import FieldErrors, InputSchema, fields_named, with_errors
from accord.orgs.api_auth import TokenAuth, acting_member
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, require

router = Router(tags=["insights"])


class HealthPartOut(Schema):
    key: str
    name: str
    weight: int
    value: float | None = Field(description="0-100; null: no data in the period, left out")
    has_data: bool
    raw: str = Field(description="The figure behind the value, or why there is none")
    n: int
    period: str
    how: str
    raise_it: str
    url: str


class HealthTrendOut(Schema):
    month: dt.date
    score: float | None
    parts_with_data: int


class HealthOut(Schema):
    score: float | None = Field(description="0-100; null when no part has data")
    period: str
    parts: list[HealthPartOut]
    weights: dict[str, int]
    trend: list[HealthTrendOut]


class HealthWeightsIn(InputSchema):
    goals: int | None = Field(None, ge=0, le=10)
    pulse_balance: int | None = Field(None, ge=0, le=10)
    follow_through: int | None = Field(None, ge=0, le=10)
    meetings: int | None = Field(None, ge=0, le=10)
    loops: int | None = Field(None, ge=0, le=10)
    sla: int | None = Field(None, ge=0, le=10)
    activity: int | None = Field(None, ge=0, le=10)
    internal_nps: int | None = Field(None, ge=0, le=10)


def _out(request: HttpRequest) -> dict[str, Any]:
    membership = acting_member(request)
    require(membership, Action.INSIGHTS_READ)
    organization = membership.organization
    now, trend = health.health_now_and_trend(organization)
    return {
        "score": now.score,
        "period": now.period,
        "parts": [p.as_dict() for p in now.parts],
        "weights": health.weights_of(organization),
        "trend": [
            {"month": t.month, "score": t.score, "parts_with_data": t.parts_with_data}
            for t in trend
        ],
    }


@router.get("/health", response=with_errors({200: HealthOut}))
def health_get(request: HttpRequest) -> Any:
    """The score (0-100, or null without data), every part and the 12-month trend."""
    return _out(request)


@router.put("/health/weights", response=with_errors({200: HealthOut}))
def health_weights_put(request: HttpRequest, payload: HealthWeightsIn) -> Any:
    """Set the weights, 0-10 per part; parts left out keep their current weight.
    Weights that sum to zero are refused (422 on ``weights``)."""
    membership = acting_member(request)
    current: dict[str, Any] = dict(health.weights_of(membership.organization))
    current.update({k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None})
    health.health_weights_set(membership=membership, weights=current)
    return _out(request)


class ReportQuery(InputSchema):
    quarter: str = Field(
        ..., max_length=20, description="The quarter, as 2026Q4; it must have begun"
    )


@router.get("/report", response=with_errors({200: Report}))
def report_get(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    """The quarterly alignment report (the page's and the PDF's numbers).
    A malformed quarter, Q5 or a quarter not yet begun is a 422 on ``quarter``."""
    membership = acting_member(request)
    with fields_named(quarter=("query", "quarter")):
        quarter = quarter_parse(query.quarter, today=health.local_today(membership.organization))
    return report_build(membership, quarter)


# -- the portfolio: mounted at /api/v1/portfolio -----------------------------------

portfolio_router = Router(tags=["portfolio"])


class PortfolioQuery(InputSchema):
    sort: str = Field(
        "name",
        max_length=20,
        description="name, health, nps, sla or pulse; a leading - sorts descending",
    )


class PortfolioRowOut(Schema):
    organization: str
    slug: str
    role: str
    health: float | None = Field(description="0-100 over the last 90 days")
    health_change: float | None = Field(description="Against the 90 days ending a month ago")
    nps: float | None
    nps_change: float | None
    nps_n: int
    sla: float | None = Field(description="Lead-SLA compliance of both sides, 0-100")
    sla_change: float | None
    pulse_balance: float | None = Field(description="Better minus worse, in points")
    pulse_balance_change: float | None


@portfolio_router.get(
    "", response=with_errors({200: list[PortfolioRowOut]}), auth=[django_auth, TokenAuth()]
)
def portfolio_get(request: HttpRequest, query: Query[PortfolioQuery]) -> Any:
    """The signed-in person's organisations side by side (the Portfolio page).

    Session only: it spans organisations, and an API token acts in one, so a
    token is refused (403) rather than widened to its user's other
    organisations. Read each organisation's ``/insights/health`` with its token.
    """
    if isinstance(request.auth, Membership):  # type: ignore[attr-defined]
        raise HttpError(
            403,
            "The portfolio spans your organisations and an API token acts in one: "
            "call it signed in, or read /insights/health with each organisation's token.",
        )
    try:
        rows = portfolio_of(request.auth, sort=query.sort)  # type: ignore[attr-defined]
    except ValueError as error:
        raise FieldErrors(
            [{"loc": ["query", "sort"], "msg": str(error), "type": "invalid"}]
        ) from None
    return [row.as_dict() for row in rows]
