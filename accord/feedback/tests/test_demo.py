"""Northwind's feedback demo: a year of answers, follow-ups and themes, from
campaigns that tell one story. Seeded once, read by each check in turn (a
check that writes is undone before the next). (A second run changing nothing
is accord/tests/test_demo.py's, for every app.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accord.cli.demo import seed_demo
from accord.feedback.models import Campaign, FollowUp, FollowUpEntry, Recipient, Response, Theme
from accord.feedback.selectors import nps_by
from accord.feedback.services import recipients_import_contacts
from accord.jobs.testing import run_queued_jobs
from accord.orgs.models import Membership, Organization
from accord.pipeline.models import Account, Contact

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_it_seeds_a_year_of_feedback_that_tells_one_story(subtests):
    organization = seed_demo()
    for check in (
        answers_follow_ups_and_themes,
        sent_campaigns_have_their_recipients_and_answers,
        worked_follow_ups_have_their_timeline,
        a_new_campaign_takes_recipients_from_pipeline_contacts,
    ):
        with subtests.test(check.__name__.replace("_", " ")), transaction.atomic():
            check(organization)
            transaction.set_rollback(True)


def answers_follow_ups_and_themes(organization: Organization) -> None:
    assert Response.objects.count() > 300
    assert FollowUp.objects.filter(status__in=["resolved", "lost"]).exists()
    assert FollowUp.objects.filter(status__in=["open", "contacted"]).exists()
    assert Theme.objects.count() >= 3
    assert len(nps_by(organization, by="month").groups) >= 12


def sent_campaigns_have_their_recipients_and_answers(organization: Organization) -> None:
    sent = list(Campaign.objects.filter(status="sent"))
    assert len(sent) >= 12
    now = timezone.now()
    for campaign in sent:
        recipients = Recipient.objects.filter(campaign=campaign)
        assert recipients.count() > 30, campaign.name
        assert not recipients.exclude(status="sent").exists()
        assert campaign.sent_at is not None
        if campaign.sent_at < now - timedelta(days=3):
            assert campaign.responses.count() > 10, campaign.name
        # Every answer came from one of the campaign's own recipients.
        assert not campaign.responses.exclude(recipient__campaign=campaign).exists()
        answered = recipients.filter(responded_at__isnull=False).count()
        assert answered == campaign.responses.count()
    assert not Response.objects.filter(recipient__isnull=True).exists()
    assert Response.objects.filter(created_at__gt=now).count() == 0


def worked_follow_ups_have_their_timeline(organization: Organization) -> None:
    worked = FollowUp.objects.exclude(status="open")
    assert worked.exists()
    for followup in worked:
        entries = list(followup.entries.all())
        kinds = [e.kind for e in entries]
        assert "action" in kinds and entries[-1].text == "Open → Contacted"
        allowed = FollowUp.ACTIONS[followup.kind]
        assert all(e.action in allowed for e in entries if e.kind == "action")
        if followup.is_closed:
            assert entries[0].text.startswith(f"Contacted → {followup.get_status_display()}")
    assert not FollowUpEntry.objects.filter(at__gt=timezone.now()).exists()
    assert not FollowUp.objects.filter(closed_at__gt=timezone.now()).exists()
    assert not FollowUpEntry.objects.filter(followup__status="open").exists()


def a_new_campaign_takes_recipients_from_pipeline_contacts(organization: Organization) -> None:
    assert Account.objects.filter(organization=organization).count() >= 14
    assert Contact.objects.filter(organization=organization).count() >= 180
    draft = Campaign.objects.get(organization=organization, status="draft")
    nadia = Membership.objects.get(organization=organization, user__email="nadia@northwind.example")

    result = recipients_import_contacts(membership=nadia, campaign=draft)
    run_queued_jobs()
    result.refresh_from_db()

    # The newest customers' people have never been asked; most others were
    # asked within the 90-day interval and are skipped.
    companies = set(draft.recipients.values_list("company", flat=True))
    assert {"Relecloud", "Woodgrove"} <= companies
    assert result.status == "done", result.status
    assert result.added >= 8 and result.skipped_recent > 0 and not result.errors.exists()
    assert draft.recipients.count() == result.added
