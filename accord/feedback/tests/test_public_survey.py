"""The public survey at /s/<token>: GET shows and never records, POST records once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.feedback.models import FollowUp, Recipient, Response
from accord.feedback.services import feedback_settings, survey_anonymous_link
from accord.feedback.tests.factories import TOKEN
from accord.feedback.tests.statements import statements
from accord.jobs.testing import run_queued_jobs

pytestmark = pytest.mark.django_db


def open_link(client: Client, token: str, query: str = "") -> str:
    """Follow the emailed link; return the token-free form address it redirects to."""
    response = client.get(f"/s/{token}{query}")
    assert response.status_code == 302, response.content
    assert token not in response["Location"]
    return response["Location"]


def test_it_shows_the_three_questions_and_records_nothing_on_get(client, recipient):
    form_url = open_link(client, TOKEN)
    response = client.get(form_url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "How likely are you to recommend Acme" in text
    assert "What can we do better?" in text
    assert "What do we do well?" in text
    assert response["Referrer-Policy"] == "no-referrer"
    assert TOKEN not in text
    recipient.refresh_from_db()
    assert recipient.opened_at is None and recipient.responded_at is None
    assert Response.objects.count() == 0


def test_it_preselects_the_score_clicked_in_the_email(client, recipient):
    form_url = open_link(client, TOKEN, "?score=7")
    assert form_url.endswith("?score=7")
    text = client.get(form_url).content.decode()
    assert 'value="7" checked' in text


def test_it_records_one_response_on_post_and_thanks(client, recipient):
    form_url = open_link(client, TOKEN)
    response = client.post(form_url, {"score": "3", "better": "Faster support", "well": ""})
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    saved = Response.objects.get()
    assert (saved.score, saved.category, saved.better) == (3, "detractor", "Faster support")
    assert saved.recipient == recipient and saved.organization == recipient.organization
    recipient.refresh_from_db()
    assert recipient.responded_at is not None


def test_it_records_a_post_with_one_read_and_six_writes_in_one_transaction(client, acme, recipient):
    feedback_settings(acme)  # the rules exist, so they are read with the link
    form_url = open_link(client, TOKEN)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(form_url, {"score": "10", "well": ""})
    assert "Thank you" in response.content.decode()
    assert statements(queries) == [
        "SELECT feedback_recipient",
        "INSERT feedback_surveyratecounter",
        "INSERT feedback_response",
        "UPDATE feedback_recipient",
        "UPDATE feedback_campaign",  # its responded count
        "UPDATE feedback_senddayrollup",  # answers to the day's sends
        "INSERT django_tasks_database_dbtaskresult",
    ]
    assert Response.objects.get().recipient == recipient
    run_queued_jobs()
    assert FollowUp.objects.get().kind == "advocacy"


def test_it_says_already_recorded_the_second_time(client, recipient):
    form_url = open_link(client, TOKEN)
    client.post(form_url, {"score": "9"})
    again = client.post(form_url, {"score": "2"})
    assert again.status_code == 200
    assert "already recorded" in again.content.decode()
    assert Response.objects.get().score == 9
    other = Client()
    assert "already recorded" in other.get(open_link(other, TOKEN)).content.decode()


def test_it_explains_an_expired_link(client, recipient):
    Recipient.objects.filter(pk=recipient.pk).update(expires_at=timezone.now() - timedelta(days=1))
    response = client.get(f"/s/{TOKEN}")
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_it_explains_an_unknown_link(client, acme):
    response = client.get("/s/not-a-real-token")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


@pytest.mark.parametrize(
    "score", ["11", "abc", "", "-1", "3.5", "²", "٣", "9" * 200, "\x00", "\u0661\u0660"]
)
def test_it_refuses_a_bad_score_and_keeps_what_was_typed(client, recipient, score):
    form_url = open_link(client, TOKEN)
    response = client.post(form_url, {"score": score, "better": "Keep this text"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Choose a score from 0 to 10." in text
    assert "Keep this text" in text
    assert Response.objects.count() == 0


def test_it_refuses_an_overlong_comment_and_keeps_it(client, recipient):
    form_url = open_link(client, TOKEN)
    long = "x" * 10_001
    response = client.post(form_url, {"score": "8", "well": long})
    assert response.status_code == 400
    assert "under 10000 characters" in response.content.decode()
    assert long in response.content.decode()


def test_it_answers_a_20_mb_comment_with_a_message_not_a_5xx(client, recipient):
    form_url = open_link(client, TOKEN)
    response = client.post(form_url, {"score": "8", "better": "x" * 20_000_000})
    assert response.status_code == 413
    assert "characters" in response.content.decode()
    assert Response.objects.count() == 0


def test_it_speaks_the_recipients_language(client, recipient):
    Recipient.objects.filter(pk=recipient.pk).update(language="de")
    text = client.get(open_link(client, TOKEN)).content.decode()
    assert "Was können wir besser machen?" in text
    assert 'lang="de"' in text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-ES,es;q=0.9", "¿Qué hacemos bien?"),
        ("fr-CH, en;q=0.5", "Que faisons-nous bien ?"),
        ("ja", "What do we do well?"),
    ],
)
def test_it_falls_back_to_the_browsers_language(client, recipient, header, expected):
    form_url = open_link(client, TOKEN)
    text = client.get(form_url, HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert expected in text


def test_it_takes_many_answers_on_the_anonymous_link(client, acme, owner, recipient):
    url = survey_anonymous_link(membership=owner, survey=recipient.campaign.survey)
    token = url.rsplit("/", 1)[1]
    for score in ("10", "4"):
        visitor = Client()
        form_url = open_link(visitor, token)
        assert visitor.post(form_url, {"score": score}).status_code == 200
    assert sorted(Response.objects.values_list("score", flat=True)) == [4, 10]
    assert set(Response.objects.values_list("source", flat=True)) == {"anonymous"}


def test_it_opens_a_recovery_loop_for_a_detractor(client, recipient, carol, dave_member):
    client.post(open_link(client, TOKEN), {"score": "2"})
    run_queued_jobs()
    followup = FollowUp.objects.get()
    assert followup.kind == "recovery"
    assert followup.sales_owner == dave_member
    assert followup.marketing_owner is not None
    assert followup.marketing_owner.user == carol


def test_it_counts_the_form_opened_only_when_a_browser_reports_it(client, recipient):
    form_url = open_link(client, TOKEN)
    client.get(form_url)
    recipient.refresh_from_db()
    assert recipient.opened_at is None
    assert client.post(form_url + "/opened").status_code == 204
    recipient.refresh_from_db()
    assert recipient.opened_at is not None


def test_it_rate_limits_posts_to_one_link(client, recipient, frozen_clock):
    form_url = open_link(client, TOKEN)
    statuses = [client.post(form_url, {"score": "x"}).status_code for _ in range(7)]
    assert statuses[:5] == [400] * 5
    assert statuses[5:] == [429, 429]
    assert not Response.objects.exists()
    # Over the limit a valid answer is refused too, and nothing is stored.
    refused = client.post(form_url, {"score": "9"})
    assert refused.status_code == 429 and "Too many" in refused.content.decode()
    assert not Response.objects.exists() and not DBTaskResult.objects.exists()
    recipient.refresh_from_db()
    assert recipient.responded_at is None
    # The count is per minute: a minute later the link answers again.
    frozen_clock.shift(60)
    assert client.post(form_url, {"score": "x"}).status_code == 400


@pytest.mark.parametrize(
    "answer", [{"score": "²"}, {"score": "8", "better": "a\x00b"}, {"score": "8", "well": "\x00"}]
)
def test_it_counts_refused_unicode_digits_and_nul_towards_the_rate_limit(
    client, recipient, frozen_clock, answer
):
    form_url = open_link(client, TOKEN)
    statuses = [client.post(form_url, answer).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]
    assert not Response.objects.exists()


def test_it_names_the_comment_that_carries_a_nul_character(client, recipient):
    form_url = open_link(client, TOKEN)
    response = client.post(form_url, {"score": "8", "better": "Fine\x00", "well": "Good"})
    assert response.status_code == 400
    assert "remove the control characters" in response.content.decode()
    assert not Response.objects.exists()


def test_it_ignores_a_score_in_other_digits_on_the_emailed_link(client, recipient):
    form_url = open_link(client, TOKEN, "?score=%C2%B2")
    assert "score" not in form_url


def test_it_unsubscribes_in_one_click(client, recipient):
    response = client.post(f"/s/{TOKEN}/unsubscribe", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    recipient.contact.refresh_from_db()
    assert recipient.contact.opted_out_at is not None


def test_it_rate_limits_posts_from_one_address(client, acme, settings, frozen_clock):
    from accord.feedback.tests.factories import RecipientFactory

    settings.ACCORD_SURVEY_RATE_PER_ADDRESS = 3
    statuses = []
    for i in range(4):
        token = f"addr{i}" + "q" * 40
        RecipientFactory.create(organization=acme, token=token)
        statuses.append(client.post(open_link(client, token), {"score": "x"}).status_code)
    assert statuses == [400, 400, 400, 429]
    assert not Response.objects.exists()


def test_it_shows_the_organisations_logo_and_colour(client, recipient):
    survey = recipient.campaign.survey
    survey.colour = "#ffd700"
    survey.logo = b"\x89PNG logo"
    survey.logo_type = "image/png"
    survey.save()
    text = client.get(open_link(client, TOKEN)).content.decode()
    assert f"/s/brand/{survey.pk}/style.css" in text and f"/s/brand/{survey.pk}/logo" in text
    css = client.get(f"/s/brand/{survey.pk}/style.css").content.decode()
    # A light brand colour gets dark text on its buttons, for contrast.
    assert "--survey-brand: #ffd700" in css and "--survey-brand-ink: #1d2433" in css
    logo = client.get(f"/s/brand/{survey.pk}/logo")
    assert logo["Content-Type"] == "image/png" and logo.content == b"\x89PNG logo"
