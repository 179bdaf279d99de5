"""The weekly digest: what each member reads on Monday morning, once a week,
and the one-click opt-out in every digest."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlparse

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accord.feedback.models import FollowUp
from accord.feedback.tests.factories import ResponseFactory
from accord.goals.models import GoalStatus
from accord.goals.tests.factories import GoalFactory
from accord.jobs.testing import run_queued_jobs
from accord.meetings import services
from accord.meetings.models import DigestSent, Occurrence
from accord.meetings.tests.factories import series_for
from accord.orgs.models import Membership

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
UTC = dt.UTC
SETUP = dt.datetime(2026, 6, 15, 12, tzinfo=UTC)
# Monday 22 June 2026, 07:30 in Berlin (summer time): the digest is due.
MONDAY = dt.datetime(2026, 6, 22, 5, 30, tzinfo=UTC)
WEEK = dt.timedelta(days=7)


@pytest.fixture
def world(acme, globex, charlie, sales_lead, seller, marketer, viewer):
    """Acme (Berlin) with a joint series, action items, follow-ups and goals;
    Globex with its own, which no Acme member may ever read."""
    acme.time_zone = "Europe/Berlin"
    acme.save()
    with time_machine.travel(SETUP, tick=False):
        series = series_for(
            sales_lead,
            [sales_lead, seller, marketer],
            start_date=dt.date(2026, 6, 18),
        )
        # The meeting after MONDAY: Thursday 2 July, 10:00 Berlin.
        upcoming = Occurrence.objects.get(
            series=series, starts_at=dt.datetime(2026, 7, 2, 8, tzinfo=UTC)
        )
        services.agenda_item_add(
            membership=sales_lead, occurrence=upcoming, title="Routing rule for demo requests"
        )
        for owner, title, due in [
            (seller, "Send the Initech case study", dt.date(2026, 6, 19)),
            (seller, "Book the webinar room", dt.date(2026, 6, 30)),
            (seller, "Long done already", dt.date(2026, 6, 10)),
            (marketer, "Draft the nurture email", dt.date(2026, 6, 29)),
        ]:
            item = services.action_item_create(
                membership=sales_lead, title=title, owner=owner, due_on=due
            )
            if title == "Long done already":
                services.action_item_update(
                    membership=seller, action_item=item, version=None, done=True
                )
        for company, status in [("Initech", FollowUp.Status.OPEN), ("Hooli", FollowUp.Status.LOST)]:
            FollowUp.objects.create(
                organization=acme,
                response=ResponseFactory.create(organization=acme, score=3, company=company),
                kind=FollowUp.Kind.RECOVERY,
                status=status,
                sales_owner=seller,
                marketing_owner=marketer,
                due_at=dt.datetime(2026, 6, 25, 9, tzinfo=UTC),
            )
        GoalFactory(
            sales_owner=seller,
            marketing_owner=marketer,
            title="More MQLs become SQLs",
            status=GoalStatus.ACTIVE,
        )
        GoalFactory(
            sales_owner=seller,
            marketing_owner=marketer,
            title="An old dropped goal",
            status=GoalStatus.DROPPED,
        )
        globex_owner = Membership.objects.get(organization=globex, user=charlie)
        services.action_item_create(
            membership=globex_owner,
            title="Globex secret plan",
            owner=globex_owner,
            due_on=dt.date(2026, 6, 30),
        )
        GoalFactory(sales_owner=globex_owner, marketing_owner=globex_owner, title="Globex takeover")
        services.daily_run_ensure(acme)
        services.daily_run_ensure(globex)
    return series


def _mails(smtp) -> list[dict[str, Any]]:
    found = []
    for envelope, message in smtp.messages:
        found.append(
            {
                "to": envelope.rcpt_tos,
                "subject": str(message["Subject"]),
                "text": message.get_body(("plain",)).get_content(),
                "html": message.get_body(("html",)).get_content(),
                "headers": message,
            }
        )
    return found


def _digests(smtp, to: str | None = None) -> list[dict[str, Any]]:
    return [
        m
        for m in _mails(smtp)
        if m["subject"].startswith("Your week at") and (to is None or m["to"] == [to])
    ]


def _monday(at: dt.datetime) -> None:
    with time_machine.travel(at, tick=False):
        run_queued_jobs()


def test_it_emails_each_member_their_week_once_even_when_run_twice(smtp, world, acme):
    _monday(MONDAY)

    [digest] = _digests(smtp, "bob@acme.example")
    assert digest["subject"] == "Your week at Acme: 2 action items (1 overdue)"
    text = digest["text"].replace("\r\n", "\n")
    assert "OVERDUE: Send the Initech case study, due Fri 19 Jun 2026" in text
    assert "- Book the webinar room, due Tue 30 Jun 2026" in text
    assert "Long done already" not in text
    assert "- Acme joint meeting, Thursday 2 Jul 2026, 10:00 (Europe/Berlin)" in text
    assert "  1. Routing rule for demo requests" in text
    assert "- Recovery with Initech (score 3), due Thu 25 Jun 2026" in text
    assert "Hooli" not in text
    assert "- More MQLs become SQLs: Active" in text
    assert "An old dropped goal" not in text
    html = digest["html"]
    assert "<strong>Overdue:</strong> <a href=" in html
    assert "Send the Initech case study</a>" in html
    assert "Routing rule for demo requests" in html
    # RFC 8058 one-click opt-out.
    found = re.search(r"Turn it off in one click: (\S+)", text)
    assert found is not None
    off_url = found.group(1)
    assert str(digest["headers"]["List-Unsubscribe"]).strip() == f"<{off_url}>"
    assert digest["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    [mia] = _digests(smtp, "mia@acme.example")
    assert "Draft the nurture email" in mia["text"]
    assert "Send the Initech case study" not in mia["text"]
    assert "More MQLs become SQLs" in mia["text"]
    # The lead attends the meeting; the owner and the viewer have nothing: no email.
    assert sorted(m["to"][0] for m in _digests(smtp)) == [
        "bob@acme.example",
        "mia@acme.example",
        "sam@acme.example",
    ]
    [sam] = _digests(smtp, "sam@acme.example")
    assert sam["subject"] == "Your week at Acme"
    assert "No open action items." in sam["text"]
    for mail in _digests(smtp):
        assert "Globex" not in mail["text"] + mail["html"]

    # The run again, twice, the same Monday: nothing more.
    with time_machine.travel(MONDAY + dt.timedelta(hours=2), tick=False):
        services.daily_run_schedule(acme, MONDAY + dt.timedelta(hours=2))
        run_queued_jobs()
        services.daily_run_schedule(acme, MONDAY + dt.timedelta(hours=2, minutes=1))
        run_queued_jobs(until=MONDAY + dt.timedelta(hours=3))
        assert services.digests_send(organization=acme, at=MONDAY + dt.timedelta(hours=2)) == 0
    # (Globex's own Monday 07:00 UTC came meanwhile: it had its digest.)
    assert sorted(m["to"][0] for m in _digests(smtp) if "acme" in m["to"][0]) == [
        "bob@acme.example",
        "mia@acme.example",
        "sam@acme.example",
    ]
    assert DigestSent.objects.filter(organization=acme).count() == 3


def test_it_sends_the_other_organisation_only_its_own_digest(smtp, world, globex):
    # Globex keeps UTC: its Monday 07:00 comes after Acme's.
    _monday(MONDAY)
    assert _digests(smtp, "charlie@globex.example") == []
    _monday(dt.datetime(2026, 6, 22, 7, 30, tzinfo=UTC))

    [mail] = _digests(smtp, "charlie@globex.example")
    assert mail["subject"] == "Your week at Globex: 1 action item"
    assert "Globex secret plan" in mail["text"]
    assert "Globex takeover" in mail["text"]
    for word in ("Initech", "Acme", "More MQLs", "webinar", "Routing rule"):
        assert word not in mail["text"] + mail["html"]


def test_it_sends_no_digest_before_monday_seven_nor_on_other_days(smtp, world, acme):
    early = dt.datetime(2026, 6, 22, 4, 30, tzinfo=UTC)  # 06:30 in Berlin
    for at in (early, MONDAY + dt.timedelta(days=1), MONDAY - dt.timedelta(days=1)):
        with time_machine.travel(at, tick=False):
            assert services.daily_run(acme, at).digests == 0
    assert _digests(smtp) == []
    assert not DigestSent.objects.exists()


def test_it_turns_the_digest_off_in_one_click_and_back_on_in_settings(
    smtp, world, acme, seller, bob_client
):
    _monday(MONDAY)
    [digest] = _digests(smtp, "bob@acme.example")
    found = re.search(r"Turn it off in one click: (\S+)", digest["text"])
    assert found is not None
    off_url = found.group(1)
    path = urlparse(off_url).path
    anonymous = Client(enforce_csrf_checks=True)

    # A mail scanner's GET changes nothing: it shows one button.
    page = anonymous.get(path)
    assert page.status_code == 200
    assert "Turn off your weekly digest?" in page.content.decode()
    assert '<form method="post">' in page.content.decode()
    assert page["Referrer-Policy"] == "no-referrer"
    assert services.digest_enabled(seller)

    # The button, or the mail client's one-click POST (no CSRF token).
    done = anonymous.post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "Your weekly digest is off" in done.content.decode()
    assert not services.digest_enabled(seller)

    _monday(MONDAY + WEEK)
    assert len(_digests(smtp, "bob@acme.example")) == 1
    assert len(_digests(smtp, "mia@acme.example")) == 2

    settings_page = bob_client.get(reverse("meetings_digest", args=[acme.slug]))
    assert "Your digest is <strong>off</strong>" in settings_page.content.decode()
    turned_on = bob_client.post(
        reverse("meetings_digest", args=[acme.slug]), {"enabled": "on"}, follow=True
    )
    assert "Your weekly digest is on." in turned_on.content.decode()
    assert "Send the Initech case study" in turned_on.content.decode()

    _monday(MONDAY + 2 * WEEK)
    assert len(_digests(smtp, "bob@acme.example")) == 2


def test_it_refuses_an_unknown_opt_out_link(world, seller):
    response = Client().post("/digest/dg_not-a-real-token/off")
    assert response.status_code == 404
    assert services.digest_enabled(seller)


def test_it_keeps_the_settings_page_to_the_members_own_organisation(charlie_client, acme, world):
    assert charlie_client.get(reverse("meetings_digest", args=[acme.slug])).status_code == 404


def test_it_finishes_a_failed_run_on_retry_without_a_second_chain(smtp, world, acme, monkeypatch):
    from accord.meetings.models import DailyRun
    from accord.meetings.services import digest as digest_services

    real = digest_services.digests_send
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(digest_services, "digests_send", flaky)
    with time_machine.travel(MONDAY, tick=False):
        run_queued_jobs(until=MONDAY + dt.timedelta(minutes=30))

    assert len(calls) == 2
    assert len([m for m in _digests(smtp) if "acme" in m["to"][0]]) == 3
    # One chain: the next run is Tuesday 07:00 in Berlin, queued once.
    run = DailyRun.objects.get(organization=acme)
    assert run.next_run_at == dt.datetime(2026, 6, 23, 5, tzinfo=UTC)
    from django_tasks_db.models import DBTaskResult

    queued = [
        dt.datetime.fromisoformat(args[2]["due"])
        for args in (r.args_kwargs["args"] for r in DBTaskResult.objects.filter(status="READY"))
        if args[0].endswith("meetings_daily_run") and args[2]["organization_id"] == acme.pk
    ]
    assert queued == [run.next_run_at]
