"""Pages of the Goals section: activity goals, the activity log and CSV imports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode

from accord.goals import selectors, services
from accord.goals.forms import (
    ActivityGoalForm,
    ActivityLogForm,
    CsvForm,
)
from accord.goals.views.common import PAGE_SIZE, _post_only, _status, _try
from accord.lib.forms import add_service_errors
from accord.lib.keyset import keyset_page
from accord.orgs import selectors as org_selectors
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership, Role, TeamKind
from accord.orgs.permissions import Action, can

# -- activity goals ----------------------------------------------------------


def _month(value: str | None, membership: Membership) -> dt.date:
    # The default is this month on the organisation's calendar.
    today = services.today(membership.organization)
    try:
        month = dt.date.fromisoformat(f"{value}-01") if value else today
    except ValueError:
        return today
    # Far-off months are typing mistakes (and would overflow the month arithmetic).
    return month if services.FIRST_YEAR <= month.year <= services.LAST_YEAR else today


@org_view()
def activity(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Each team's activity goal: progress per person and team this month, who is behind."""
    month = _month(request.GET.get("month"), membership)
    people = (
        org_selectors.members(membership)
        .filter(team__kind__in=[TeamKind.SALES, TeamKind.MARKETING])
        .exclude(role=Role.VIEWER)
    )
    form = ActivityLogForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _try(
            request,
            form,
            lambda: services.activity_log(
                membership=membership,
                activity_type=data["activity_type"] or None,
                occurred_on=data["occurred_on"],
                note=data["note"],
                member=data["member"],
            ),
            "Activity logged.",
        ):
            return redirect("goals_activity", org_slug=membership.organization.slug)
    progress = [
        selectors.activity_progress(goal, month) for goal in selectors.activity_goals(membership)
    ]
    logs = keyset_page(
        selectors.activity_logs(membership),
        order=selectors.ACTIVITY_LOG_ORDER,
        cursor=request.GET.get("cursor"),
        size=PAGE_SIZE,
    )
    previous = (month.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    following = (month.replace(day=28) + dt.timedelta(days=4)).strftime("%Y-%m")
    return render(
        request,
        "goals/activity.html",
        {
            "progress": progress,
            "month": month,
            "previous": previous,
            "following": following,
            "form": form,
            "logs": logs.items,
            "page": logs,
            "may_log": can(membership, Action.ACTIVITY_LOG),
            "may_manage": can(membership, Action.ACTIVITY_GOAL_MANAGE),
            "query": urlencode({"month": month.strftime("%Y-%m")}),
        },
        status=_status(form),
    )


@org_view(Action.ACTIVITY_GOAL_MANAGE)
def activity_goal_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    teams = org_selectors.teams(membership).filter(kind__in=[TeamKind.SALES, TeamKind.MARKETING])
    form = ActivityGoalForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _try(
            request,
            form,
            lambda: services.activity_goal_create(
                membership=membership,
                team=data["team"],
                activity_type=data["activity_type"],
                custom_name=data["custom_name"],
                target_count=data["target_count"],
                per=data["per"],
            ),
            "Activity goal set.",
        ):
            return redirect("goals_activity", org_slug=membership.organization.slug)
    return render(request, "goals/activity_goal_form.html", {"form": form}, status=_status(form))


@org_view(Action.ACTIVITY_GOAL_MANAGE)
def activity_goal_end(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    goal = selectors.activity_goal(membership, pk)
    if request.method == "POST":
        _try(
            request,
            None,
            lambda: services.activity_goal_end(membership=membership, activity_goal=goal),
            f"{goal.team.name}'s activity goal has ended.",
        )
        return redirect("goals_activity", org_slug=membership.organization.slug)
    return render(request, "goals/activity_goal_end.html", {"activity_goal": goal})


@org_view(Action.ACTIVITY_LOG)
def activity_log_delete(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    log = selectors.activity_log(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    _try(
        request,
        None,
        lambda: services.activity_log_delete(membership=membership, log=log),
        "Activity removed.",
    )
    return redirect("goals_activity", org_slug=membership.organization.slug)


def _import(
    request: HttpRequest,
    membership: Membership,
    importer: Callable[..., int],
    title: str,
    columns: str,
    back: str,
) -> HttpResponse:
    form = CsvForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.data_bytes()
        if not form.errors:
            try:
                count = importer(membership=membership, data=data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Imported {count} row{'s' if count != 1 else ''}.")
                return redirect(back, org_slug=membership.organization.slug)
    return render(
        request,
        "goals/import.html",
        {"form": form, "title": title, "columns": columns, "back": back},
        status=_status(form),
    )


@org_view(Action.ACTIVITY_LOG)
def activity_import(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _import(
        request,
        membership,
        services.activity_import_csv,
        "Import activities",
        "email, date (YYYY-MM-DD), activity_type (optional: the team's activity goal), note",
        "goals_activity",
    )
