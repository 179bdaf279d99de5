"""A follow-up keeps a timeline (status changes, notes, actions; who and when)
instead of one notes box, and offers the actions of its kind: recovery for a
detractor, the referral, case-study and review asks for a promoter."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from accord.feedback.models import FollowUp, FollowUpEntry
from accord.feedback.services import followup_action_record, followup_note_add, followup_update
from accord.feedback.tests.factories import FollowUpFactory
from accord.feedback.tests.test_api import Api, fields
from accord.orgs.models import Membership

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

HOUR = timedelta(hours=1)


def _client(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def _timeline(html: str) -> list[str]:
    """The timeline's lines as a reader sees them, top to bottom."""
    section = html.split('<h2 id="timeline">', 1)[1].split("</section>", 1)[0]
    items = re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items]


def test_it_writes_status_changes_and_notes_with_who_and_when(acme, bob_member, frozen_clock):
    followup = FollowUpFactory.create(organization=acme)
    opened = timezone.now()
    frozen_clock.shift(3600)
    followup_update(membership=bob_member, followup=followup, status="contacted")
    frozen_clock.shift(3600)
    followup_note_add(membership=bob_member, followup=followup, text="  Left a voicemail.  ")
    frozen_clock.shift(3600)
    followup_update(
        membership=bob_member,
        followup=followup,
        status="resolved",
        outcome="Refund given",
        note="Customer happy again.",
    )

    entries = list(followup.entries.all())
    assert [(e.kind, e.text, e.actor, e.at - opened) for e in entries] == [
        ("note", "Customer happy again.", bob_member, 3 * HOUR),
        ("status_change", "Contacted → Resolved: Refund given", bob_member, 3 * HOUR),
        ("note", "Left a voicemail.", bob_member, 2 * HOUR),
        ("status_change", "Open → Contacted", bob_member, 1 * HOUR),
    ]
    html = _client(bob_member).get(f"/o/acme/customers/followups/{followup.pk}/").content.decode()
    lines = _timeline(html)
    assert len(lines) == 5
    assert lines[0].endswith("Bob Seller · Note — Customer happy again.")
    assert lines[1].endswith("Bob Seller · Status change — Contacted → Resolved: Refund given")
    assert lines[3].endswith("Bob Seller · Status change — Open → Contacted")
    assert lines[4].startswith(f"{timezone.localtime(opened):%-d %b %Y %H:%M} · Opened")


def test_it_writes_nothing_when_nothing_changed_or_a_field_is_refused(acme, bob_member):
    followup = FollowUpFactory.create(organization=acme)
    followup_update(membership=bob_member, followup=followup, status="open", note="   ")
    with pytest.raises(ValidationError) as error:
        followup_update(membership=bob_member, followup=followup, status="lost", note="Gone")
    assert "outcome" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        followup_note_add(membership=bob_member, followup=followup, text=" ")
    assert error.value.message_dict == {"text": ["Write the note first."]}
    assert not FollowUpEntry.objects.exists()
    followup.refresh_from_db()
    assert followup.status == "open"


def test_it_offers_recovery_actions_for_a_detractor_and_logs_the_one_taken(
    acme, bob_member, frozen_clock
):
    followup = FollowUpFactory.create(organization=acme, kind=FollowUp.Kind.RECOVERY)
    client = _client(bob_member)
    url = f"/o/acme/customers/followups/{followup.pk}/"
    html = client.get(url).content.decode()
    buttons = re.findall(r'<button type="submit" name="action" value="([a-z_]+)"', html)
    assert buttons == ["apologise", "fix", "credit", "close_loop"]
    assert "Recovery actions" in html and "Asked for a referral" not in html

    done = client.post(url, {"action": "credit", "text": "20% off the renewal"})
    assert done.status_code == 302
    entry = FollowUpEntry.objects.get()
    assert (entry.kind, entry.action, entry.text, entry.actor, entry.at) == (
        "action",
        "credit",
        "Offered a credit: 20% off the renewal",
        bob_member,
        timezone.now(),
    )
    lines = _timeline(client.get(url).content.decode())
    assert lines[0].endswith("Bob Seller · Action — Offered a credit: 20% off the renewal")
    followup.refresh_from_db()
    assert followup.status == "open"  # an action is history, not a status change


def test_it_offers_the_asks_for_a_promoter_and_refuses_a_recovery_action(acme, bob_member):
    followup = FollowUpFactory.create(organization=acme, kind=FollowUp.Kind.ADVOCACY)
    client = _client(bob_member)
    url = f"/o/acme/customers/followups/{followup.pk}/"
    html = client.get(url).content.decode()
    buttons = re.findall(r'<button type="submit" name="action" value="([a-z_]+)"', html)
    assert buttons == ["referral_ask", "case_study_ask", "review_ask"]
    assert "Advocacy asks" in html

    refused = client.post(url, {"action": "credit"})
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()
    with pytest.raises(ValidationError) as error:
        followup_action_record(membership=bob_member, followup=followup, action="apologise")
    assert error.value.message_dict["action"] == [
        "An advocacy follow-up offers referral_ask, case_study_ask, review_ask."
    ]
    assert not FollowUpEntry.objects.exists()

    followup_action_record(membership=bob_member, followup=followup, action="review_ask")
    assert FollowUpEntry.objects.get().text == "Asked for a review"


