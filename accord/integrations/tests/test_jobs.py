"""The CRM sync job, under its name and the one it had in the pipeline app."""

from __future__ import annotations

from accord.integrations.jobs import crm_sync_job
from accord.jobs.registry import get_job


def test_it_finds_the_sync_job_under_its_former_name_too():
    # Connections made before the move have their next run queued under it.
    assert get_job("accord.pipeline.jobs.crm_sync_job") is get_job(crm_sync_job.job_name)
    assert get_job(crm_sync_job.job_name).func is crm_sync_job
    assert crm_sync_job.job_name == "accord.integrations.jobs.crm_sync_job"
