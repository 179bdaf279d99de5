"""Jobs that failed every attempt, kept for an admin to read and retry."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class DeadJob(models.Model):
    """A job whose last attempt failed: the dead-letter queue.

    ``organization`` is set when the job acted for one organisation, so its
    admins see it; jobs of the instance itself (``None``) are shown to staff.
    """

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    job_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    attempts = models.PositiveIntegerField()
    error = models.TextField()
    traceback = models.TextField(blank=True)
    failed_at = models.DateTimeField(default=timezone.now)
    retried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-failed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.job_name} failed after {self.attempts} attempts"


class JobLease(models.Model):
    """How long the worker that claimed a task result may keep it: the lease.

    One row per claimed django-tasks-db task result, keyed by its id (that
    package's table has no column for it). The claiming worker writes it in
    the transaction that marks the result RUNNING and pushes ``expires_at``
    forward while the job runs, and deletes it once the result is recorded,
    so the table holds only the jobs running now. A RUNNING result whose
    lease has expired belongs to a worker that died (SIGKILL, power loss, an
    out-of-memory kill): any worker claims it again. ``claims`` counts the
    claims, so a job that kills its worker every time is given up after a few.
    """

    task_result = models.OneToOneField(
        "django_tasks_database.DBTaskResult",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="accord_lease",
    )
    worker_id = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    renewed_at = models.DateTimeField(default=timezone.now)
    claims = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="jobs_lease_expires_idx")]

    def __str__(self) -> str:
        return f"lease of {self.task_result_id} by {self.worker_id} until {self.expires_at}"
