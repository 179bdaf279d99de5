"""What the Insights section stores: the weights of alignment health's parts."""

from __future__ import annotations

from django.db import models

from accord.orgs.models import Organization


class HealthWeights(models.Model):
    """How much each part of an organisation's alignment health counts.

    ``weights`` maps a part key (see ``accord.insights.health.PARTS``) to a whole
    number 0-10; keys left out take the part's default weight. A weight of 0
    leaves the part out of the score, but at least one part must weigh more.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="health_weights"
    )
    weights = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Health weights of {self.organization}"


class QuarterlyReport(models.Model):
    """A quarter's alignment report as it was generated: its PDF and who got it.

    Written by the quarter-end job (which then emails it to the owner and both
    team leads) or by the demo. One per organisation and quarter: the
    constraint is what makes the quarter-end job send at most once, however
    often it runs. The live report page is always drawn from today's data;
    this row keeps what was sent.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="quarterly_reports"
    )
    quarter = models.CharField(max_length=6)  # 2026Q4
    pdf = models.BinaryField()
    generated_at = models.DateTimeField()
    emailed_to = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "quarter"], name="quarterly_report_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.quarter}"


class ReportSchedule(models.Model):
    """Which quarter's end the organisation's report job is queued for, so
    that making sure it is queued (from the Overview, the demo) queues it once."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="report_schedule"
    )
    quarter = models.CharField(max_length=6)
    run_after = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.organization} report of {self.quarter} at {self.run_after}"


class RollupSchedule(models.Model):
    """The instance's one chain of rollup refreshes (``key`` "rollups"): the
    job due at ``next_run_at`` is the only one that runs; any other finds
    its due time replaced and stops, so two workers never double the chain."""

    key = models.CharField(max_length=20, unique=True)
    next_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key} at {self.next_run_at:%Y-%m-%d %H:%M:%S}"
