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
