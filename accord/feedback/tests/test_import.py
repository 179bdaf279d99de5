"""Importing past responses: a dry run lists bad rows; importing twice adds nothing."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from accord.feedback.models import Response
from accord.feedback.services import responses_import

pytestmark = pytest.mark.django_db

DELIGHTED = """Response ID,Email,Score,Comment,Response Timestamp,Plan
r1,ana@customer.example,10,Great onboarding,2025-11-02T10:00:00Z,enterprise
r2,ben@customer.example,4,Invoices are confusing,1730000000,starter
"""
GENERIC = """email,score,better,well,date,region
ana@customer.example,9,Faster exports,Support,2025-10-01,EMEA
,6,Pricing,,2025-10-03,NA
"""
BAD = """email,score,better,well,date
ana@customer.example,11,,,2025-10-01
ben@customer.example,abc,,,2025-10-01
chloe@customer.example,8,,,last tuesday
not-an-email,8,,,2025-10-01
"""


def test_it_imports_a_delighted_export_once(owner, acme):
    first = responses_import(membership=owner, data=DELIGHTED.encode(), fmt="delighted")
    assert (first.added, first.already, first.errors) == (2, 0, [])
    again = responses_import(membership=owner, data=DELIGHTED.encode(), fmt="delighted")
    assert (again.added, again.already) == (0, 2)
    ana = Response.objects.get(email="ana@customer.example")
    # A promoter's single comment is praise: "what we do well", never "better".
    assert (ana.score, ana.well, ana.better, ana.source) == (10, "Great onboarding", "", "import")
    ben = Response.objects.get(email="ben@customer.example")
    assert (ben.score, ben.better, ben.well) == (4, "Invoices are confusing", "")
    assert ana.attributes == {"plan": "enterprise"}
    assert str(ana.month) == "2025-11-01"


def test_it_imports_the_generic_format(owner):
    result = responses_import(membership=owner, data=GENERIC.encode(), fmt="generic")
    assert result.added == 2
    assert Response.objects.get(score=9).well == "Support"


def test_it_lists_bad_rows_on_a_dry_run_and_writes_nothing(owner):
    result = responses_import(membership=owner, data=BAD.encode(), fmt="generic", dry_run=True)
    assert result.errors == [
        (2, "score: '11' is not a whole number from 0 to 10."),
        (3, "score: 'abc' is not a whole number from 0 to 10."),
        (
            4,
            "date: 'last tuesday' is not a date (this column is read month first; "
            "e.g. 2026-03-31 or 3/31/2026).",
        ),
        (5, "email: 'not-an-email' is not an email address."),
    ]
    assert Response.objects.count() == 0
    assert responses_import(membership=owner, data=BAD.encode(), fmt="generic").added == 0
    assert Response.objects.count() == 0


def test_it_imports_from_the_command_and_reports(acme, tmp_path, capsys):
    path = tmp_path / "delighted.csv"
    path.write_text(DELIGHTED)
    call_command("import", "responses", str(path), "--org", "acme", "--format", "delighted")
    assert "added 2 responses" in capsys.readouterr().out
    call_command(
        "import", "responses", str(path), "--org", "acme", "--format", "delighted", "--json"
    )
    summary = json.loads(capsys.readouterr().out)
    assert {k: summary[k] for k in ("added", "already", "errors", "dry_run")} == {
        "added": 0,
        "already": 2,
        "errors": [],
        "dry_run": False,
    }
    assert (summary["unchanged"], summary["created"], summary["rows_seen"]) == (2, 0, 2)


def test_it_names_bad_rows_on_the_commands_dry_run(acme, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    call_command("import", "responses", str(path), "--org", "acme", "--dry-run")
    output = capsys.readouterr()
    assert "  row 2 column 'score': '11' is not a whole number from 0 to 10." in output.out
    assert (
        "Rows: 4 read: 0 to create, 0 to update, 0 unchanged (imported before), "
        "0 skipped, 4 refused" in output.out
    )
    assert Response.objects.count() == 0


def test_it_refuses_malformed_rows_by_number_and_imports_the_rest(owner, acme, capsys, tmp_path):
    """Like a pipeline import: a quote closed rows later, a row of the wrong
    width, a name or segment too long for its column and a byte the encoding
    cannot read are each refused with the row's number; nothing is cut or
    read as another character, and the good rows are stored."""
    rows = [
        "email,score,date,name,plan",
        "ana@c.example,9,2026-03-01,Ana,gold",
        "ben@c.example,8,2026-03-01,Ben,gold,extra",
        "cy@c.example,7,2026-03-01",
        'di@c.example,6,2026-03-01,"Di,gold',
        'ed@c.example,5,2026-03-01,Ed,gold"',
        f"fay@c.example,4,2026-03-01,{'F' * 201},gold",
        f"gus@c.example,3,2026-03-01,Gus,{'g' * 201}",
        "hal@c.example,10,2026-03-01,Hål,silver",
    ]
    data = ("\n".join(rows) + "\n").encode("cp1252")
    data += b"ida@c.example,2,2026-03-01,Ida\x81,gold\njo@c.example,1,2026-03-01,Jo,gold\n"
    result = responses_import(membership=owner, data=data, fmt="generic")
    assert result.errors == [
        (3, "has 6 fields where the header has 5."),
        (4, "has 3 fields where the header has 5."),
        (5, "has 4 fields where the header has 5; a quote may be left open."),
        (6, "name: 201 characters; at most 200 fit."),
        (7, "plan: 201 characters; at most 200 fit."),
        (
            9,
            "cannot be read as CSV: byte 0x81 cannot be read as Windows-1252; Accord reads "
            "UTF-8 (with or without BOM), UTF-16 or Windows-1252 (Latin-1): save the file as "
            '"CSV UTF-8".',
        ),
    ]
    assert (result.added, result.rows) == (3, 9)
    stored = Response.objects.order_by("email").values_list("email", "score", "name", "attributes")
    assert list(stored) == [
        ("ana@c.example", 9, "Ana", {"plan": "gold"}),
        ("hal@c.example", 10, "Hål", {"plan": "silver"}),
        ("jo@c.example", 1, "Jo", {"plan": "gold"}),
    ]
    # The file fixed and imported again adds only what was refused.
    again = responses_import(
        membership=owner,
        data=(rows[0] + "\n" + rows[1] + "\nben@c.example,8,2026-03-01,Ben,gold\n").encode(),
        fmt="generic",
    )
    assert (again.added, again.already, again.errors) == (1, 1, [])


def test_it_refuses_a_quote_never_closed_with_its_row_and_keeps_the_rows_before(owner):
    text = (
        "email,score,date\nana@c.example,9,2026-03-01\n"
        'ben@c.example,8,"2026-03-01\ncy@c.example,7,2026-03-01\n'
    )
    result = responses_import(membership=owner, data=text.encode(), fmt="generic")
    assert result.errors == [
        (3, "cannot be read as CSV: a quote opened on this row is never closed.")
    ]
    assert list(Response.objects.values_list("email", flat=True)) == ["ana@c.example"]


def test_it_still_imports_pipeline_kinds_from_the_command(acme, tmp_path):
    with pytest.raises(CommandError, match=r"file: /nonexistent\.csv does not exist"):
        call_command("import", "leads", "/nonexistent.csv", "--org", "acme", "--format", "hubspot")


def test_it_imports_an_export_saved_by_excel_as_unicode_text(owner):
    """Excel's "Unicode text": UTF-16 with a BOM and tabs; a bad row is named by number."""
    text = DELIGHTED.replace(",", "\t").replace("Great onboarding", "Très bien \u2013 merci")
    result = responses_import(membership=owner, data=text.encode("utf-16"), fmt="delighted")
    assert (result.added, result.errors) == (2, [])
    ana = Response.objects.get(email="ana@customer.example")
    assert ana.well == "Très bien \u2013 merci"
    assert ana.attributes == {"plan": "enterprise"}
    bad = (
        "email;score;name;date\r\n"
        "zoe@example.com;9;Zoé;2025-10-01\r\n"
        "x@example.com;12;X;2025-10-01\r\n"
    )
    result = responses_import(membership=owner, data=bad.encode("cp1252"), fmt="generic")
    assert result.errors == [(3, "score: '12' is not a whole number from 0 to 10.")]
    # The bad row is refused; Zoé's is imported as written.
    assert Response.objects.count() == 3
    assert Response.objects.get(email="zoe@example.com").name == "Zoé"
