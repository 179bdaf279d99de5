"""Pages of the Pulse section: the pulse and its cycles, answering, results,
settings, and the scorecard (in ``accord.pulse.scorecard_views``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from accord.lib.forms import add_service_errors
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, can
from accord.orgs.selectors import get_scoped
from accord.pulse import selectors, services
from accord.pulse.forms import AnswerForm
from accord.pulse.models import PulseAnswer, PulseCycle


def _cycle(membership: Membership, pk: int) -> PulseCycle:
    return get_scoped(membership, PulseCycle.objects.select_related("organization"), pk=pk)


@org_view(Action.PULSE_RESULTS_READ)
def index(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Open pulses (with my answer's state), past pulses and the balance trend."""
    cycles = list(selectors.cycles(membership)[:24])
    mine = set(
        PulseAnswer.objects.filter(member=membership, cycle__in=cycles).values_list(
            "cycle_id", flat=True
        )
    )
    open_cycles = [c for c in cycles if c.is_open]
    return render(
        request,
        "pulse/index.html",
        {
            "section": "pulse",
            "open_cycles": open_cycles,
            "past_cycles": [c for c in cycles if not c.is_open],
            "answered": mine,
            "may_answer": can(membership, Action.PULSE_ANSWER)
            and services.is_participant(membership),
            "trend_svg": selectors.trend_svg(membership.organization) if cycles else "",
        },
    )


@org_view(Action.PULSE_ANSWER)
def answer(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """The pulse on one page: plain form, works without JavaScript."""
    cycle = _cycle(membership, pk)
    goals = list(cycle.goals.order_by("title", "pk"))
    previous = services.previous_one_thing(membership, cycle)
    rated = services.rated_team_of(membership)
    mine = PulseAnswer.objects.filter(cycle=cycle, member=membership).first()
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        goals=goals,
        previous=previous,
        rated_team_name=rated.name if rated else None,
        answer=mine,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.answer_submit(
                    membership=membership, cycle=cycle, **form.service_arguments()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    "Thank you: your answer is saved. You can change it until the pulse closes.",
                )
                return redirect("pulse_index", org_slug=membership.organization.slug)
        status = 400
    return render(
        request,
        "pulse/answer.html",
        {
            "section": "pulse",
            "cycle": cycle,
            "form": form,
            "previous": previous,
            "answered": mine is not None,
            "is_open": cycle.is_open,
            "participant": services.is_participant(membership),
        },
        status=status,
    )


@org_view(Action.PULSE_MANAGE)
def cycle_open(request: HttpRequest, membership: Membership) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    cycle = services.cycle_open_now(membership=membership)
    messages.success(request, f"The {cycle.label.lower()} is open; participants are invited.")
    return redirect("pulse_index", org_slug=membership.organization.slug)


@org_view(Action.PULSE_MANAGE)
def cycle_close(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    cycle = _cycle(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    cycle = services.cycle_close(cycle=cycle, membership=membership)
    messages.success(request, f"The {cycle.label.lower()} is closed.")
    return redirect("pulse_index", org_slug=membership.organization.slug)
