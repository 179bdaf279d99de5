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
from accord.feedback.models import Campaign, Contact, Recipient, RecipientImport
from accord.feedback.selectors import campaign_progress
from accord.feedback.services import (
    campaign_create,
    campaign_send,
    campaigns,
    feedback_settings,
    recipients_import_csv,
    recipients_import_run,
    survey_create,
)
from accord.feedback.tests.factories import list_added, refused
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
    run = list_added(owner, campaign, CSV)
    assert (run.status, run.added, run.refused, run.rows_done) == ("done", 3, 0, 4)
    ana = Recipient.objects.get(email="ana@customer.example")
    assert ana.language == "es"
    assert ana.attributes == {"plan": "enterprise", "region": "EMEA"}
    # The upload is kept only until its import has run.
    assert bytes(run.data) == b""


def test_it_refuses_bad_rows_by_number_and_adds_the_others(owner, campaign):
    text = (
        "email,name,language\n,No Email,en\nnot-an-address,X,en\nok@customer.example,Ok,xx\n"
        "good@customer.example,Good,fr\n"
    )
    run = list_added(owner, campaign, text)
    assert refused(run) == [
        (2, "email: missing."),
        (3, "email: 'not-an-address' is not an email address."),
        (4, "language: unknown 'xx'; use one of en, es, fr, de or leave empty."),
    ]
    assert (run.added, run.refused) == (1, 3)
    assert list(Recipient.objects.values_list("email", "language")) == [
        ("good@customer.example", "fr")
    ]


def test_it_refuses_a_list_without_an_email_column_at_once(owner, campaign):
    with pytest.raises(ValidationError) as error:
        recipients_import_csv(membership=owner, campaign=campaign, data=b"name\nAna\n")
    assert error.value.message_dict == {"file": ["Row 1: missing column email; found name."]}
    assert not RecipientImport.objects.exists()
    assert Recipient.objects.count() == 0


def test_it_adds_a_list_saved_by_excel_with_semicolons_in_windows_1252(owner, campaign):
    """Excel's "CSV" on a French Windows: cp1252, semicolons, a BOM-less header in capitals."""
    text = "E-mail;Name;Company;Language\r\nchloe@customer.example;Chloé;Café Ŝ SARL;fr\r\n"
    data = text.replace("Ŝ", "&").replace("E-mail", "Email").encode("cp1252")
    run = list_added(owner, campaign, data)
    assert (run.added, run.refused) == (1, 0)
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
    run = list_added(owner, campaign, CSV)
    assert (run.added, run.skipped_recent, run.skipped_opted_out) == (1, 1, 1)
    assert list(Recipient.objects.values_list("email", flat=True)) == ["chloe@customer.example"]


def test_it_lets_only_leads_manage_campaigns(bob_member, campaign):
    with pytest.raises(PermissionDenied):
        recipients_import_csv(membership=bob_member, campaign=campaign, data=CSV.encode())
    assert not RecipientImport.objects.exists()


def test_it_sends_over_smtp_with_both_parts_a_clickable_scale_and_unsubscribe(
    owner, campaign, smtp
):
    list_added(owner, campaign, CSV.encode())
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
    list_added(owner, campaign, CSV.encode())
    campaign_send(membership=owner, campaign=campaign)
    run_queued_jobs()
    assert len(smtp.messages) == 3
    assert len(opened) == 2  # batches of 2 and 1


def test_it_resumes_after_a_crash_without_sending_anyone_twice(owner, campaign, smtp, monkeypatch):
    list_added(owner, campaign, CSV.encode())
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

    list_added(owner, campaign, CSV.encode())
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
    list_added(owner, campaign, CSV.encode())
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
    list_added(owner, campaign, CSV.encode())
    campaign_send(membership=owner, campaign=campaign)
    with pytest.raises(ValidationError):
        campaign_send(membership=owner, campaign=campaign)
    with pytest.raises(ValidationError):
        recipients_import_csv(membership=owner, campaign=campaign, data=CSV.encode())


def test_the_campaign_owner_reads_the_survey_she_sent_in_the_outbox(carol_member, bob_member, acme):
    """The marketing lead may not read every captured message, but she reads
    the surveys of her own campaign; another member does not."""
    from django.test import Client

    survey = survey_create(membership=carol_member, name="Pulse", brand_name="Acme")
    mine = campaign_create(membership=carol_member, survey=survey, name="Carol's customers")
    list_added(carol_member, mine, CSV.encode())
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
    list_added(owner, campaign, CSV.encode())
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


