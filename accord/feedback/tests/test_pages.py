"""The Customers pages, as leads, members and viewers see them."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accord.feedback.models import Campaign, FollowUp, Recipient, RecipientImport, Survey
from accord.feedback.services import campaign_create, response_record, survey_create
from accord.feedback.tests.factories import TOKEN, ResponseFactory, live_link
from accord.jobs.testing import run_queued_jobs
from accord.lib import charts as lib_charts

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_it_explains_the_empty_section(alice_client):
    response = alice_client.get("/o/acme/customers/")
    assert response.status_code == 200
    assert "No answers yet" in response.content.decode()


def test_it_shows_nps_with_interval_n_and_a_chart(alice_client, acme):
    now = timezone.now()
    for i, score in enumerate([10, 9, 9, 3, 7, 10, 0, 8, 9, 10]):
        ResponseFactory.create(
            organization=acme, score=score, created_at=now - timedelta(days=i * 20)
        )
    text = alice_client.get("/o/acme/customers/").content.decode()
    assert "95% CI" in text and "n = " in text
    assert "small sample" in text
    assert "<svg" in text and "<script" not in text.split("<main", 1)[1]
    assert "significant" in text
    by_quarter = alice_client.get("/o/acme/customers/?by=quarter").content.decode()
    assert "-Q" in by_quarter


def test_it_creates_a_survey_and_shows_field_errors(alice_client, acme):
    bad = alice_client.post(
        "/o/acme/customers/surveys/", {"name": "", "colour": "red", "default_language": "en"}
    )
    assert bad.status_code == 400
    response = alice_client.post(
        "/o/acme/customers/surveys/",
        {
            "name": "Main NPS",
            "brand_name": "Acme",
            "colour": "#112233",
            "default_language": "fr",
            "logo": SimpleUploadedFile("logo.png", b"\x89PNG fake", content_type="image/png"),
        },
    )
    assert response.status_code == 302
    survey = Survey.objects.get(name="Main NPS")
    assert survey.logo_type == "image/png" and survey.default_language == "fr"


def test_it_refuses_an_svg_logo(alice_client):
    response = alice_client.post(
        "/o/acme/customers/surveys/",
        {
            "name": "X",
            "colour": "#112233",
            "default_language": "en",
            "logo": SimpleUploadedFile("logo.svg", b"<svg/>", content_type="image/svg+xml"),
        },
    )
    assert response.status_code == 400
    assert "PNG, JPEG, GIF or WebP" in response.content.decode()


def test_it_adds_a_list_in_the_background_and_shows_progress_and_bad_rows(
    alice_client, acme, owner
):
    survey = survey_create(membership=owner, name="S")
    campaign = campaign_create(membership=owner, survey=survey, name="C")
    page = f"/o/acme/customers/campaigns/{campaign.pk}/"
    upload = SimpleUploadedFile(
        "list.csv", b"email,language\n,en\nx@y.example,zz\nana@c.example,es\n", "text/csv"
    )
    response = alice_client.post(page, {"upload": "1", "file": upload}, follow=True)
    text = response.content.decode()
    # Queued: the page says so, polls with htmx and reads the same on a reload.
    assert "The list is being added" in text
    assert "Queued" in text and 'hx-trigger="every 2s"' in text
    assert Recipient.objects.count() == 0
    run = RecipientImport.objects.get()
    assert bytes(run.data).startswith(b"email,language")
    run_queued_jobs()
    text = alice_client.get(page).content.decode()
    assert "Done" in text and 'hx-trigger="every 2s"' not in text
    assert "1 added" in text and "2 refused" in text
    assert list(Recipient.objects.values_list("email", flat=True)) == ["ana@c.example"]
    detail = f"{page}imports/{run.pk}/"
    assert f'href="{detail}"' in text
    rows = alice_client.get(detail).content.decode()
    assert '<th scope="row">2</th><td>email: missing.</td>' in rows
    assert '<th scope="row">3</th><td>language: unknown &#x27;zz&#x27;' in rows
    # What htmx polls: the progress box alone.
    fragment = alice_client.get(detail, headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('<div id="recipient-import"') and "<html" not in fragment


def test_it_refuses_an_unreadable_list_on_the_form_at_once(alice_client, acme, owner):
    survey = survey_create(membership=owner, name="S")
    campaign = campaign_create(membership=owner, survey=survey, name="C")
    upload = SimpleUploadedFile("list.xls", b"\xd0\xcf\x11\xe0old workbook", "text/csv")
    response = alice_client.post(
        f"/o/acme/customers/campaigns/{campaign.pk}/", {"upload": "1", "file": upload}
    )
    assert response.status_code == 400
    assert "Excel 97-2003 workbook (.xls)" in response.content.decode()
    assert not RecipientImport.objects.exists()


def test_it_uploads_a_list_and_sends_after_confirming(alice_client, acme, owner):
    survey = survey_create(membership=owner, name="S")
    campaign = campaign_create(membership=owner, survey=survey, name="C")
    upload = SimpleUploadedFile("list.csv", b"email,name\nana@c.example,Ana\n", "text/csv")
    alice_client.post(
        f"/o/acme/customers/campaigns/{campaign.pk}/", {"upload": "1", "file": upload}
    )
    run_queued_jobs()
    confirm = alice_client.get(f"/o/acme/customers/campaigns/{campaign.pk}/send/")
    assert "1 people get the survey" in confirm.content.decode()
    alice_client.post(f"/o/acme/customers/campaigns/{campaign.pk}/send/")
    assert Campaign.objects.get(pk=campaign.pk).status == "sending"


def test_it_adds_pipeline_contacts_from_the_page_in_the_background(alice_client, acme, owner):
    from accord.pipeline.tests.factories import ContactFactory

    ContactFactory(organization=acme, email="pia@customer.example")
    survey = survey_create(membership=owner, name="S")
    campaign = campaign_create(membership=owner, survey=survey, name="C")
    page = f"/o/acme/customers/campaigns/{campaign.pk}/"
    response = alice_client.post(page, {"pipeline": "1"}, follow=True)
    assert "Pipeline contacts are being added" in response.content.decode()
    run_queued_jobs()
    assert "1 added" in alice_client.get(page).content.decode()
    assert list(Recipient.objects.values_list("email", flat=True)) == ["pia@customer.example"]


def test_it_keeps_members_from_managing_surveys(bob_client, acme):
    response = bob_client.post(
        "/o/acme/customers/surveys/", {"name": "X", "colour": "#112233", "default_language": "en"}
    )
    assert response.status_code == 403
    assert "You can't do that here" in response.content.decode()
    assert not Survey.objects.filter(name="X").exists()
    assert bob_client.get("/o/acme/customers/import/").status_code == 403


def test_it_lets_a_member_work_a_follow_up(bob_client, acme, recipient, bob_member):
    response_record(link=live_link(TOKEN), score=1)
    run_queued_jobs()
    followup = FollowUp.objects.get()
    page = bob_client.get(f"/o/acme/customers/followups/{followup.pk}/")
    assert page.status_code == 200 and "Recovery follow-up" in page.content.decode()
    bad = bob_client.post(f"/o/acme/customers/followups/{followup.pk}/", {"status": "resolved"})
    assert bad.status_code == 400
    assert "Say what came of it" in bad.content.decode()
    ok = bob_client.post(
        f"/o/acme/customers/followups/{followup.pk}/",
        {"status": "resolved", "outcome": "Called, fixed billing", "play": ""},
    )
    assert ok.status_code == 302
    assert FollowUp.objects.get(pk=followup.pk).status == "resolved"
    listing = bob_client.get("/o/acme/customers/followups/?status=resolved").content.decode()
    assert "Resolved" in listing


def test_it_lists_and_filters_responses(alice_client, acme):
    ResponseFactory.create(organization=acme, score=2, better="Slow invoices")
    ResponseFactory.create(organization=acme, score=10, well="Lovely team")
    text = alice_client.get("/o/acme/customers/responses/?category=detractor").content.decode()
    assert "Slow invoices" in text and "Lovely team" not in text


def test_it_dry_runs_an_import_on_the_page(alice_client, acme):
    upload = SimpleUploadedFile(
        "r.csv", b"email,score,date\na@b.example,12,2025-01-01\n", "text/csv"
    )
    response = alice_client.post(
        "/o/acme/customers/import/", {"file": upload, "format": "generic", "dry_run": "on"}
    )
    assert response.status_code == 400
    assert "<td>score</td><td>&#x27;12&#x27; is not a whole number" in response.content.decode()


def test_it_saves_feedback_settings(alice_client, acme, carol_member):
    response = alice_client.post(
        "/o/acme/customers/settings/",
        {
            "contact_interval_days": "30",
            "link_lifetime_days": "14",
            "reminder_after_days": "5",
            "marketing_partner": str(carol_member.pk),
        },
    )
    assert response.status_code == 302
    acme.feedback_settings.refresh_from_db()
    assert acme.feedback_settings.contact_interval_days == 30


@pytest.mark.parametrize(
    "path",
    ["", "surveys/", "campaigns/", "responses/", "followups/", "themes/", "import/", "settings/"],
)
def test_it_renders_every_page_with_a_heading(alice_client, path):
    response = alice_client.get(f"/o/acme/customers/{path}")
    assert response.status_code == 200
    assert "<h1>" in response.content.decode()


@time_machine.travel(dt.datetime(2026, 4, 10, 12, tzinfo=dt.UTC), tick=False)
def test_it_draws_the_nps_charts_once_per_change_of_their_answers(
    alice, alice_client, acme, monkeypatch
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
    for score, language in ((10, "en"), (3, "fr"), (9, "fr")):
        ResponseFactory.create(organization=acme, score=score, language=language)

    first = alice_client.get("/o/acme/customers/?by=language").content.decode()
    again = alice_client.get("/o/acme/customers/?by=language").content.decode()

    # The trend and the breakdown: drawn on the first view only.
    assert len(drawn) == 2
    assert again.count("<svg") == first.count("<svg") == 2
    assert again[again.index("<svg") :] == first[first.index("<svg") :]

    ResponseFactory.create(organization=acme, score=0, language="en")
    alice_client.get("/o/acme/customers/?by=language")

    assert len(drawn) == 4
