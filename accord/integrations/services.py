"""Writes of the CRM connection: store its credentials, queue a sync."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from accord.integrations import crypto
from accord.integrations.jobs import crm_sync_job
from accord.jobs.services import job_enqueue
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record
from accord.pipeline.models import CrmConnection, SourceSystem


@transaction.atomic
def crm_connection_save(
    *, membership: Membership, system: str, secret: str, instance_url: str = ""
) -> CrmConnection:
    """Store (encrypted) the CRM's credentials and start its scheduled sync.

    HubSpot: a private-app token. Salesforce: a session id / access token and
    the instance URL. The secret is never shown again.
    """
    require(membership, Action.CRM_CONNECT)
    if system not in (SourceSystem.HUBSPOT, SourceSystem.SALESFORCE):
        raise ValidationError({"system": "Choose hubspot or salesforce."})
    if not secret.strip():
        raise ValidationError({"secret": "Paste the token."})
    if system == SourceSystem.SALESFORCE and not instance_url.startswith(("https://", "http://")):
        raise ValidationError(
            {"instance_url": "The instance URL, e.g. https://acme.my.salesforce.com"}
        )
    conn, _ = CrmConnection.objects.update_or_create(
        organization=membership.organization,
        system=system,
        defaults={
            "secret": crypto.encrypt(secret.strip()),
            "instance_url": instance_url.strip(),
            "enabled": True,
            "last_error": "",
            "cursor": {"chain": uuid.uuid4().hex},
        },
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="crm.connect",
        obj=conn,
        changes={"system": system},
    )
    job_enqueue(
        crm_sync_job,
        organization_id=membership.organization_id,
        connection_id=conn.pk,
        chain=conn.cursor["chain"],
    )
    return conn


def crm_sync_interval() -> timedelta:
    return timedelta(minutes=15)


@transaction.atomic
def crm_sync_now(*, membership: Membership, connection: CrmConnection) -> None:
    """Queue one extra sync now (the schedule carries on as before)."""
    require(membership, Action.CRM_CONNECT)
    job_enqueue(
        crm_sync_job,
        organization_id=connection.organization_id,
        connection_id=connection.pk,
        chain=str(connection.cursor.get("chain", "")),
        once=True,
    )
    audit_record(
        organization=connection.organization,
        actor=membership.user,
        action="crm.sync",
        obj=connection,
    )
