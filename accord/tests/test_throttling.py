"""The API's rate limits: per token and per address, 429 with Retry-After."""

from __future__ import annotations

import pytest

from accord.tests.api import API, ApiClient, token_for

pytestmark = pytest.mark.django_db


def test_it_limits_each_token_and_tells_when_to_retry(alice, acme, settings, frozen_clock):
    settings.ACCORD_API_RATE_PER_TOKEN = "3/m"
    first = ApiClient(token_for(alice, acme, "first"))
    second = ApiClient(token_for(alice, acme, "second"))

    statuses = [first.get(f"{API}/organization").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = first.get(f"{API}/organization")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Another token has its own count.
    assert second.get(f"{API}/organization").status_code == 200

    frozen_clock.shift(61)
    assert first.get(f"{API}/organization").status_code == 200


def test_it_limits_each_address_whatever_the_token(alice, acme, settings, frozen_clock):
    settings.ACCORD_API_RATE_PER_ADDRESS = "2/m"
    tokens = [token_for(alice, acme, f"t{n}") for n in range(3)]
    here = [ApiClient(token, REMOTE_ADDR="192.0.2.7") for token in tokens]
    elsewhere = ApiClient(tokens[0], REMOTE_ADDR="192.0.2.8")

    answers = [client.get(f"{API}/organization") for client in here]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[0].json()["slug"] == "acme"
    assert "acme" not in answers[2].content.decode() and answers[2].json()["detail"]
    assert elsewhere.get(f"{API}/organization").json()["slug"] == "acme"


def test_it_does_not_count_requests_without_a_valid_token(alice, acme, settings):
    settings.ACCORD_API_RATE_PER_TOKEN = "1/m"
    anonymous = ApiClient("acc_not-a-real-token")
    answers = [anonymous.get(f"{API}/organization") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [401, 401, 401]
    assert all("A valid API token is required" in a.json()["detail"] for a in answers)
