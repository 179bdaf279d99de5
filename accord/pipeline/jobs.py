"""Background jobs of the pipeline: imports from the UI and SLA breach checks.

The SLA check is scheduled by the worker itself: each run queues the next
one, so no cron is needed; so is the hourly sweep of import previews never
confirmed, which every worker starts when it starts. A chain stops when what it serves is gone (the
agreement superseded). The CRM sync lives in ``accord.integrations``.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accord.jobs.registry import job, on_worker_start
from accord.jobs.selectors import job_queued
from accord.jobs.services import job_enqueue
from accord.orgs.models import Organization

logger = logging.getLogger(__name__)

SLA_CHECK_EVERY = timedelta(minutes=15)
# A preview is deleted between IMPORT_PREVIEW_LIFETIME and this much later.
PREVIEW_SWEEP_EVERY = timedelta(hours=1)


@job()
def import_run_job(*, run_id: int, organization_id: int | None = None) -> None:
    """Run (or resume) an import started from the web page.

    Safe to run twice: each batch commits with the run's progress, a run
    done again skips the batches already committed, and every record is
    upserted by its source id (``accord.pipeline.importer``).
    """
    from accord.pipeline.importer import run_import
    from accord.pipeline.models import ImportRun, ImportStatus

    run = ImportRun.objects.select_related("organization", "mapping").get(pk=run_id)
    # A waiting run is queued again once its stages are mapped.
    if run.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.WAITING):
        return
    with open(run.stored_path, "rb") as raw:
        run_import(run, raw)
    # The upload is kept until the run ends (a retried job resumes from it, a
    # waiting run reads it again once its stages are mapped), and after a dry
    # run, whose preview imports the same file once confirmed.
    done = run.status == ImportStatus.FAILED or (
        run.status == ImportStatus.DONE and not run.dry_run
    )
    if done and os.path.exists(run.stored_path):
        os.unlink(run.stored_path)


@job()
def import_previews_sweep() -> str:
    """Delete the import previews never confirmed, and their files, once
    ``IMPORT_PREVIEW_LIFETIME`` old; then sweep again in an hour.

    Safe to run twice: what is deleted is gone, and the next sweep is queued
    only if none is, so a sweep run again after its worker died, or started
    by two workers at once, never doubles the chain for long.
    """
    from accord.pipeline.services import import_previews_expire

    runs, files = import_previews_expire()
    if not job_queued(import_previews_sweep):
        with transaction.atomic():
            job_enqueue(import_previews_sweep, run_after=timezone.now() + PREVIEW_SWEEP_EVERY)
    return f"{runs} previews and {files} files deleted"


@on_worker_start
def import_previews_sweep_ensure() -> None:
    """Start the chain of sweeps if none is queued (every worker, when it starts).

    The first sweep waits a minute: a starting worker runs the instance's
    other chains (the rollups refresh) first."""
    if not job_queued(import_previews_sweep):
        with transaction.atomic():
            job_enqueue(import_previews_sweep, run_after=timezone.now() + timedelta(minutes=1))


@job()
def lead_sla_refresh_job(*, organization_id: int) -> None:
    """Measure business hours to first touch and to decision where still missing.

    Safe to run twice: it fills only the measures that are still empty.
    """
    from accord.orgs.models import Organization
    from accord.pipeline.services import lead_sla_refresh

    lead_sla_refresh(organization=Organization.objects.get(pk=organization_id))


@job()
def sla_check(*, agreement_id: int, organization_id: int) -> None:
    """Record and alert new SLA breaches, then check again in 15 minutes.

    Safe to run twice: each lead breaches each rule once (a database
    constraint, the alert queued with the breach), the refresh fills only
    what is missing and the digest is sent once a month (a month stamp on
    the agreement). The next check is queued only if none is, so a check
    run again after its worker died never doubles the chain.
    """
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
    if job_queued(sla_check, agreement_id=agreement_id):
        return
    with transaction.atomic():
        job_enqueue(
            sla_check,
            run_after=timezone.now() + SLA_CHECK_EVERY,
            organization_id=organization_id,
            agreement_id=agreement_id,
        )


def time_zone_changed(organization: Organization) -> None:
    """The organisation's time zone changed: file its MQLs under the new zone's
    cohort months, measure their business hours again and rebuild SLA
    compliance by month (``accord.orgs.jobs``). Idempotent: a second run moves
    nothing and measures and counts the same."""
    from accord.pipeline import rollups
    from accord.pipeline.services import lead_months_refile

    lead_months_refile(organization=organization)
    rollups.refresh(organization)
