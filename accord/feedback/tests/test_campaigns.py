"""Campaigns: recipients from a CSV, throttling and opt-out, sending in batches
over one SMTP connection, resuming without sending twice, the reminder."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accord.feedback import jobs
from accord.feedback.models import Campaign, Contact, Recipient
from accord.feedback.selectors import campaign_progress
from accord.feedback.services import (
    campaign_create,
    campaign_send,
    feedback_settings,
    recipients_add_csv,
    survey_create,
)
from accord.feedback.tests.statements import statements
from accord.jobs.testing import run_queued_jobs
from accord.mail.models import CapturedMessage
from accord.pipeline.tests.factories import AccountFactory, LeadFactory
from accord.pipeline.tests.factories import ContactFactory as PipelineContactFactory

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

CSV = """email,name,company,language,plan,region
ana@customer.example,Ana,Customer SA,es,enterprise,EMEA
ben@customer.example,Ben,Customer Inc,,starter,NA
chloe@customer.example,Chloé,Client SARL,fr,starter,EMEA
"""


@pytest.fixture
def campaign(owner) -> Campaign:
    survey = survey_create(membership=owner, name="Quarterly NPS", brand_name="Acme")
    return campaign_create(membership=owner, survey=survey, name="Q3 customers")


def test_it_adds_recipients_from_a_csv_keeping_extra_columns(owner, campaign):
    result = recipients_add_csv(membership=owner, campaign=campaign, data=CSV.encode())
    assert (result.added, result.errors) == (3, [])
    ana = Recipient.objects.get(email="ana@customer.example")
    assert ana.language == "es"
    assert ana.attributes == {"plan": "enterprise", "region": "EMEA"}


def test_it_reports_bad_rows_by_number_and_adds_nothing(owner, campaign):
    text = "email,name,language\n,No Email,en\nnot-an-address,X,en\nok@customer.example,Ok,xx\n"
    result = recipients_add_csv(membership=owner, campaign=campaign, data=text.encode())
    assert result.errors == [
        (2, "email: missing."),
        (3, "email: 'not-an-address' is not an email address."),
        (4, "language: unknown 'xx'; use one of en, es, fr, de or leave empty."),
    ]
    assert Recipient.objects.count() == 0


def test_it_needs_an_email_column(owner, campaign):
    result = recipients_add_csv(membership=owner, campaign=campaign, data=b"name\nAna\n")
    assert result.errors == [(1, "Row 1: missing column(s) email; found name.")]
    assert Recipient.objects.count() == 0


def test_it_adds_a_list_saved_by_excel_with_semicolons_in_windows_1252(owner, campaign):
    """Excel's "CSV" on a French Windows: cp1252, semicolons, a BOM-less header in capitals."""
    text = "E-mail;Name;Company;Language\r\nchloe@customer.example;Chloé;Café Ŝ SARL;fr\r\n"
    data = text.replace("Ŝ", "&").replace("E-mail", "Email").encode("cp1252")
    result = recipients_add_csv(membership=owner, campaign=campaign, data=data)
    assert (result.added, result.errors) == (1, [])
    chloe = Recipient.objects.get()
    assert (chloe.email, chloe.name, chloe.company, chloe.language) == (
        "chloe@customer.example",
        "Chloé",
        "Café & SARL",
        "fr",
    )


def test_it_skips_recently_surveyed_and_opted_out_contacts(owner, acme, campaign):
    Contact.objects.create(
        organization=acme, email="ana@customer.example", last_surveyed_at=timezone.now()
    )
    Contact.objects.create(
        organization=acme, email="ben@customer.example", opted_out_at=timezone.now()
    )
    Contact.objects.create(
        organization=acme,
        email="chloe@customer.example",
        last_surveyed_at=timezone.now() - timedelta(days=91),
    )
    result = recipients_add_csv(membership=owner, campaign=campaign, data=CSV.encode())
    assert (result.added, result.skipped_recent, result.skipped_opted_out) == (1, 1, 1)


def test_it_lets_only_leads_manage_campaigns(bob_member, campaign):
    with pytest.raises(PermissionDenied):
        recipients_add_csv(membership=bob_member, campaign=campaign, data=CSV.encode())


