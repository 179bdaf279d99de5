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
    with pytest.raises(CommandError, match="4 bad rows"):
        call_command("import", "responses", str(path), "--org", "acme", "--dry-run")
    assert "row 2: score: '11'" in capsys.readouterr().err
    assert Response.objects.count() == 0


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
    assert Response.objects.count() == 2