def test_it_offers_no_actions_on_a_nurture(acme, bob_member):
    followup = FollowUpFactory.create(organization=acme, kind=FollowUp.Kind.NURTURE)
    html = _client(bob_member).get(f"/o/acme/customers/followups/{followup.pk}/").content.decode()
    assert 'name="action"' not in html
    with pytest.raises(ValidationError) as error:
        followup_action_record(membership=bob_member, followup=followup, action="fix")
    assert "no actions" in error.value.message_dict["action"][0]


def test_it_keeps_viewers_and_other_organisations_off_the_timeline(acme, globex, bob_member):
    from accord.orgs.models import Role
    from accord.orgs.tests.factories import MembershipFactory

    followup = FollowUpFactory.create(organization=acme)
    viewer = MembershipFactory.create(organization=acme, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        followup_note_add(membership=viewer, followup=followup, text="Hi")
    with pytest.raises(PermissionDenied):
        followup_action_record(membership=viewer, followup=followup, action="fix")
    outsider = Membership.objects.get(organization=globex)
    with pytest.raises(FollowUp.DoesNotExist):
        followup_note_add(membership=outsider, followup=followup, text="Hi")
    api = Api(outsider)
    assert api.post(f"/followups/{followup.pk}/notes", {"text": "Hi"}).status_code == 404
    assert api.post(f"/followups/{followup.pk}/actions", {"action": "fix"}).status_code == 404
    assert api.get(f"/followups/{followup.pk}").status_code == 404
    assert not FollowUpEntry.objects.exists()


def test_it_shows_the_timeline_newest_first_in_the_api(acme, bob_member, frozen_clock):
    followup = FollowUpFactory.create(organization=acme)
    api = Api(bob_member)
    base = f"/followups/{followup.pk}"

    note = api.post(f"{base}/notes", {"text": "Called, no answer"})
    assert note.status_code == 201, note.content
    assert note.json()["kind"] == "note" and note.json()["actor_id"] == bob_member.pk
    frozen_clock.shift(60)
    action = api.post(f"{base}/actions", {"action": "apologise", "text": "Spoke to Ana"})
    assert action.status_code == 201
    frozen_clock.shift(60)
    patched = api.patch(base, {"status": "contacted", "note": "Will fix by Friday"})
    assert patched.status_code == 200

    body = api.get(base).json()
    assert body["actions"] == ["apologise", "fix", "credit", "close_loop"]
    assert "notes" not in body
    assert [(e["kind"], e["action"], e["text"]) for e in body["timeline"]] == [
        ("note", "", "Will fix by Friday"),
        ("status_change", "", "Open → Contacted"),
        ("action", "apologise", "Apologised and called back: Spoke to Ana"),
        ("note", "", "Called, no answer"),
    ]
    assert body["timeline"] == patched.json()["timeline"]

    wrong = api.post(f"{base}/actions", {"action": "review_ask"})
    assert wrong.status_code == 422 and "body/action" in fields(wrong)
    empty = api.post(f"{base}/notes", {"text": ""})
    assert empty.status_code == 422 and "body/text" in fields(empty)
    assert FollowUpEntry.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_it_carries_the_old_notes_box_over_as_the_first_entry(back_to_the_latest_schema):
    before = [("feedback", "0012_recipient_imports")]
    after = [("feedback", "0014_remove_followup_notes")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    # The organisation as it is today: only the feedback app goes back.
    old = executor.loader.project_state([*before, ("orgs", "0003_organization_currency")]).apps
    organization = old.get_model("orgs", "Organization").objects.create(slug="acme", name="Acme")
    survey = old.get_model("feedback", "Survey").objects.create(organization=organization, name="S")
    Response = old.get_model("feedback", "Response")
    OldFollowUp = old.get_model("feedback", "FollowUp")
    made = {}
    for name, notes in (("noted", "Called twice.\nPromised a fix."), ("blank", ""), ("space", " ")):
        response = Response.objects.create(
            organization=organization,
            survey=survey,
            score=2,
            category="detractor",
            month=timezone.now().date().replace(day=1),
        )
        made[name] = OldFollowUp.objects.create(
            organization=organization,
            response=response,
            kind="recovery",
            due_at=timezone.now(),
            created_at=timezone.now() - HOUR,
            notes=notes,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state([*after, ("orgs", "0003_organization_currency")]).apps
    Entry = new.get_model("feedback", "FollowUpEntry")
    assert [
        (e.followup_id, e.kind, e.text, e.actor_id, e.at, e.organization_id)
        for e in Entry.objects.all()
    ] == [
        (
            made["noted"].pk,
            "note",
            "Called twice.\nPromised a fix.",
            None,
            made["noted"].created_at,
            organization.pk,
        )
    ]
    FollowUpModel = new.get_model("feedback", "FollowUp")
    assert "notes" not in {f.name for f in FollowUpModel._meta.get_fields()}

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    back = old.get_model("feedback", "FollowUp")
    assert back.objects.get(pk=made["noted"].pk).notes == "Called twice.\nPromised a fix."
