"""Pages of the scorecard, under /o/<org_slug>/pulse/scorecard/."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from accord.goals import metrics
from accord.lib.forms import add_service_errors
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership, Role
from accord.orgs.permissions import Action, can
from accord.orgs.selectors import member_find, members
from accord.pulse import scorecard, selectors
from accord.pulse.forms import MeasurableForm, ValueForm
from accord.pulse.models import MANUAL, Measurable


def _measurable(membership: Membership, pk: int) -> Measurable:
    return selectors.measurable(membership, pk)


def _metric_choices() -> list[tuple[str, str]]:
    computed = [(m.key, f"{m.name} (computed)") for m in metrics.METRICS if m.source]
    return [(MANUAL, "Entered weekly by its owner"), *computed]


def _owners(membership: Membership) -> list[tuple[int, str]]:
    return [
        (m.pk, f"{m.user.display_name} ({m.team.name if m.team else m.get_role_display()})")
        for m in members(membership).exclude(role=Role.VIEWER)
    ]


@org_view(Action.PULSE_RESULTS_READ)
def index(request: HttpRequest, membership: Membership) -> HttpResponse:
    """13 rolling weeks, green or red per week; owners enter manual values here."""
    weeks, rows = scorecard.scorecard(membership)
    enterable = {
        r.measurable.pk
        for r in rows
        if r.measurable.is_manual
        and (
            can(membership, Action.SCORECARD_MANAGE)
            or (can(membership, Action.SCORECARD_ENTER) and r.measurable.owner_id == membership.pk)
        )
    }
    return render(
        request,
        "pulse/scorecard.html",
        {
            "section": "pulse",
            "weeks": weeks,
            "rows": rows,
            "enterable": enterable,
            "this_week": weeks[-1],
            "last_week": weeks[-2],
        },
    )


@org_view(Action.SCORECARD_MANAGE)
def measurable_form(
    request: HttpRequest, membership: Membership, pk: int | None = None
) -> HttpResponse:
    measurable = _measurable(membership, pk) if pk is not None else None
    initial = {}
    if measurable is not None:
        initial = {
            "name": measurable.name,
            "metric": measurable.metric,
            "moves": measurable.moves,
            "unit": measurable.unit,
            "owner": measurable.owner_id,
            "goal_value": measurable.goal_value.normalize(),
            "direction": measurable.direction,
        }
    form = MeasurableForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        metric_choices=_metric_choices(),
        owners=_owners(membership),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["owner"] = member_find(membership, data["owner"])
        try:
            if measurable is None:
                scorecard.measurable_create(membership=membership, **data)
            else:
                scorecard.measurable_update(membership=membership, measurable=measurable, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Scorecard saved.")
            return redirect("pulse_scorecard", org_slug=membership.organization.slug)
    return render(
        request,
        "pulse/measurable_form.html",
        {"section": "pulse", "form": form, "measurable": measurable},
        status=400 if form.errors else 200,
    )


@org_view(Action.SCORECARD_ENTER)
def value_enter(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    measurable = _measurable(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ValueForm(request.POST)
    if form.is_valid():
        try:
            scorecard.measurable_value_enter(
                membership=membership,
                measurable=measurable,
                week=form.cleaned_data["week"],
                value=form.cleaned_data["value"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        return render(
            request,
            "pulse/value_form.html",
            {"section": "pulse", "form": form, "measurable": measurable},
            status=400,
        )
    messages.success(request, f"{measurable.name}: value saved.")
    return redirect("pulse_scorecard", org_slug=membership.organization.slug)
