"""The dead-letter page: jobs that failed every attempt, with a retry button."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from accord.jobs import selectors, services
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership
from accord.orgs.permissions import Action


@org_view(Action.JOBS_MANAGE)
def dead_jobs(request: HttpRequest, membership: Membership) -> HttpResponse:
    page = Paginator(selectors.dead_jobs(membership), 50).get_page(request.GET.get("page"))
    return render(request, "jobs/dead_jobs.html", {"page": page})


@org_view(Action.JOBS_MANAGE)
def dead_job_retry(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    dead_job = selectors.dead_job(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if services.dead_job_retry(dead_job=dead_job, membership=membership):
        messages.success(request, f"{dead_job.job_name} was queued again.")
    else:
        messages.info(request, f"{dead_job.job_name} had already been queued again.")
    return redirect("org_jobs", org_slug=membership.organization.slug)
