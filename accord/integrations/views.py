"""The CRM sync page (in the Pipeline section): connect HubSpot or Salesforce, sync now."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from accord.integrations import selectors, services
from accord.integrations.forms import CrmConnectionForm
from accord.lib.forms import add_service_errors
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, require


@org_view()
def crm(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = CrmConnectionForm(request.POST or None)
    if request.method == "POST":
        require(membership, Action.CRM_CONNECT)
        if form.is_valid():
            try:
                services.crm_connection_save(membership=membership, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Connected. The first sync runs in the background.")
                return redirect("pipeline_crm", org_slug=membership.organization.slug)
    return render(
        request,
        "integrations/crm.html",
        {
            "form": form,
            "connections": selectors.crm_connections(membership),
            "now": timezone.now(),
        },
        status=400 if form.errors else 200,
    )


@org_view(Action.CRM_CONNECT)
def crm_sync(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    connection = selectors.crm_connection(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.crm_sync_now(membership=membership, connection=connection)
    messages.success(request, f"{connection.get_system_display()} sync queued.")
    return redirect("pipeline_crm", org_slug=membership.organization.slug)
