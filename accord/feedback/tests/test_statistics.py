"""NPS with n and interval everywhere: totals, by month and quarter, by segment,
by account owner, and the `accord nps` command."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from accord.feedback.selectors import nps_by, nps_compare, nps_total
from accord.feedback.tests.factories import ResponseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


@pytest.fixture
def responses(acme, bob_member):
    made = []
    for day, score, plan in [
        ("2026-01-05", 10, "enterprise"),
        ("2026-01-20", 9, "enterprise"),
        ("2026-01-25", 3, "starter"),
        ("2026-02-02", 7, "starter"),
        ("2026-04-10", 0, "starter"),
        ("2026-04-11", 10, "enterprise"),
    ]:
        made.append(
            ResponseFactory.create(
                organization=acme,
                score=score,
                created_at=at(day),
                attributes={"plan": plan},
                account_owner=bob_member if plan == "enterprise" else None,
            )
        )
    return made


def test_it_computes_the_total_with_n_and_interval(acme, responses):
    result = nps_total(acme)
    assert (result.n, result.promoters, result.passives, result.detractors) == (6, 3, 1, 2)
    assert result.nps == pytest.approx(16.7)
    assert result.ci95 is not None
    assert result.ci95[0] < 16.7 < result.ci95[1]
    assert result.small_sample


def test_it_groups_by_month_and_quarter(acme, responses):
    by_month = nps_by(acme, by="month")
    assert [(g.key, g.n, g.nps) for g in by_month.groups] == [
        ("2026-01", 3, pytest.approx(33.3)),
        ("2026-02", 1, 0.0),
        ("2026-04", 2, 0.0),
    ]
    by_quarter = nps_by(acme, by="quarter")
    assert [(g.key, g.n) for g in by_quarter.groups] == [("2026-Q1", 4), ("2026-Q2", 2)]
    assert all(g.ci95 is not None for g in by_quarter.groups)


def test_it_breaks_down_by_any_segment_attribute_and_by_owner(acme, responses):
    by_plan = {g.key: (g.n, g.nps) for g in nps_by(acme, by="plan").groups}
    assert by_plan == {"enterprise": (3, 100.0), "starter": (3, -66.7)}
    by_owner = {g.key: g.n for g in nps_by(acme, by="owner").groups}
    assert by_owner == {"bob@acme.example": 3, "(none)": 3}


def test_it_limits_to_a_period(acme, responses):
    result = nps_by(acme, by="month", since=date(2026, 2, 1), until=date(2026, 4, 11))
    assert result.n == 2 and [g.key for g in result.groups] == ["2026-02", "2026-04"]


def test_it_compares_two_periods(acme, responses):
    comparison = nps_compare(acme, days=90, today=date(2026, 4, 30))
    assert comparison.current.n == 3 and comparison.previous.n == 3
    assert comparison.change.significant is False


def test_it_prints_the_documented_json(acme, responses, capsys):
    call_command("nps", "--org", "acme", "--by", "quarter", "--json")
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"n", "promoters", "passives", "detractors", "nps", "ci95", "groups"}
    assert data["n"] == 6 and -100 <= data["ci95"][0] <= data["ci95"][1] <= 100
    assert data["groups"][0]["key"] == "2026-Q1"
    assert set(data["groups"][0]) >= {"key", "n", "promoters", "nps", "ci95"}


def test_it_prints_a_readable_table(acme, responses, capsys):
    call_command("nps", "--org", "acme", "--since", "2026-01-01")
    out = capsys.readouterr().out
    assert "95% CI" in out and "n=6" in out and "(small sample)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nope"], "org: no organisation 'nope'."),
        (["--org", "acme", "--since", "yesterday"], "since: 'yesterday' is not a date"),
        (["--org", "acme", "--by", "a;b"], "by: 'a;b' is not"),
    ],
)
def test_it_names_the_bad_argument(acme, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("nps", *args)


def test_it_exports_a_segment_that_looks_like_a_formula_as_text(alice_client, acme):
    for plan in ['=HYPERLINK("http://x.example","y")', "@SUM(A1)", "-2+3", "+1"]:
        ResponseFactory(organization=acme, score=9, attributes={"plan": plan})
    response = alice_client.get("/o/acme/customers/nps.csv?by=plan")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    keys = {row[0] for row in rows[1:]}
    assert keys == {'\'=HYPERLINK("http://x.example","y")', "'@SUM(A1)", "'-2+3", "'+1", "all"}


def test_it_exports_the_nps_table_with_n_and_interval(alice_client, acme, responses):
    response = alice_client.get("/o/acme/customers/nps.csv?by=plan")
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "plan,n,promoters,passives,detractors,nps,ci95_low,ci95_high,small_sample"
    assert any(line.startswith("enterprise,3,3,0,0,100.0,") for line in lines)
    assert lines[-1].startswith("all,6,")


def test_it_compares_a_chosen_period_with_the_one_of_the_same_length_before(acme, responses):
    comparison = nps_compare(acme, since=date(2026, 1, 20), until=date(2026, 2, 19))
    assert (comparison.previous_since, comparison.days) == (date(2025, 12, 21), 30)
    assert comparison.current.n == 3 and comparison.previous.n == 1
    assert comparison.as_dict() == {
        "since": "2026-01-20",
        "until": "2026-02-19",
        "previous_since": "2025-12-21",
        "previous_until": "2026-01-20",
        "nps": 0.0,
        "n": 3,
        "previous_nps": 100.0,
        "previous_n": 1,
        "delta": -100.0,
        "ci95": None,
        "significant": False,
        "reason": "No interval: the previous period has 1 response, fewer than 3.",
    }


def _api(owner) -> Client:
    from accord.orgs.services import api_token_create

    secret = api_token_create(membership=owner, name="test").secret
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_it_gives_the_same_change_on_the_page_the_api_and_the_command_line(
    acme, responses, owner, alice_client, capsys
):
    with time_machine.travel(datetime(2026, 4, 30, 12, 0, tzinfo=UTC), tick=False):
        expected = nps_compare(acme).as_dict()
        assert expected["n"] == 3 and expected["previous_n"] == 3
        assert expected["ci95"] is not None
        low, high = expected["ci95"]
        assert low <= expected["delta"] <= high
        api = _api(owner).get("/api/v1/feedback/nps", {"by": "month"}).json()
        call_command("nps", "--org", "acme", "--json")
        cli = json.loads(capsys.readouterr().out)
        call_command("nps", "--org", "acme")
        text = capsys.readouterr().out
        # Signed in at this instant: a session from the run's own "now" may
        # have expired by then (make test-dates runs at other dates).
        alice_client.force_login(owner.user)
        page = alice_client.get("/o/acme/customers/").content.decode()
    assert api["change"] == expected
    assert cli["change"] == expected
    shown = f"95% CI {low:.1f} to {high:.1f}"
    assert f"{expected['delta']:+.1f} points" in text and shown in text
    assert "not significant" in text
    assert f"{expected['delta']:+.1f}".lstrip("+") in page and shown in page


def test_it_says_why_there_is_no_change_interval_everywhere(
    acme, responses, owner, alice_client, capsys
):
    reason = "No interval: this period has 2 responses, fewer than 3."
    # The 90 days to 2026-05-20 hold the two April answers; the 90 before, four.
    with time_machine.travel(datetime(2026, 5, 20, 12, 0, tzinfo=UTC), tick=False):
        expected = nps_compare(acme).as_dict()
        api = _api(owner).get("/api/v1/feedback/nps").json()
        call_command("nps", "--org", "acme", "--json")
        cli = json.loads(capsys.readouterr().out)
        call_command("nps", "--org", "acme")
        text = capsys.readouterr().out
        # Signed in at this instant: a session from the run's own "now" may
        # have expired by then (make test-dates runs at other dates).
        alice_client.force_login(owner.user)
        page = alice_client.get("/o/acme/customers/").content.decode()
    assert (expected["n"], expected["ci95"], expected["reason"]) == (2, None, reason)
    assert api["change"] == expected and cli["change"] == expected
    assert reason in text and reason in page
    assert "significant" not in page.split("NPS, last 90 days", 1)[1].split("</section>", 1)[0]


def test_it_refuses_a_period_that_ends_before_it_starts(acme, owner):
    response = _api(owner).get(
        "/api/v1/feedback/nps", {"since": "2026-03-01", "until": "2026-02-01"}
    )
    assert response.status_code == 422 and "until" in response.content.decode()
    with pytest.raises(CommandError, match="until: must be after since"):
        call_command("nps", "--org", "acme", "--since", "2026-03-01", "--until", "2026-02-01")


def test_it_refuses_a_period_that_starts_after_today(acme, owner):
    # The test clock is pinned (accord.tests.clock): 8067 is always ahead.
    response = _api(owner).get("/api/v1/feedback/nps", {"since": "8067-07-12"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["query", "since"], "msg": "must not be after today", "type": "invalid"}
    ]
    with pytest.raises(CommandError, match="since: must not be after today"):
        call_command("nps", "--org", "acme", "--since", "8067-07-12")
    # So far back that no period of the same length comes before it.
    early = _api(owner).get("/api/v1/feedback/nps", {"since": "0001-01-02", "until": "2026-01-01"})
    assert early.status_code == 422
    assert early.json()["detail"][0]["loc"] == ["query", "since"]
