"""The CRM sync job: scheduled by the worker itself, each run queues the next
one, so no cron is needed. A chain stops when the connection is replaced or
disabled."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accord.jobs.registry import job
from accord.jobs.selectors import job_queued
from accord.jobs.services import job_enqueue
from accord.pipeline.models import CrmConnection, SourceSystem

logger = logging.getLogger(__name__)

CRM_SYNC_EVERY = timedelta(minutes=15)


# Connections made before the job moved here have their next run queued under
# the old name.
@job(max_attempts=3, former_names=("accord.pipeline.jobs.crm_sync_job",))
def crm_sync_job(
    *, connection_id: int, chain: str, organization_id: int, once: bool = False
) -> None:
    """Sync one CRM connection incrementally, then (unless ``once``) again in 15 minutes.

    Safe to run twice: the sync pulls changes since the connection's cursor
    and upserts them by their CRM id, so a run again after its worker died
    only repeats work. The next run is queued only if the chain has none
    queued yet, so a run done again never doubles the chain.
    """
    connection = CrmConnection.objects.filter(pk=connection_id).first()
    if connection is None or not connection.enabled or connection.cursor.get("chain") != chain:
        return  # replaced or disabled: this chain ends
    if not once and not job_queued(crm_sync_job, connection_id=connection_id, chain=chain):
        # Queued first, so that a worker dying mid-sync still leaves the next run.
        with transaction.atomic():
            job_enqueue(
                crm_sync_job,
                organization_id=organization_id,
                run_after=timezone.now() + CRM_SYNC_EVERY,
                connection_id=connection_id,
                chain=chain,
            )
    try:
        # Imported here: the CRM client libraries are slow to import, and only
        # this job needs them.
        if connection.system == SourceSystem.HUBSPOT:
            from accord.integrations.hubspot import sync as hubspot

            hubspot.sync(connection)
        else:
            from accord.integrations.salesforce import sync as salesforce

            salesforce.sync(connection)
    except Exception as error:
        # The next scheduled run is the retry; the error shows on the connection.
        logger.warning("CRM sync %s failed: %s", connection_id, error)
        CrmConnection.objects.filter(pk=connection_id).update(last_error=str(error)[:500])
