"""The operator's page of the instance's own failed jobs (those of no organisation).

Staff and superusers only; anyone else gets a 404, so the page's existence
is not revealed. Each organisation's admins have their own page
(``accord.orgs.views.dead_jobs``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from accord.jobs import selectors, services
from accord.jobs.models import DeadJob

logger = logging.getLogger(__name__)


def operator_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in staff or superusers; a 404 for everyone else."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (getattr(user, "is_staff", False) or getattr(user, "is_superuser", False)):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper


@operator_only
def instance_jobs(request: HttpRequest) -> HttpResponse:
    """Failed jobs of no organisation, newest first, with a retry button."""
    jobs = selectors.dead_jobs_failed(instance_only=True, include_retried=True)
    page = Paginator(jobs, 50).get_page(request.GET.get("page"))
    return render(request, "jobs/instance_jobs.html", {"page": page})


@operator_only
def instance_job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        dead_job = selectors.instance_dead_job(pk)
    except DeadJob.DoesNotExist as error:
        raise Http404("No such failed job.") from error
    if services.dead_job_retry(dead_job=dead_job):
        logger.info("%s retried failed job %s (%s)", request.user, pk, dead_job.job_name)
        messages.success(request, f"{dead_job.job_name} was queued again.")
    else:
        messages.info(request, f"{dead_job.job_name} had already been queued again.")
    return redirect("instance_jobs")
