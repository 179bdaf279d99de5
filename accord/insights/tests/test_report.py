"""The quarterly alignment report: one structure behind the page, the PDF, the
API, ``accord report`` and the quarter-end email, so their numbers agree."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from accord.insights import delivery
from accord.insights.models import QuarterlyReport, ReportSchedule
from accord.insights.quarters import Quarter
from accord.insights.tests.test_overview import _client, _text
from accord.jobs.services import job_enqueue
from accord.jobs.testing import run_queued_jobs
from accord.lib import numbers
from accord.orgs.services import organization_chains_ensure
from accord.tests.api import api_as

pytestmark = pytest.mark.django_db

# Northwind's demo data is seen on 20 November 2026 (DEMO_NOW): its last
# complete quarter is 2026Q3.


def _pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def _one(value: float | None) -> str:
    """As the report writes a figure: to a tenth, trailing zero dropped (39.0 → "39")."""
    assert value is not None
    return numbers.number(value, 1)


@pytest.mark.parametrize(
    ("quarter", "message"),
    [
        ("2026Q5", "A year has quarters Q1 to Q4, not Q5."),
        ("2027Q1", "2027Q1 has not started yet: choose a quarter up to 2026Q4."),
        ("garbage", "'garbage' is not a quarter: write the year and the quarter, as 2026Q4."),
        ("1999Q4", "Choose a quarter from 2000Q1 on."),
    ],
)
def test_it_refuses_a_bad_quarter_naming_the_field(owner, quarter, message):
    api = api_as(owner.user, owner.organization)
    answer = api.get(f"/api/v1/insights/report?quarter={quarter}")
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {"loc": ["query", "quarter"], "msg": message, "type": "invalid"}
    ]
    page = _client(owner).get(reverse("insights_report", args=["acme", quarter]))
    assert page.status_code == 400
    assert message.replace("'", "&#x27;") in page.content.decode()
    picked = _client(owner).get(
        reverse("insights_report_index", args=["acme"]), {"quarter": quarter}
    )
    assert picked.status_code == 400
    with pytest.raises(CommandError, match=re.escape(f"--quarter: {message}")):
        call_command("report", org="acme", quarter=quarter, stdout=io.StringIO())


def test_it_refuses_an_unknown_organisation_or_no_pdf_file_on_the_command_line(owner):
    with pytest.raises(CommandError, match="--org: no organisation 'nope'"):
        call_command("report", org="nope", quarter="2026Q3", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--pdf: give a file name"):
        call_command("report", org="acme", quarter="2026Q3", pdf="-", stdout=io.StringIO())


def test_it_lets_every_role_read_the_report_even_a_viewer(owner, viewer, goals):
    client = _client(viewer)
    index = client.get(reverse("insights_report_index", args=["acme"]))
    # On 2 November 2026 the last complete quarter is 2026Q3.
    assert index.status_code == 302 and index["Location"].endswith("/insights/report/2026Q3/")
    page = client.get(reverse("insights_report", args=["acme", "2026Q4"]))
    assert page.status_code == 200
    text = _text(page.content.decode())
    assert "quarter in progress: figures up to 2 Nov 2026" in text
    assert "Acme leads convert" in text and "Acme wins more" in text
    data = api_as(viewer.user, owner.organization).get("/api/v1/insights/report?quarter=2026Q4")
    assert data.status_code == 200
    assert data.json()["complete"] is False and data.json()["through"] == "2026-11-02"
    assert {g["title"] for g in data.json()["goals"]} == {"Acme leads convert", "Acme wins more"}


def test_it_hides_the_report_from_another_organisation(owner, goals, charlie_client):
    for name in ("insights_report", "insights_report_pdf"):
        answer = charlie_client.get(reverse(name, args=["acme", "2026Q3"]))
        assert answer.status_code == 404
        assert b"Acme leads" not in answer.content
    assert charlie_client.get(reverse("insights_report_index", args=["acme"])).status_code == 404


def test_it_emails_the_report_once_when_the_quarter_ends_in_local_time(
    owner, sales_lead, marketing_lead, seller, viewer, goals, smtp
):
    organization = owner.organization  # New York
    # Queued when Acme was created; its time zone changed since (what a
    # worker starting, or the settings page, ensures).
    organization_chains_ensure(organization)
    schedule = ReportSchedule.objects.get(organization=organization)
    # 2026Q4 ends on 31 December in New York: the report leaves at 06:00 there
    # on 1 January, which is 11:00 UTC.
    assert schedule.quarter == "2026Q4"
    assert schedule.run_after == datetime(2027, 1, 1, 11, 0, tzinfo=UTC)
    # A second worker starting queues nothing more.
    organization_chains_ensure(organization)
    with time_machine.travel(datetime(2027, 1, 1, 10, 59, tzinfo=UTC), tick=False):
        run_queued_jobs()  # the goals' emails, not yet the report
    assert not QuarterlyReport.objects.exists()
    assert not [m for _, m in smtp.messages if "report" in m["Subject"]]
    smtp.messages.clear()

    with time_machine.travel(datetime(2027, 1, 1, 11, 0, tzinfo=UTC), tick=False):
        run_queued_jobs()
        # The same job again (a retry, a second worker): nothing more is sent.
        job_enqueue(
            delivery.quarterly_report_send, organization_id=organization.pk, quarter="2026Q4"
        )
        run_queued_jobs()
    stored = QuarterlyReport.objects.get(organization=organization)
    assert stored.quarter == "2026Q4"
    expected = ["alice@acme.example", "carol@acme.example", "sam@acme.example"]
    assert sorted(stored.emailed_to) == expected
    assert sorted(envelope.rcpt_tos[0] for envelope, _ in smtp.messages) == expected
    for _, message in smtp.messages:
        assert message["Subject"] == "Acme: alignment report 2026Q4"
        pdfs = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert [p.get_filename() for p in pdfs] == ["accord-acme-2026Q4.pdf"]
        text = _pdf_text(pdfs[0].get_content())
        assert "Alignment report 2026Q4" in text and "Acme leads convert" in text
        body = message.get_body(("plain",)).get_content()
        assert "/o/acme/insights/report/2026Q4/" in body
    # The next quarter's job is queued, for 1 April 2027 in New York.
    schedule.refresh_from_db()
    assert schedule.quarter == "2027Q1"
    assert schedule.run_after == datetime(2027, 4, 1, 10, 0, tzinfo=UTC)


def test_it_counts_quarters_across_years():
    q4 = Quarter(2026, 4)
    assert (q4.start.isoformat(), q4.end.isoformat()) == ("2026-10-01", "2026-12-31")
    assert q4.next == Quarter(2027, 1) and Quarter(2027, 1).previous == q4
    assert Quarter(2028, 1).end.isoformat() == "2028-03-31"
    assert [m.month for m in Quarter(2026, 2).months] == [4, 5, 6]
