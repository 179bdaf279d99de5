"""Acme's objects for the outsider test (see accord/orgs/tests/outsider.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from accord.integrations import crypto
from accord.orgs.models import Membership, Organization
from accord.pipeline.models import (
    CrmConnection,
    HandoffAgreement,
    ImportRowError,
    ImportRun,
    Lead,
)


def _lead(acme: Organization, source_id: str) -> Lead:
    return Lead.objects.create(
        organization=acme,
        source_system="csv",
        source_id=source_id,
        name="Acme secret lead",
        email=f"{source_id}@acme.example",
        stage="mql",
        mql_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
        mql_month="2026-03",
    )


def _agreement(acme: Organization, owner: Membership) -> HandoffAgreement:
    return HandoffAgreement.objects.create(
        organization=acme,
        version=HandoffAgreement.objects.filter(organization=acme).count() + 1,
        mql_definition="Acme secret definition",
        monthly_mql_commitment=10,
        first_touch_hours=4,
        decision_days=2,
        day_start="09:00",
        day_end="17:00",
        proposed_by=owner,
    )


def _import_run(acme: Organization, owner: Membership) -> ImportRun:
    run = ImportRun.objects.create(
        organization=acme, kind="leads", format="hubspot", filename="acme-secret.csv"
    )
    ImportRowError.objects.create(organization=acme, run=run, row=2, message="Acme secret row")
    return run


def page_objects(acme: Organization, owner: Membership) -> dict[str, dict[str, Any]]:
    lead = _lead(acme, "outsider-page")
    run = _import_run(acme, owner)
    connection = CrmConnection.objects.create(
        organization=acme, system="hubspot", secret=crypto.encrypt("acme-secret-token")
    )
    return {
        "pipeline_index": {},
        "pipeline_stage_mappings": {},
        "pipeline_triage": {},
        "pipeline_triage_bulk": {},
        "pipeline_lead_accept": {"pk": lead.pk},
        "pipeline_lead_reject": {"pk": lead.pk},
        "pipeline_lead_touch": {"pk": lead.pk},
        "pipeline_agreement": {},
        "pipeline_agreement_agree": {"pk": _agreement(acme, owner).pk},
        "pipeline_compliance": {},
        "pipeline_imports": {},
        "pipeline_import": {"pk": run.pk},
        "pipeline_import_errors": {"pk": run.pk},
        "pipeline_mapping_new": {},
        "pipeline_crm": {},
        "pipeline_crm_sync": {"pk": connection.pk},
    }


def api_objects(acme: Organization, owner: Membership) -> dict[str, Any]:
    return {
        "lead_id": _lead(acme, "outsider-api").pk,
        "import_run_id": _import_run(acme, owner).pk,
        "agreement_id": _agreement(acme, owner).pk,
    }


API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/pipeline/leads/{lead_id}/reject"): {"reason": "duplicate"},
    ("post", "/pipeline/agreements/{agreement_id}/agree"): {"side": "sales"},
}
