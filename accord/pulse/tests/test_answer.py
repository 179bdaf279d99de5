"""Answering the pulse on one plain page: last One Thing, votes, internal
score, new One Thing; changeable until the cycle closes; all or nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client

from accord.goals.tests.factories import GoalFactory
from accord.pulse import services
from accord.pulse.models import GoalVote, OneThing, PulseAnswer


@pytest.fixture
def cycle(owner, goals):
    return services.cycle_open_now(membership=owner)


def _client(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def _post(goals, **extra):
    data = {f"vote_{g.pk}": "better" for g in goals}
    data.update({"internal_score": "8", "one_thing": "Join two prospect calls."})
    data.update(extra)
    return data


def test_it_shows_every_question_on_one_page(seller, cycle, goals):
    page = _client(seller).get(f"/o/acme/pulse/{cycle.pk}/answer/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Acme leads convert" in html and "Acme wins more" in html
    assert "Rate Marketing: the leads and content they give you (0-10)" in html
    assert "Your One Thing for next month" in html
    assert "Last time" not in html  # no earlier One Thing yet
    assert "<script" not in html.split("<main")[1].split("</main>")[0]


def test_it_records_an_answer(seller, cycle, goals):
    data = _post(
        goals, **{f"comment_{goals[0].pk}": "Faster hand-offs."}, one_thing_goal=goals[0].pk
    )
    response = _client(seller).post(f"/o/acme/pulse/{cycle.pk}/answer/", data)
    assert response.status_code == 302
    answer = PulseAnswer.objects.get(cycle=cycle, member=seller)
    assert answer.internal_score == 8
    assert answer.rated_team is not None and answer.rated_team.name == "Marketing"
    assert answer.team is not None and answer.team.name == "Sales"
    votes = {v.goal_id: (v.vote, v.comment) for v in GoalVote.objects.filter(answer=answer)}
    assert votes == {goals[0].pk: ("better", "Faster hand-offs."), goals[1].pk: ("better", "")}
    one_thing = OneThing.objects.get(answer=answer)
    assert (one_thing.text, one_thing.goal_id) == ("Join two prospect calls.", goals[0].pk)
    index = _client(seller).get("/o/acme/pulse/").content.decode()
    assert "answered" in index and "Change my answer" in index
    assert "Your One Things" in index and "Join two prospect calls." in index


def test_it_lets_marketing_rate_sales_follow_up(marketer, cycle, goals):
    page = _client(marketer).get(f"/o/acme/pulse/{cycle.pk}/answer/")
    assert "Rate Sales: how they follow up the leads you hand over (0-10)" in page.content.decode()
    _client(marketer).post(f"/o/acme/pulse/{cycle.pk}/answer/", _post(goals, internal_score="3"))
    answer = PulseAnswer.objects.get(member=marketer)
    assert answer.rated_team is not None
    assert (answer.internal_score, answer.rated_team.name) == (3, "Sales")


def test_it_lets_an_answer_change_until_the_cycle_closes(seller, cycle, goals):
    client = _client(seller)
    client.post(f"/o/acme/pulse/{cycle.pk}/answer/", _post(goals))
    page = client.get(f"/o/acme/pulse/{cycle.pk}/answer/").content.decode()
    assert "Save my changes" in page and "Join two prospect calls." in page
    client.post(f"/o/acme/pulse/{cycle.pk}/answer/", _post(goals, one_thing="Call back in a day."))
    assert PulseAnswer.objects.count() == 1
    assert OneThing.objects.get().text == "Call back in a day."
    assert GoalVote.objects.count() == 2
    with time_machine.travel(cycle.closes_at + timedelta(seconds=1), tick=False):
        response = client.post(f"/o/acme/pulse/{cycle.pk}/answer/", _post(goals, one_thing="Late"))
    assert response.status_code == 400
    assert "This pulse closed on" in response.content.decode()
    assert OneThing.objects.get().text == "Call back in a day."


@pytest.mark.parametrize(
    ("one_thing", "message"),
    [("", "Commit to One Thing"), ("x" * 2000, "at most 280 characters (this one has 2000)")],
)
def test_it_refuses_a_bad_one_thing_and_writes_nothing(seller, cycle, goals, one_thing, message):
    response = _client(seller).post(
        f"/o/acme/pulse/{cycle.pk}/answer/", _post(goals, one_thing=one_thing)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'id="id_one_thing_error"' in response.content.decode()
    assert not PulseAnswer.objects.exists() and not GoalVote.objects.exists()


def test_it_names_each_missing_vote_and_the_score(seller, cycle, goals):
    data = _post(goals)
    del data[f"vote_{goals[1].pk}"]
    data["internal_score"] = ""
    response = _client(seller).post(f"/o/acme/pulse/{cycle.pk}/answer/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_vote_{goals[1].pk}_error"' in html
    assert "Score Marketing from 0 to 10." in html
    assert not PulseAnswer.objects.exists()


def test_it_refuses_a_vote_on_a_goal_not_in_the_cycle(seller, cycle, goals, owner, marketer):
    other = GoalFactory.create(
        sales_owner=seller, marketing_owner=marketer, title="Acme later goal"
    )
    votes = {g.pk: ("same", "") for g in goals} | {other.pk: ("worse", "")}
    with pytest.raises(ValidationError) as error:
        services.answer_submit(
            membership=seller, cycle=cycle, votes=votes, internal_score=5, one_thing="Do it."
        )
    assert "is not in this pulse" in error.value.message_dict["votes"][0]
    assert not PulseAnswer.objects.exists()


def test_it_asks_about_the_last_one_thing_in_the_next_pulse(seller, owner, cycle, goals):
    client = _client(seller)
    client.post(f"/o/acme/pulse/{cycle.pk}/answer/", _post(goals))
    services.cycle_close(cycle=cycle)
    with time_machine.travel(cycle.opens_at + timedelta(days=31), tick=False):
        following = services.cycle_open_now(membership=owner)
        client = _client(seller)  # a month later the session has expired
        page = client.get(f"/o/acme/pulse/{following.pk}/answer/").content.decode()
        assert "Last time you committed to: “Join two prospect calls.”" in page
        missing = client.post(f"/o/acme/pulse/{following.pk}/answer/", _post(goals))
        assert missing.status_code == 400
        assert "Say whether you did your last One Thing" in missing.content.decode()
        client.post(
            f"/o/acme/pulse/{following.pk}/answer/",
            _post(
                goals,
                follow_through="partly",
                follow_through_comment="One call, not two.",
                one_thing="Send the deck the same day.",
            ),
        )
    first = OneThing.objects.get(cycle=cycle)
    assert (first.follow_through, first.follow_through_comment, first.followed_up_in_id) == (
        "partly",
        "One call, not two.",
        following.pk,
    )
    assert OneThing.objects.get(cycle=following).follow_through == ""


def test_it_refuses_viewers_an_answer_and_answers_404_to_outsiders(
    viewer, cycle, goals, charlie_client
):
    refused = _client(viewer).get(f"/o/acme/pulse/{cycle.pk}/answer/")
    assert refused.status_code == 403
    assert "You can't do that here" in refused.content.decode()
    assert _client(viewer).post(f"/o/acme/pulse/{cycle.pk}/answer/", {}).status_code == 403
    for url in (f"/o/acme/pulse/{cycle.pk}/answer/", f"/o/globex/pulse/{cycle.pk}/answer/"):
        page = charlie_client.get(url)
        assert page.status_code == 404
        assert goals[0].title not in page.content.decode()
    assert not PulseAnswer.objects.filter(cycle=cycle).exists()


def test_it_tells_a_member_outside_the_participant_teams(owner, cycle, goals):
    page = _client(owner).get(f"/o/acme/pulse/{cycle.pk}/answer/")
    assert "You are not among this pulse's participants." in page.content.decode()
