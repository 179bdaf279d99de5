"""Activity goals: one per team, the other team's work, progress per person and month."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.goals import selectors, services
from accord.goals.models import ActivityLog
from accord.goals.tests.factories import member
from accord.orgs.models import Role, TeamKind

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def marketing_goal(owner, acme):
    return services.activity_goal_create(
        membership=owner,
        team=acme.teams.get(kind=TeamKind.MARKETING),
        activity_type="pipeline_review",
        target_count=2,
    )


def test_it_commits_each_team_to_the_other_teams_work(owner, acme):
    marketing = acme.teams.get(kind=TeamKind.MARKETING)
    with pytest.raises(ValidationError) as caught:
        services.activity_goal_create(
            membership=owner, team=marketing, activity_type="event_staffing", target_count=1
        )
    assert "activity_type" in caught.value.message_dict
    sales = acme.teams.get(kind=TeamKind.SALES)
    goal = services.activity_goal_create(
        membership=owner, team=sales, activity_type="content_use", target_count=3, per="team"
    )
    assert goal.label == "Use content or a tool sales has not used before"


def test_it_keeps_one_activity_goal_per_team_at_a_time(owner, marketing_goal, acme):
    with pytest.raises(ValidationError) as caught:
        services.activity_goal_create(
            membership=owner,
            team=acme.teams.get(kind=TeamKind.MARKETING),
            activity_type="prospect_call",
            target_count=1,
        )
    assert "already has an activity goal" in caught.value.message_dict["team"][0]
    services.activity_goal_end(membership=owner, activity_goal=marketing_goal)
    services.activity_goal_create(
        membership=owner,
        team=acme.teams.get(kind=TeamKind.MARKETING),
        activity_type="prospect_call",
        target_count=1,
    )


def test_it_needs_a_name_for_a_custom_activity(owner, acme):
    with pytest.raises(ValidationError) as caught:
        services.activity_goal_create(
            membership=owner,
            team=acme.teams.get(kind=TeamKind.SALES),
            activity_type="custom",
            target_count=1,
        )
    assert "custom_name" in caught.value.message_dict


def test_it_counts_progress_per_person_and_names_who_is_behind(
    owner, marketer, marketing_lead, marketing_goal, acme
):
    leo = member(acme, "leo@acme.example", Role.MEMBER, TeamKind.MARKETING)
    last_month = (services.today().replace(day=1) - dt.timedelta(days=1)).replace(day=10)
    services.activity_log(membership=marketer, occurred_on=last_month)
    services.activity_log(membership=marketer, occurred_on=last_month + dt.timedelta(days=1))
    services.activity_log(membership=leo, occurred_on=last_month)

    progress = selectors.activity_progress(marketing_goal, last_month)

    counts = {p.member.user.email: (p.count, p.behind) for p in progress.people}
    assert counts["mia@acme.example"] == (2, False)
    assert counts["leo@acme.example"] == (1, True)
    assert counts["carol@acme.example"] == (0, True)
    assert progress.team_count == 3
    assert progress.team_target == 2 * 3
    assert progress.history[-1][1] == 3


def test_it_lets_members_log_their_own_and_leads_for_others(
    owner, marketer, seller, marketing_goal
):
    with pytest.raises(PermissionDenied):
        services.activity_log(membership=seller, member=marketer)
    log = services.activity_log(membership=owner, member=marketer, note="Joined Acme review")
    assert (log.member, log.activity_type, log.activity_goal) == (
        marketer,
        "pipeline_review",
        marketing_goal,
    )


def test_it_refuses_future_and_wrong_team_activities(marketer, marketing_goal, seller):
    with pytest.raises(ValidationError) as caught:
        services.activity_log(
            membership=marketer, occurred_on=services.today() + dt.timedelta(days=1)
        )
    assert "occurred_on" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.activity_log(membership=seller, activity_type="pipeline_review")
    assert "activity_type" in caught.value.message_dict


def test_it_imports_csv_all_or_nothing_naming_each_bad_row(owner, marketer, marketing_goal):
    text = (
        "email,date,activity_type,note\n"
        "mia@acme.example,2026-01-05,,fine\n"
        "ghost@acme.example,2026-01-05,,who\n"
        "mia@acme.example,05/01/2026,,bad date\n"
        "mia@acme.example,2026-01-05,event_staffing,wrong type\n"
    )
    with pytest.raises(ValidationError) as caught:
        services.activity_import_csv(membership=owner, data=text.encode())
    messages = caught.value.message_dict["file"]
    assert messages[0].startswith("Row 3, column 'email'")
    assert messages[1].startswith("Row 4, column 'date'")
    assert messages[2].startswith("Row 5, column 'activity_type'")
    assert not ActivityLog.objects.exists()


def test_it_reports_a_missing_csv_column(owner):
    with pytest.raises(ValidationError) as caught:
        services.activity_import_csv(membership=owner, data=b"who,when\nx,y\n")
    assert "missing column(s) email" in caught.value.message_dict["file"][0]


def test_it_logs_and_shows_progress_on_the_activity_page(marketer, marketing_goal):
    """Mia logs one of her two reviews on the 2nd: on pace then, and behind on
    the month's last day (pro rata: 1 done against 2 x day / days in month)."""
    import time_machine
    from django.test import Client

    first, last = selectors.month_bounds(services.today())
    client = Client()
    client.force_login(marketer.user)
    with time_machine.travel(dt.datetime.combine(first, dt.time(12), tzinfo=dt.UTC)) as clock:
        clock.shift(dt.timedelta(days=1))
        response = client.post("/o/acme/goals/activity/", {"note": "Acme Monday review"})
        assert response.status_code == 302
        html = client.get("/o/acme/goals/activity/").content.decode()
        assert "Attend a sales pipeline review" in html
        assert "Acme Monday review" in html
        assert "Behind:" not in html and "on pace" in html

        clock.move_to(dt.datetime.combine(last, dt.time(12), tzinfo=dt.UTC))
        client.force_login(marketer.user)  # the session may have expired meanwhile
        html = client.get("/o/acme/goals/activity/").content.decode()
    assert "Behind: Mia" in html
    assert ActivityLog.objects.get().occurred_on == first + dt.timedelta(days=1)


