"""A signed-in page view writes nothing: session activity is written at most
every ACCORD_SESSION_ACTIVITY_SECONDS (or when the address or browser changes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def writes_of(client, url: str, **extra) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)
    ]


@pytest.fixture(autouse=True)
def _five_minutes(settings):
    settings.ACCORD_SESSION_ACTIVITY_SECONDS = 300


@pytest.mark.parametrize("url", ["/o/acme/", "/o/acme/members/", "/o/acme/goals/"])
def test_it_writes_nothing_on_a_second_view_within_the_period(alice_client, frozen_clock, url):
    alice_client.get("/o/acme/")  # the session's activity row is written
    frozen_clock.shift(299)

    assert writes_of(alice_client, url) == []


def test_it_records_activity_again_after_the_period(alice_client, frozen_clock):
    alice_client.get("/o/acme/")
    seen = UserSession.objects.get().last_seen_at
    frozen_clock.shift(301)

    writes = writes_of(alice_client, "/o/acme/")

    assert len(writes) == 1 and "usersessions_usersession" in writes[0]
    assert UserSession.objects.get().last_seen_at == seen + timedelta(seconds=301)
    assert UserSession.objects.get().last_seen_at == timezone.now()


def test_it_records_a_new_address_at_once(alice_client, frozen_clock):
    alice_client.get("/o/acme/")
    frozen_clock.shift(10)

    writes = writes_of(alice_client, "/o/acme/", REMOTE_ADDR="192.0.2.7")

    assert writes
    assert UserSession.objects.get().ip == "192.0.2.7"


def test_it_records_the_first_request_of_a_session(alice_client):
    UserSession.objects.all().delete()

    alice_client.get("/o/acme/")

    row = UserSession.objects.get()
    assert row.user.email == "alice@acme.example"
    assert row.ip == "127.0.0.1"
