"""Past responses exported by each survey tool, as the tool writes the file
(``data/``): the stored scores, dates, comments and segments, and the rows
that are not responses skipped, never refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from accord.feedback.models import Response
from accord.feedback.services import responses_import

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def _stored() -> dict[str, tuple[object, ...]]:
    return {
        r.email: (r.score, r.created_at, r.better, r.well, r.comment)
        for r in Response.objects.all()
    }


def test_it_files_delighteds_single_comment_by_category(owner):
    result = responses_import(
        membership=owner, data=(DATA / "delighted.csv").read_bytes(), fmt="auto"
    )
    assert (result.added, result.errors, result.skipped) == (3, [], [])
    assert _stored() == {
        "ana@customer.example": (
            10,
            datetime(2026, 3, 2, 14, 5, 11, tzinfo=UTC),
            "",
            "Onboarding was fast, support answers the same day",
            "",
        ),
        "ben@customer.example": (
            3,
            datetime(2026, 3, 3, 9, tzinfo=UTC),
            "Invoices are confusing",
            "",
            "",
        ),
        "cy@customer.example": (
            7,
            datetime(2026, 3, 4, 10, 30, tzinfo=UTC),
            "",
            "",
            "It works; nothing special",
        ),
    }
    ana = Response.objects.get(email="ana@customer.example")
    assert ana.attributes == {
        "plan": "enterprise",
        "region": "EMEA",
        "person id": "p1",
        "survey type": "nps",
    }


def test_it_imports_surveymonkey_with_its_second_header_row(owner):
    data = (DATA / "surveymonkey.csv").read_bytes()
    result = responses_import(membership=owner, data=data, fmt="surveymonkey")
    assert (result.added, result.errors) == (2, [])
    assert result.skipped == [(2, "skipped: second header row.")]
    assert _stored() == {
        "ana@customer.example": (
            10,
            datetime(2026, 3, 31, 14, 5, 11, tzinfo=UTC),
            "",
            "Fast, friendly support",
            "",
        ),
        "ben@customer.example": (
            2,
            datetime(2026, 3, 13, 9, 3, 44, tzinfo=UTC),
            "Reporting is slow",
            "",
            "",
        ),
    }
    assert Response.objects.get(email="ben@customer.example").company == "Süd AG"
    again = responses_import(membership=owner, data=data, fmt="auto")
    assert (again.added, again.already, len(again.skipped)) == (0, 2, 1)


def test_it_imports_typeform_by_its_token(owner):
    result = responses_import(
        membership=owner, data=(DATA / "typeform.csv").read_bytes(), fmt="auto"
    )
    assert (result.added, result.errors) == (3, [])
    stored = _stored()
    assert stored["ana@customer.example"] == (
        9,
        datetime(2026, 3, 5, 8, 1, 12, tzinfo=UTC),
        "",
        'Great "how-to" guides',
        "",
    )
    assert stored["ben@customer.example"][2:] == ("", "", "Fine overall")
    assert stored["cy@customer.example"][2:] == ("Nobody called back", "", "")


def test_it_imports_qualtrics_with_its_three_header_rows(owner):
    data = (DATA / "qualtrics.csv").read_bytes()
    result = responses_import(membership=owner, data=data, fmt="auto")
    assert (result.added, result.errors) == (2, [])
    assert result.skipped == [
        (2, "skipped: second header row."),
        (3, "skipped: second header row."),
    ]
    assert _stored() == {
        "ana@customer.example": (
            6,
            datetime(2026, 3, 8, 9, 2, 11, tzinfo=UTC),
            "Call me back when you promised",
            "",
            "",
        ),
        "ben@customer.example": (
            9,
            datetime(2026, 3, 9, 10, 1, 1, tzinfo=UTC),
            "",
            "The dashboards",
            "",
        ),
    }
    assert Response.objects.get(email="ana@customer.example").attributes == {
        "segment": "Enterprise"
    }


def test_it_reads_a_generic_file_re_saved_by_a_european_excel(owner):
    data = (DATA / "generic_excel_semicolon.csv").read_bytes()
    result = responses_import(membership=owner, data=data, fmt="generic")
    assert (result.added, result.errors) == (3, [])
    stored = _stored()
    # 20/01/2026 proves the column day-first: 03/02/2026 is 3 February.
    assert stored["ben@customer.example"] == (
        7,
        datetime(2026, 2, 3, tzinfo=UTC),
        "",
        "",
        "OK I guess",
    )
    assert stored["ana@customer.example"][3] == "Helpful people"
    assert stored["cy@customer.example"][2] == "Too expensive"


def test_it_refuses_a_date_column_mixing_conventions(owner):
    text = "email,score,date\na@x.example,9,1/25/2026\nb@x.example,9,20/01/2026\n"
    result = responses_import(membership=owner, data=text.encode(), fmt="generic")
    assert result.errors[0][0] == 1
    assert result.errors[0][1].startswith("date: this column mixes day-first and month-first")
    assert not Response.objects.exists()


def test_it_prints_counts_that_add_up(acme, tmp_path, capsys):
    path = tmp_path / "surveymonkey.csv"
    path.write_bytes((DATA / "surveymonkey.csv").read_bytes())
    for _ in range(2):
        call_command(
            "import", "responses", str(path), "--org", "acme", "--format", "auto", "--json"
        )
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {k: summary[k] for k in ("created", "updated", "unchanged", "skipped", "refused")} == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "skipped": 1,
        "refused": 0,
    }
    assert summary["rows_seen"] == 3
    assert summary["rows"] == [
        {"row": 2, "column": "", "reason": "skipped: second header row.", "outcome": "skipped"}
    ]


def test_it_refuses_a_date_outside_what_can_be_stored_by_row(owner):
    text = "email,score,date\na@x.example,9,0001-01-01T00:00:00+05:00\n"
    result = responses_import(membership=owner, data=text.encode(), fmt="generic")
    assert result.errors == [
        (2, "date: '0001-01-01T00:00:00+05:00' is not a date Accord can store.")
    ]


def _surveymonkey_workbook() -> bytes:
    """SurveyMonkey's "All responses data" saved as an Excel workbook: the same
    two header rows as its CSV, the dates as Excel stores them."""
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sheet"
    question = "How likely is it that you would recommend Acme to a friend or colleague?"
    sheet.append(
        [
            "Respondent ID",
            "Collector ID",
            "Start Date",
            "End Date",
            "Email Address",
            "Custom Data 1",
            question,
            "What can we do better?",
            "What do we do well?",
        ]
    )
    sheet.append(["", "", "", "", "", "", "Response", "Open-Ended Response", "Open-Ended Response"])
    sheet.append(
        [
            114000000003,
            400000001,
            datetime(2026, 3, 30, 8, 0, 0),
            datetime(2026, 3, 30, 8, 2, 9),
            "dee@customer.example",
            "Nord GmbH",
            4,
            "Setup took weeks",
            "",
        ]
    )
    sheet.append(
        [
            114000000004,
            400000001,
            datetime(2026, 3, 31, 9, 0, 0),
            datetime(2026, 3, 31, 9, 1, 0),
            "eli@customer.example",
            "",
            8,
            "",
            "",
        ]
    )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_it_imports_a_surveymonkey_workbook(owner):
    data = _surveymonkey_workbook()
    result = responses_import(membership=owner, data=data, fmt="auto")
    assert (result.reading.format, result.added, result.errors) == ("surveymonkey", 2, [])
    assert result.skipped == [(2, "skipped: second header row.")]
    assert _stored() == {
        "dee@customer.example": (
            4,
            datetime(2026, 3, 30, 8, 2, 9, tzinfo=UTC),
            "Setup took weeks",
            "",
            "",
        ),
        "eli@customer.example": (8, datetime(2026, 3, 31, 9, 1, tzinfo=UTC), "", "", ""),
    }
    dee = Response.objects.get(email="dee@customer.example")
    assert (dee.category, dee.company) == ("detractor", "Nord GmbH")
    again = responses_import(membership=owner, data=data, fmt="auto")
    assert (again.added, again.already) == (0, 2)
