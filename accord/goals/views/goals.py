"""Pages of the Goals section: the goals board and each goal's page and actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accord.goals import selectors, services
from accord.goals.charts import goal_chart_svg
from accord.goals.forms import (
    AnswerForm,
    BoardFilterForm,
    CheckInForm,
    CloseForm,
    GoalForm,
    member_id,
)
from accord.goals.models import (
    GoalStatus,
)
from accord.goals.views.common import (
    PAGE_SIZE,
    _goal,
    _post_only,
    _query_without_page,
    _status,
    _try,
)
from accord.lib.forms import add_service_errors
from accord.orgs import selectors as org_selectors
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership, TeamKind
from accord.orgs.permissions import Action, can

# -- goals board and goal pages ----------------------------------------------


@org_view()
def index(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The goals board: goals by status, owners, on/off track; filters."""
    people = org_selectors.members(membership).filter(
        team__kind__in=[TeamKind.SALES, TeamKind.MARKETING]
    )
    filters = BoardFilterForm(
        request.GET or None, teams=org_selectors.teams(membership), people=people
    )
    criteria: dict[str, Any] = {}
    if filters.is_valid():
        data = filters.cleaned_data
        criteria = {
            "status": data["status"] or None,
            "kind": data["kind"] or None,
            "team_id": member_id(data["team"]),
            "owner_id": member_id(data["owner"]),
            "period_start": data["period_start"],
            "period_end": data["period_end"],
        }
    page = Paginator(selectors.goals(membership, **criteria), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = selectors.board(list(page.object_list))
    columns = [
        (status, label, [(g, p) for g, p in rows if g.status == status])
        for status, label in GoalStatus.choices
    ]
    query = _query_without_page(request)
    return render(
        request,
        "goals/board.html",
        {
            "filters": filters,
            "page": page,
            "columns": columns,
            "rows": rows,
            "counts": selectors.status_counts(membership),
            "query": query,
            "filtered": bool(criteria and any(criteria.values())),
        },
        status=_status(filters),
    )


def _goal_form(membership: Membership, data: Any = None, initial: Any = None) -> GoalForm:
    return GoalForm(
        data,
        initial=initial,
        sales=selectors.goal_owner_choices(membership, TeamKind.SALES),
        marketing=selectors.goal_owner_choices(membership, TeamKind.MARKETING),
    )


@org_view(Action.GOAL_MANAGE)
def goal_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = _goal_form(membership, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.goal_create(membership=membership, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Draft saved. Propose it when it is ready for agreement.")
            return redirect("goals_goal", org_slug=membership.organization.slug, pk=goal.pk)
    return render(
        request, "goals/goal_form.html", {"form": form, "goal": None}, status=_status(form)
    )


@org_view(Action.GOAL_MANAGE)
def goal_edit(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    goal = _goal(membership, pk)
    initial = {
        field: getattr(goal, field)
        for field in services.GOAL_FIELDS
        if field not in ("sales_owner", "marketing_owner")
    }
    initial.update(sales_owner=goal.sales_owner_id, marketing_owner=goal.marketing_owner_id)
    form = _goal_form(membership, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        if data["period_start"] is None and data["period_end"] is None:
            data.pop("period_start")
            data.pop("period_end")
        if data["direction"] is None:
            data.pop("direction")
        if _try(
            request,
            form,
            lambda: services.goal_update(membership=membership, goal=goal, **data),
            "Goal saved.",
        ):
            return redirect("goals_goal", org_slug=membership.organization.slug, pk=goal.pk)
    return render(
        request, "goals/goal_form.html", {"form": form, "goal": goal}, status=_status(form)
    )


@org_view()
def goal_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """A goal: agreements, history, check-ins and the chart of actual vs expected."""
    goal = _goal(membership, pk)
    checkins = list(selectors.goal_checkins(goal))
    progress = selectors.goal_progress(goal, checkins=checkins)
    return render(
        request,
        "goals/goal.html",
        {
            "goal": goal,
            "progress": progress,
            "chart": goal_chart_svg(goal, progress),
            "checkins": checkins,
            "history": selectors.goal_history(goal),
            "agreements": selectors.goal_agreements(goal),
            "current": selectors.current_agreements(goal),
            "checkin_form": CheckInForm(),
            "answer_form": AnswerForm(membership=membership),
            "may_check_in": services.can_check_in(membership, goal),
            "may_manage": can(membership, Action.GOAL_MANAGE),
        },
    )


@org_view(Action.GOAL_MANAGE)
def goal_propose(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    goal = _goal(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    _try(
        request,
        None,
        lambda: services.goal_propose(
            membership=membership, goal=goal, comment=request.POST.get("comment", "")
        ),
        "Proposed: the other lead has been asked to agree.",
    )
    return redirect("goals_goal", org_slug=membership.organization.slug, pk=goal.pk)


@org_view(Action.GOAL_MANAGE)
def goal_answer(
    request: HttpRequest, membership: Membership, pk: int, decision: str
) -> HttpResponse:
    """Agree (POST from the goal page) or decline (a page that asks for the reason)."""
    goal = _goal(membership, pk)
    form = AnswerForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        side = form.cleaned_data["side"] or None
        comment = form.cleaned_data["comment"]
        if decision == "agree":
            action: Callable[[], Any] = lambda: services.goal_agree(  # noqa: E731
                membership=membership, goal=goal, side=side, comment=comment
            )
            success = "Your agreement is recorded."
        else:
            action = lambda: services.goal_decline(  # noqa: E731
                membership=membership, goal=goal, side=side, reason=comment
            )
            success = "Declined: the goal is back to draft."
        try:
            action()
        except ValidationError as error:
            if decision == "agree":
                messages.error(request, " ".join(error.messages))
                return redirect("goals_goal", org_slug=membership.organization.slug, pk=goal.pk)
            if hasattr(error, "error_dict") and "reason" in error.error_dict:
                form.add_error("comment", error.error_dict["reason"])
            else:
                add_service_errors(form, error)
        except PermissionDenied as error:
            messages.error(request, str(error))
            return redirect("goals_goal", org_slug=membership.organization.slug, pk=goal.pk)
        else:
            messages.success(request, success)
            return redirect("goals_goal", org_slug=membership.organization.slug, pk=goal.pk)
    return render(
        request,
        "goals/goal_decline.html",
        {"goal": goal, "form": form, "decision": decision},
        status=_status(form),
    )


@org_view(Action.GOAL_MANAGE)
def goal_close(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    goal = _goal(membership, pk)
    form = CloseForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _try(
            request,
            form,
            lambda: services.goal_close(
                membership=membership,
                goal=goal,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            ),
            "The goal is closed.",
        )
    ):
        return redirect("goals_goal", org_slug=membership.organization.slug, pk=goal.pk)
    return render(
        request, "goals/goal_close.html", {"goal": goal, "form": form}, status=_status(form)
    )


@org_view(Action.GOAL_CHECK_IN)
def goal_check_in(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    goal = _goal(membership, pk)
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _try(
            request,
            form,
            lambda: services.goal_check_in(
                membership=membership,
                goal=goal,
                value=data["value"],
                date=data["date"],
                confidence=data["confidence"],
                note=data["note"],
            ),
            "Check-in recorded.",
        ):
            return redirect("goals_goal", org_slug=membership.organization.slug, pk=goal.pk)
    return render(
        request, "goals/goal_checkin.html", {"goal": goal, "form": form}, status=_status(form)
    )
