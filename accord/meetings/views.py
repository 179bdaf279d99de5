"""Pages of the Meetings section: series, the live meeting page, action items,
the issues list and the personal calendar feed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accord.lib.forms import add_service_errors
from accord.meetings import ics, selectors, services
from accord.meetings.forms import (
    ActionItemForm,
    IssueForm,
    ItemAddForm,
    ItemEditForm,
    MoveForm,
    SeriesForm,
    SolveForm,
)
from accord.meetings.models import IssueStatus, Occurrence
from accord.meetings.recurrence import zone
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, can


def _post_only(request: HttpRequest) -> HttpResponse | None:
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


def _status(form: Any) -> int:
    return 400 if form is not None and form.errors else 200


def _run(request: HttpRequest, action: Callable[[], Any], success: str) -> Any:
    """Run a service from a button; report its refusal as a message."""
    try:
        result = action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    except services.StaleEdit as error:
        messages.error(request, str(error))
        return None
    messages.success(request, success)
    return result if result is not None else True


def _form_errors(form: Any) -> str:
    return "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items())


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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
        status=_status(form),
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
        status=_status(form),
    )


@org_view(Action.MEETING_MANAGE)
def series_cancel(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    series = selectors.series_get(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    _run(
        request,
        lambda: services.series_cancel(membership=membership, series=series),
        "Series cancelled; attendees get a cancellation.",
    )
    return redirect("meetings_series", org_slug=membership.organization.slug, pk=pk)


# -- one occurrence: the live page -------------------------------------------------------


def _item_choices(occurrence: Occurrence) -> list[tuple[int, str]]:
    return [(i.pk, i.title) for i in selectors.agenda(occurrence)]


def _live_context(membership: Membership, occurrence: Occurrence) -> dict[str, Any]:
    series = occurrence.series
    attendees = list(series.attendees.select_related("user", "team").order_by("user__email"))
    ratings = {r.member_id: r.score for r in selectors.ratings(occurrence)}
    return {
        "occurrence": occurrence,
        "series": series,
        "local_start": occurrence.starts_at.astimezone(zone(series.time_zone)),
        "sections": selectors.agenda_sections(occurrence),
        "attendees": attendees,
        "present": selectors.attendance(occurrence),
        "my_rating": ratings.get(membership.pk),
        "rating": selectors.rating_summary(occurrence),
        "actions": selectors.action_items(membership, occurrence_id=occurrence.pk),
        "action_form": ActionItemForm(
            organization_id=membership.organization_id,
            items=_item_choices(occurrence),
            prefix="action",
        ),
        "can_manage": can(membership, Action.MEETING_MANAGE),
        "can_take_part": can(membership, Action.MEETING_MANAGE)
        or (
            can(membership, Action.MEETING_TAKE_PART)
            and any(a.pk == membership.pk for a in attendees)
        ),
        "is_attendee": any(a.pk == membership.pk for a in attendees),
        "ratings_scale": range(1, 11),
    }


@org_view()
def occurrence_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    context = _live_context(membership, occurrence)
    context.update(
        section="meetings",
        add_form=ItemAddForm(prefix="item"),
        move_form=MoveForm(
            prefix="move",
            initial={
                "starts_at": context["local_start"].replace(tzinfo=None),
                "version": occurrence.version,
            },
        ),
    )
    return render(request, "meetings/occurrence.html", context)


@org_view()
def occurrence_live(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """The agenda panel, for polling: 204 while the client's version is current."""
    occurrence = selectors.occurrence_get(membership, pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if _int(request.GET.get("v")) == occurrence.version:
        return HttpResponse(status=204)
    return render(request, "meetings/_live.html", _live_context(membership, occurrence))


def _back(membership: Membership, occurrence: Occurrence) -> HttpResponse:
    return redirect("meetings_occurrence", org_slug=membership.organization.slug, pk=occurrence.pk)


@org_view(Action.MEETING_MANAGE)
def occurrence_move(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    form = MoveForm(request.POST, prefix="move")
    if not form.is_valid():
        messages.error(request, "Enter the new date and time.")
        return _back(membership, occurrence)
    tz = zone(occurrence.series.time_zone)
    starts_at = form.cleaned_data["starts_at"]
    starts_at = (
        starts_at.replace(tzinfo=tz) if timezone.is_naive(starts_at) else starts_at.astimezone(tz)
    )
    _run(
        request,
        lambda: services.occurrence_move(
            membership=membership,
            occurrence=occurrence,
            starts_at=starts_at,
            version=form.cleaned_data["version"],
        ),
        "Meeting moved; attendees get the updated invitation.",
    )
    return _back(membership, occurrence)


@org_view(Action.MEETING_MANAGE)
def occurrence_cancel(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    _run(
        request,
        lambda: services.occurrence_cancel(
            membership=membership, occurrence=occurrence, version=_int(request.POST.get("version"))
        ),
        "Meeting cancelled; attendees get a cancellation.",
    )
    return _back(membership, occurrence)


@org_view(Action.MEETING_MANAGE)
def occurrence_close(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    _run(
        request,
        lambda: services.occurrence_close(
            membership=membership, occurrence=occurrence, version=_int(request.POST.get("version"))
        ),
        "Meeting closed; attendees get the summary.",
    )
    return _back(membership, occurrence)


@org_view(Action.MEETING_MANAGE)
def occurrence_build(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    added = services.agenda_build(occurrence, force=True)
    messages.success(request, f"Agenda refreshed: {added} new item{'s' if added != 1 else ''}.")
    return _back(membership, occurrence)


@org_view(Action.MEETING_TAKE_PART)
def item_add(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    form = ItemAddForm(request.POST, prefix="item")
    if not form.is_valid():
        messages.error(request, "An item needs a title (at most 200 characters).")
    else:
        _run(
            request,
            lambda: services.agenda_item_add(
                membership=membership, occurrence=occurrence, **form.cleaned_data
            ),
            "Item added.",
        )
    return _back(membership, occurrence)


@org_view(Action.MEETING_TAKE_PART)
def item_edit(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """Save notes, decision, done (and a lead's timebox) of one item.

    With htmx, answers the item's fragment: 200 when saved, 409 with both
    texts when someone else saved first, 400 with the field's error."""
    item = selectors.agenda_item_get(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    form = ItemEditForm(request.POST)
    status, error, mine = 200, "", None
    if not form.is_valid():
        status, error = 400, _form_errors(form)
    else:
        data = form.cleaned_data
        changes: dict[str, Any] = {
            "notes": data["notes"],
            "decision": data["decision"],
            "done": data["done"],
        }
        if "timebox_minutes" in request.POST and can(membership, Action.MEETING_MANAGE):
            changes["timebox_minutes"] = data["timebox_minutes"]
        try:
            item = services.agenda_item_update(
                membership=membership, item=item, version=data["version"], **changes
            )
        except services.StaleEdit as stale:
            status, error, mine = 409, str(stale), changes
            item = selectors.agenda_item_get(membership, pk)
        except ValidationError as invalid:
            status, error = 400, " ".join(invalid.messages)
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        return _back(membership, item.occurrence)
    context = _live_context(membership, item.occurrence)
    context.update(item=item, error=error, mine=mine)
    return render(request, "meetings/_item.html", context, status=status)


@org_view(Action.MEETING_MANAGE)
def item_remove(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    item = selectors.agenda_item_get(membership, pk)
    occurrence = item.occurrence
    if (refused := _post_only(request)) is not None:
        return refused
    _run(
        request,
        lambda: services.agenda_item_remove(
            membership=membership, item=item, version=_int(request.POST.get("version"))
        ),
        "Item removed.",
    )
    return _back(membership, occurrence)


@org_view(Action.MEETING_MANAGE)
def item_move(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """Move an item one place up or down within the agenda."""
    item = selectors.agenda_item_get(membership, pk)
    occurrence = item.occurrence
    if (refused := _post_only(request)) is not None:
        return refused
    ids = list(selectors.agenda(occurrence).values_list("pk", flat=True))
    index = ids.index(item.pk)
    other = index - 1 if request.POST.get("direction") == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        _run(
            request,
            lambda: services.agenda_reorder(
                membership=membership, occurrence=occurrence, item_ids=ids
            ),
            "Agenda reordered.",
        )
    return _back(membership, occurrence)


@org_view(Action.MEETING_TAKE_PART)
def action_create(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    form = ActionItemForm(
        request.POST,
        organization_id=membership.organization_id,
        items=_item_choices(occurrence),
        prefix="action",
    )
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(membership, occurrence)
    data = form.cleaned_data
    agenda_item = None
    if data.get("agenda_item"):
        agenda_item = selectors.agenda_item_get(membership, data["agenda_item"])
        if agenda_item.occurrence_id != occurrence.pk:
            raise Http404("No such agenda item")
    _run(
        request,
        lambda: services.action_item_create(
            membership=membership,
            title=data["title"],
            owner=data["owner"],
            due_on=data["due_on"],
            occurrence=occurrence,
            agenda_item=agenda_item,
        ),
        "Action item added.",
    )
    return _back(membership, occurrence)


@org_view(Action.MEETING_TAKE_PART)
def attendance(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    present = request.POST.get("present") == "1"
    _run(
        request,
        lambda: services.attendance_set(
            membership=membership,
            occurrence=occurrence,
            member=_int(request.POST.get("member")) or 0,
            present=present,
        ),
        "Attendance saved.",
    )
    return _back(membership, occurrence)


@org_view(Action.MEETING_TAKE_PART)
def rate(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    _run(
        request,
        lambda: services.rating_set(
            membership=membership,
            occurrence=occurrence,
            score=_int(request.POST.get("score")) or 0,
        ),
        "Thanks for rating the meeting.",
    )
    return _back(membership, occurrence)


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
    if (refused := _post_only(request)) is not None:
        return refused
    done = request.POST.get("done") == "1"
    _run(
        request,
        lambda: services.action_item_update(
            membership=membership,
            action_item=item,
            version=_int(request.POST.get("version")),
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
        status=_status(form) if request.method == "POST" else 200,
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
    if (refused := _post_only(request)) is not None:
        return refused
    if request.POST.get("withdraw") == "1":
        _run(
            request,
            lambda: services.issue_unvote(membership=membership, issue=issue),
            "Vote withdrawn.",
        )
    else:
        _run(
            request,
            lambda: services.issue_vote(membership=membership, issue=issue),
            "Vote counted.",
        )
    return redirect("meetings_issue", org_slug=membership.organization.slug, pk=pk)


@org_view(Action.MEETING_MANAGE)
def issue_agenda(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    issue = selectors.issue_get(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    _run(
        request,
        lambda: services.issue_put_on_agenda(membership=membership, issue=issue),
        "Issue put on the next joint meeting's agenda.",
    )
    return redirect("meetings_issue", org_slug=membership.organization.slug, pk=pk)


@org_view(Action.MEETING_TAKE_PART)
def issue_solve(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    issue = selectors.issue_get(membership, pk)
    if (refused := _post_only(request)) is not None:
        return refused
    form = SolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "resolution: say how the issue was solved.")
    else:
        occurrence = None
        if form.cleaned_data.get("occurrence"):
            occurrence = selectors.occurrence_get(membership, form.cleaned_data["occurrence"])
        _run(
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
            return _back(membership, occurrence)
    return redirect("meetings_issue", org_slug=membership.organization.slug, pk=pk)


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
