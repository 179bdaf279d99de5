"""One login, many organisations: the switcher."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.orgs.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_it_lists_every_organisation_of_the_user_and_switches(alice_client, alice):
    OrganizationFactory.create(name="Initech", slug="initech", owner=alice)

    page = alice_client.get(reverse("org_overview", args=["acme"])).content.decode()
    assert 'href="/o/initech/"' in page
    assert 'href="/o/acme/"' in page

    other = alice_client.get(reverse("org_overview", args=["initech"]))
    assert other.status_code == 200
    assert "<h1>Initech</h1>" in other.content.decode()


def test_it_sends_a_user_without_organisation_to_create_one(client, charlie):
    client.force_login(charlie)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("org_create")


def test_it_sends_a_member_home_to_their_organisation(alice_client):
    response = alice_client.get(reverse("home"))
    assert response["Location"] == reverse("org_overview", args=["acme"])
