"""The preview of a responses import, as the user sees it: on the command line
(``--dry-run``, text and ``--json``) for every tool's export, and on the import
page, where it is confirmed. Each element: the format recognised, the columns
read, the date convention, the counts, the first responses as stored, and every
bad row with its number, column and reason."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accord.feedback.models import Response

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"

# (file, format recognised, a column read, the date convention, counts, the
# first response as stored).
SHAPES = [
    (
        "delighted.csv",
        "Delighted export",
        "Score (0-10) <- 'Score'",
        None,
        "3 read: 3 to create, 0 to update, 0 unchanged (imported before), 0 skipped, 0 refused",
        "row 2: date: 2026-03-02 14:05+00:00; score: 10; category: promoter; "
        "email: ana@customer.example; name: Ana Lima; "
        "what we do well: Onboarding was fast, support answers the same day",
    ),
    (
        "surveymonkey.csv",
        "SurveyMonkey export",
        "Score (0-10) <- 'How likely is it that you would recommend Acme to a friend or "
        "colleague?'",
        "'End Date': month-first",
        "3 read: 2 to create, 0 to update, 0 unchanged (imported before), 1 skipped, 0 refused",
        "row 3: date: 2026-03-31 14:05+00:00; score: 10; category: promoter; "
        "email: ana@customer.example",
    ),
    (
        "typeform.csv",
        "Typeform export",
        "Date answered <- 'Submit Date (UTC)'",
        "'Submit Date (UTC)': ISO (unambiguous)",
        "3 read: 3 to create, 0 to update, 0 unchanged (imported before), 0 skipped, 0 refused",
        "row 4: date: 2026-03-07 11:01+00:00; score: 0; category: detractor; "
        "email: cy@customer.example; what we can do better: Nobody called back",
    ),
    (
        "qualtrics.csv",
        "Qualtrics export",
        "Score (0-10) <- 'Q1 (How likely are you to recommend Acme to a friend or colleague?)'",
        "'RecordedDate': ISO (unambiguous)",
        "4 read: 2 to create, 0 to update, 0 unchanged (imported before), 2 skipped, 0 refused",
        "row 4: date: 2026-03-08 09:02+00:00; score: 6; category: detractor; "
        "email: ana@customer.example; what we can do better: Call me back when you promised; "
        "segments: segment: Enterprise",
    ),
    (
        "generic_excel_semicolon.csv",
        "Generic CSV (email, score, better, well, comment, date)",
        "Comment (filed by the score's category) <- 'comment'",
        "'date': day-first (row 2 '20/01/2026' can only be read day-first)",
        "3 read: 3 to create, 0 to update, 0 unchanged (imported before), 0 skipped, 0 refused",
        "row 2: date: 2026-01-20 00:00+00:00; score: 9; category: promoter; "
        "email: ana@customer.example; what we do well: Helpful people; segments: region: EMEA",
    ),
]


@pytest.mark.parametrize(("name", "label", "column", "convention", "counts", "first"), SHAPES)
def test_it_previews_each_tools_export_on_the_command_line(
    acme, capsys, name, label, column, convention, counts, first
):
    call_command("import", "responses", str(DATA / name), "--org", "acme", "--dry-run")
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"Format: {label} (recognised from the header)"
    assert f"  {column}" in lines
    if convention:
        assert any(line.startswith(f"  {convention}") for line in lines)
    if counts:
        assert f"Rows: {counts}" in lines
    if first:
        assert any(line.startswith(f"  {first}") for line in lines), first
    assert lines[-1].startswith("Nothing was written (dry run).")
    assert not Response.objects.exists()


def test_it_lists_the_rows_skipped_in_the_text_preview(acme, capsys):
    call_command("import", "responses", str(DATA / "qualtrics.csv"), "--org", "acme", "--dry-run")
    lines = capsys.readouterr().out.splitlines()
    assert lines[lines.index("Refused and skipped rows (row 1 is the header):") + 1 :][:2] == [
        "  row 2: skipped: second header row.",
        "  row 3: skipped: second header row.",
    ]


BAD = (
    "\ufeffemail;score;comment;date;plan\r\n"
    "ana@customer.example;9;Helpful people;20/01/2026;pro\r\n"
    "ben@customer.example;eleven;Meh;03/02/2026;pro\r\n"
    "cy@@customer.example;5;Too expensive;04/02/2026;pro\r\n"
    "dan@customer.example;6;Slow;31/02/2026;pro\r\n"
).encode()


def test_it_names_each_bad_rows_column_in_the_json_preview(acme, tmp_path, capsys):
    path = tmp_path / "answers.csv"
    path.write_bytes(BAD)
    call_command("import", "responses", str(path), "--org", "acme", "--dry-run", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert (summary["format"], summary["format_recognised"]) == ("generic", True)
    assert summary["columns"] == {
        "email": "email",
        "score": "score",
        "comment": "comment",
        "date": "date",
    }
    assert summary["conventions"] == {
        "date": "day-first (row 2 '20/01/2026' can only be read day-first)"
    }
    assert [summary[k] for k in ("created", "updated", "unchanged", "skipped", "refused")] == [
        0,
        0,
        0,
        0,
        3,
    ]
    assert summary["added"] == 1 and summary["rows_seen"] == 4
    assert summary["preview"] == [
        {
            "row": "2",
            "date": "2026-01-20 00:00+00:00",
            "score": "9",
            "category": "promoter",
            "email": "ana@customer.example",
            "name": "",
            "company": "",
            "what we do well": "Helpful people",
            "what we can do better": "",
            "comment": "",
            "segments": "plan: pro",
        }
    ]
    rows = [(r["row"], r["column"], r["outcome"]) for r in summary["rows"]]
    assert rows == [(3, "score", "refused"), (4, "email", "refused"), (5, "date", "refused")]
    assert "is not a whole number from 0 to 10" in summary["rows"][0]["reason"]
    assert not Response.objects.exists()


def url(name):
    return reverse(name, kwargs={"org_slug": "acme"})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _token(html: str) -> str:
    """The preview's token, kept in the confirm form."""
    found = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert found is not None
    return found.group(1)


