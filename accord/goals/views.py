"""Pages of the Goals section: the goals board, a goal's page, activity goals,
the content library and events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.http import urlencode

from accord.goals import selectors, services
from accord.goals.charts import goal_chart_svg
from accord.goals.forms import (
    ActivityGoalForm,
    ActivityLogForm,
    AnswerForm,
    AssetForm,
    BoardFilterForm,
    CheckInForm,
    CloseForm,
    CsvForm,
    EventForm,
    GoalForm,
    SignupForm,
    SlotForm,
    UntouchedForm,
    UsageForm,
    member_id,
)
from accord.goals.models import (
    AssetKind,
    ContentAsset,
    Event,
    Goal,
    GoalStatus,
)
from accord.lib.forms import add_service_errors
from accord.orgs import selectors as org_selectors
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership, Role, TeamKind
from accord.orgs.permissions import Action, can

PAGE_SIZE = 50


def _query_without_page(request: HttpRequest) -> str:
    """The page's filters, for pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _status(form: Any) -> int:
    return 400 if form is not None and form.errors else 200


def _goal(membership: Membership, pk: int) -> Goal:
    return selectors.goal(membership, pk)


def _post_only(request: HttpRequest) -> HttpResponse | None:
    return HttpResponseNotAllowed(["POST"]) if request.method != "POST" else None


def _try(request: HttpRequest, form: Any, action: Callable[[], Any], success: str) -> bool:
    """Run a service; show its field errors on ``form`` (or as a message)."""
    try:
        action()
    except ValidationError as error:
        if form is not None:
            add_service_errors(form, error)
        else:
            messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, success)
    return True


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
            "answer_form": AnswerForm(),
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
    form = AnswerForm(request.POST or None)
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


# -- activity goals ----------------------------------------------------------


def _month(value: str | None) -> dt.date:
    try:
        month = dt.date.fromisoformat(f"{value}-01") if value else services.today()
    except ValueError:
        return services.today()
    # Far-off months are typing mistakes (and would overflow the month arithmetic).
    return month if services.FIRST_YEAR <= month.year <= services.LAST_YEAR else services.today()


