"""Pages of the Goals section: events, their slots and sign-ups."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode

from accord.goals import selectors, services
from accord.goals.forms import (
    EventForm,
    SignupForm,
    SlotForm,
)
from accord.goals.models import (
    Event,
)
from accord.goals.views.common import PAGE_SIZE, _post_only, _status, _try
from accord.orgs import selectors as org_selectors
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership, Role
from accord.orgs.permissions import Action, can

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
    who = form.cleaned_data["member"] if form.is_valid() else None
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
