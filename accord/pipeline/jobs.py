"""Background jobs of the pipeline: imports from the UI and SLA breach checks.

The SLA check is scheduled by the worker itself: each run queues the next
one, so no cron is needed. A chain stops when what it serves is gone (the
agreement superseded). The CRM sync lives in ``accord.integrations``.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.jobs.registry import job
from accord.jobs.services import job_enqueue

logger = logging.getLogger(__name__)

SLA_CHECK_EVERY = timedelta(minutes=15)


def schedule(
    func: Any, *, delay: timedelta | None = None, organization_id: int, **kwargs: Any
) -> None:
    """Queue ``func`` (a @job) to run after ``delay`` (now when None)."""
    run_after = timezone.now() + delay if delay is not None else None
    job_enqueue(func, organization_id=organization_id, run_after=run_after, **kwargs)


@job()
def import_run_job(*, run_id: int, organization_id: int | None = None) -> None:
    """Run (or resume) an import started from the web page."""
    from accord.pipeline.importer import run_import
    from accord.pipeline.models import ImportRun, ImportStatus

    run = ImportRun.objects.select_related("organization", "mapping").get(pk=run_id)
    if run.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return
    with open(run.stored_path, "rb") as raw:
        run_import(run, raw)
    # The upload is kept until the run ends (a retried job resumes from it).
    if run.status in (ImportStatus.DONE, ImportStatus.FAILED):
        os.unlink(run.stored_path)


@job()
def lead_sla_refresh_job(*, organization_id: int) -> None:
    """Measure business hours to first touch and to decision where still missing."""
    from accord.orgs.models import Organization
    from accord.pipeline.services import lead_sla_refresh

    lead_sla_refresh(organization=Organization.objects.get(pk=organization_id))


@job()
def sla_check(*, agreement_id: int, organization_id: int) -> None:
    """Record and alert new SLA breaches, then check again in 15 minutes."""
    from accord.orgs.models import Organization
    from accord.pipeline.models import AgreementStatus, HandoffAgreement
    from accord.pipeline.services import (
        lead_sla_refresh,
        monthly_digest_send,
        sla_breaches_detect,
    )

    agreement = HandoffAgreement.objects.filter(pk=agreement_id).first()
    if agreement is None or agreement.status != AgreementStatus.ACTIVE:
        return  # a newer version runs its own chain
    organization = Organization.objects.get(pk=organization_id)
    sla_breaches_detect(organization=organization)
    lead_sla_refresh(organization=organization)
    monthly_digest_send(organization=organization)
    with transaction.atomic():
        schedule(
            sla_check,
            delay=SLA_CHECK_EVERY,
            organization_id=organization_id,
            agreement_id=agreement_id,
        )
