"""The Pipeline pages, as a member sees them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accord.jobs.testing import run_queued_jobs
from accord.lib import charts as lib_charts
from accord.pipeline.models import (
    AgreementStatus,
    ColumnMapping,
    CrmConnection,
    HandoffAgreement,
    ImportRun,
    Lead,
)
from accord.pipeline.tests.factories import LeadFactory
from accord.pipeline.tests.test_import import HUBSPOT_CONTACTS


def url(name, **kw):
    return reverse(name, kwargs={"org_slug": "acme", **kw})


def test_it_explains_the_empty_pipeline(alice_client):
    response = alice_client.get(url("pipeline_index"))
    assert response.status_code == 200
    assert "No MQLs yet" in response.content.decode()
    assert "Propose one" in response.content.decode()


def test_it_shows_the_funnel_with_a_chart_and_groups(alice_client, acme):
    LeadFactory.create(
        organization=acme, source="Webinar", accepted_at=datetime(2026, 3, 3, tzinfo=UTC)
    )
    LeadFactory.create(organization=acme, source="Ads")
    response = alice_client.get(url("pipeline_index") + "?by=source")
    body = response.content.decode()
    assert response.status_code == 200
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert "<script" not in svg
    assert "Webinar" in body and "50.0%" in body


def test_it_rejects_a_bad_filter_with_400(alice_client):
    response = alice_client.get(url("pipeline_index") + "?by=colour")
    assert response.status_code == 400
    assert "Select a valid choice. colour is not one of the available choices." in (
        response.content.decode()
    )


def test_it_lets_sales_triage_mqls(bob_client, acme):
    first = LeadFactory.create(organization=acme, name="Acme first lead")
    second = LeadFactory.create(organization=acme, name="Acme second lead")
    page = bob_client.get(url("pipeline_triage")).content.decode()
    assert "Acme first lead" in page and "Acme second lead" in page
    response = bob_client.post(url("pipeline_lead_accept", pk=first.pk))
    assert response.status_code == 302
    response = bob_client.post(
        url("pipeline_lead_reject", pk=second.pk), {"reason": "other", "text": ""}
    )
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    bob_client.post(url("pipeline_lead_reject", pk=second.pk), {"reason": "not_icp"})
    bob_client.post(url("pipeline_lead_touch", pk=first.pk))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.accepted_at and first.first_touch_at
    assert second.rejection_reason == "not_icp"
    assert "Nothing to decide" in bob_client.get(url("pipeline_triage")).content.decode()


def test_it_refuses_get_on_decisions(bob_client, acme):
    lead = LeadFactory.create(organization=acme)
    assert bob_client.get(url("pipeline_lead_accept", pk=lead.pk)).status_code == 405
    assert bob_client.get(url("pipeline_lead_reject", pk=lead.pk)).status_code == 405
    lead.refresh_from_db()
    assert lead.accepted_at is None and lead.rejected_at is None


def test_it_proposes_and_agrees_from_the_page(client, acme, carol, sam):
    client.force_login(carol)
    response = client.post(
        url("pipeline_agreement"),
        {
            "mql_definition": "Fits the ICP",
            "monthly_mql_commitment": "30",
            "first_touch_hours": "4",
            "decision_days": "2",
            "day_start": "09:00",
            "day_end": "17:00",
        },
    )
    assert response.status_code == 302
    proposal = HandoffAgreement.objects.get(organization=acme)
    client.post(url("pipeline_agreement_agree", pk=proposal.pk), {"comment": "Yes"})
    client.force_login(sam.user)
    client.post(url("pipeline_agreement_agree", pk=proposal.pk), {})
    proposal.refresh_from_db()
    assert proposal.status == AgreementStatus.ACTIVE
    page = client.get(url("pipeline_agreement")).content.decode()
    assert "In effect: v1" in page
    response = client.post(url("pipeline_agreement"), {"day_start": "someday"})
    assert response.status_code == 400
    assert HandoffAgreement.objects.filter(organization=acme).count() == 1


def test_it_shows_compliance_with_charts(alice_client, acme, agreement):
    LeadFactory.create(
        organization=acme,
        rejected_at=datetime(2026, 3, 3, tzinfo=UTC),
        rejection_reason="duplicate",
    )
    body = alice_client.get(url("pipeline_compliance")).content.decode()
    assert "2026-03" in body and "Duplicate" in body and "<svg" in body


def test_it_imports_an_upload_in_the_background_and_lists_refused_rows(alice_client, acme):
    upload = SimpleUploadedFile("contacts.csv", HUBSPOT_CONTACTS.encode(), "text/csv")
    response = alice_client.post(
        url("pipeline_imports"), {"kind": "leads", "format": "hubspot", "file": upload}
    )
    run = ImportRun.objects.get(organization=acme)
    assert response.status_code == 302 and response["Location"] == url("pipeline_import", pk=run.pk)
    assert "Queued" in alice_client.get(url("pipeline_import", pk=run.pk)).content.decode()
    import os

    assert os.path.exists(run.stored_path)
    run_queued_jobs()
    assert not os.path.exists(run.stored_path)  # the upload is removed once imported
    page = alice_client.get(url("pipeline_import", pk=run.pk)).content.decode()
    assert "3 imported" in page and "is not an email address" in page
    assert Lead.objects.filter(organization=acme).count() == 3
    csv_text = b"".join(alice_client.get(url("pipeline_import_errors", pk=run.pk))).decode()
    assert csv_text.splitlines()[0] == "row,column,message"
    assert "4,Email" in csv_text
    fragment = alice_client.get(url("pipeline_import", pk=run.pk), HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content


def test_it_exports_refused_rows_that_look_like_formulas_as_text(alice_client, acme):
    run = ImportRun.objects.create(
        organization=acme, kind="leads", format="generic", filename="x.csv"
    )
    run.row_errors.create(organization=acme, row=2, column="=cmd|' /C calc'!A0", message="-1+1")
    body = b"".join(alice_client.get(url("pipeline_import_errors", pk=run.pk))).decode()
    assert list(csv.reader(io.StringIO(body))) == [
        ["row", "column", "message"],
        ["2", "'=cmd|' /C calc'!A0", "'-1+1"],
    ]


def test_it_refuses_a_generic_import_without_a_mapping(alice_client):
    upload = SimpleUploadedFile("x.csv", b"a,b\n1,2\n", "text/csv")
    response = alice_client.post(
        url("pipeline_imports"), {"kind": "leads", "format": "generic", "file": upload}
    )
    assert response.status_code == 400
    assert "needs a column mapping" in response.content.decode()


def test_it_saves_a_column_mapping_from_a_sample(alice_client, acme):
    upload = SimpleUploadedFile("x.csv", b"Key;Mail;When\n1;a@b.example;2026-01-01\n")
    page = alice_client.post(url("pipeline_mapping_new"), {"kind": "leads", "file": upload})
    assert page.status_code == 200 and "Mail" in page.content.decode()
    response = alice_client.post(
        url("pipeline_mapping_new"),
        {
            "kind": "leads",
            "headers": ["Key", "Mail", "When"],
            "name": "Sheet",
            "col_source_id": "Key",
            "col_email": "Mail",
            "col_mql_at": "When",
        },
    )
    assert response.status_code == 302
    mapping = ColumnMapping.objects.get(organization=acme)
    assert mapping.columns == {"source_id": "Key", "email": "Mail", "mql_at": "When"}


def test_it_connects_a_crm_and_never_shows_the_token(alice_client, acme, bob_client):
    response = alice_client.post(
        url("pipeline_crm"), {"system": "hubspot", "secret": "pat-na1-secret-123"}
    )
    assert response.status_code == 302
    connection = CrmConnection.objects.get(organization=acme)
    assert b"pat-na1-secret-123" not in bytes(connection.secret)
    page = alice_client.get(url("pipeline_crm")).content.decode()
    assert "HubSpot" in page and "pat-na1-secret-123" not in page
    assert (
        bob_client.post(url("pipeline_crm"), {"system": "hubspot", "secret": "x"}).status_code
        == 403
    )


def test_it_decides_in_place_with_htmx(bob_client, acme):
    lead = LeadFactory.create(organization=acme, name="Acme htmx lead")
    htmx = {"HTTP_HX_REQUEST": "true"}
    touched = bob_client.post(url("pipeline_lead_touch", pk=lead.pk), **htmx)
    assert touched.status_code == 200
    assert (
        f'id="lead-{lead.pk}"' in touched.content.decode() and "touched" in touched.content.decode()
    )
    refused = bob_client.post(url("pipeline_lead_reject", pk=lead.pk), {"reason": "other"}, **htmx)
    assert refused.status_code == 200 and "Say why" in refused.content.decode()
    gone = bob_client.post(url("pipeline_lead_accept", pk=lead.pk), **htmx)
    assert gone.status_code == 200 and gone.content == b""


def test_it_refuses_uploads_from_members_who_may_not_import(bob_client, acme):
    upload = SimpleUploadedFile("contacts.csv", HUBSPOT_CONTACTS.encode(), "text/csv")
    response = bob_client.post(
        url("pipeline_imports"), {"kind": "leads", "format": "hubspot", "file": upload}
    )
    assert response.status_code == 403
    assert not ImportRun.objects.filter(organization=acme).exists()
    page = bob_client.get(url("pipeline_imports")).content.decode()
    assert "Import a CSV export" not in page and "No imports yet" in page


@time_machine.travel(datetime(2026, 4, 10, 12, tzinfo=UTC), tick=False)
def test_it_draws_the_pipeline_charts_once_per_change_of_their_data(
    alice, alice_client, acme, agreement, monkeypatch
):
    # Signed in at this instant: a session from the run's own "now" may have
    # expired by then (make test-dates runs at other dates).
    alice_client.force_login(alice)
    cache.clear()
    drawn = []
    draw = lib_charts.svg_of

    def counted(chart):
        drawn.append(chart)
        return draw(chart)

    monkeypatch.setattr(lib_charts, "svg_of", counted)
    LeadFactory.create(organization=acme, accepted_at=datetime(2026, 3, 3, tzinfo=UTC))
    LeadFactory.create(
        organization=acme,
        rejected_at=datetime(2026, 3, 3, tzinfo=UTC),
        rejection_reason="duplicate",
    )

    first = [alice_client.get(url(name)).content.decode() for name in PAGES_WITH_CHARTS]
    again = [alice_client.get(url(name)).content.decode() for name in PAGES_WITH_CHARTS]

    # The funnel, and compliance's two charts: drawn on the first views only.
    assert len(drawn) == 3
    assert [svgs(body) for body in again] == [svgs(body) for body in first]
    assert all(svgs(body) for body in first)

    LeadFactory.create(organization=acme, accepted_at=datetime(2026, 3, 4, tzinfo=UTC))
    changed = alice_client.get(url("pipeline_index")).content.decode()

    assert len(drawn) == 4
    assert svgs(changed) != svgs(first[0])


PAGES_WITH_CHARTS = ("pipeline_index", "pipeline_compliance")


def svgs(body: str) -> list[str]:
    """The charts of a page, as drawn."""
    return [part.split("</svg>", 1)[0] for part in body.split("<svg")[1:]]