def _run_statements(owner, campaign, text: str) -> tuple[RecipientImport, list[str]]:
    """Queue a list, then run its import (the job's body) capturing its statements."""
    run = recipients_import_csv(membership=owner, campaign=campaign, data=text.encode())
    with CaptureQueriesContext(connection) as queries:
        recipients_import_run(import_id=run.pk)
    run.refresh_from_db()
    # SQLite's limit on parameters splits one bulk insert into several
    # statements: those count as one here.
    return run, [kind for kind, _ in itertools.groupby(statements(queries))]


BATCH_STATEMENTS = [
    "SELECT feedback_recipientimport",  # locked: not committed by another worker
    "SELECT feedback_campaign",  # still a draft, locked for the batch
    "SELECT feedback_contact",
    "INSERT feedback_contact",
    "SELECT feedback_contact",
    "SELECT pipeline_contact",  # account owners
    "SELECT pipeline_lead",
    "SELECT feedback_recipient",  # already on the campaign
    "INSERT feedback_recipient",
    "UPDATE feedback_campaign",  # its recipient count
    "UPDATE feedback_recipientimport",  # counts and rows_done, with the batch
]


def test_it_adds_a_list_in_the_same_number_of_queries_per_batch_whatever_its_length(
    owner, bob_member, acme, campaign, monkeypatch
):
    feedback_settings(owner.organization)  # read once, before either list
    counts = {}
    for rows, tag in ((12, "small"), (120, "large")):
        run, counts[rows] = _run_statements(
            owner, campaign, _mixed_csv(acme, owner, bob_member, rows, tag)
        )
        assert (run.added, run.skipped_opted_out, run.skipped_recent) == (rows - 2, 1, 1)
    start = counts[12][: counts[12].index("SELECT feedback_campaign") - 1]
    finish = [
        "SELECT feedback_recipientimport",
        "UPDATE feedback_recipientimport",  # done, the stored file dropped
        "INSERT orgs_auditevent",
    ]
    assert counts[12] == counts[120] == start + BATCH_STATEMENTS + finish, counts
    assert len(start) <= 4, start
    added = Recipient.objects.filter(email__startswith="large-")
    assert added.count() == 118
    assert {r.account_owner for r in added.filter(email__in=["large-3@c.example"])} == {bob_member}
    assert added.get(email="large-4@c.example").account_owner == owner
    assert added.get(email="large-5@c.example").account_owner is None
    assert added.get(email="large-2@c.example").attributes == {"plan": "gold"}
    # Batches of 50: three rounds of the same statements.
    monkeypatch.setattr(campaigns, "ADD_BATCH", 50)
    run, batched = _run_statements(owner, campaign, _mixed_csv(acme, owner, bob_member, 120, "b"))
    assert batched == start + BATCH_STATEMENTS * 3 + finish, batched
    assert (run.added, run.rows_done) == (118, 121)
    # Adding the same list again adds no one twice.
    again = list_added(owner, campaign, "email\nlarge-5@c.example\n")
    assert (again.added, again.duplicates) == (0, 1)
    assert Recipient.objects.filter(email="large-5@c.example").count() == 1


