"""Pages of the Insights section."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.orgs.decorators import org_view
from accord.orgs.models import Membership


@org_view()
def index(request: HttpRequest, membership: Membership) -> HttpResponse:
    return render(request, "insights/index.html", {"section": "insights"})
