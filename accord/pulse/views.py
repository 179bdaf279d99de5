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
from accord.orgs.selectors import teams as org_teams
from accord.pulse import charts, selectors, services
from accord.pulse.forms import AnswerForm, SettingsForm
from accord.pulse.models import PulseCycle


def _cycle(membership: Membership, pk: int) -> PulseCycle:
    return selectors.cycle(membership, pk)


@org_view(Action.PULSE_RESULTS_READ)
def index(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Open pulses (with my answer's state), past pulses and the balance trend."""
    cycles = list(selectors.cycles(membership)[:24])
    mine = selectors.answered_cycle_ids(membership, cycles)
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
            "trend_svg": _trend(membership),
            "one_things": selectors.my_one_things(membership),
        },
    )


def _trend(membership: Membership) -> str:
    points = selectors.cycle_points(membership.organization, limit=12)
    if not any(p.votes.n for p in points):
        return ""
    return charts.trend_svg(points)


@org_view(Action.PULSE_RESULTS_READ)
def results(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """One cycle's results: no names unless attribution is on and the role may see them."""
    cycle = _cycle(membership, pk)
    found = selectors.cycle_results(membership, cycle)
    return render(
        request,
        "pulse/results.html",
        {
            "section": "pulse",
            "cycle": cycle,
            "results": found,
            "goals_svg": charts.goals_svg(found.goals) if found.answered else "",
        },
    )


@org_view(Action.PULSE_MANAGE)
def pulse_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    current = services.settings_of(membership.organization)
    initial = {name: getattr(current, name) for name in services.SETTINGS_FIELDS}
    initial["participant_teams"] = [
        str(pk) for pk in current.participant_teams.values_list("pk", flat=True)
    ]
    form = SettingsForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        teams=[(t.pk, t.name) for t in org_teams(membership)],
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        team_ids = [int(pk) for pk in data.pop("participant_teams")]
        try:
            services.settings_update(membership=membership, participant_team_ids=team_ids, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Pulse settings saved.")
            return redirect("pulse_index", org_slug=membership.organization.slug)
    return render(
        request,
        "pulse/settings.html",
        {"section": "pulse", "form": form},
        status=400 if form.errors else 200,
    )


@org_view(Action.PULSE_ANSWER)
def answer(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """The pulse on one page: plain form, works without JavaScript."""
    cycle = _cycle(membership, pk)
    goals = list(cycle.goals.order_by("title", "pk"))
    previous = services.previous_one_thing(membership, cycle)
    rated = services.rated_team_of(membership)
    mine = selectors.my_answer(membership, cycle)
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
    try:
        cycle = services.cycle_open_now(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The {cycle.label.lower()} is open; participants are invited.")
    return redirect("pulse_index", org_slug=membership.organization.slug)


@org_view(Action.PULSE_MANAGE)
def cycle_close(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    cycle = _cycle(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    cycle = services.cycle_close(cycle=cycle, membership=membership)
    messages.success(request, f"The {cycle.label.lower()} is closed.")
    return redirect("pulse_results", org_slug=membership.organization.slug, pk=cycle.pk)