def test_it_reports_a_bad_csv_row_on_the_import_page(owner, marketing_goal):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    client = Client()
    client.force_login(owner.user)
    upload = SimpleUploadedFile("a.csv", b"email,date\nnobody@acme.example,2026-01-01\n")
    response = client.post("/o/acme/goals/activity/import/", {"file": upload})
    assert response.status_code == 400
    assert "Row 2, column &#x27;email&#x27;" in response.content.decode()


def test_it_builds_every_log_row_in_one_place(marketing_goal, marketer, seller):
    """Typed-in, imported and automatic logs all go through activity_log_row:
    a row counts toward the team's active goal only when the type matches."""
    counted = services.activity_log_row(
        member=marketer,
        activity_type="pipeline_review",
        occurred_on=dt.date(2026, 3, 2),
        note="x" * 400,
        source="manual",
    )
    other = services.activity_log_row(
        member=marketer,
        activity_type="custom",
        occurred_on=dt.date(2026, 3, 2),
        note="",
        source="csv",
    )
    stored = ActivityLog.objects.get(pk=counted.pk)
    assert stored.activity_goal_id == marketing_goal.pk
    assert stored.team_id == marketer.team_id
    assert stored.organization_id == marketer.organization_id
    assert len(stored.note) == 300
    assert ActivityLog.objects.get(pk=other.pk).activity_goal_id is None
    assert ActivityLog.objects.get(pk=other.pk).source == "csv"


def test_it_imports_an_excel_file_with_semicolons_and_windows_1252(owner, marketer, marketing_goal):
    """Excel on a French or German Windows: 'CSV' means semicolons and cp1252."""
    data = (
        "Email;Date;Activity_Type;Note\r\n"
        "mia@acme.example;2026-01-05;;Revue pipeline \u2013 équipe café\r\n"
    ).encode("cp1252")
    assert services.activity_import_csv(membership=owner, data=data) == 1
    log = ActivityLog.objects.get()
    assert log.note == "Revue pipeline \u2013 équipe café"
    assert log.occurred_on == dt.date(2026, 1, 5)
    assert log.activity_goal_id == marketing_goal.pk


MALFORMED = [
    # A quote closed two lines later: the rows between run into one cell.
    (
        b'email,date,activity_type,note\nmia@acme.example,2026-01-05,,"open\n'
        b'mia@acme.example,2026-01-06,,x\nmia@acme.example,2026-01-07,,y"\n',
        "Row 2: a quoted cell holds whole rows of the file; a quote may be left open.",
    ),
    (
        b'email,date,activity_type,note\nmia@acme.example,2026-01-05,,ok\nmia@acme.example,"x\n',
        "Row 3: not valid CSV (a quote opened on this row is never closed).",
    ),
    (
        b"email,date,activity_type,note\nmia@acme.example,2026-01-05,,ok,extra\n",
        "Row 2: has 5 fields where the header has 4.",
    ),
    (
        b"email,date,activity_type,note\nmia@acme.example,2026-01-05,,ok\n"
        b"mia@acme.example,2026-01-05,,M\xfcller \x81\n",
        "Row 3: byte 0x81 cannot be read as Windows-1252; Accord reads UTF-8 (with or "
        'without BOM), UTF-16 or Windows-1252 (Latin-1): save the file as "CSV UTF-8".',
    ),
    (
        b"email,date,activity_type,note\nmia@acme.example,2026-01-05,,ok\n"
        + b"mia@acme.example,2026-01-05,,"
        + b"n" * 301
        + b"\n",
        "Row 3, column 'note': At most 300 characters.",
    ),
]


@pytest.mark.parametrize(
    ("data", "message"), MALFORMED, ids=["quote", "open", "wide", "byte", "long"]
)
def test_it_refuses_a_malformed_csv_naming_the_row_and_imports_nothing(
    owner, marketer, marketing_goal, data, message
):
    """All rows or none: a broken quote, a row of the wrong width, a byte the
    encoding cannot read and a note longer than its 300 characters are refused
    with the row's number; no log is written, nothing is cut."""
    with pytest.raises(ValidationError) as caught:
        services.activity_import_csv(membership=owner, data=data)
    assert caught.value.message_dict["file"] == [message]
    assert not ActivityLog.objects.exists()


def test_it_refuses_an_import_file_over_its_size_before_reading_it(owner, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from accord.goals import forms

    monkeypatch.setattr(forms, "CSV_MAX_BYTES", 100)
    client = Client()
    client.force_login(owner.user)
    big = b"email,date\n" + b"mia@acme.example,2026-01-05\n" * 4
    response = client.post(
        "/o/acme/goals/activity/import/", {"file": SimpleUploadedFile("a.csv", big)}
    )
    assert response.status_code == 400
    assert "(10,000 rows). Split it." in response.content.decode()
    assert not ActivityLog.objects.exists()
