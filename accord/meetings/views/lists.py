"""Meetings pages: the action items list and the issues list."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone

from accord.lib.forms import add_service_errors
from accord.meetings import selectors, services
from accord.meetings.forms import (
    IssueForm,
    SolveForm,
)
from accord.meetings.models import IssueStatus
from accord.meetings.views.common import post_only, run_service, status_of, to_int
from accord.meetings.views.live import back_to
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, can

# -- action items ------------------------------------------------------------------------


@org_view()
def action_items(request: HttpRequest, membership: Membership) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    items = selectors.action_items(
        membership,
        open_only=request.GET.get("open") == "1",
        owner_id=membership.pk if mine else None,
    ).select_related("occurrence__series")[:300]
    return render(
        request,
        "meetings/action_items.html",
        {"section": "meetings", "items": items, "mine": mine, "today": timezone.localdate()},
    )


@org_view(Action.MEETING_TAKE_PART)
def action_done(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    item = selectors.action_item_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    done = request.POST.get("done") == "1"
    run_service(
        request,
        lambda: services.action_item_update(
            membership=membership,
            action_item=item,
            version=to_int(request.POST.get("version")),
            done=done,
        ),
        "Action item done." if done else "Action item re-opened.",
    )
    nxt = request.POST.get("next", "")
    if nxt.startswith(f"/o/{membership.organization.slug}/"):
        return redirect(nxt)
    return redirect("meetings_action_items", org_slug=membership.organization.slug)


# -- issues ----------------------------------------------------------------------------


@org_view()
def issues(request: HttpRequest, membership: Membership) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in IssueStatus.values:
        status = ""
    form = IssueForm(
        request.POST or None,
        organization_id=membership.organization_id,
        initial={
            "title": request.GET.get("title", "")[:200],
            "source_kind": request.GET.get("source_kind", "scratch"),
            "source_url": request.GET.get("source_url", "")[:500],
        },
    )
    if request.method == "POST":
        if not can(membership, Action.ISSUE_RAISE):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Your role may not raise issues.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                issue = services.issue_raise(
                    membership=membership,
                    title=data["title"],
                    description=data["description"],
                    team_ids=data["teams"],
                    source_kind=data["source_kind"],
                    source_url=data["source_url"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Issue raised.")
                return redirect(
                    "meetings_issue", org_slug=membership.organization.slug, pk=issue.pk
                )
    return render(
        request,
        "meetings/issues.html",
        {
            "section": "meetings",
            "issues": selectors.issues(membership, status=status)[:300],
            "status": status,
            "statuses": IssueStatus.choices,
            "form": form,
            "can_raise": can(membership, Action.ISSUE_RAISE),
        },
        status=status_of(form) if request.method == "POST" else 200,
    )


@org_view()
def issue_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    issue = selectors.issue_get(membership, pk)
    return render(
        request,
        "meetings/issue.html",
        {
            "section": "meetings",
            "issue": issue,
            "history": selectors.issue_history(issue),
            "teams": issue.teams.all(),
            "actions": issue.action_items.select_related("owner__user"),
            "solve_form": SolveForm(),
            "can_raise": can(membership, Action.ISSUE_RAISE),
            "can_manage": can(membership, Action.MEETING_MANAGE),
        },
    )


@org_view(Action.ISSUE_RAISE)
def issue_vote(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    issue = selectors.issue_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    if request.POST.get("withdraw") == "1":
        run_service(
            request,
            lambda: services.issue_unvote(membership=membership, issue=issue),
            "Vote withdrawn.",
        )
    else:
        run_service(
            request,
            lambda: services.issue_vote(membership=membership, issue=issue),
            "Vote counted.",
        )
    return redirect("meetings_issue", org_slug=membership.organization.slug, pk=pk)


@org_view(Action.MEETING_MANAGE)
def issue_agenda(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    issue = selectors.issue_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    run_service(
        request,
        lambda: services.issue_put_on_agenda(membership=membership, issue=issue),
        "Issue put on the next joint meeting's agenda.",
    )
    return redirect("meetings_issue", org_slug=membership.organization.slug, pk=pk)


@org_view(Action.MEETING_TAKE_PART)
def issue_solve(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    issue = selectors.issue_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    form = SolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "resolution: say how the issue was solved.")
    else:
        occurrence = None
        if form.cleaned_data.get("occurrence"):
            occurrence = selectors.occurrence_get(membership, form.cleaned_data["occurrence"])
        run_service(
            request,
            lambda: services.issue_solve(
                membership=membership,
                issue=issue,
                resolution=form.cleaned_data["resolution"],
                occurrence=occurrence,
            ),
            "Issue solved.",
        )
        if occurrence is not None:
            return back_to(membership, occurrence)
    return redirect("meetings_issue", org_slug=membership.organization.slug, pk=pk)
