"""Reads of the CRM connections, scoped to the acting member's organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from accord.orgs.models import Membership
from accord.orgs.selectors import get_scoped, scoped
from accord.pipeline.models import CrmConnection


def crm_connections(membership: Membership) -> QuerySet[CrmConnection]:
    return scoped(membership, CrmConnection.objects.all())


def crm_connection(membership: Membership, pk: int) -> CrmConnection:
    return get_scoped(membership, CrmConnection.objects.all(), pk=pk)
