"""Action items due or overdue: one alert of each kind per item, by email to
its owner and to the chat channels subscribed to "Action item due or overdue"."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accord.chat.models import ChannelKind
from accord.chat.tests.factories import channel_for
from accord.chat.tests.hooks import slack_hook, titles
from accord.integrations.tests.loopback import LoopbackServer
from accord.jobs.testing import run_queued_jobs
from accord.meetings import services
from accord.meetings.models import ActionItemAlert, DailyRun

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
UTC = dt.UTC
SETUP = dt.datetime(2026, 6, 10, 12, tzinfo=UTC)
# Wednesday 17 June 2026, 07:05 in Berlin: the day's run has just come due.
WEDNESDAY = dt.datetime(2026, 6, 17, 5, 5, tzinfo=UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
def items(acme, sales_lead, seller, marketer):
    acme.time_zone = "Europe/Berlin"
    acme.save()
    made = {}
    with time_machine.travel(SETUP, tick=False):
        for owner, title, due in [
            (seller, "Send the Initech case study", dt.date(2026, 6, 15)),
            (seller, "Book the webinar room", dt.date(2026, 6, 17)),
            (marketer, "Draft the nurture email", dt.date(2026, 6, 18)),
            (marketer, "Plan the autumn campaign", dt.date(2026, 6, 30)),
            (seller, "Already done", dt.date(2026, 6, 12)),
        ]:
            made[title] = services.action_item_create(
                membership=sales_lead, title=title, owner=owner, due_on=due
            )
        services.action_item_update(
            membership=seller, action_item=made["Already done"], version=None, done=True
        )
        # Acme's chain started when it was created, on the real clock: start
        # it again on the test's.
        DailyRun.objects.filter(organization=acme).delete()
        services.daily_run_ensure(acme)
    return made


def _run(at: dt.datetime) -> None:
    with time_machine.travel(at, tick=False):
        run_queued_jobs()


def test_it_posts_each_due_and_overdue_action_item_once(settings, acme, items, seller):
    with slack_hook(settings, acme) as server:
        _run(WEDNESDAY)
        # The run again the same day, twice: nothing more.
        with time_machine.travel(WEDNESDAY + dt.timedelta(hours=1), tick=False):
            services.daily_run_schedule(acme, WEDNESDAY + dt.timedelta(hours=1))
            run_queued_jobs()
            assert services.action_item_alerts_send(organization=acme, at=WEDNESDAY) == 0
        first_day = titles(server)
        # Thursday: the item due today yesterday is now overdue; tomorrow's is
        # due today but was alerted as due already.
        _run(WEDNESDAY + DAY)
        second_day = titles(server)[len(first_day) :]
        _run(WEDNESDAY + 2 * DAY)

    assert sorted(first_day) == [
        "Action item due today: Book the webinar room",
        "Action item due tomorrow: Draft the nurture email",
        "Action item overdue since Mon 15 Jun: Send the Initech case study",
    ]
    assert second_day == ["Action item overdue since Wed 17 Jun: Book the webinar room"]
    # Friday: the nurture email (due Thursday) is overdue; nothing else.
    assert titles(server)[4:] == ["Action item overdue since Thu 18 Jun: Draft the nurture email"]
    body = next(r["body"] for r in server.requests if "Book the webinar room" in r["body"]["text"])
    assert "Bob Seller owns it." in str(body["blocks"])
    assert ActionItemAlert.objects.filter(action_item=items["Book the webinar room"]).count() == 2
    assert not ActionItemAlert.objects.filter(action_item=items["Already done"]).exists()
    assert not ActionItemAlert.objects.filter(
        action_item=items["Plan the autumn campaign"]
    ).exists()


def test_it_sends_the_teams_channel_one_card_per_alert(settings, acme, items):
    server = LoopbackServer(lambda *args: (200, {}, "1"), tls=True)
    settings.ACCORD_CHAT_CA_FILE = server.cafile
    settings.ACCORD_CHAT_ALLOW_LOOPBACK = True
    channel_for(
        acme,
        url=f"{server.url}/webhookb2/abc",
        kind=ChannelKind.TEAMS_WEBHOOK,
        events=["action_item_due"],
    )
    # A channel not subscribed to the event hears nothing.
    channel_for(acme, url=f"{server.url}/other", name="Goals only", events=["goal_agreed"])
    try:
        _run(WEDNESDAY)
        _run(WEDNESDAY + dt.timedelta(hours=3))
    finally:
        server.stop()

    assert {r["path"] for r in server.requests} == {"/webhookb2/abc"}
    cards = sorted(
        r["body"]["attachments"][0]["content"]["body"][0]["text"] for r in server.requests
    )
    assert cards == [
        "Action item due today: Book the webinar room",
        "Action item due tomorrow: Draft the nurture email",
        "Action item overdue since Mon 15 Jun: Send the Initech case study",
    ]


def test_it_emails_the_owner_once_per_alert(smtp, acme, items):
    _run(WEDNESDAY)
    _run(WEDNESDAY + dt.timedelta(hours=2))

    sent = sorted(
        (envelope.rcpt_tos[0], str(message["Subject"])) for envelope, message in smtp.messages
    )
    assert sent == [
        ("bob@acme.example", "Action item due today: Book the webinar room"),
        ("bob@acme.example", "Action item overdue since Mon 15 Jun: Send the Initech case study"),
        ("mia@acme.example", "Action item due tomorrow: Draft the nurture email"),
    ]
    [_, overdue] = next((e, m) for e, m in smtp.messages if "Initech" in str(m["Subject"]))
    text = overdue.get_body(("plain",)).get_content()
    assert 'Your action item "Send the Initech case study" is overdue since Mon 15 Jun.' in text
    [_, due] = next((e, m) for e, m in smtp.messages if "webinar" in str(m["Subject"]))
    html = due.get_body(("html",)).get_content()
    assert "<strong>Book the webinar room</strong> is due today (Wednesday 17 Jun 2026)." in html
    assert "/o/acme/meetings/actions/" in text


def test_it_alerts_again_when_the_due_date_moves(settings, acme, items, seller):
    with slack_hook(settings, acme) as server:
        _run(WEDNESDAY)
        item = items["Send the Initech case study"]
        item.refresh_from_db()
        later = WEDNESDAY + dt.timedelta(hours=1)
        with time_machine.travel(later, tick=False):
            services.action_item_update(
                membership=seller, action_item=item, version=None, due_on=dt.date(2026, 6, 18)
            )
            services.daily_run_schedule(acme, later)
            run_queued_jobs()
        _run(WEDNESDAY + DAY)

    mine = [t for t in titles(server) if t.endswith("Send the Initech case study")]
    # One alert per kind and due date: the new date's "due" comes once, the
    # day before; on the day itself it is not repeated.
    assert mine == [
        "Action item overdue since Mon 15 Jun: Send the Initech case study",
        "Action item due tomorrow: Send the Initech case study",
    ]
