from __future__ import annotations

from django.db.models import QuerySet

from accord.jobs.models import DeadJob
from accord.orgs.models import Membership
from accord.orgs.selectors import get_scoped, scoped


def dead_jobs(membership: Membership) -> QuerySet[DeadJob]:
    """The organisation's failed jobs, newest first."""
    return scoped(membership, DeadJob.objects.all())


def dead_job(membership: Membership, pk: int) -> DeadJob:
    return get_scoped(membership, DeadJob.objects.all(), pk=pk)
