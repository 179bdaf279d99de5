"""Results per goal and team with the balance and its change, follow-through,
internal NPS with n and interval, comments; anonymous under the threshold;
names only with attribution; the agenda and health selectors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from accord.goals.tests.factories import member
from accord.orgs.models import Role, TeamKind
from accord.pulse import selectors, services


def _client(m) -> Client:
    client = Client()
    client.force_login(m.user)
    return client


def _answer(m, cycle, goals, vote="same", score=7, comment="", follow=""):
    return services.answer_submit(
        membership=m,
        cycle=cycle,
        votes={g.pk: (vote, comment) for g in goals},
        internal_score=score,
        one_thing=f"{m.user.email} will share notes.",
        follow_through=follow,
    )


@pytest.fixture
def people(seller, marketer, marketing_lead, sales_lead, acme):
    more_sales = [member(acme, f"s{i}@acme.example", Role.MEMBER, TeamKind.SALES) for i in range(2)]
    return {
        "sales": [seller, sales_lead, *more_sales],  # four
        "marketing": [marketer, marketing_lead],  # two: under the threshold of 3
    }


@pytest.fixture
def two_cycles(owner, goals, people):
    first = services.cycle_open_now(membership=owner)
    for m in people["sales"]:
        _answer(m, first, goals, vote="worse", score=5)
    for m in people["marketing"]:
        _answer(m, first, goals, vote="same", score=6)
    services.cycle_close(cycle=first)
    with time_machine.travel(first.opens_at + timedelta(days=31), tick=False):
        second = services.cycle_open_now(membership=owner)
        sales = people["sales"]
        _answer(sales[0], second, goals, "better", 10, "Leads arrive with context.", "done")
        _answer(sales[1], second, goals, "better", 9, "", "partly")
        _answer(sales[2], second, goals, "same", 9, "", "done")
        _answer(sales[3], second, goals, "worse", 3, "Still slow.", "not_done")
        for m in people["marketing"]:
            _answer(m, second, goals, "better", 8, "Sales calls back now.", "done")
    return first, second


def test_it_counts_votes_per_goal_and_team_with_the_change(owner, goals, two_cycles):
    _first, second = two_cycles
    found = selectors.cycle_results(owner, second)
    goal = found.goals[0]
    assert (goal.total.worse, goal.total.same, goal.total.better) == (1, 1, 4)
    assert goal.total.balance == 3
    assert goal.change == 3 - (-4)
    sales = next(t for t in goal.teams if t.label == "Sales")
    marketing = next(t for t in goal.teams if t.label == "Marketing")
    assert sales.counts is not None
    assert (sales.hidden, sales.counts.better, sales.counts.worse) == (False, 2, 1)
    assert marketing.hidden and marketing.counts is None  # two answers: totals only


def test_it_shows_follow_through_and_internal_nps_with_interval(owner, two_cycles):
    _first, second = two_cycles
    found = selectors.cycle_results(owner, second)
    assert (found.follow_through.done, found.follow_through.partly) == (4, 1)
    assert found.follow_through.not_done == 1
    assert found.follow_through.rate == pytest.approx(100 * 4.5 / 6, abs=0.1)
    by_rated = {s.rated: s for s in found.internal}
    marketing = by_rated["Marketing"]  # rated by four sales people: 10, 9, 9, 3
    assert (marketing.n, marketing.hidden) == (4, False)
    assert marketing.result is not None and marketing.result.nps == 50.0
    assert marketing.result.ci95 is not None
    low, high = marketing.result.ci95
    assert low < 50 < high
    assert by_rated["Sales"].hidden and by_rated["Sales"].result is None


def test_it_keeps_the_results_page_anonymous_by_default(owner, viewer, two_cycles):
    _first, second = two_cycles
    page = _client(viewer).get(f"/o/acme/pulse/{second.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Leads arrive with context." in html and "Still slow." in html
    assert "Fewer than 3 answers: in the totals only" in html
    for name in ("Bob Seller", "Carol Marketer", "bob@acme", "mia@acme", "sam@acme"):
        assert name not in html.split("<main")[1]
    assert "<svg" in html


def test_it_shows_names_to_leads_only_with_attribution(owner, viewer, seller, two_cycles):
    _first, second = two_cycles
    services.settings_update(membership=owner, attribution=True)
    lead_view = _client(owner).get(f"/o/acme/pulse/{second.pk}/").content.decode()
    assert "bob@acme.example will share notes." in lead_view
    assert "Done" in lead_view  # Bob's last One Thing, followed up in this pulse
    assert "Bob Seller" in lead_view.split("<main")[1]
    for someone in (viewer, seller):
        html = _client(someone).get(f"/o/acme/pulse/{second.pk}/").content.decode()
        assert "will share notes." not in html and "Bob Seller" not in html.split("<main")[1]


def test_it_brings_worse_votes_and_low_scores_as_agenda_candidates(owner, goals, two_cycles):
    _first, second = two_cycles
    items = selectors.agenda_candidates(
        owner.organization, second.opens_at, second.opens_at + timedelta(days=1)
    )
    titles = [i.title for i in items]
    assert f"Worse: {goals[0].title}" in titles
    worse = next(i for i in items if i.title == f"Worse: {goals[0].title}")
    assert "1 of 6" in worse.why and "Still slow." in worse.why
    assert worse.source_url == f"/o/acme/pulse/{second.pk}/"
    low = next(i for i in items if i.title == "Low internal score of Marketing")
    assert "1 of 4 in Sales" in low.why
    assert "Bob Seller" not in " ".join(i.why for i in items)


def test_it_gives_balance_follow_through_and_nps_per_cycle_to_health(owner, two_cycles):
    first, second = two_cycles
    since = datetime(2026, 1, 1, tzinfo=UTC)
    until = datetime(2027, 12, 1, tzinfo=UTC)
    balances = selectors.balance_by_cycle(owner.organization, since, until)
    assert [(c, b) for c, b, _n in balances] == [
        (first.pk, round(100 * -8 / 12, 1)),
        (second.pk, 50.0),
    ]
    assert selectors.follow_through_rate(owner.organization, since, until).n == 6
    nps_by_team = selectors.internal_nps_by_team(owner.organization, since, until)
    assert nps_by_team["Marketing"].n == 8 and nps_by_team["Sales"].n == 4
    assert selectors.goal_metric_values(owner.organization, since.date(), until.date()) == {
        # better 8, worse 8 + 2, of 24 votes over both cycles
        "pulse_balance": Decimal(str(round(100 * (8 - 10) / 24, 1)))
    }


def test_it_answers_404_to_outsiders_for_results(two_cycles, charlie_client):
    _first, second = two_cycles
    for url in (f"/o/acme/pulse/{second.pk}/", f"/o/globex/pulse/{second.pk}/"):
        page = charlie_client.get(url)
        assert page.status_code == 404
        assert second.label not in page.content.decode()


def test_it_says_in_the_pulse_state_what_is_open_and_who_answered(owner, seller, goals, people):
    assert selectors.pulse_state(seller).open_cycle is None
    cycle = services.cycle_open_now(membership=owner)
    _answer(seller, cycle, goals)
    state = selectors.pulse_state(seller)
    assert (state.open_cycle, state.answered, state.invited) == (cycle, 1, 6)
    assert state.answered_by_me and not selectors.pulse_state(people["marketing"][0]).answered_by_me
    services.cycle_close(cycle=cycle)
    assert selectors.pulse_state(seller).last_closed == cycle


def test_it_still_counts_answers_of_a_member_who_left(owner, goals, two_cycles, people):
    from accord.orgs.services import member_remove

    _first, second = two_cycles
    member_remove(membership=owner, target=people["sales"][3])
    found = selectors.cycle_results(owner, second)
    assert found.answered == 6 and found.goals[0].total.worse == 1
    services.settings_update(membership=owner, attribution=True)
    names = {c.author for c in selectors.cycle_results(owner, second).comments}
    assert "A former member" in names
