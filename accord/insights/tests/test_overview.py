"""The Overview, the organisation's home: a new organisation's first steps;
Insights' health page and weights form. (The demo organisation's dashboard
is tested on the seeded demo, in test_demo.py.)"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accord.insights import health
from accord.insights.models import HealthWeights
from accord.orgs.models import Membership

pytestmark = pytest.mark.django_db


def _client(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_it_tells_a_new_organisation_what_to_do_first(alice_client, acme):
    response = alice_client.get(reverse("org_overview", args=["acme"]))
    assert response.status_code == 200
    text = _text(response.content.decode())
    for first_step in (
        "No health score yet",
        "No shared goal yet",
        "No customer answers yet",
        "No open follow-up",
        "No hand-off agreement yet",
        "No meeting scheduled",
        "No pulse yet",
        "No One Thing yet",
        "No open action item",
    ):
        assert first_step in text
    assert "never counted as zero" in text


def test_it_shows_health_parts_and_saves_weights_for_leads(alice_client, bob_client, acme):
    page = _text(alice_client.get(reverse("insights_index", args=["acme"])).content.decode())
    assert "No health score yet" in page and "Save weights" in page
    assert (
        "Save weights"
        not in bob_client.get(reverse("insights_index", args=["acme"])).content.decode()
    )
    zero = dict.fromkeys(health.PART_KEYS, "0")
    refused = alice_client.post(reverse("insights_index", args=["acme"]), zero)
    assert refused.status_code == 400
    assert "sum to zero" in refused.content.decode()
    assert not HealthWeights.objects.filter(organization=acme).exists()
    weights = dict.fromkeys(health.PART_KEYS, "2")
    saved = alice_client.post(reverse("insights_index", args=["acme"]), weights)
    assert saved.status_code == 302
    assert HealthWeights.objects.get(organization=acme).weights == dict.fromkeys(
        health.PART_KEYS, 2
    )
    assert bob_client.post(reverse("insights_index", args=["acme"]), weights).status_code == 403