def test_it_sends_over_smtp_with_both_parts_a_clickable_scale_and_unsubscribe(
    owner, campaign, smtp
):
    recipients_add_csv(membership=owner, campaign=campaign, data=CSV.encode())
    campaign_send(membership=owner, campaign=campaign)
    run_queued_jobs()
    assert len(smtp.messages) == 3
    by_address = {envelope.rcpt_tos[0]: message for envelope, message in smtp.messages}
    ana = by_address["ana@customer.example"]
    unsubscribe = str(ana["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<http") and unsubscribe.endswith("/unsubscribe>")
    assert ana["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = ana.get_body(("html",)).get_content()
    text = ana.get_body(("plain",)).get_content()
    assert "¿Qué probabilidad hay" in html  # Ana reads Spanish
    for score in range(11):
        assert f"?score={score}" in html
    assert "/unsubscribe" in text
    ben_text = by_address["ben@customer.example"].get_body(("plain",)).get_content()
    assert "How likely are you to recommend Acme" in ben_text
    campaign.refresh_from_db()
    assert campaign.status == "sent"
    progress = campaign_progress(campaign)
    assert (progress.sent, progress.skipped, progress.bounced, progress.responded) == (3, 0, 0, 0)
    # Only hashes are stored, and each link opens its own form.
    recipient = Recipient.objects.get(email="ben@customer.example")
    assert recipient.token_hash and len(recipient.token_hash) == 64
    assert recipient.expires_at is not None
    assert recipient.expires_at > timezone.now() + timedelta(days=59)


def test_it_sends_each_batch_over_one_connection(owner, campaign, smtp, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_SIZE", 2)
    opened: list[int] = []
    real = get_connection

    def counting(**kwargs):
        connection = real(**kwargs)
        opened.append(1)
        return connection

    monkeypatch.setattr(jobs, "get_connection", counting)
    recipients_add_csv(membership=owner, campaign=campaign, data=CSV.encode())
    campaign_send(membership=owner, campaign=campaign)
    run_queued_jobs()
    assert len(smtp.messages) == 3
    assert len(opened) == 2  # batches of 2 and 1


def test_it_resumes_after_a_crash_without_sending_anyone_twice(owner, campaign, smtp, monkeypatch):
    recipients_add_csv(membership=owner, campaign=campaign, data=CSV.encode())
    campaign_send(membership=owner, campaign=campaign)
    calls = {"n": 0}
    real_send = EmailMultiAlternatives.send

    def crash_on_second(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("the worker is killed mid-batch")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        jobs.campaign_send_batch(campaign_id=campaign.pk)
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    # The worker comes back and runs the batch job again.
    jobs.campaign_send_batch(campaign_id=campaign.pk)
    run_queued_jobs()
    delivered = [envelope.rcpt_tos[0] for envelope, _ in smtp.messages]
    assert len(delivered) == len(set(delivered))
    progress = campaign_progress(Campaign.objects.get(pk=campaign.pk))
    # The one interrupted mid-hand-over is not sent again: it shows as unconfirmed.
    assert (progress.sent, progress.unconfirmed) == (2, 1)


def test_it_counts_a_refused_address_as_bounced(owner, campaign, smtp, monkeypatch):
    import smtplib

    recipients_add_csv(membership=owner, campaign=campaign, data=CSV.encode())
    campaign_send(membership=owner, campaign=campaign)
    real_send = EmailMultiAlternatives.send

    def refuse_ben(self, *args, **kwargs):
        if self.to == ["ben@customer.example"]:
            raise smtplib.SMTPRecipientsRefused({"ben@customer.example": (550, b"no such user")})
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_ben)
    run_queued_jobs()
    progress = campaign_progress(campaign)
    assert (progress.sent, progress.bounced) == (2, 1)


def test_it_reminds_non_respondents_once_after_three_days(owner, campaign, acme):
    recipients_add_csv(membership=owner, campaign=campaign, data=CSV.encode())
    campaign_send(membership=owner, campaign=campaign)
    run_queued_jobs()
    assert CapturedMessage.objects.count() == 3
    ana = Recipient.objects.get(email="ana@customer.example")
    Recipient.objects.filter(pk=ana.pk).update(responded_at=timezone.now())
    Contact.objects.filter(email="ben@customer.example").update(opted_out_at=timezone.now())
    run_queued_jobs(until=timezone.now() + timedelta(days=2))
    assert CapturedMessage.objects.count() == 3
    run_queued_jobs(until=timezone.now() + timedelta(days=3, minutes=1))
    reminders = CapturedMessage.objects.order_by("id")[3:]
    assert [m.to for m in reminders] == [["chloe@customer.example"]]
    run_queued_jobs(until=timezone.now() + timedelta(days=30))
    assert CapturedMessage.objects.count() == 4
    campaign.refresh_from_db()
    assert campaign.reminder_sent_at is not None


def test_it_refuses_to_send_an_empty_or_sent_campaign(owner, campaign):
    with pytest.raises(ValidationError):
        campaign_send(membership=owner, campaign=campaign)
    recipients_add_csv(membership=owner, campaign=campaign, data=CSV.encode())
    campaign_send(membership=owner, campaign=campaign)
    with pytest.raises(ValidationError):
        campaign_send(membership=owner, campaign=campaign)
    with pytest.raises(ValidationError):
        recipients_add_csv(membership=owner, campaign=campaign, data=CSV.encode())


def test_the_campaign_owner_reads_the_survey_she_sent_in_the_outbox(carol_member, bob_member, acme):
    """The marketing lead may not read every captured message, but she reads
    the surveys of her own campaign; another member does not."""
    from django.test import Client

    survey = survey_create(membership=carol_member, name="Pulse", brand_name="Acme")
    mine = campaign_create(membership=carol_member, survey=survey, name="Carol's customers")
    recipients_add_csv(membership=carol_member, campaign=mine, data=CSV.encode())
    campaign_send(membership=carol_member, campaign=mine)
    run_queued_jobs()

    carol = Client()
    carol.force_login(carol_member.user)
    page = carol.get(f"/o/{acme.slug}/outbox/").content.decode()
    assert "ana@customer.example" in page and "ben@customer.example" in page
    message = CapturedMessage.objects.get(recipients="ana@customer.example")
    assert carol.get(f"/o/{acme.slug}/outbox/{message.pk}/").status_code == 200

    bob = Client()
    bob.force_login(bob_member.user)
    assert "ana@customer.example" not in bob.get(f"/o/{acme.slug}/outbox/").content.decode()
    assert bob.get(f"/o/{acme.slug}/outbox/{message.pk}/").status_code == 404


def test_it_puts_the_mail_in_the_organisations_outbox(owner, campaign, acme):
    recipients_add_csv(membership=owner, campaign=campaign, data=CSV.encode())
    campaign_send(membership=owner, campaign=campaign)
    run_queued_jobs()
    assert set(CapturedMessage.objects.values_list("organization_id", flat=True)) == {acme.pk}


def _mixed_csv(acme, owner, bob_member, rows: int, tag: str) -> str:
    """``rows`` addresses: new ones, some already contacts (one opted out, one
    surveyed lately), some owned in the pipeline by a contact's account or a lead."""
    now = timezone.now()
    Contact.objects.create(organization=acme, email=f"{tag}-0@c.example", opted_out_at=now)
    Contact.objects.create(organization=acme, email=f"{tag}-1@c.example", last_surveyed_at=now)
    Contact.objects.create(organization=acme, email=f"{tag}-2@c.example", name="Known")
    account = AccountFactory.create(organization=acme, owner=bob_member)
    for index in range(3, rows, 4):
        PipelineContactFactory(organization=acme, email=f"{tag}-{index}@c.example", account=account)
    for index in range(4, rows, 4):
        LeadFactory.create(organization=acme, email=f"{tag}-{index}@c.example", owner=owner)
    lines = [f"{tag}-{index}@c.example,Person {index},,en,gold" for index in range(rows)]
    return "email,name,company,language,plan\n" + "\n".join(lines) + "\n"


def test_it_adds_a_list_in_the_same_number_of_queries_whatever_its_length(
    owner, bob_member, acme, campaign
):
    feedback_settings(owner.organization)  # read once, before either list
    counts = {}
    for rows, tag in ((12, "small"), (120, "large")):
        text = _mixed_csv(acme, owner, bob_member, rows, tag)
        with CaptureQueriesContext(connection) as queries:
            result = recipients_add_csv(membership=owner, campaign=campaign, data=text.encode())
        # SQLite's limit on parameters splits one bulk insert into several
        # statements: those count as one here.
        counts[rows] = [kind for kind, _ in itertools.groupby(statements(queries))]
        assert (result.added, result.skipped_opted_out, result.skipped_recent) == (rows - 2, 1, 1)
    assert (
        counts[12]
        == counts[120]
        == [
            "SELECT feedback_campaign",  # still a draft
            "SELECT feedback_contact",
            "INSERT feedback_contact",
            "SELECT feedback_contact",
            "SELECT pipeline_contact",  # account owners
            "SELECT pipeline_lead",
            "SELECT feedback_recipient",  # already on the campaign
            "INSERT feedback_recipient",
            "INSERT orgs_auditevent",
        ]
    ), counts
    added = Recipient.objects.filter(email__startswith="large-")
    assert added.count() == 118
    assert {r.account_owner for r in added.filter(email__in=["large-3@c.example"])} == {bob_member}
    assert added.get(email="large-4@c.example").account_owner == owner
    assert added.get(email="large-5@c.example").account_owner is None
    assert added.get(email="large-2@c.example").attributes == {"plan": "gold"}
    # Adding the same list again adds no one twice.
    again = recipients_add_csv(
        membership=owner,
        campaign=campaign,
        data=(_mixed_csv(acme, owner, bob_member, 0, "x") + "large-5@c.example,,,,\n").encode(),
    )
    assert (again.added, again.duplicates) == (0, 1)


def test_it_refuses_a_broken_quote_and_a_long_segment_by_row_in_a_german_excel_list(
    owner, campaign
):
    """Excel "CSV" on a German Windows: cp1252, semicolons; a quote never closed
    and a segment too long are refused with their rows, nothing is added."""
    head = "Email;Name;Branche\r\nzoe@kunde.example;Zoë;Maschinenbau\r\n"
    long_value = f"ana@kunde.example;Ana;{'x' * 201}\r\n"
    result = recipients_add_csv(
        membership=owner, campaign=campaign, data=(head + long_value).encode("cp1252")
    )
    assert result.errors == [(3, "branche: at most 200 characters.")]
    broken = head + 'bo@kunde.example;"Bo;Handel\r\ncy@kunde.example;Cy;Handel\r\n'
    result = recipients_add_csv(membership=owner, campaign=campaign, data=broken.encode("cp1252"))
    assert result.errors == [
        (3, "Row 3: not valid CSV (a quote opened on this row is never closed).")
    ]
    assert Recipient.objects.count() == 0
