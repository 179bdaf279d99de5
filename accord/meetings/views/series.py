"""Meetings pages: the section's index, series, and the personal calendar feed."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accord.lib.forms import add_service_errors
from accord.meetings import ics, selectors, services
from accord.meetings.forms import (
    SeriesForm,
)
from accord.meetings.views.common import post_only, run_service, status_of
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, can

# -- series ---------------------------------------------------------------------


@org_view()
def index(request: HttpRequest, membership: Membership) -> HttpResponse:
    series = list(selectors.series_list(membership))
    rows = [(s, services.series_warnings(s)) for s in series]
    upcoming = list(selectors.occurrences(membership, when="upcoming")[:8])
    return render(
        request,
        "meetings/index.html",
        {
            "section": "meetings",
            "rows": rows,
            "upcoming": upcoming,
            "open_issues": selectors.open_issue_count(membership),
            "can_manage": can(membership, Action.MEETING_MANAGE),
        },
    )


@org_view(Action.MEETING_MANAGE)
def series_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = SeriesForm(
        request.POST or None,
        organization_id=membership.organization_id,
        initial={"time_zone": membership.organization.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            series = services.series_create(membership=membership, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            for warning in services.series_warnings(series):
                messages.warning(request, warning)
            messages.success(request, "Series created; attendees are getting their invitation.")
            return redirect("meetings_series", org_slug=membership.organization.slug, pk=series.pk)
    return render(
        request,
        "meetings/series_form.html",
        {"section": "meetings", "form": form, "series": None},
        status=status_of(form),
    )


@org_view()
def series_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    series = selectors.series_get(membership, pk)
    return render(
        request,
        "meetings/series.html",
        {
            "section": "meetings",
            "series": series,
            "warnings": services.series_warnings(series),
            "attendees": series.attendees.select_related("user", "team"),
            "upcoming": selectors.occurrences(membership, series_id=series.pk, when="upcoming")[
                :12
            ],
            "past": selectors.occurrences(membership, series_id=series.pk, when="past")[:30],
            "can_manage": can(membership, Action.MEETING_MANAGE),
        },
    )


@org_view(Action.MEETING_MANAGE)
def series_edit(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    series = selectors.series_get(membership, pk)
    initial = {
        f: getattr(series, f)
        for f in (
            "name",
            "kind",
            "cadence",
            "rrule",
            "start_date",
            "start_time",
            "time_zone",
            "duration_minutes",
            "video_url",
            "description",
            "agenda_lead_hours",
        )
    }
    initial["attendees"] = list(series.attendees.values_list("pk", flat=True))
    form = SeriesForm(
        request.POST or None, organization_id=membership.organization_id, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        attendees = data.pop("attendees")
        try:
            services.series_update(
                membership=membership, series=series, attendees=attendees, **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Series saved; attendees get the updated invitation.")
            return redirect("meetings_series", org_slug=membership.organization.slug, pk=pk)
    return render(
        request,
        "meetings/series_form.html",
        {"section": "meetings", "form": form, "series": series},
        status=status_of(form),
    )


@org_view(Action.MEETING_MANAGE)
def series_cancel(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    series = selectors.series_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    run_service(
        request,
        lambda: services.series_cancel(membership=membership, series=series),
        "Series cancelled; attendees get a cancellation.",
    )
    return redirect("meetings_series", org_slug=membership.organization.slug, pk=pk)


# -- calendar feed ---------------------------------------------------------------------


@org_view()
def calendar(request: HttpRequest, membership: Membership) -> HttpResponse:
    token = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            feed = selectors.feed_of(membership)
            if feed is not None:
                services.calendar_feed_revoke(membership=membership, feed=feed)
                messages.success(request, "Feed revoked: its URL no longer works.")
        else:
            token = services.calendar_feed_create(membership=membership).token
    feed_url = ""
    if token:
        feed_url = request.build_absolute_uri(reverse("meetings_feed", kwargs={"token": token}))
    return render(
        request,
        "meetings/calendar.html",
        {
            "section": "meetings",
            "feed": selectors.feed_of(membership),
            "feed_url": feed_url,
            "webcal_url": feed_url.replace("https://", "webcal://").replace("http://", "webcal://"),
        },
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A member's meetings as a subscribable calendar; the token is the only key."""
    feed = services.calendar_feed_authenticate(token)
    if feed is None:
        raise Http404("No such calendar")
    series = selectors.series_of_member(feed.member)
    body = ics.feed(
        series, name=f"{feed.organization.name} meetings", stamp=dt.datetime.now(dt.UTC)
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="meetings.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
