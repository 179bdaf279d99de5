"""The data migration that stores Salesforce ids imported from reports in their
18-character form."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("pipeline", "0007_import_outcomes")]
AFTER = [("pipeline", "0008_salesforce_ids_18")]


@pytest.mark.django_db(transaction=True)
def test_it_stores_15_character_salesforce_ids_in_their_18_character_form(
    back_to_the_latest_schema,
):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    # The organisation as it is now: only the pipeline went back.
    orgs_now = [node for node in executor.loader.graph.leaf_nodes() if node[0] == "orgs"]
    old = executor.loader.project_state([*BEFORE, *orgs_now]).apps
    Organization = old.get_model("orgs", "Organization")
    Lead = old.get_model("pipeline", "Lead")
    acme = Organization.objects.create(slug="acme", name="Acme")
    for system, source_id in [
        ("salesforce", "00Q5e00000AbCdE"),  # from a report: converted
        ("salesforce", "00Q5e00000AbCdF"),  # its 18-character twin exists: left alone
        ("salesforce", "00Q5e00000AbCdFEAV"),
        ("hubspot", "00Q5e00000AbCdG"),  # not Salesforce: never changed
    ]:
        Lead.objects.create(organization=acme, source_system=system, source_id=source_id)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Lead = new.get_model("pipeline", "Lead")
    assert sorted(Lead.objects.values_list("source_system", "source_id")) == [
        ("hubspot", "00Q5e00000AbCdG"),
        ("salesforce", "00Q5e00000AbCdEEAV"),
        ("salesforce", "00Q5e00000AbCdF"),
        ("salesforce", "00Q5e00000AbCdFEAV"),
    ]
