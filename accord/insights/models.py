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
