"""Pages of Insights: the organisation's Overview (its home) and alignment
health with its parts, trend and weights."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accord.feedback import charts as feedback_charts
from accord.feedback import selectors as feedback
from accord.feedback.models import FollowUp
from accord.goals import selectors as goals
from accord.insights import charts, health
from accord.insights.forms import HealthWeightsForm
from accord.lib.forms import add_service_errors
from accord.meetings import selectors as meetings
from accord.meetings import services as meeting_services
from accord.orgs import selectors as orgs
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, can
from accord.pipeline import selectors as pipeline
from accord.pulse import selectors as pulse

AGENDA_ITEMS = 8
LIST_ITEMS = 6


@org_view(Action.INSIGHTS_READ)
def index(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Alignment health: every part with its data, the trend, the weights form."""
    organization = membership.organization
    may_weigh = can(membership, Action.HEALTH_WEIGHTS)
    form = HealthWeightsForm(request.POST or None, initial=health.weights_of(organization))
    if request.method == "POST" and may_weigh and form.is_valid():
        try:
            health.health_weights_set(membership=membership, weights=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Weights saved.")
            return redirect("insights_index", org_slug=organization.slug)
    status = 400 if form.errors else (403 if request.method == "POST" and not may_weigh else 200)
    trend = health.health_trend(organization)
    return render(
        request,
        "insights/index.html",
        {
            "health": health.health_now(organization),
            "trend": trend,
            "trend_svg": charts.health_trend_svg(trend),
            "form": form if may_weigh else None,
        },
        status=status,
    )


def _sla(organization: Any, today: dt.date) -> Any:
    """This month's compliance row of both sides, else the latest month's."""
    rows = pipeline.compliance(
        organization, by="month", since=today.replace(day=1) - dt.timedelta(days=62)
    )
    return rows[-1] if rows else None


@org_view()
def overview(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The organisation's home: where alignment stands and what needs doing."""
    organization = membership.organization
    # The organisation's daily meetings run (action-item alerts, the weekly
    # digest) starts from its home page's first visit: the worker takes over.
    meeting_services.daily_run_ensure(organization)
    today = health.local_today(organization)
    now = timezone.now()
    trend = health.health_trend(organization)
    year_ago = (today.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    nps = feedback.nps_by(organization, by="month", since=year_ago)
    occurrence = meetings.next_occurrence_of(organization)
    open_followups = feedback.followups(membership).exclude(status__in=FollowUp.CLOSED)
    return render(
        request,
        "insights/overview.html",
        {
            "member_count": orgs.members(membership).count(),
            "teams": orgs.teams(membership),
            "health": health.health_now(organization),
            "health_trend_svg": charts.health_trend_svg(trend),
            "attention": goals.goals_to_discuss(organization)[:LIST_ITEMS],
            "goal_counts": goals.status_counts(membership),
            "nps": nps,
            "nps_svg": (
                feedback_charts.nps_trend_svg(nps, "NPS by month, 95% CI") if nps.groups else ""
            ),
            "followups_open": open_followups.count(),
            "followups_overdue": open_followups.filter(due_at__lt=now).count(),
            "sla": _sla(organization, today),
            "has_agreement": pipeline.agreement_active(organization) is not None,
            "occurrence": occurrence,
            "agenda": (
                list(meetings.agenda(occurrence)[:AGENDA_ITEMS]) if occurrence is not None else []
            ),
            "pulse": pulse.pulse_state(membership),
            "my_actions": list(
                meetings.action_items(membership, open_only=True, owner_id=membership.pk)[
                    :LIST_ITEMS
                ]
            ),
            "one_thing": pulse.my_one_thing(membership),
            "today": today,
        },
    )