@org_view()
def activity(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Each team's activity goal: progress per person and team this month, who is behind."""
    month = _month(request.GET.get("month"))
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
                member=member_id(data["member"]),
            ),
            "Activity logged.",
        ):
            return redirect("goals_activity", org_slug=membership.organization.slug)
    progress = [
        selectors.activity_progress(goal, month) for goal in selectors.activity_goals(membership)
    ]
    logs = Paginator(selectors.activity_logs(membership), PAGE_SIZE).get_page(
        request.GET.get("page")
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
            "logs": logs,
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
        text = form.text()
        if not form.errors:
            try:
                count = importer(membership=membership, text=text)
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


# -- content library ---------------------------------------------------------


@org_view()
def content(request: HttpRequest, membership: Membership) -> HttpResponse:
    untouched = request.GET.get("untouched") == "1"
    settings = services.goals_settings_of(membership.organization)
    assets = selectors.content_assets(
        membership,
        untouched=untouched,
        kind=request.GET.get("kind") or None,
        tag=request.GET.get("tag") or None,
        query=request.GET.get("q") or None,
    )
    page = Paginator(assets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "goals/content.html",
        {
            "page": page,
            "untouched": untouched,
            "untouched_days": settings.untouched_days,
            "kinds": AssetKind.choices,
            "kind": request.GET.get("kind", ""),
            "tag": request.GET.get("tag", ""),
            "q": request.GET.get("q", ""),
            "query": _query_without_page(request),
            "may_add": can(membership, Action.CONTENT_MANAGE),
        },
    )


@org_view(Action.ACTIVITY_GOAL_MANAGE)
def goals_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    current = services.goals_settings_of(membership.organization)
    form = UntouchedForm(
        request.POST or None,
        initial={
            "untouched_days": current.untouched_days,
            "event_reminder_days": current.event_reminder_days,
        },
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _try(
            request,
            form,
            lambda: services.goals_settings_update(membership=membership, **form.cleaned_data),
            "Settings saved.",
        )
    ):
        return redirect("goals_content", org_slug=membership.organization.slug)
    return render(request, "goals/settings.html", {"form": form}, status=_status(form))


@org_view(Action.CONTENT_MANAGE)
def content_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = AssetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created: list[ContentAsset] = []
        if _try(
            request,
            form,
            lambda: created.append(
                services.content_asset_create(
                    membership=membership,
                    title=data["title"],
                    kind=data["kind"],
                    url=data["url"],
                    tags=form.tag_list(),
                    body=data["body"],
                )
            ),
            "Asset added to the library.",
        ):
            return redirect(
                "goals_content_asset", org_slug=membership.organization.slug, pk=created[0].pk
            )
    return render(
        request, "goals/asset_form.html", {"form": form, "asset": None}, status=_status(form)
    )


def _asset(membership: Membership, pk: int) -> ContentAsset:
    return selectors.content_asset(membership, pk)


@org_view(Action.CONTENT_MANAGE)
def content_edit(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    asset = _asset(membership, pk)
    form = AssetForm(
        request.POST or None,
        initial={
            "title": asset.title,
            "kind": asset.kind,
            "url": asset.url,
            "tags": ", ".join(asset.tags),
            "body": asset.body,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _try(
            request,
            form,
            lambda: services.content_asset_update(
                membership=membership,
                asset=asset,
                title=data["title"],
                kind=data["kind"],
                url=data["url"],
                tags=form.tag_list(),
                body=data["body"],
            ),
            "Asset saved.",
        ):
            return redirect("goals_content_asset", org_slug=membership.organization.slug, pk=pk)
    return render(
        request, "goals/asset_form.html", {"form": form, "asset": asset}, status=_status(form)
    )


@org_view()
def content_asset(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """An asset, who in sales used it when, and a form to log a use."""
    asset = _asset(membership, pk)
    sellers = org_selectors.members(membership).filter(team__kind=TeamKind.SALES)
    form = UsageForm(request.POST or None, people=sellers)
    if request.method == "POST":
        if not can(membership, Action.CONTENT_USE_LOG):
            raise PermissionDenied("Your role may not log content use.")
        if form.is_valid():
            data = form.cleaned_data
            if _try(
                request,
                form,
                lambda: services.content_usage_log(
                    membership=membership,
                    asset=asset,
                    used_on=data["used_on"],
                    note=data["note"],
                    member=member_id(data["member"]),
                ),
                "Use logged.",
            ):
                return redirect("goals_content_asset", org_slug=membership.organization.slug, pk=pk)
    usages = Paginator(selectors.asset_usages(asset), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "goals/asset.html",
        {
            "asset": asset,
            "usages": usages,
            "form": form,
            "may_log": can(membership, Action.CONTENT_USE_LOG),
            "may_edit": can(membership, Action.CONTENT_MANAGE),
        },
        status=_status(form),
    )


@org_view(Action.CONTENT_USE_LOG)
def content_import(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _import(
        request,
        membership,
        services.content_usage_import_csv,
        "Import content use",
        "email, asset (its id or exact title), date (YYYY-MM-DD), note",
        "goals_content",
    )


# -- events ------------------------------------------------------------------


@org_view()
def events(request: HttpRequest, membership: Membership) -> HttpResponse:
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    page = Paginator(selectors.events(membership, when=when), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "goals/events.html",
        {
            "page": page,
            "when": when,
            "query": urlencode({"when": when}),
            "may_manage": can(membership, Action.EVENT_MANAGE),
        },
    )


@org_view(Action.EVENT_MANAGE)
def event_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created: list[Event] = []
        if _try(
            request,
            form,
            lambda: created.append(
                services.event_create(membership=membership, **form.cleaned_data)
            ),
            "Event added with set-up, booth and tear-down slots.",
        ):
            return redirect("goals_event", org_slug=membership.organization.slug, pk=created[0].pk)
    return render(request, "goals/event_form.html", {"form": form}, status=_status(form))


def _people_for_signup(membership: Membership) -> Any:
    return org_selectors.members(membership).exclude(role=Role.VIEWER)


@org_view()
def event_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """An event, its slots and who staffs them; leads add slots here."""
    event = selectors.event(membership, pk)
    slot_form = SlotForm(request.POST or None, initial={"date": event.starts_on})
    if request.method == "POST":
        if not can(membership, Action.EVENT_MANAGE):
            raise PermissionDenied("Your role may not add slots.")
        if slot_form.is_valid() and _try(
            request,
            slot_form,
            lambda: services.event_slot_add(
                membership=membership, event=event, **slot_form.cleaned_data
            ),
            "Slot added.",
        ):
            return redirect("goals_event", org_slug=membership.organization.slug, pk=pk)
    return render(
        request,
        "goals/event.html",
        {
            "event": event,
            "slots": selectors.event_slots(event),
            "slot_form": slot_form,
            "signup_form": SignupForm(people=_people_for_signup(membership)),
            "may_manage": can(membership, Action.EVENT_MANAGE),
            "may_signup": can(membership, Action.EVENT_SIGNUP),
        },
        status=_status(slot_form),
    )


@org_view(Action.EVENT_SIGNUP)
def event_signup(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    slot = selectors.event_slot(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    form = SignupForm(request.POST, people=_people_for_signup(membership))
    who = member_id(form.cleaned_data["member"]) if form.is_valid() else None
    try:
        services.event_signup(membership=membership, slot=slot, member=who)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(request, f"Signed up for {slot.get_role_display()}.")
    return redirect("goals_event", org_slug=membership.organization.slug, pk=slot.event_id)


@org_view(Action.EVENT_SIGNUP)
def event_signup_cancel(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    signup = selectors.event_signup(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    try:
        services.event_signup_cancel(membership=membership, signup=signup)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Sign-up withdrawn.")
    return redirect("goals_event", org_slug=membership.organization.slug, pk=signup.slot.event_id)
