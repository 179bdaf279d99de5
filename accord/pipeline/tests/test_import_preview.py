"""The preview before an import writes anything, as the user sees it: on the
command line (``--dry-run``, text and ``--json``) for every kind, and on the
import's page, where it is confirmed or previewed again with another mapping.
Each element: the format recognised, the columns read, the date and amount
conventions, the five counts, the first rows as stored, and every bad row
with its number, column and reason."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accord.jobs.testing import run_queued_jobs
from accord.pipeline.models import (
    Account,
    Contact,
    ImportRun,
    ImportStatus,
    Lead,
    Opportunity,
)
from accord.pipeline.services import column_mapping_save

DATA = Path(__file__).parent / "data"

# One small export per kind, as HubSpot or Salesforce writes it, each with one
# bad row; (kind, file, format recognised, a column read, a stored value).
HUBSPOT_COMPANIES = (
    "Record ID,Company name,Company Domain Name,Industry,Country/Region,Create Date\r\n"
    "9001,Initech,initech.example,Software,Germany,2026-02-01 10:00\r\n"
    ",Nameless,x.example,Software,France,2026-02-02 10:00\r\n"
)
SALESFORCE_CONTACTS = (
    '"Contact ID","First Name","Last Name","Email","Account Name","Preferred Language"\r\n'
    '"0035e00000AbCdE","Ada","Lovelace","ada@prospect.example","Analytical","en"\r\n'
    '"0035e00000AbCdF","Bad","Email","bad@@prospect.example","Analytical","en"\r\n'
)


def url(name, **kw):
    return reverse(name, kwargs={"org_slug": "acme", **kw})


def _dry_run(path: Path, kind: str, *extra: str, capsys) -> str:
    call_command("import", kind, str(path), "--org", "acme", "--dry-run", *extra)
    out: str = capsys.readouterr().out
    return out


def test_it_previews_a_salesforce_report_on_the_command_line_and_writes_nothing(
    acme, alice, capsys
):
    out = _dry_run(DATA / "salesforce_leads_en_US.csv", "leads", capsys=capsys)
    lines = out.splitlines()
    assert lines[0] == "Format: Salesforce report export (recognised from the header)"
    assert "  Id in the source system <- 'Lead ID'" in lines
    assert "  Email <- 'Email'" in lines
    assert any(
        line.startswith("  'Create Date': month-first (row 2 '1/25/2026, 6:55") for line in lines
    )
    assert "Rows: 8 read: 3 to create, 0 to update, 0 unchanged, 5 skipped, 0 refused" in lines
    first = next(line for line in lines if line.startswith("  row 2: "))
    assert "source_id: 00Q5e00000AbCdEEAV" in first
    assert "email: ana@prospect.example" in first and "name: Ana Lima" in first
    assert "lead_at: 2026-01-25 18:55+00:00" in first
    assert "  row 6: skipped: report footer." in lines
    assert "  row 10: skipped: report footer." in lines
    assert lines[-2].startswith("Nothing was written (dry run).")
    assert not Lead.objects.filter(organization=acme).exists()


@pytest.mark.parametrize(
    ("kind", "name", "text", "fmt", "column", "bad"),
    [
        (
            "leads",
            "salesforce_leads_de_DE.csv",
            None,
            "salesforce",
            ["source_id", "Lead ID"],
            None,
        ),
        (
            "contacts",
            "contacts.csv",
            SALESFORCE_CONTACTS,
            "salesforce",
            ["email", "Email"],
            {"row": 3, "column": "Email", "outcome": "refused"},
        ),
        (
            "accounts",
            "companies.csv",
            HUBSPOT_COMPANIES,
            "hubspot",
            ["name", "Company name"],
            {"row": 3, "column": "Record ID", "outcome": "refused"},
        ),
        (
            "opportunities",
            "salesforce_opportunities_de_DE.csv",
            None,
            "salesforce",
            ["amount", "Amount"],
            None,
        ),
    ],
)
def test_it_previews_every_kind_as_one_json_object(
    acme, alice, tmp_path, capsys, kind, name, text, fmt, column, bad
):
    path = DATA / name
    if text is not None:
        path = tmp_path / name
        path.write_bytes(text.encode())
    call_command("import", kind, str(path), "--org", "acme", "--dry-run", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["dry_run"] is True
    assert (summary["format"], summary["format_recognised"]) == (fmt, True)
    assert summary["columns"][column[0]] == column[1]
    counts = [summary[k] for k in ("created", "updated", "unchanged", "skipped", "refused")]
    assert sum(counts) == summary["rows_seen"]
    assert summary["preview"] and summary["preview"][0]["row"] == "2"
    if bad:
        assert {k: summary["rows"][0][k] for k in bad} == bad
        assert summary["rows"][0]["reason"]
    model = {"leads": Lead, "contacts": Contact, "accounts": Account}.get(kind, Opportunity)
    assert not model._default_manager.filter(organization=acme).exists()


def test_it_shows_dates_and_amounts_as_they_will_be_stored(acme, alice, capsys):
    call_command(
        "import",
        "opportunities",
        str(DATA / "salesforce_opportunities_de_DE.csv"),
        "--org",
        "acme",
        "--dry-run",
        "--json",
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["conventions"]["Amount"].startswith("decimal comma")
    assert summary["conventions"]["Close Date"].startswith("day-first")
    first, pilot, credit = summary["preview"]
    assert (first["source_id"], first["amount"], first["currency"]) == (
        "0065e00000XyZaBAAV",
        "12500.00",
        "EUR",
    )
    assert (first["close_date"], first["status"]) == ("2026-03-31", "won")
    # In a decimal-comma column 12,5 is twelve and a half.
    assert (pilot["row"], pilot["amount"]) == ("3", "12.50")
    assert (credit["row"], credit["amount"], credit["status"]) == ("4", "-1200.00", "lost")
    assert summary["rows"] == []


def test_it_lists_every_bad_row_in_the_text_preview(acme, alice, tmp_path, capsys):
    path = tmp_path / "contacts.csv"
    rows = "".join(
        f'"0035e00000Bad{i:02d}","Bad","Email","bad{i}@@prospect.example","A","en"\r\n'
        for i in range(60)
    )
    path.write_bytes((SALESFORCE_CONTACTS + rows).encode())
    out = _dry_run(path, "contacts", capsys=capsys)
    bad = [line for line in out.splitlines() if line.startswith("  row ") and "column" in line]
    assert len(bad) == 61
    assert bad[-1].startswith("  row 63 column 'Email': ")
    assert "Rows: 62 read: 1 to create, 0 to update, 0 unchanged, 0 skipped, 61 refused" in out


def test_it_previews_updates_and_unchanged_rows_of_a_file_imported_before(acme, alice, capsys):
    path = DATA / "salesforce_leads_en_GB.csv"
    call_command("import", "leads", str(path), "--org", "acme", "--quiet")
    capsys.readouterr()
    out = _dry_run(path, "leads", capsys=capsys)
    assert "Rows: 7 read: 0 to create, 0 to update, 2 unchanged, 5 skipped, 0 refused" in out


def test_it_says_what_to_choose_when_the_format_is_not_recognised(acme, alice, tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_bytes(b"Key,Mail,When\r\n1,a@b.example,2026-01-01\r\n")
    with pytest.raises(CommandError, match="neither a HubSpot or a Salesforce export of leads"):
        call_command("import", "leads", str(path), "--org", "acme", "--dry-run")
    assert not ImportRun.objects.filter(organization=acme).exists()


def test_it_reads_a_generic_file_through_the_mapping_named(acme, alice, tmp_path, capsys):
    column_mapping_save(
        membership=acme.memberships.get(user=alice),
        name="Sheet",
        kind="leads",
        columns={"source_id": "Key", "email": "Mail", "mql_at": "When"},
    )
    path = tmp_path / "sheet.csv"
    path.write_bytes(b"Key;Mail;When\r\n1;a@b.example;31.01.2026\r\n2;b@b.example;01.02.2026\r\n")
    out = _dry_run(path, "leads", "--mapping", "Sheet", capsys=capsys)
    lines = out.splitlines()
    assert lines[0] == "Format: Any CSV, with a column mapping with the mapping 'Sheet'"
    assert "  Became an MQL <- 'When'" in lines
    assert any(line.startswith("  'When': day-first") for line in lines)
    assert any(
        line.startswith("  row 2: source_id: 1; email: a@b.example;")
        and "mql_at: 2026-01-31 00:00+00:00" in line
        for line in lines
    )


def _upload(client, name: str, data: bytes, kind: str = "leads", **fields):
    upload = SimpleUploadedFile(name, data, "text/csv")
    form = {"kind": kind, "format": "auto", "file": upload, "dry_run": "on", **fields}
    response = client.post(url("pipeline_imports"), form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    run_queued_jobs()
    return ImportRun.objects.filter(organization__slug="acme").latest("pk")


def _text(html: str) -> str:
    """The page's text with tags and runs of spaces collapsed, as it reads."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_it_previews_an_upload_on_its_page_and_imports_it_once_confirmed(alice_client, acme):
    data = (DATA / "salesforce_leads_en_US.csv").read_bytes()
    form = alice_client.get(url("pipeline_imports")).content.decode()
    # Preview first unless the user unticks it; the format is recognised unless chosen.
    assert re.search(r'<input type="checkbox" name="dry_run"[^>]*checked', form)
    assert re.search(r'<option value="auto" selected>', form)
    run = _upload(alice_client, "leads.csv", data)
    assert run.dry_run and run.status == ImportStatus.DONE
    page = _text(alice_client.get(url("pipeline_import", pk=run.pk)).content.decode())
    assert "Salesforce report export (recognised from the file's header)" in page
    assert "preview, nothing written" in page
    assert "Id in the source system Lead ID" in page and "Create date Create Date" in page
    assert "Create Date: month-first (row 2 '1/25/2026, 6:55" in page
    assert (
        "8 rows read · 3 would be imported (3 to create, 0 to update, 0 unchanged) · "
        "5 skipped · 0 refused" in page
    )
    assert "First rows as they will be stored" in page
    assert "source id email name company source campaign owner stage lead at" in page
    assert (
        "2 00Q5e00000AbCdEEAV ana@prospect.example Ana Lima Nord GmbH Web — — mql "
        "2026-01-25 18:55+00:00 2026-01-25 18:55+00:00" in page
    )
    assert "6 — skipped: report footer." in page
    assert "Import it?" in page
    assert not Lead.objects.filter(organization=acme).exists()

    response = alice_client.post(url("pipeline_import", pk=run.pk), {"mapping": ""})
    confirmed = ImportRun.objects.get(organization=acme, dry_run=False)
    assert response.status_code == 302
    assert response["Location"] == url("pipeline_import", pk=confirmed.pk)
    run_queued_jobs()
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.rows_created, confirmed.rows_skipped) == ("done", 3, 5)
    ana = Lead.objects.get(organization=acme, email="ana@prospect.example")
    assert ana.source_id == "00Q5e00000AbCdEEAV"
    assert ana.lead_at is not None
    assert ana.lead_at.isoformat() == "2026-01-25T18:55:00+00:00"
    page = _text(alice_client.get(url("pipeline_import", pk=run.pk)).content.decode())
    assert "Confirmed: the import of this file" in page and "Import it?" not in page
    again = alice_client.post(url("pipeline_import", pk=run.pk), {"mapping": ""})
    assert again.status_code == 302
    assert ImportRun.objects.filter(organization=acme, dry_run=False).count() == 1


