"""CSV import: the real export formats, bad rows, idempotence, resuming."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accord.pipeline.importer import run_import
from accord.pipeline.models import (
    ImportRun,
    ImportStatus,
    Lead,
    Opportunity,
    RejectionReason,
    Stage,
)
from accord.pipeline.services import column_mapping_save, import_run_create

HUBSPOT_CONTACTS = (
    "Record ID,First Name,Last Name,Email,Company Name,Lifecycle Stage,Original Source,"
    "Contact owner,Create Date,Became a Marketing Qualified Lead Date,"
    "Became a Sales Qualified Lead Date,Lead Status,Campaign\n"
    "101,Ada,Lovelace,ada@prospect.example,Analytical,marketingqualifiedlead,Organic Search,"
    "bob@acme.example,2026-03-01 09:15,2026-03-02 10:00,,NEW,Spring webinar\n"
    "102,Grace,Hopper,grace@prospect.example,Navy,salesqualifiedlead,Paid Search,"
    ",2026-03-01 11:00,2026-03-03 12:00,2026-03-05 09:00,OPEN_DEAL,Spring webinar\n"
    "103,Bad,Email,bad@@prospect.example,X,lead,Paid Search,,2026-03-01,,,NEW,\n"
    "104,Bad,Date,date@prospect.example,X,lead,Paid Search,,31/02/2026,,,NEW,\n"
    "105,Ed,Unqualified,ed@prospect.example,Student Co,marketingqualifiedlead,Referrals,,"
    "2026-03-01,2026-03-02 09:00,,UNQUALIFIED,\n"
)

SALESFORCE_OPPORTUNITIES = (
    "Opportunity ID;Opportunity Name;Account Name;Amount;Amount Currency;Stage;Close Date;"
    "Created Date;Lead Source;Primary Campaign Source;Won;Closed\n"
    "0061;Acme expansion;Initech;12.500,00;EUR;Closed Won;31.03.2026;01.02.2026;Web;"
    "Spring webinar;1;1\n"
    "0062;Bad amount;Initech;12,5k;EUR;Prospecting;30.04.2026;01.02.2026;Web;;0;0\n"
    "0063;Lost one;Hooli;3000;EUR;Closed Lost;15.03.2026;02.02.2026;Partner;;0;1\n"
)


def _membership(acme, user):
    return acme.memberships.get(user=user)


def _import(acme, alice, text, *, kind="leads", fmt="hubspot", encoding="utf-8", **kw):
    data = text.encode(encoding)
    run = import_run_create(
        membership=_membership(acme, alice),
        kind=kind,
        format=fmt,
        filename="export.csv",
        stored_path="",
        file_size=len(data),
        enqueue=False,
        **kw,
    )
    return run_import(run, io.BytesIO(data))


def test_it_imports_a_hubspot_contacts_export_and_reports_bad_rows(acme, alice, bob):
    run = _import(acme, alice, HUBSPOT_CONTACTS)
    assert run.status == ImportStatus.DONE
    assert (run.rows_seen, run.rows_imported, run.rows_refused) == (5, 3, 2)
    errors = {e.row: (e.column, e.message) for e in run.row_errors.all()}
    assert errors[4][0] == "Email"
    assert "'bad@@prospect.example' is not an email address" in errors[4][1]
    assert errors[5][0] == "Create Date"
    assert "'31/02/2026' is not a date" in errors[5][1]
    ada = Lead.objects.get(organization=acme, source_id="101")
    assert ada.stage == Stage.MQL
    assert ada.mql_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert ada.mql_month == "2026-03"
    assert ada.owner is not None and ada.owner.user == bob
    assert ada.campaign is not None and ada.campaign.name == "Spring webinar"
    grace = Lead.objects.get(organization=acme, source_id="102")
    assert grace.stage == Stage.SQL and grace.accepted_at is not None
    ed = Lead.objects.get(organization=acme, source_id="105")
    assert ed.stage == Stage.REJECTED and ed.rejected_at is not None
    assert ed.rejection_reason == RejectionReason.OTHER


def test_it_changes_nothing_when_the_same_file_is_imported_twice(acme, alice):
    _import(acme, alice, HUBSPOT_CONTACTS)
    before = list(Lead.objects.filter(organization=acme).order_by("source_id").values())
    _import(acme, alice, HUBSPOT_CONTACTS)
    after = list(Lead.objects.filter(organization=acme).order_by("source_id").values())
    assert before == after


def test_it_reads_latin1_semicolons_and_a_bom(acme, alice):
    text = HUBSPOT_CONTACTS.replace("Ada,Lovelace", "Zoë,Müller").replace(",", ";")
    _import(acme, alice, text, encoding="latin-1")
    assert Lead.objects.get(organization=acme, source_id="101").name == "Zoë Müller"
    _import(acme, alice, "\ufeff" + text.replace("Zoë", "Zoé"), encoding="utf-8")
    assert Lead.objects.get(organization=acme, source_id="101").name == "Zoé Müller"


def test_it_reads_excel_unicode_text_and_windows_1252(acme, alice):
    """Excel's "Unicode text" (UTF-16, tabs) and "CSV" on Windows (cp1252, with
    characters Latin-1 lacks) read through the shared reader."""
    text = HUBSPOT_CONTACTS.replace("Ada,Lovelace", "Zoë,Müller").replace(",", "\t")
    _import(acme, alice, text, encoding="utf-16")
    assert Lead.objects.get(organization=acme, source_id="101").name == "Zoë Müller"
    text = HUBSPOT_CONTACTS.replace("Ada,Lovelace", "Zoë,\u0152uvre\u2019s").replace(",", ";")
    _import(acme, alice, text, encoding="cp1252")
    assert Lead.objects.get(organization=acme, source_id="101").name == "Zoë \u0152uvre\u2019s"


def test_it_reads_tabs(acme, alice):
    _import(acme, alice, HUBSPOT_CONTACTS.replace(",", "\t"))
    assert Lead.objects.filter(organization=acme).count() == 3


def test_it_imports_salesforce_opportunities_with_european_numbers(acme, alice):
    run = _import(acme, alice, SALESFORCE_OPPORTUNITIES, kind="opportunities", fmt="salesforce")
    assert run.rows_imported == 2
    error = run.row_errors.get()
    assert (error.row, error.column) == (3, "Amount")
    assert "'12,5k' is not an amount" in error.message
    won = Opportunity.objects.get(organization=acme, source_id="0061")
    assert won.amount == Decimal("12500.00") and won.currency == "EUR"
    assert won.status == "won" and won.close_date == date(2026, 3, 31)
    assert won.account is not None and won.account.name == "Initech"
    assert won.primary_campaign is not None and won.primary_campaign.name == "Spring webinar"
    assert Opportunity.objects.get(organization=acme, source_id="0063").status == "lost"


def test_it_refuses_a_file_that_is_not_csv(acme, alice):
    run = _import(acme, alice, "\x00\x01PNG binary")
    assert run.status == ImportStatus.FAILED
    assert "not a CSV" in run.message


def test_it_refuses_a_csv_without_the_expected_columns(acme, alice):
    run = _import(acme, alice, "foo,bar\n1,2\n")
    assert run.status == ImportStatus.FAILED
    assert "no column for source_id" in run.message


def test_it_refuses_a_file_over_the_size_limit(acme, alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        import_run_create(
            membership=_membership(acme, alice),
            kind="leads",
            format="hubspot",
            filename="huge.csv",
            stored_path="",
            file_size=2 * 2**30,
            enqueue=False,
        )
    assert "2.0 GB" in str(caught.value)


def test_it_checks_everything_and_writes_nothing_in_a_dry_run(acme, alice):
    run = _import(acme, alice, HUBSPOT_CONTACTS, dry_run=True)
    assert (run.rows_imported, run.rows_refused) == (3, 2)
    assert not Lead.objects.filter(organization=acme).exists()


def test_it_imports_a_generic_csv_with_a_saved_mapping(acme, alice):
    mapping = column_mapping_save(
        membership=_membership(acme, alice),
        name="Our sheet",
        kind="leads",
        columns={"source_id": "Key", "email": "Mail", "mql_at": "MQL on", "source": "Channel"},
    )
    run = _import(
        acme,
        alice,
        "Key,Mail,MQL on,Channel\nk1,a@x.example,2026-01-05,Events\n",
        fmt="generic",
        mapping=mapping,
    )
    assert run.rows_imported == 1
    lead = Lead.objects.get(organization=acme, source_id="k1")
    assert lead.source == "Events" and lead.stage == Stage.MQL


def test_it_resumes_a_killed_run_to_the_same_state_as_a_clean_one(acme, alice, monkeypatch):
    from accord.pipeline import importer

    rows = "".join(
        f"{i},L{i},x,l{i}@p.example,C,marketingqualifiedlead,Web,,2026-03-01,2026-03-02,,NEW,\n"
        for i in range(1, 26)
    )
    text = HUBSPOT_CONTACTS.split("\n")[0] + "\n" + rows
    monkeypatch.setattr(importer, "BATCH", 10)
    calls = {"n": 0}
    real_write = importer.Importer._write

    def dying_write(self, batch):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # killed during the second batch
        return real_write(self, batch)

    monkeypatch.setattr(importer.Importer, "_write", dying_write)
    with pytest.raises(KeyboardInterrupt):
        _import(acme, alice, text)
    run = ImportRun.objects.get(organization=acme)
    assert run.rows_seen == 10 and Lead.objects.filter(organization=acme).count() == 10
    monkeypatch.setattr(importer.Importer, "_write", real_write)
    run_import(run, io.BytesIO(text.encode()))  # the job's retry resumes it
    assert run.rows_seen == 25 and run.rows_imported == 25
    resumed = list(
        Lead.objects.filter(organization=acme)
        .order_by("source_id")
        .values_list("source_id", "mql_at", "stage")
    )
    _import(acme, alice, text)  # and a fresh full run changes nothing
    again = list(
        Lead.objects.filter(organization=acme)
        .order_by("source_id")
        .values_list("source_id", "mql_at", "stage")
    )
    assert resumed == again and len(again) == 25


def test_it_runs_from_the_command_line(acme, alice, tmp_path, capsys):
    path = tmp_path / "contacts.csv"
    path.write_text(HUBSPOT_CONTACTS)
    call_command("import", "leads", str(path), "--org", "acme", "--format", "hubspot")
    out = capsys.readouterr()
    assert "5 rows read, imported 3, refused 2" in out.out
    assert "row 4 column 'Email': 'bad@@prospect.example' is not an email" in out.err
    with pytest.raises(CommandError, match=r"file: .* does not exist"):
        call_command("import", "leads", "/nonexistent.csv", "--org", "acme", "--format", "hubspot")


def test_it_runs_a_generic_dry_run_with_a_saved_mapping_from_the_command_line(
    acme, alice, tmp_path, capsys
):
    column_mapping_save(
        membership=_membership(acme, alice),
        name="sheet",
        kind="opportunities",
        columns={"source_id": "Deal", "name": "Title", "amount": "Value", "close_date": "Closes"},
    )
    path = tmp_path / "deals.csv"
    path.write_text("Deal;Title;Value;Closes\nD1;Acme deal;1.500,00;31.03.2026\nD2;Bad;12,5k;x\n")
    call_command(
        "import",
        "opportunities",
        str(path),
        "--org",
        "acme",
        "--format",
        "generic",
        "--mapping",
        "sheet",
        "--dry-run",
    )
    out = capsys.readouterr()
    assert "Rows: 2 read: 1 to create, 0 to update, 0 unchanged, 0 skipped, 1 refused" in out.out
    assert "row 3 column 'Value': '12,5k' is not an amount" in out.out
    assert not Opportunity.objects.filter(organization=acme).exists()
    with pytest.raises(CommandError, match="mapping: no saved mapping 'nope'"):
        call_command(
            "import",
            "leads",
            str(path),
            "--org",
            "acme",
            "--format",
            "generic",
            "--mapping",
            "nope",
        )
    with pytest.raises(CommandError, match="mapping: 'sheet' maps opportunities, not leads"):
        call_command(
            "import",
            "leads",
            str(path),
            "--org",
            "acme",
            "--format",
            "generic",
            "--mapping",
            "sheet",
        )
    with pytest.raises(CommandError, match="mapping: A generic CSV needs a column mapping"):
        call_command("import", "leads", str(path), "--org", "acme", "--format", "generic")


def test_it_refuses_footers_long_values_and_broken_quotes_by_row_and_stores_the_rest(acme, alice):
    """A Salesforce-style Leads report saved by Excel on a German Windows:
    cp1252, semicolons, a value too long for its column, a quote never closed
    and the report's footer."""
    header = "Lead ID;Email;Company;Create Date;Lead Source\r\n"
    text = (
        header
        + "L1;ana@prospect.example;Müller & Söhne;01.03.2026;Messe\r\n"
        + f"L2;bo@prospect.example;{'X' * 201};01.03.2026;Web\r\n"
        + "L3;cy@prospect.example;Nord;01.03.2026;Web;extra\r\n"
        + '""\r\n"Grand Totals (3 records)"\r\n'
        + 'L4;di@prospect.example;"never closed;01.03.2026;Web\r\n'
        + "L5;ed@prospect.example;Lost;01.03.2026;Web\r\n"
    )
    run = _import(acme, alice, text, fmt="salesforce", encoding="cp1252")
    errors = {e.row: (e.column, e.message) for e in run.row_errors.all()}
    assert errors == {
        3: ("Company", "is 201 characters long; at most 200 fit."),
        4: ("", "has 6 fields where the header has 5."),
        6: ("", "has 1 fields where the header has 5."),
        7: ("", "cannot be read as CSV: a quote opened on this row is never closed."),
    }
    assert list(Lead.objects.values_list("source_id", "company")) == [("L1", "Müller & Söhne")]


def test_it_reads_latin_1_and_refuses_bytes_the_encoding_cannot_read_by_row(acme, alice):
    row = "{},Zoë,Z,{}@prospect.example,Zürich AG,lead,,,2026-03-01,,,,\n"
    latin = HUBSPOT_CONTACTS + row.format(106, "zoe")
    _import(acme, alice, latin, encoding="latin-1")
    assert Lead.objects.get(source_id="106").company == "Zürich AG"
    # UTF-8 for the first 64 KiB, then one Latin-1 byte: that row is refused.
    many = HUBSPOT_CONTACTS + "".join(row.format(200 + i, f"p{i}") for i in range(1200))
    data = many.encode() + "5000,Z,Z,z@prospect.example,Zürich,lead,,,2026-03-01,,,,\n".encode(
        "latin-1"
    )
    run = _import(acme, alice, data.decode("latin-1"), encoding="latin-1")
    error = run.row_errors.get(row=1207)
    assert error.message.startswith("cannot be read as CSV: byte 0xfc cannot be read as UTF-8")
    assert "Windows-1252 (Latin-1)" in error.message
    assert not Lead.objects.filter(source_id="5000").exists()
    assert Lead.objects.get(source_id="1399").company == "Zürich AG"
