"""The portfolio: a person's organisations side by side, only theirs, sortable
without JavaScript; the same rows in the API for a signed-in session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accord.accounts.tests.factories import UserFactory
from accord.feedback.tests.factories import ResponseFactory
from accord.orgs.models import Membership, Role
from accord.orgs.tests.factories import OrganizationFactory
from accord.tests.api import api_as

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _responses(organization, scores, *, days_ago: int = 2):
    for score in scores:
        ResponseFactory(
            organization=organization, score=score, created_at=NOW - timedelta(days_ago)
        )


@pytest.fixture
def alices_orgs(alice, acme, globex, bob):
    """Alice owns Acme and is a member of Globex; Initech is none of hers."""
    Membership.objects.create(organization=globex, user=alice, role=Role.MEMBER)
    initech = OrganizationFactory(
        name="Initech", slug="initech", owner=UserFactory(email="dave@initech.example")
    )
    _responses(acme, [10, 10, 10, 10])
    _responses(acme, [0, 0], days_ago=40)  # a month earlier, Acme was worse
    _responses(globex, [0, 3])
    _responses(initech, [10])
    return acme, globex, initech


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _order(html: str, names: list[str]) -> list[str]:
    body = html.split('id="portfolio"', 1)[1]
    return sorted((n for n in names if n in body), key=body.index)


def test_it_lists_only_my_organisations_with_their_figures(alice, alices_orgs):
    page = _client(alice).get(reverse("portfolio"))
    assert page.status_code == 200
    html = page.content.decode()
    assert _order(html, ["Acme", "Globex", "Initech"]) == ["Acme", "Globex"]
    assert 'href="/o/acme/"' in html and 'href="/o/globex/"' in html
    rows = Client()
    rows.force_login(alice)
    data = rows.get("/api/v1/portfolio").json()
    assert [r["slug"] for r in data] == ["acme", "globex"]
    acme = data[0]
    # Now: 4 promoters, 2 detractors over 90 days; a month earlier: 2 detractors.
    assert (acme["nps"], acme["nps_n"], acme["nps_change"]) == (33.3, 6, 133.3)
    assert acme["role"] == "Owner" and data[1]["role"] == "Member"
    assert data[1]["nps"] == -100.0 and data[1]["nps_change"] is None
    assert "33.3" in html and "+133.3 vs a month earlier" in html
    # Parts without data say so, never zero.
    assert acme["sla"] is None and acme["pulse_balance"] is None
    assert "no data" in html


def test_it_sorts_by_each_column_with_plain_links(alice, alices_orgs):
    client = _client(alice)
    best_first = client.get(reverse("portfolio"), {"sort": "-nps"}).content.decode()
    assert _order(best_first, ["Acme", "Globex"]) == ["Acme", "Globex"]
    assert 'aria-sort="descending"' in best_first and 'href="?sort=nps"' in best_first
    worst_first = client.get(reverse("portfolio"), {"sort": "nps"}).content.decode()
    assert _order(worst_first, ["Acme", "Globex"]) == ["Globex", "Acme"]
    by_name = client.get(reverse("portfolio"), {"sort": "-name"}).content.decode()
    assert _order(by_name, ["Acme", "Globex"]) == ["Globex", "Acme"]
    # Every column is a link that sorts by it.
    for key in ("health", "sla", "pulse"):
        assert f'href="?sort=-{key}"' in by_name
        assert client.get(reverse("portfolio"), {"sort": key}).status_code == 200
    api = Client()
    api.force_login(alice)
    assert [r["slug"] for r in api.get("/api/v1/portfolio?sort=nps").json()] == [
        "globex",
        "acme",
    ]


def test_it_refuses_an_unknown_sort_naming_it(alice, alices_orgs):
    page = _client(alice).get(reverse("portfolio"), {"sort": "revenue"})
    assert page.status_code == 400
    assert "sort: Sort by one of: name, health, nps, sla, pulse." in page.content.decode()
    api = Client()
    api.force_login(alice)
    answer = api.get("/api/v1/portfolio?sort=revenue")
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "sort"]


def test_it_shows_a_person_with_one_organisation_just_that_one(bob, alices_orgs):
    page = _client(bob).get(reverse("portfolio"))
    assert page.status_code == 200
    assert _order(page.content.decode(), ["Acme", "Globex", "Initech"]) == ["Acme"]
    overview = _client(bob).get(reverse("org_overview", args=["acme"])).content.decode()
    assert 'href="/portfolio/"' in overview


def test_it_answers_sessions_only_not_an_organisations_token(alice, alices_orgs, client):
    token = api_as(alice, alices_orgs[0]).get("/api/v1/portfolio")
    assert token.status_code == 403
    assert "an API token acts in one" in token.json()["detail"]
    assert client.get("/api/v1/portfolio").status_code == 401
    anonymous = client.get(reverse("portfolio"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