def test_it_shows_each_bad_row_with_its_column_on_the_preview(alice_client, acme):
    run = _upload(alice_client, "contacts.csv", SALESFORCE_CONTACTS.encode(), kind="contacts")
    page = _text(alice_client.get(url("pipeline_import", pk=run.pk)).content.decode())
    assert (
        "2 rows read · 1 would be imported (1 to create, 0 to update, 0 unchanged) · "
        "0 skipped · 1 refused" in page
    )
    assert "3 Email Refused: 'bad@@prospect.example' is not an email address." in page
    assert not Contact.objects.filter(organization=acme).exists()


def test_it_previews_again_with_another_mapping_before_writing(alice_client, acme, alice):
    mapping = column_mapping_save(
        membership=acme.memberships.get(user=alice),
        name="By email",
        kind="leads",
        columns={"source_id": "Email", "email": "Email", "mql_at": "Create Date"},
    )
    run = _upload(alice_client, "leads.csv", (DATA / "salesforce_leads_en_US.csv").read_bytes())
    response = alice_client.post(url("pipeline_import", pk=run.pk), {"mapping": str(mapping.pk)})
    again = ImportRun.objects.filter(organization=acme).latest("pk")
    assert response["Location"] == url("pipeline_import", pk=again.pk)
    assert (again.dry_run, again.format, again.mapping_id) == (True, "generic", mapping.pk)
    run_queued_jobs()
    page = _text(alice_client.get(url("pipeline_import", pk=again.pk)).content.decode())
    assert "with the mapping “By email”" in page
    assert "Id in the source system Email" in page
    assert "2 ana@prospect.example ana@prospect.example" in page
    assert not Lead.objects.filter(organization=acme).exists()


def test_it_refuses_an_unrecognised_upload_naming_what_to_choose(alice_client, acme):
    upload = SimpleUploadedFile("sheet.csv", b"Key,Mail\r\n1,a@b.example\r\n", "text/csv")
    response = alice_client.post(
        url("pipeline_imports"), {"kind": "leads", "format": "auto", "file": upload}
    )
    assert response.status_code == 400
    assert "neither a HubSpot or a Salesforce export of leads" in response.content.decode()
    assert not ImportRun.objects.filter(organization=acme).exists()


def test_it_lets_only_importers_confirm_a_preview(alice_client, bob_client, acme):
    run = _upload(alice_client, "leads.csv", (DATA / "salesforce_leads_en_US.csv").read_bytes())
    assert bob_client.post(url("pipeline_import", pk=run.pk), {"mapping": ""}).status_code == 403
    page = bob_client.get(url("pipeline_import", pk=run.pk)).content.decode()
    assert "Someone who may import can confirm it." in page
    assert not ImportRun.objects.filter(organization=acme, dry_run=False).exists()
