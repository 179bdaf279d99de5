"""The data migration that moves the agreement's holidays to the organisation."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("orgs", "0002_organization_calendar"), ("pipeline", "0004_agreement_digest_month")]
AFTER = [("pipeline", "0005_agreement_holidays_to_organization")]


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_active_agreements_holidays_as_the_organisations(back_to_the_latest_schema):
    executor = MigrationExecutor(connection)
    # The pipeline first, while the organisation still has every later column
    # (the data migration's way back reads it), then the organisation.
    executor.migrate([("pipeline", "0004_agreement_digest_month")])
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Organization = old.get_model("orgs", "Organization")
    Agreement = old.get_model("pipeline", "HandoffAgreement")
    acme = Organization.objects.create(slug="acme", name="Acme", holidays=["2026-01-02"])
    globex = Organization.objects.create(slug="globex", name="Globex")
    terms = {
        "mql_definition": "x",
        "monthly_mql_commitment": 1,
        "first_touch_hours": 1,
        "decision_days": 1,
        "day_start": "09:00",
        "day_end": "17:00",
    }
    Agreement.objects.create(
        organization=acme, version=1, status="superseded", holidays=["2026-12-24"], **terms
    )
    Agreement.objects.create(
        organization=acme, version=2, status="active", holidays=["2026-12-25"], **terms
    )
    Agreement.objects.create(
        organization=acme, version=3, status="proposed", holidays=["2026-12-31"], **terms
    )
    Agreement.objects.create(
        organization=globex, version=1, status="proposed", holidays=["2026-05-01"], **terms
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Organization = new.get_model("orgs", "Organization")
    # The active version's holidays, beside the organisation's own; else the latest's.
    assert Organization.objects.get(slug="acme").holidays == ["2026-01-02", "2026-12-25"]
    assert Organization.objects.get(slug="globex").holidays == ["2026-05-01"]
