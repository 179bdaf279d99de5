"""One check for email addresses (Django's ``validate_email``) in every form,
API operation and import: "a@@b.example" is refused everywhere, naming the
field or the row, and nothing is written."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from accord.accounts.models import User
from accord.conftest import membership
from accord.feedback.models import Recipient, Response
from accord.feedback.services import (
    campaign_create,
    responses_import,
    survey_create,
)
from accord.feedback.tests.factories import list_added, refused
from accord.goals import services as goals
from accord.goals.models import ActivityLog, ContentAsset, ContentUsage
from accord.jobs.testing import run_queued_jobs
from accord.lib.emails import email_clean
from accord.orgs.models import Invitation
from accord.pipeline.models import Lead
from accord.pipeline.tests.test_import import _import as import_leads
from accord.tests.api import API, api_as, fields

pytestmark = pytest.mark.django_db

BAD = "a@@b.example"


@pytest.mark.parametrize(
    "value", [BAD, "a@b@c.example", "a..b@c.example", "@b.example", "a@", "a b@c.example"]
)
def test_it_refuses_what_django_refuses(value):
    with pytest.raises(ValidationError) as caught:
        email_clean(value)
    assert caught.value.messages == [f"'{value.lower()}' is not an email address."]


def test_it_trims_and_lower_cases_an_address():
    assert email_clean("  Ana@Customer.Example ") == "ana@customer.example"


def test_it_refuses_an_address_longer_than_the_database_keeps():
    with pytest.raises(ValidationError, match="too long: at most 254 characters"):
        email_clean("a" * 250 + "@b.example")


def test_it_refuses_two_at_signs_in_a_pipeline_import_naming_the_row(acme, alice):
    text = (
        "Record ID,Email,Lifecycle Stage,Create Date\n"
        "1,ok@prospect.example,lead,2026-03-01\n"
        f"2,{BAD},lead,2026-03-01\n"
    )
    run = import_leads(acme, alice, text)
    error = run.row_errors.get()
    assert (error.row, error.column) == (3, "Email")
    assert error.message == f"'{BAD}' is not an email address."
    assert list(Lead.objects.values_list("email", flat=True)) == ["ok@prospect.example"]


def test_it_refuses_two_at_signs_in_a_recipient_upload_naming_the_row(acme, alice):
    owner = membership(alice, acme)
    survey = survey_create(membership=owner, name="NPS", brand_name="Acme")
    campaign = campaign_create(membership=owner, survey=survey, name="Q3")
    data = f"email,name\nok@customer.example,Ok\n{BAD},Bad\n".encode()
    run = list_added(owner, campaign, data)
    assert refused(run) == [(3, f"email: '{BAD}' is not an email address.")]
    assert list(Recipient.objects.values_list("email", flat=True)) == ["ok@customer.example"]


def test_it_refuses_two_at_signs_in_the_recipients_api(acme, alice):
    owner = membership(alice, acme)
    survey = survey_create(membership=owner, name="NPS", brand_name="Acme")
    campaign = campaign_create(membership=owner, survey=survey, name="Q3")
    response = api_as(alice, acme).post(
        f"{API}/feedback/campaigns/{campaign.pk}/recipients", {"csv": f"email\n{BAD}\n"}
    )
    # The operation's contract: the list is queued, then each bad row is listed.
    assert response.status_code == 202, response.content
    run_queued_jobs()
    state = api_as(alice, acme).get(
        f"{API}/feedback/campaigns/{campaign.pk}/recipient-imports/{response.json()['id']}"
    )
    assert (state.json()["status"], state.json()["added"]) == ("done", 0)
    assert state.json()["errors"] == [
        {"row": 2, "reason": f"email: '{BAD}' is not an email address."}
    ]
    assert not Recipient.objects.exists()


def test_it_refuses_two_at_signs_in_imported_responses_naming_the_row(acme, alice):
    data = f"score,date,email\n9,2025-03-31,ok@customer.example\n7,2025-03-31,{BAD}\n"
    result = responses_import(membership=membership(alice, acme), data=data.encode(), fmt="generic")
    assert result.errors == [(3, f"email: '{BAD}' is not an email address.")]
    assert list(Response.objects.values_list("email", flat=True)) == ["ok@customer.example"]


@pytest.mark.parametrize("kind", ["activity", "content"])
def test_it_refuses_two_at_signs_in_goal_imports_naming_the_row(acme, alice, kind):
    owner = membership(alice, acme)
    if kind == "activity":
        data = f"email,date\n{BAD},2026-06-01\n"
        run = goals.activity_import_csv
    else:
        ContentAsset.objects.create(organization=acme, title="Guide", kind="deck")
        data = f"email,asset,date\n{BAD},Guide,2026-06-01\n"
        run = goals.content_usage_import_csv
    with pytest.raises(ValidationError) as caught:
        run(membership=owner, data=data.encode())
    assert caught.value.message_dict["file"] == [
        f"Row 2, column 'email': '{BAD}' is not an email address."
    ]
    assert not ActivityLog.objects.exists() and not ContentUsage.objects.exists()


def test_it_refuses_two_at_signs_in_an_invitation_through_the_api(acme, alice):
    response = api_as(alice, acme).post(f"{API}/invitations", {"email": BAD})
    assert "is not an email address" in fields(response)["body.email"]
    assert not Invitation.objects.exists()


def test_it_refuses_two_at_signs_in_the_invitation_form(alice_client, acme):
    response = alice_client.post(
        reverse("org_members", args=["acme"]), {"email": BAD, "role": "member"}
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_refuses_two_at_signs_for_an_owner_on_the_command_line(db):
    with pytest.raises(CommandError, match=f"email: '{BAD}' is not an email address"):
        call_command("org", "create", "initech", "--name", "Initech", "--owner", BAD)
    assert not User.objects.exists()
