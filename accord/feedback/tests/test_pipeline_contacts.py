"""Survey recipients from pipeline contacts, and the account owner on the loop."""

from __future__ import annotations

import pytest

from accord.feedback.models import FollowUp, Recipient
from accord.feedback.services import (
    campaign_create,
    recipients_import_contacts,
    response_record,
    survey_create,
)
from accord.feedback.tests.factories import live_link
from accord.jobs.testing import run_queued_jobs
from accord.lib.tokens import hash_token
from accord.pipeline.tests import factories as pipeline

pytestmark = pytest.mark.django_db


def test_it_adds_a_segment_of_pipeline_contacts_with_their_account_owner(
    acme, owner, bob_member, carol_member
):
    emea = pipeline.AccountFactory(organization=acme, region="EMEA", owner=bob_member)
    apac = pipeline.AccountFactory(organization=acme, region="APAC")
    pipeline.ContactFactory(
        organization=acme, account=emea, email="ana@customer.example", language="es"
    )
    pipeline.ContactFactory(organization=acme, account=apac, email="hiro@customer.example")
    survey = survey_create(membership=owner, name="S")
    campaign = campaign_create(membership=owner, survey=survey, name="EMEA")

    run = recipients_import_contacts(
        membership=owner, campaign=campaign, segment={"region": "EMEA"}
    )
    assert (run.status, run.rows_total) == ("queued", 0)
    run_queued_jobs()
    run.refresh_from_db()

    assert (run.status, run.rows_total, run.rows_done, run.added) == ("done", 1, 1, 1)
    ana = Recipient.objects.get()
    assert (ana.email, ana.language, ana.account_owner) == (
        "ana@customer.example",
        "es",
        bob_member,
    )
    assert ana.attributes.get("region") == "EMEA"
    # Her answer's recovery loop goes to her account owner, with marketing.
    Recipient.objects.filter(pk=ana.pk).update(token_hash=hash_token("z" * 43), status="sent")
    response_record(link=live_link("z" * 43), score=3)
    run_queued_jobs()
    followup = FollowUp.objects.get()
    assert (followup.sales_owner, followup.marketing_owner) == (bob_member, carol_member)


def test_it_adds_pipeline_contacts_in_the_background_refusing_unusable_addresses(
    acme, owner, monkeypatch
):
    from accord.feedback.services import campaigns

    monkeypatch.setattr(campaigns, "ADD_BATCH", 2)
    for index in range(5):
        pipeline.ContactFactory(organization=acme, email=f"p{index}@customer.example")
    pipeline.ContactFactory(organization=acme, email="not-an-address")
    survey = survey_create(membership=owner, name="S")
    campaign = campaign_create(membership=owner, survey=survey, name="All")
    run = recipients_import_contacts(membership=owner, campaign=campaign)
    run_queued_jobs()
    run.refresh_from_db()
    assert (run.status, run.rows_total, run.rows_done, run.added, run.refused) == (
        "done",
        6,
        6,
        5,
        1,
    )
    assert list(run.errors.values_list("row", "message")) == [
        (6, "contact not-an-address: email: 'not-an-address' is not an email address.")
    ]
    assert Recipient.objects.filter(campaign=campaign).count() == 5
