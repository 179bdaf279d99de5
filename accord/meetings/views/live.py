"""The page of one occurrence, used live by several attendees at once."""

from __future__ import annotations

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
from django.utils import timezone

from accord.meetings import selectors, services
from accord.meetings.forms import (
    ActionItemForm,
    ItemAddForm,
    ItemEditForm,
    MoveForm,
)
from accord.meetings.models import Occurrence
from accord.meetings.recurrence import zone
from accord.meetings.views.common import form_errors, post_only, run_service, to_int
from accord.orgs import selectors as org_selectors
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, can

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
    if to_int(request.GET.get("v")) == occurrence.version:
        return HttpResponse(status=204)
    return render(request, "meetings/_live.html", _live_context(membership, occurrence))


def back_to(membership: Membership, occurrence: Occurrence) -> HttpResponse:
    return redirect("meetings_occurrence", org_slug=membership.organization.slug, pk=occurrence.pk)


@org_view(Action.MEETING_MANAGE)
def occurrence_move(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    form = MoveForm(request.POST, prefix="move")
    if not form.is_valid():
        messages.error(request, "Enter the new date and time.")
        return back_to(membership, occurrence)
    tz = zone(occurrence.series.time_zone)
    starts_at = form.cleaned_data["starts_at"]
    starts_at = (
        starts_at.replace(tzinfo=tz) if timezone.is_naive(starts_at) else starts_at.astimezone(tz)
    )
    run_service(
        request,
        lambda: services.occurrence_move(
            membership=membership,
            occurrence=occurrence,
            starts_at=starts_at,
            version=form.cleaned_data["version"],
        ),
        "Meeting moved; attendees get the updated invitation.",
    )
    return back_to(membership, occurrence)


@org_view(Action.MEETING_MANAGE)
def occurrence_cancel(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    run_service(
        request,
        lambda: services.occurrence_cancel(
            membership=membership,
            occurrence=occurrence,
            version=to_int(request.POST.get("version")),
        ),
        "Meeting cancelled; attendees get a cancellation.",
    )
    return back_to(membership, occurrence)


@org_view(Action.MEETING_MANAGE)
def occurrence_close(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    run_service(
        request,
        lambda: services.occurrence_close(
            membership=membership,
            occurrence=occurrence,
            version=to_int(request.POST.get("version")),
        ),
        "Meeting closed; attendees get the summary.",
    )
    return back_to(membership, occurrence)


@org_view(Action.MEETING_MANAGE)
def occurrence_build(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    added = services.agenda_build(occurrence, force=True)
    messages.success(request, f"Agenda refreshed: {added} new item{'s' if added != 1 else ''}.")
    return back_to(membership, occurrence)


@org_view(Action.MEETING_TAKE_PART)
def item_add(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    form = ItemAddForm(request.POST, prefix="item")
    if not form.is_valid():
        messages.error(request, "An item needs a title (at most 200 characters).")
    else:
        run_service(
            request,
            lambda: services.agenda_item_add(
                membership=membership, occurrence=occurrence, **form.cleaned_data
            ),
            "Item added.",
        )
    return back_to(membership, occurrence)


@org_view(Action.MEETING_TAKE_PART)
def item_edit(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """Save notes, decision, done (and a lead's timebox) of one item.

    With htmx, answers the item's fragment: 200 when saved, 409 with both
    texts when someone else saved first, 400 with the field's error."""
    item = selectors.agenda_item_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    form = ItemEditForm(request.POST)
    status, error, mine = 200, "", None
    if not form.is_valid():
        status, error = 400, form_errors(form)
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
        return back_to(membership, item.occurrence)
    context = _live_context(membership, item.occurrence)
    context.update(item=item, error=error, mine=mine)
    return render(request, "meetings/_item.html", context, status=status)


@org_view(Action.MEETING_MANAGE)
def item_remove(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    item = selectors.agenda_item_get(membership, pk)
    occurrence = item.occurrence
    if (refused := post_only(request)) is not None:
        return refused
    run_service(
        request,
        lambda: services.agenda_item_remove(
            membership=membership, item=item, version=to_int(request.POST.get("version"))
        ),
        "Item removed.",
    )
    return back_to(membership, occurrence)


@org_view(Action.MEETING_MANAGE)
def item_move(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """Move an item one place up or down within the agenda."""
    item = selectors.agenda_item_get(membership, pk)
    occurrence = item.occurrence
    if (refused := post_only(request)) is not None:
        return refused
    ids = list(selectors.agenda(occurrence).values_list("pk", flat=True))
    index = ids.index(item.pk)
    other = index - 1 if request.POST.get("direction") == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        run_service(
            request,
            lambda: services.agenda_reorder(
                membership=membership, occurrence=occurrence, item_ids=ids
            ),
            "Agenda reordered.",
        )
    return back_to(membership, occurrence)


@org_view(Action.MEETING_TAKE_PART)
def action_create(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    form = ActionItemForm(
        request.POST,
        organization_id=membership.organization_id,
        items=_item_choices(occurrence),
        prefix="action",
    )
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back_to(membership, occurrence)
    data = form.cleaned_data
    agenda_item = None
    if data.get("agenda_item"):
        agenda_item = selectors.agenda_item_get(membership, data["agenda_item"])
        if agenda_item.occurrence_id != occurrence.pk:
            raise Http404("No such agenda item")
    run_service(
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
    return back_to(membership, occurrence)


@org_view(Action.MEETING_TAKE_PART)
def attendance(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    present = request.POST.get("present") == "1"
    run_service(
        request,
        lambda: services.attendance_set(
            membership=membership,
            occurrence=occurrence,
            member=org_selectors.member_named(
                membership, to_int(request.POST.get("member")), "member_id"
            ),
            present=present,
        ),
        "Attendance saved.",
    )
    return back_to(membership, occurrence)


@org_view(Action.MEETING_TAKE_PART)
def rate(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    occurrence = selectors.occurrence_get(membership, pk)
    if (refused := post_only(request)) is not None:
        return refused
    run_service(
        request,
        lambda: services.rating_set(
            membership=membership,
            occurrence=occurrence,
            score=to_int(request.POST.get("score")) or 0,
        ),
        "Thanks for rating the meeting.",
    )
    return back_to(membership, occurrence)
