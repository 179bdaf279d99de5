"""Reads of the pulse: cycles, one's own answer, results, trends, and the
selectors other parts of Accord use (health, the joint meeting's agenda)."""

from __future__ import annotations

from django.db.models import QuerySet

from accord.orgs.models import Membership, Organization
from accord.orgs.selectors import scoped
from accord.pulse.models import PulseCycle


def cycles(membership: Membership) -> QuerySet[PulseCycle]:
    """The organisation's cycles, latest first."""
    return scoped(membership, PulseCycle.objects.all()).order_by("-opens_at", "-pk")


def trend_svg(organization: Organization) -> str:
    return ""
