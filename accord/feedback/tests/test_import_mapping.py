"""A generic survey-responses file read through a saved column mapping: saved
from the import page's preview, chosen again for the next file there and with
``accord import responses FILE --format generic --mapping NAME``; and bad
mappings refused with the column named and nothing written.

The files mirror a customer-success team's own spreadsheet saved by a German
Excel: a BOM, semicolons, CRLF, German column names, ``02.03.2026 09:15``
dates and one comment column (filed by the score's category).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accord.feedback.models import Response
from accord.feedback.services import response_mapping_save
from accord.orgs.models import Membership
from accord.pipeline.models import ColumnMapping
from accord.pipeline.services import column_mapping_save, import_run_create

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
MARCH = DATA / "generic_mapped_de_march.csv"
APRIL = DATA / "generic_mapped_de_april.csv"
COLUMNS = {
    "email": "Kunden-E-Mail",
    "score": "Bewertung",
    "comment": "Anmerkung",
    "date": "Beantwortet am",
}
UTC = dt.UTC


def _owner(acme, alice) -> Membership:
    return Membership.objects.get(organization=acme, user=alice)


def _stored(email: str) -> tuple[object, ...]:
    r = Response.objects.get(email=email)
    return (r.score, r.category, r.well, r.better, r.comment, r.created_at, r.attributes, r.source)


MARCH_STORED = {
    "ana@customer.example": (
        10,
        "promoter",
        "Schnelle Hilfe vom Support",
        "",
        "",
        dt.datetime(2026, 3, 2, 9, 15, tzinfo=UTC),
        {"region": "DACH", "tarif": "Enterprise"},
        "import",
    ),
    "ben@customer.example": (
        4,
        "detractor",
        "",
        "Rechnungen sind unverständlich",
        "",
        dt.datetime(2026, 3, 3, 17, 40, tzinfo=UTC),
        {"region": "DACH", "tarif": "Starter"},
        "import",
    ),
    "cy@customer.example": (
        8,
        "passive",
        "",
        "",
        "Läuft; nichts Besonderes",
        dt.datetime(2026, 3, 15, 11, 5, tzinfo=UTC),
        {"region": "Benelux", "tarif": "Starter"},
        "import",
    ),
}


# -- the command line ----------------------------------------------------------------


def test_it_imports_a_generic_file_through_a_saved_mapping_on_the_command_line(acme, alice, capsys):
    response_mapping_save(membership=_owner(acme, alice), name="Kundenfeedback", columns=COLUMNS)
    call_command(
        "import",
        "responses",
        str(MARCH),
        "--org",
        "acme",
        "--format",
        "generic",
        "--mapping",
        "Kundenfeedback",
    )
    assert "added 3 responses, 0 already imported, 0 skipped, 0 refused" in capsys.readouterr().out
    assert {email: _stored(email) for email in MARCH_STORED} == MARCH_STORED

    # The next month's export, the same mapping: only what is new is added.
    call_command("import", "responses", str(APRIL), "--org", "acme", "--mapping", "Kundenfeedback")
    assert "added 2 responses, 1 already imported" in capsys.readouterr().out
    assert _stored("eve@customer.example") == (
        0,
        "detractor",
        "",
        "Niemand hat zurückgerufen",
        "",
        dt.datetime(2026, 4, 2, 10, 30, tzinfo=UTC),
        {"region": "DACH", "tarif": "Starter"},
        "import",
    )
    assert _stored("dan@customer.example")[:3] == (9, "promoter", "Gute Schulungen")
    assert Response.objects.count() == 5


def test_it_previews_a_mapped_file_on_the_command_line_and_writes_nothing(acme, alice, capsys):
    response_mapping_save(membership=_owner(acme, alice), name="Kundenfeedback", columns=COLUMNS)
    call_command(
        "import", "responses", str(MARCH), "--org", "acme", "--mapping", "Kundenfeedback",
        "--dry-run", "--json",
    )  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert (summary["format"], summary["format_recognised"], summary["mapping"]) == (
        "generic",
        False,
        "Kundenfeedback",
    )
    assert summary["columns"] == COLUMNS
    assert summary["conventions"]["Beantwortet am"].startswith("day-first")
    assert (summary["added"], summary["refused"], summary["rows_seen"]) == (3, 0, 3)
    assert summary["preview"][2]["comment"] == "Läuft; nichts Besonderes"
    assert summary["preview"][0]["segments"] == "region: DACH, tarif: Enterprise"
    assert not Response.objects.exists()

    call_command(
        "import", "responses", str(MARCH), "--org", "acme", "--mapping", "Kundenfeedback",
        "--dry-run",
    )  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "Format: Generic CSV (email, score, better, well, comment, date) "
        "with the mapping 'Kundenfeedback'"
    )
    assert "  Score (0-10) <- 'Bewertung'" in lines
    assert not Response.objects.exists()


def test_it_refuses_an_unknown_mapping_or_one_of_another_kind(acme, alice):
    column_mapping_save(
        membership=_owner(acme, alice),
        name="Leads sheet",
        kind="leads",
        columns={"source_id": "Key", "email": "Mail"},
    )
    with pytest.raises(Exception, match=re.escape("mapping: No saved mapping 'Nope'.")):
        call_command("import", "responses", str(MARCH), "--org", "acme", "--mapping", "Nope")
    with pytest.raises(Exception, match=re.escape("'Leads sheet' maps leads, not responses.")):
        call_command("import", "responses", str(MARCH), "--org", "acme", "--mapping", "Leads sheet")
    with pytest.raises(Exception, match="mapping: a saved column mapping reads a generic CSV"):
        call_command(
            "import", "responses", str(MARCH), "--org", "acme", "--format", "typeform",
            "--mapping", "Leads sheet",
        )  # fmt: skip
    assert not Response.objects.exists()


def test_it_names_the_column_a_mapping_expects_and_the_file_lacks(acme, alice, capsys, tmp_path):
    response_mapping_save(
        membership=_owner(acme, alice),
        name="Ratings",
        columns={**COLUMNS, "score": "Rating"},
    )
    call_command("import", "responses", str(MARCH), "--org", "acme", "--mapping", "Ratings")
    captured = capsys.readouterr()
    assert "row 1: The mapping names columns this file does not have: 'Rating'." in captured.err
    assert "added 0 responses" in captured.out
    assert not Response.objects.exists()


# -- the rule, whoever saves or uses a mapping ------------------------------------------


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            {**COLUMNS, "comment": "Bewertung"},
            "The column 'Bewertung' is mapped twice (Score (0-10) and Comment (filed by the "
            "score's category)); a column feeds one field.",
        ),
        (
            {"email": "Kunden-E-Mail", "date": "Beantwortet am"},
            "Choose the column for Score (0-10); none is mapped.",
        ),
        ({**COLUMNS, "plan": "Tarif"}, "Unknown fields: plan."),
    ],
)
def test_it_refuses_a_bad_mapping_naming_the_column_and_saves_nothing(
    acme, alice, tmp_path, columns, message
):
    owner = _owner(acme, alice)
    with pytest.raises(ValidationError) as saving:
        response_mapping_save(membership=owner, name="Bad", columns=columns)
    assert saving.value.message_dict == {"columns": [message]}
    assert not ColumnMapping.objects.exists()
    from accord.feedback.services import responses_import

    with pytest.raises(ValidationError) as importing:
        responses_import(membership=owner, data=MARCH.read_bytes(), columns=columns)
    assert importing.value.message_dict == {"columns": [message]}
    assert not Response.objects.exists()


def test_it_keeps_response_mappings_out_of_pipeline_imports(acme, alice, alice_client, tmp_path):
    owner = _owner(acme, alice)
    mapping = response_mapping_save(membership=owner, name="Kundenfeedback", columns=COLUMNS)
    page = alice_client.get(reverse("pipeline_imports", kwargs={"org_slug": "acme"}))
    assert "Kundenfeedback" not in page.content.decode()
    path = tmp_path / "leads.csv"
    path.write_bytes(MARCH.read_bytes())
    with pytest.raises(
        ValidationError, match=re.escape("'Kundenfeedback' maps responses, not leads.")
    ):
        import_run_create(
            membership=owner,
            kind="leads",
            format="generic",
            filename="leads.csv",
            stored_path=str(path),
            file_size=path.stat().st_size,
            mapping=mapping,
            enqueue=False,
        )
    # A name is one mapping: a leads mapping does not silently replace it.
    with pytest.raises(ValidationError, match="mapping of survey responses; choose another"):
        column_mapping_save(
            membership=owner, name="Kundenfeedback", kind="leads", columns={"source_id": "Key"}
        )
    assert ColumnMapping.objects.get().kind == "responses"


# -- the import page -----------------------------------------------------------------


def url(name: str) -> str:
    return reverse(name, kwargs={"org_slug": "acme"})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _form(html: str, label: str) -> dict[str, str]:
    """The hidden fields and chosen options of the page's form ``label``."""
    found = re.search(rf'<form[^>]*aria-label="{label}">(.*?)</form>', html, re.S)
    assert found is not None, label
    body = found.group(1)
    fields = {
        name: unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body)
    }
    for name, select in re.findall(r'<select name="(\w+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select)
        fields[name] = unescape(chosen.group(1)) if chosen else ""
    return fields


def _upload(client, path: Path, **fields):
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(
        url("feedback_import"), {"file": upload, "format": "auto", "dry_run": "on", **fields}
    )


def test_it_adjusts_the_columns_on_the_preview_saves_them_and_reads_the_next_file_so(
    alice_client, acme
):
    # The file's own names are not Accord's: the preview says so and offers the columns.
    first = _upload(alice_client, MARCH)
    assert first.status_code == 400
    html = first.content.decode()
    page = _text(html)
    assert "The header row needs a 'score' column (generic export)." in page
    assert "Columns wrong? Choose them" in page
    assert "Import these" not in page
    choose = _form(html, "Choose the columns")
    assert (choose["col_email"], choose["col_date"], choose["col_score"]) == ("", "", "")
    assert re.search(r'<option value="Beantwortet am">Beantwortet am</option>', html)

    choose.update(
        {
            "col_email": "Kunden-E-Mail",
            "col_score": "Bewertung",
            "col_comment": "Anmerkung",
            "col_date": "Beantwortet am",
            "save_as": "Kundenfeedback",
            "action": "remap",
        }
    )
    again = alice_client.post(url("feedback_import"), choose)
    assert again.status_code == 200
    html = again.content.decode()
    page = _text(html)
    assert "Preview: nothing written yet" in page
    assert (
        "Format: Generic CSV (email, score, better, well, comment, date) with the mapping "
        "“Kundenfeedback”" in page
    )
    assert "Mapping 'Kundenfeedback' saved" in page
    assert "3 rows read · 3 to create" in page and "0 refused" in page
    assert "Beantwortet am: day-first" in page
    assert "Score (0-10) Bewertung" in page
    assert (
        "4 2026-03-15 11:05+00:00 8 passive cy@customer.example — — — — "
        "Läuft; nichts Besonderes region: Benelux, tarif: Starter" in page
    )
    assert not Response.objects.exists()
    mapping = ColumnMapping.objects.get(organization=acme, name="Kundenfeedback")
    assert (mapping.kind, mapping.columns) == ("responses", COLUMNS)

    confirmed = alice_client.post(url("feedback_import"), _form(html, "Confirm the import"))
    assert confirmed.status_code == 302
    assert {email: _stored(email) for email in MARCH_STORED} == MARCH_STORED

    # Next month: the saved mapping chosen on upload reads the file as before.
    form = alice_client.get(url("feedback_import")).content.decode()
    assert f'<option value="{mapping.pk}">Kundenfeedback</option>' in form
    preview = _upload(alice_client, APRIL, mapping=str(mapping.pk))
    html = preview.content.decode()
    page = _text(html)
    assert "with the mapping “Kundenfeedback”" in page
    assert "3 rows read · 2 to create" in page and "1 unchanged (imported before)" in page
    assert _form(html, "Choose the columns")["col_score"] == "Bewertung"
    assert Response.objects.count() == 3
    done = alice_client.post(url("feedback_import"), _form(html, "Confirm the import"))
    assert done.status_code == 302
    assert _stored("eve@customer.example")[:5] == (
        0,
        "detractor",
        "",
        "Niemand hat zurückgerufen",
        "",
    )
    assert Response.objects.count() == 5


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (
            {"col_score": "Bewertung", "col_comment": "Bewertung", "col_date": "Beantwortet am"},
            "The column 'Bewertung' is mapped twice (Score (0-10) and Comment (filed by the "
            "score's category)); a column feeds one field.",
        ),
        (
            {"col_email": "Kunden-E-Mail", "col_date": "Beantwortet am"},
            "Choose the column for Score (0-10); none is mapped.",
        ),
    ],
)
def test_it_refuses_bad_columns_on_the_preview_and_writes_nothing(
    alice_client, acme, chosen, message
):
    choose = _form(_upload(alice_client, MARCH).content.decode(), "Choose the columns")
    choose.update({**chosen, "save_as": "Bad", "action": "remap"})
    response = alice_client.post(url("feedback_import"), choose)
    assert response.status_code == 400
    assert message in _text(response.content.decode())
    assert not Response.objects.exists()
    assert not ColumnMapping.objects.exists()


def test_it_keeps_another_organisations_mapping_out_of_reach(alice_client, charlie_client, acme):
    html = _upload(alice_client, MARCH).content.decode()
    choose = _form(html, "Choose the columns")
    choose.update({**{f"col_{k}": v for k, v in COLUMNS.items()}, "action": "remap"})
    globex = reverse("feedback_import", kwargs={"org_slug": "globex"})
    # Charlie's organisation has no such preview: the file is not found there.
    response = charlie_client.post(globex, choose)
    assert response.status_code == 302
    assert not Response.objects.exists()