def test_it_resumes_a_list_after_a_killed_worker_without_adding_anyone_twice(
    owner, campaign, monkeypatch
):
    """The worker dies after the first batch committed: the job run again
    starts after it and ends as one clean run would."""
    monkeypatch.setattr(campaigns, "ADD_BATCH", 4)
    text = "email,name\n" + "".join(f"p{i}@c.example,P{i}\n" for i in range(10)) + "bad,X\n"
    run = recipients_import_csv(membership=owner, campaign=campaign, data=text.encode())
    real = campaigns._recipients_add_batch
    calls = {"n": 0}

    def die_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("the worker is killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(campaigns, "_recipients_add_batch", die_on_second)
    with pytest.raises(KeyboardInterrupt):
        recipients_import_run(import_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.rows_done, run.added) == ("running", 5, 4)
    assert bytes(run.data) == text.encode()  # kept until the run ends
    monkeypatch.setattr(campaigns, "_recipients_add_batch", real)
    recipients_import_run(import_id=run.pk)
    recipients_import_run(import_id=run.pk)  # a third run changes nothing
    run.refresh_from_db()
    assert (run.status, run.rows_done, run.added, run.duplicates) == ("done", 12, 10, 0)
    assert refused(run) == [(12, "email: 'bad' is not an email address.")]
    assert Recipient.objects.count() == 10
    assert bytes(run.data) == b""


def test_it_refuses_to_send_while_a_list_is_being_added(owner, campaign):
    list_added(owner, campaign, CSV)
    recipients_import_csv(
        membership=owner, campaign=campaign, data=b"email\nzed@customer.example\n"
    )
    with pytest.raises(ValidationError, match="still being added"):
        campaign_send(membership=owner, campaign=campaign)
    run_queued_jobs()
    campaign_send(membership=owner, campaign=campaign)
    assert Recipient.objects.filter(campaign=campaign).count() == 4


def test_it_refuses_a_broken_quote_and_a_long_segment_by_row_in_a_german_excel_list(
    owner, campaign
):
    """Excel "CSV" on a German Windows: cp1252, semicolons; a segment too long
    is refused with the limit, never cut; a quote never closed is refused with
    its row; the rows before them are added."""
    head = "Email;Name;Branche\r\nzoe@kunde.example;Zoë;Maschinenbau\r\n"
    long_value = f"ana@kunde.example;Ana;{'x' * 201}\r\n"
    run = list_added(owner, campaign, (head + long_value).encode("cp1252"))
    assert refused(run) == [(3, "branche: 201 characters; at most 200 fit.")]
    assert list(Recipient.objects.values_list("email", "name", "attributes")) == [
        ("zoe@kunde.example", "Zoë", {"branche": "Maschinenbau"})
    ]
    broken = 'Email;Name;Branche\r\nbo@kunde.example;"Bo;Handel\r\ncy@kunde.example;Cy;Handel\r\n'
    run = list_added(owner, campaign, broken.encode("cp1252"))
    assert refused(run) == [
        (2, "cannot be read as CSV: a quote opened on this row is never closed.")
    ]
    assert (run.added, run.refused) == (0, 1)
    assert not Recipient.objects.filter(email__in=["bo@kunde.example", "cy@kunde.example"])


def test_it_refuses_rows_of_the_wrong_width_and_unreadable_bytes_by_row(owner, campaign):
    """A row with more or fewer fields than the header, a quote closed on a
    later line (two rows run together) and a byte the file's encoding cannot
    read: each refused with its number and why, the good rows added."""
    rows = [
        "email,name,company",
        "ana@c.example,Ana,A",
        "ben@c.example,Ben,B,extra",
        "cy@c.example,Cy",
        'di@c.example,"Di,D',
        'ed@c.example,Ed,E"',
        "fay@c.example,Fay,F",
    ]
    # Windows-1252 (the Güs row says so); 0x81 is no character of it.
    data = ("\n".join(rows) + "\n").encode() + "gus@c.example,Güs,G\n".encode("cp1252")
    data += b"ida@c.example,Ida\x81,I\nhal@c.example,Hal,H\n"
    run = list_added(owner, campaign, data)
    assert refused(run) == [
        (3, "has 4 fields where the header has 3."),
        (4, "has 2 fields where the header has 3."),
        (5, "has 2 fields where the header has 3; a quote may be left open."),
        # Rows as a spreadsheet numbers them: rows 5 and 6 of the text made one.
        (
            8,
            "cannot be read as CSV: byte 0x81 cannot be read as Windows-1252; Accord reads "
            "UTF-8 (with or without BOM), UTF-16 or Windows-1252 (Latin-1): save the file as "
            '"CSV UTF-8".',
        ),
    ]
    assert list(Recipient.objects.values_list("email", "name")) == [
        ("ana@c.example", "Ana"),
        ("fay@c.example", "Fay"),
        ("gus@c.example", "Güs"),
        ("hal@c.example", "Hal"),
    ]
    assert not Recipient.objects.filter(name__contains="\ufffd").exists()


def test_it_refuses_a_file_of_no_encoding_it_reads_naming_the_encodings(owner, campaign):
    with pytest.raises(ValidationError) as error:
        recipients_import_csv(
            membership=owner, campaign=campaign, data=b"email,n\xfcme\n\x00\x01\x02\n"
        )
    assert "binary data" in error.value.message_dict["file"][0]
    assert not RecipientImport.objects.exists()


def test_it_checks_a_list_in_a_dry_run_adding_no_one(owner, campaign):
    run = list_added(owner, campaign, CSV + "nope,X,,,,\n", dry_run=True)
    assert (run.status, run.added, run.refused) == ("done", 3, 1)
    assert refused(run) == [(5, "email: 'nope' is not an email address.")]
    assert not Recipient.objects.exists()
    assert not Contact.objects.exists()
