"""The Meetings pages: what members see, the live page shared by several
attendees, and edits that never silently overwrite each other."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accord.meetings import services
from accord.meetings.models import AgendaItem, Issue, IssueVote, MeetingSeries, Occurrence
from accord.meetings.tests.factories import series_for

pytestmark = pytest.mark.django_db
UTC = dt.UTC
NOW = dt.datetime(2026, 3, 1, 12, tzinfo=UTC)


def _client(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def meeting(sales_lead, seller, marketer, marketing_lead):
    with time_machine.travel(NOW, tick=False):
        series = series_for(sales_lead, [sales_lead, seller, marketer, marketing_lead])
    occurrence = Occurrence.objects.filter(series=series).order_by("starts_at").first()
    assert occurrence is not None
    return occurrence


@time_machine.travel(NOW, tick=False)
def test_it_shows_every_meetings_page(owner, meeting):
    client = _client(owner)
    item = services.agenda_item_add(membership=owner, occurrence=meeting, title="Lead scoring")
    issue = services.issue_raise(membership=owner, title="Leads arrive without context")
    slug = owner.organization.slug
    urls = [
        reverse("meetings_index", args=[slug]),
        reverse("meetings_series_create", args=[slug]),
        reverse("meetings_series", args=[slug, meeting.series_id]),
        reverse("meetings_series_edit", args=[slug, meeting.series_id]),
        reverse("meetings_occurrence", args=[slug, meeting.pk]),
        reverse("meetings_occurrence_live", args=[slug, meeting.pk]),
        reverse("meetings_action_items", args=[slug]),
        reverse("meetings_issues", args=[slug]),
        reverse("meetings_issue", args=[slug, issue.pk]),
        reverse("meetings_calendar", args=[slug]),
        reverse("meetings_digest", args=[slug]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("meetings_occurrence", args=[slug, meeting.pk])).content.decode()
    assert item.title in page
    assert 'hx-trigger="every 3s"' in page


@time_machine.travel(NOW, tick=False)
def test_it_creates_a_series_from_the_form_and_warns_about_one_team(sales_lead, seller):
    client = _client(sales_lead)
    slug = sales_lead.organization.slug
    response = client.post(
        reverse("meetings_series_create", args=[slug]),
        {
            "name": "Acme sales only",
            "kind": "joint",
            "cadence": "biweekly",
            "start_date": "2026-03-10",
            "start_time": "10:00",
            "time_zone": "Europe/Berlin",
            "duration_minutes": "45",
            "agenda_lead_hours": "24",
            "attendees": [str(sales_lead.pk), str(seller.pk)],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Only one team is invited" in response.content.decode()
    series = MeetingSeries.objects.get(name="Acme sales only")
    assert series.duration_minutes == 45
    assert series.occurrences.count() > 5


@time_machine.travel(NOW, tick=False)
def test_it_shows_a_bad_rule_on_its_field(sales_lead, seller):
    client = _client(sales_lead)
    response = client.post(
        reverse("meetings_series_create", args=[sales_lead.organization.slug]),
        {
            "name": "Never",
            "kind": "joint",
            "cadence": "custom",
            "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "start_date": "2026-03-10",
            "start_time": "10:00",
            "time_zone": "Europe/Berlin",
            "duration_minutes": "45",
            "agenda_lead_hours": "24",
            "attendees": [str(seller.pk)],
        },
    )
    assert response.status_code == 400
    assert "yields no date" in response.content.decode()
    assert not MeetingSeries.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_it_never_silently_overwrites_another_attendees_notes(seller, marketer, meeting):
    item = services.agenda_item_add(membership=seller, occurrence=meeting, title="Lead quality")
    url = reverse("meetings_item_edit", args=[seller.organization.slug, item.pk])
    bob, mia = _client(seller), _client(marketer)
    htmx = {"HX-Request": "true"}

    first = bob.post(url, {"version": item.version, "notes": "Bob's **notes**"}, headers=htmx)
    second = mia.post(url, {"version": item.version, "notes": "Mia's notes"}, headers=htmx)

    assert first.status_code == 200
    assert "<strong>notes</strong>" in first.content.decode()
    assert second.status_code == 409
    body = second.content.decode()
    assert "Someone else changed this agenda item" in body
    assert "Mia&#x27;s notes" in body or "Mia's notes" in body  # her text, not lost
    item.refresh_from_db()
    assert item.notes == "Bob's **notes**"
    assert item.version == 2


@time_machine.travel(NOW, tick=False)
def test_it_shows_another_attendees_change_to_a_polling_page(seller, marketer, meeting):
    slug = seller.organization.slug
    live = reverse("meetings_occurrence_live", args=[slug, meeting.pk])
    mia = _client(marketer)
    meeting.refresh_from_db()
    seen = meeting.version
    assert mia.get(live, {"v": seen}).status_code == 204

    services.agenda_item_add(membership=seller, occurrence=meeting, title="Bob's new item")

    response = mia.get(live, {"v": seen})
    assert response.status_code == 200
    assert "Bob&#x27;s new item" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_it_sanitises_notes(seller, meeting):
    item = services.agenda_item_add(membership=seller, occurrence=meeting, title="XSS")
    services.agenda_item_update(
        membership=seller,
        item=item,
        version=item.version,
        notes="<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
    )
    page = _client(seller).get(
        reverse("meetings_occurrence", args=[seller.organization.slug, meeting.pk])
    )
    body = page.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert 'href="javascript' not in body
    assert "<img" not in body


@time_machine.travel(NOW, tick=False)
def test_it_refuses_a_one_megabyte_note_and_keeps_the_old_one(seller, meeting):
    item = services.agenda_item_add(membership=seller, occurrence=meeting, title="Big")
    response = _client(seller).post(
        reverse("meetings_item_edit", args=[seller.organization.slug, item.pk]),
        {"version": item.version, "notes": "x" * 1_000_000},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "notes" in response.content.decode()
    item.refresh_from_db()
    assert item.notes == "" and item.version == 1


@time_machine.travel(NOW, tick=False)
def test_it_lets_members_raise_and_vote_issues_once(seller, marketer):
    slug = seller.organization.slug
    client = _client(seller)
    response = client.post(
        reverse("meetings_issues", args=[slug]),
        {"title": "MQLs without phone numbers", "source_kind": "scratch"},
        follow=True,
    )
    assert response.status_code == 200
    issue = Issue.objects.get(title="MQLs without phone numbers")
    vote = reverse("meetings_issue_vote", args=[slug, issue.pk])
    client.post(vote)
    again = client.post(vote, follow=True)
    assert "already voted" in again.content.decode()
    assert IssueVote.objects.filter(issue=issue).count() == 1


@time_machine.travel(NOW, tick=False)
def test_it_keeps_viewers_to_reading(viewer, meeting):
    client = _client(viewer)
    slug = viewer.organization.slug
    assert client.get(reverse("meetings_occurrence", args=[slug, meeting.pk])).status_code == 200
    response = client.post(
        reverse("meetings_item_add", args=[slug, meeting.pk]), {"item-title": "Viewer item"}
    )
    assert response.status_code == 403
    assert not AgendaItem.objects.filter(title="Viewer item").exists()


@time_machine.travel(NOW, tick=False)
def test_it_refuses_a_script_link_as_an_issues_source(seller):
    response = _client(seller).post(
        reverse("meetings_issues", args=[seller.organization.slug]),
        {"title": "Sneaky", "source_kind": "scratch", "source_url": "javascript:alert(1)"},
    )
    assert response.status_code == 400
    assert "Enter a link starting with https://" in response.content.decode()
    assert not Issue.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_it_solves_an_issue_and_adds_an_action_item_from_the_meeting_page(
    sales_lead, seller, marketer, meeting
):
    slug = seller.organization.slug
    issue = services.issue_raise(membership=seller, title="Leads without phone numbers")
    services.issue_put_on_agenda(membership=sales_lead, issue=issue)
    item = AgendaItem.objects.get(occurrence=meeting, issue=issue)
    mia = _client(marketer)

    page = mia.get(reverse("meetings_occurrence", args=[slug, meeting.pk])).content.decode()
    assert "Solve this issue" in page
    mia.post(
        reverse("meetings_action_create", args=[slug, meeting.pk]),
        {
            "action-title": "Make the phone field required",
            "action-owner": marketer.pk,
            "action-due_on": "2026-03-12",
            "action-agenda_item": item.pk,
        },
    )
    response = mia.post(
        reverse("meetings_issue_solve", args=[slug, issue.pk]),
        {"resolution": "The form asks for a phone number.", "occurrence": meeting.pk},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("meetings_occurrence", args=[slug, meeting.pk])
    assert "issue solved" in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == "solved" and issue.solved_in == meeting
    action = item.action_items.get()
    assert (action.title, action.owner, action.occurrence) == (
        "Make the phone field required",
        marketer,
        meeting,
    )


@time_machine.travel(NOW, tick=False)
def test_it_lets_an_attendee_add_an_item_with_their_team(marketer, meeting):
    response = _client(marketer).post(
        reverse("meetings_item_add", args=[marketer.organization.slug, meeting.pk]),
        {"item-title": "Campaign calendar for Q2", "item-why": "", "item-section": "headlines"},
        follow=True,
    )
    assert "Campaign calendar for Q2" in response.content.decode()
    item = AgendaItem.objects.get(title="Campaign calendar for Q2")
    assert item.team is not None
    assert (item.section, item.raised_by, item.team.kind) == ("headlines", marketer, "marketing")
