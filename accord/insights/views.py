"""Pages of Insights: the organisation's Overview (its home) and alignment
health with its parts, trend and weights."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accord.feedback import charts as feedback_charts
from accord.feedback import selectors as feedback
from accord.goals import selectors as goals
from accord.insights import charts, delivery, health
from accord.insights.forms import HealthWeightsForm
from accord.insights.portfolio import portfolio_of
from accord.insights.quarters import Quarter, quarter_of, quarter_parse
from accord.insights.report import report_build
from accord.lib.forms import add_service_errors
from accord.meetings import selectors as meetings
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
    health_now, trend = health.health_now_and_trend(organization)
    return render(
        request,
        "insights/index.html",
        {
            "health": health_now,
            "trend": trend,
            "trend_svg": charts.health_trend_svg(trend),
            "form": form if may_weigh else None,
        },
        status=status,
    )


def _sla(organization: Any, today: dt.date, reads: health.Reads) -> Any:
    """This month's compliance row of both sides, else the latest month's
    (from the rows the health score read)."""
    rows = health.compliance_by_month(
        organization, today.replace(day=1) - dt.timedelta(days=62), reads
    )
    return rows[-1] if rows else None


@org_view()
def overview(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The organisation's home: where alignment stands and what needs doing."""
    organization = membership.organization
    # Reads only: the organisation's chains of jobs (daily meetings run,
    # quarter-end report, pulse checks) start when it is created and when a
    # worker starts (orgs.services.organization_chains_ensure_all).
    today = health.local_today(organization)
    now = timezone.now()
    # What the health score, the goals and the SLA card share, read once.
    reads: health.Reads = {}
    health_now, trend = health.health_now_and_trend(organization, reads=reads)
    year_ago = (today.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    nps = feedback.nps_by(organization, by="month", since=year_ago)
    occurrence = meetings.next_occurrence_of(organization)
    followups_open, followups_overdue = feedback.followups_open_counts(membership, now=now)
    return render(
        request,
        "insights/overview.html",
        {
            "member_count": orgs.members(membership).count(),
            "teams": orgs.teams(membership),
            "health": health_now,
            "health_trend_svg": charts.health_trend_svg(trend),
            "attention": goals.goals_to_discuss(organization, cache=reads)[:LIST_ITEMS],
            "goal_counts": goals.status_counts(membership),
            "nps": nps,
            "nps_svg": (
                feedback_charts.nps_trend_svg(nps, "NPS by month, 95% CI") if nps.groups else ""
            ),
            "followups_open": followups_open,
            "followups_overdue": followups_overdue,
            "sla": _sla(organization, today, reads),
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


# -- the quarterly report ---------------------------------------------------------


def _quarter_or_error(
    request: HttpRequest, membership: Membership, value: str | None
) -> Quarter | HttpResponse:
    """The quarter asked for, or the page that says what is wrong with it (400)."""
    today = health.local_today(membership.organization)
    try:
        return quarter_parse(value, today=today)
    except ValidationError as error:
        return render(
            request,
            "insights/report_error.html",
            {
                "error": " ".join(error.message_dict["quarter"]),
                "last": quarter_of(today).previous.label,
            },
            status=400,
        )


@org_view(Action.REPORT_READ)
def report_index(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The quarter chosen in the form (``?quarter=``), else the last complete one."""
    slug = membership.organization.slug
    if "quarter" not in request.GET:
        last = quarter_of(health.local_today(membership.organization)).previous
        return redirect("insights_report", org_slug=slug, quarter=last.label)
    found = _quarter_or_error(request, membership, request.GET["quarter"])
    if isinstance(found, HttpResponse):
        return found
    return redirect("insights_report", org_slug=slug, quarter=found.label)


@org_view(Action.REPORT_READ)
def report(request: HttpRequest, membership: Membership, quarter: str) -> HttpResponse:
    """The quarterly alignment report as a page."""
    found = _quarter_or_error(request, membership, quarter)
    if isinstance(found, HttpResponse):
        return found
    built = report_build(membership, found)
    return render(
        request,
        "insights/report.html",
        {
            "report": built,
            "svgs": charts.report_svgs(built),
            "archived": delivery.quarterly_report_sent(membership.organization, found),
        },
    )


@org_view(Action.REPORT_READ)
def report_pdf(request: HttpRequest, membership: Membership, quarter: str) -> HttpResponse:
    """The same report as a PDF download, drawn from today's data."""
    found = _quarter_or_error(request, membership, quarter)
    if isinstance(found, HttpResponse):
        return found
    pdf = delivery.report_pdf(report_build(membership, found))
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = delivery.pdf_filename(membership.organization, found)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- the portfolio ------------------------------------------------------------------

PORTFOLIO_COLUMNS = (
    ("name", "Organisation"),
    ("health", "Alignment health"),
    ("nps", "Customer NPS"),
    ("sla", "Lead-SLA compliance"),
    ("pulse", "Pulse balance"),
)


def _sort_link(key: str, current: str, descending: bool) -> str:
    """The sorted column's link turns it round; another column starts with the
    best first (descending), except the name, which starts A to Z."""
    if key == current:
        return key if descending else f"-{key}"
    return key if key == "name" else f"-{key}"


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    """Every organisation of the signed-in person, side by side, sortable by
    each column with plain links (``?sort=nps``, ``?sort=-nps``)."""
    sort = request.GET.get("sort", "name")
    try:
        rows = portfolio_of(request.user, sort=sort)  # type: ignore[arg-type]
        error = ""
    except ValueError as refused:
        rows, error, sort = [], str(refused), "name"
    current, descending = sort.removeprefix("-"), sort.startswith("-")
    columns = [
        {
            "key": key,
            "label": label,
            "link": _sort_link(key, current, descending),
            "aria_sort": ("descending" if descending else "ascending") if key == current else "",
        }
        for key, label in PORTFOLIO_COLUMNS
    ]
    return render(
        request,
        "insights/portfolio.html",
        {"rows": rows, "columns": columns, "error": error},
        status=400 if error else 200,
    )
