"""HubSpot exports as portals write them: internal property names with epoch
milliseconds, German column names with German dates, and lifecycle stages of
the portal's own, read through the organisation's stage mapping."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accord.jobs.testing import run_queued_jobs
from accord.pipeline.importer import run_import
from accord.pipeline.models import ImportRun, ImportStatus, Lead, Stage, StageMapping
from accord.pipeline.services import (
    import_run_create,
    import_run_map_stages,
    stage_mapping_save,
)

DATA = Path(__file__).parent / "data"
INTERNAL = DATA / "hubspot_contacts_internal_names.csv"
GERMAN = DATA / "hubspot_contacts_de_DE.csv"
CUSTOM = DATA / "hubspot_contacts_custom_stage.csv"


def _member(acme, user):
    return acme.memberships.get(user=user)


def _run(acme, alice, data: bytes, *, stored_path: str = "", **kw) -> ImportRun:
    return import_run_create(
        membership=_member(acme, alice),
        kind="leads",
        format="hubspot",
        filename="export.csv",
        stored_path=stored_path,
        file_size=len(data),
        enqueue=False,
        **kw,
    )


def _import(acme, alice, data: bytes, **kw) -> ImportRun:
    return run_import(_run(acme, alice, data, **kw), io.BytesIO(data))


def url(name, **kw):
    return reverse(name, kwargs={"org_slug": "acme", **kw})


# -- internal property names ---------------------------------------------------------


def test_it_imports_an_export_with_internal_property_names_and_epoch_milliseconds(acme, alice):
    run = _import(acme, alice, INTERNAL.read_bytes())
    assert run.status == ImportStatus.DONE
    assert (run.rows_seen, run.rows_created, run.rows_refused) == (3, 3, 0)
    ada = Lead.objects.get(organization=acme, source_id="51201")
    assert (ada.email, ada.name, ada.company) == (
        "ada@prospect.example",
        "Ada Lovelace",
        "Analytical",
    )
    assert ada.stage == Stage.MQL
    assert ada.mql_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert ada.lead_at == datetime(2026, 3, 1, 9, 15, tzinfo=UTC)
    assert ada.source == "ORGANIC_SEARCH"
    # A HubSpot owner id is no Accord member: left empty, not refused.
    assert ada.owner is None
    grace = Lead.objects.get(organization=acme, source_id="51202")
    assert grace.stage == Stage.SQL
    assert grace.sql_at == datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    alan = Lead.objects.get(organization=acme, source_id="51203")
    assert (alan.stage, alan.mql_at) == (Stage.LEAD, None)
    # Keyed by the HubSpot id, never by the email.
    assert not Lead.objects.filter(organization=acme, source_id__contains="@").exists()


def test_it_updates_the_same_leads_when_an_export_is_imported_again(acme, alice):
    _import(acme, alice, INTERNAL.read_bytes())
    changed = INTERNAL.read_text().replace("ada@prospect.example", "ada@newdomain.example")
    again = _import(acme, alice, changed.encode())
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 1, 2)
    assert Lead.objects.filter(organization=acme).count() == 3
    assert Lead.objects.get(organization=acme, source_id="51201").email == "ada@newdomain.example"


# -- German column names ---------------------------------------------------------------


def test_it_imports_an_export_with_german_column_names_and_dates(acme, alice, bob):
    run = _import(acme, alice, GERMAN.read_bytes())
    assert run.status == ImportStatus.DONE, run.message
    assert (run.rows_seen, run.rows_created, run.rows_refused) == (3, 3, 0)
    juergen = Lead.objects.get(organization=acme, source_id="61301")
    assert (juergen.email, juergen.name) == ("juergen@kunde.example", "Jürgen Müller")
    assert juergen.stage == Stage.MQL
    # 02.03.2026 is the 2nd of March (dots are written day first); Acme is in UTC.
    assert juergen.mql_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert juergen.owner is not None and juergen.owner.user == bob
    aenne = Lead.objects.get(organization=acme, source_id="61302")
    assert aenne.stage == Stage.SQL
    assert aenne.sql_at == datetime(2026, 3, 13, 12, 0, tzinfo=UTC)
    karl = Lead.objects.get(organization=acme, source_id="61303")
    assert (karl.stage, karl.mql_at) == (Stage.LEAD, None)
    assert "Datum der Konversion zum Marketing-Qualified-Lead" in run.conventions
    assert run.conventions["Datum der Konversion zum Marketing-Qualified-Lead"].startswith(
        "day-first"
    )


# -- lifecycle stages of the portal's own ---------------------------------------------


def test_it_waits_for_a_custom_stage_to_be_mapped_and_writes_nothing(acme, alice):
    run = _import(acme, alice, CUSTOM.read_bytes())
    assert run.status == ImportStatus.WAITING
    # "Product  qualified lead" is the same stage written differently.
    assert run.unmapped_stages == ["Product Qualified Lead"]
    assert "'Product Qualified Lead'" in run.message and "nothing is imported" in run.message
    assert (run.rows_seen, run.rows_imported, run.rows_refused) == (0, 0, 0)
    assert not Lead.objects.filter(organization=acme).exists()


def test_it_imports_through_the_mapping_once_it_is_set(acme, alice):
    data = CUSTOM.read_bytes()
    run = _import(acme, alice, data)
    with pytest.raises(ValidationError, match="Choose an Accord stage for: 'Product Qualified"):
        import_run_map_stages(membership=_member(acme, alice), run=run, stages={})
    assert not StageMapping.objects.exists()
    import_run_map_stages(
        membership=_member(acme, alice), run=run, stages={"Product Qualified Lead": "mql"}
    )
    run.refresh_from_db()
    assert (run.status, run.unmapped_stages, run.message) == (ImportStatus.QUEUED, [], "")
    mapping = StageMapping.objects.get(organization=acme)
    assert (mapping.label, mapping.key, mapping.stage) == (
        "Product Qualified Lead",
        "product qualified lead",
        "mql",
    )
    run = run_import(run, io.BytesIO(data))
    assert run.status == ImportStatus.DONE
    assert run.rows_created == 3
    hedy = Lead.objects.get(organization=acme, source_id="71401")
    assert hedy.stage == Stage.MQL
    # A stage reached without its own date: the best earlier one (became a lead).
    assert hedy.mql_at == datetime(2026, 3, 1, 9, 15, tzinfo=UTC)
    assert Lead.objects.get(organization=acme, source_id="71403").stage == Stage.MQL


def test_it_reuses_the_saved_mapping_for_later_imports(acme, alice):
    stage_mapping_save(membership=_member(acme, alice), stages={"product qualified lead": "sql"})
    run = _import(acme, alice, CUSTOM.read_bytes())
    assert run.status == ImportStatus.DONE
    assert Lead.objects.get(organization=acme, source_id="71401").stage == Stage.SQL


def test_it_refuses_a_mapping_to_no_accord_stage_or_of_a_known_stage(acme, alice):
    member = _member(acme, alice)
    with pytest.raises(ValidationError, match="'PQL': 'pql' is not one of lead"):
        stage_mapping_save(membership=member, stages={"PQL": "pql"})
    with pytest.raises(ValidationError, match="'Lead' is one of Accord's own stages"):
        stage_mapping_save(membership=member, stages={"Lead": "mql"})
    assert not StageMapping.objects.exists()


def test_it_keeps_stage_mappings_per_organisation(acme, alice, globex, charlie):
    stage_mapping_save(
        membership=globex.memberships.get(user=charlie), stages={"Product Qualified Lead": "sql"}
    )
    run = _import(acme, alice, CUSTOM.read_bytes())
    assert run.status == ImportStatus.WAITING


# -- the import's page ----------------------------------------------------------------


def _waiting_upload(acme, alice, tmp_path) -> ImportRun:
    data = CUSTOM.read_bytes()
    stored = tmp_path / "upload.csv"
    stored.write_bytes(data)
    run = _run(acme, alice, data, stored_path=str(stored))
    return run_import(run, io.BytesIO(data))


def test_it_asks_for_the_mapping_on_the_import_page_and_goes_on(
    alice_client, acme, alice, tmp_path
):
    run = _waiting_upload(acme, alice, tmp_path)
    page = alice_client.get(url("pipeline_import", pk=run.pk)).content.decode()
    assert "Waiting for a stage mapping" in page
    assert "Map your lifecycle stages" in page and "Product Qualified Lead" in page
    response = alice_client.post(url("pipeline_import", pk=run.pk), {"stage_0": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not StageMapping.objects.exists()
    response = alice_client.post(url("pipeline_import", pk=run.pk), {"stage_0": "mql"})
    assert response.status_code == 302
    run_queued_jobs()
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and run.rows_created == 3
    assert not os.path.exists(run.stored_path)
    assert Lead.objects.get(organization=acme, source_id="71401").stage == Stage.MQL
    page = alice_client.get(url("pipeline_import", pk=run.pk)).content.decode()
    assert "Map your lifecycle stages" not in page


def test_it_keeps_the_upload_while_the_import_waits(acme, alice, tmp_path):
    from accord.pipeline.jobs import import_run_job

    run = _waiting_upload(acme, alice, tmp_path)
    import_run_job(run_id=run.pk, organization_id=acme.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.WAITING and os.path.exists(run.stored_path)


def test_it_hides_another_organisations_waiting_import(charlie_client, acme, alice, tmp_path):
    run = _waiting_upload(acme, alice, tmp_path)
    assert charlie_client.get(url("pipeline_import", pk=run.pk)).status_code == 404
    response = charlie_client.post(url("pipeline_import", pk=run.pk), {"stage_0": "mql"})
    assert response.status_code == 404
    assert not StageMapping.objects.exists()


def test_it_lets_only_importers_map_stages(bob_client, acme, alice, tmp_path):
    run = _waiting_upload(acme, alice, tmp_path)
    response = bob_client.post(url("pipeline_import", pk=run.pk), {"stage_0": "mql"})
    assert response.status_code == 403
    assert not StageMapping.objects.exists()


def test_it_edits_and_forgets_the_saved_mapping(alice_client, acme, alice):
    stage_mapping_save(
        membership=_member(acme, alice),
        stages={"Product Qualified Lead": "mql", "Partner Lead": "lead"},
    )
    page = alice_client.get(url("pipeline_stage_mappings")).content.decode()
    assert "Partner Lead" in page and "Product Qualified Lead" in page
    # Ordered by label: Partner Lead, then Product Qualified Lead.
    response = alice_client.post(url("pipeline_stage_mappings"), {"stage_0": "", "stage_1": "sql"})
    assert response.status_code == 302
    assert dict(StageMapping.objects.values_list("label", "stage")) == {
        "Product Qualified Lead": "sql"
    }


# -- the command line ------------------------------------------------------------------


def test_it_refuses_unmapped_stages_on_the_command_line_and_says_how_to_map_them(acme, alice):
    with pytest.raises(CommandError) as refused:
        call_command("import", "leads", str(CUSTOM), "--org", "acme", "--format", "hubspot")
    message = str(refused.value)
    assert "'Product Qualified Lead'" in message
    assert '--map-stage "Product Qualified Lead=mql"' in message
    assert "Lifecycle stages" in message
    assert not Lead.objects.filter(organization=acme).exists()
    assert ImportRun.objects.get(organization=acme).status == ImportStatus.FAILED


def test_it_maps_stages_from_the_command_line_and_saves_them(acme, alice, capsys):
    call_command(
        "import",
        "leads",
        str(CUSTOM),
        "--org",
        "acme",
        "--format",
        "hubspot",
        "--map-stage",
        "Product Qualified Lead=MQL",
    )
    assert "imported 3" in capsys.readouterr().out
    assert Lead.objects.get(organization=acme, source_id="71401").stage == Stage.MQL
    assert StageMapping.objects.get(organization=acme).stage == "mql"


def test_it_maps_stages_for_a_dry_run_without_saving_them(acme, alice, capsys):
    call_command(
        "import",
        "leads",
        str(CUSTOM),
        "--org",
        "acme",
        "--format",
        "hubspot",
        "--dry-run",
        "--map-stage",
        "Product Qualified Lead=sql",
    )
    assert "Rows: 3 read: 3 to create, 0 to update, 0 unchanged, 0 skipped, 0 refused" in (
        capsys.readouterr().out
    )
    assert not StageMapping.objects.exists() and not Lead.objects.exists()


def test_it_refuses_a_malformed_map_stage_option(acme, alice):
    with pytest.raises(CommandError, match=r"map-stage: 'pql' .* is not one of lead"):
        call_command(
            "import", "leads", str(CUSTOM), "--org", "acme", "--format", "hubspot",
            "--map-stage", "Product Qualified Lead=pql",
        )  # fmt: skip
    with pytest.raises(CommandError, match="is not LABEL=STAGE"):
        call_command(
            "import", "leads", str(CUSTOM), "--org", "acme", "--format", "hubspot",
            "--map-stage", "mql",
        )  # fmt: skip
    assert not ImportRun.objects.exists()