def test_it_previews_an_upload_and_imports_it_once_confirmed(alice_client, acme):
    form = alice_client.get(url("feedback_import")).content.decode()
    assert re.search(r'<input type="checkbox" name="dry_run"[^>]*checked', form)
    upload = SimpleUploadedFile("answers.csv", (DATA / "surveymonkey.csv").read_bytes())
    response = alice_client.post(
        url("feedback_import"), {"file": upload, "format": "auto", "dry_run": "on"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    page = _text(html)
    assert "Preview: nothing written yet" in page
    assert "Format: SurveyMonkey export (recognised from the file's header)" in page
    assert (
        "3 rows read · 2 to create · 0 to update (a response never changes once recorded) · "
        "0 unchanged (imported before) · 1 skipped · 0 refused" in page
    )
    assert "End Date: month-first" in page
    assert "Date answered End Date" in page and "Email Email Address" in page
    assert (
        "3 2026-03-31 14:05+00:00 10 promoter ana@customer.example — Nord GmbH "
        "Fast, friendly support" in page
    )
    assert "2 — skipped: second header row." in page
    assert not Response.objects.exists()

    token = _token(html)
    confirmed = alice_client.post(url("feedback_import"), {"token": token, "format": "auto"})
    assert confirmed.status_code == 302
    ana = Response.objects.get(email="ana@customer.example")
    assert (ana.score, ana.well, ana.created_at.isoformat()) == (
        10,
        "Fast, friendly support",
        "2026-03-31T14:05:11+00:00",
    )
    assert Response.objects.count() == 2
    again = alice_client.post(url("feedback_import"), {"token": token, "format": "auto"})
    assert again.status_code == 302 and Response.objects.count() == 2


def test_it_shows_each_bad_row_with_its_column_on_the_preview(alice_client, acme):
    upload = SimpleUploadedFile("answers.csv", BAD)
    response = alice_client.post(
        url("feedback_import"), {"file": upload, "format": "auto", "dry_run": "on"}
    )
    page = _text(response.content.decode())
    assert "3 score Refused" not in page
    assert "3 score '" in page and "is not a whole number from 0 to 10." in page
    assert "4 email 'cy@@customer.example' is not an email address." in page
    assert "5 date " in page
    assert "Import these 1 responses" in page
    assert not Response.objects.exists()


def test_it_keeps_another_organisations_preview_out_of_reach(alice_client, charlie_client, acme):
    upload = SimpleUploadedFile("answers.csv", (DATA / "delighted.csv").read_bytes())
    html = alice_client.post(
        url("feedback_import"), {"file": upload, "format": "auto", "dry_run": "on"}
    ).content.decode()
    token = _token(html)
    globex = reverse("feedback_import", kwargs={"org_slug": "globex"})
    response = charlie_client.post(globex, {"token": token, "format": "auto"})
    assert response.status_code == 302
    assert not Response.objects.exists()
