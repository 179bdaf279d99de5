"""The audit log: who did what to which object, when."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.conftest import membership
from accord.orgs.services import team_create

pytestmark = pytest.mark.django_db


def test_it_shows_admins_who_did_what(alice_client, alice, acme):
    team_create(membership=membership(alice, acme), name="Customer Success")

    page = alice_client.get(reverse("org_audit", args=["acme"])).content.decode()

    assert "team.create" in page
    assert "Customer Success" in page
    assert "alice@acme.example" in page


def test_it_filters_by_action(alice_client, alice, acme):
    team_create(membership=membership(alice, acme), name="RevOps")
    page = alice_client.get(reverse("org_audit", args=["acme"]), {"action": "member."})
    text = page.content.decode()
    assert "member.add" in text
    assert "team.create" not in text


def test_it_is_for_admins_only(bob_client, alice, acme):
    team_create(membership=membership(alice, acme), name="RevOps")
    page = bob_client.get(reverse("org_audit", args=["acme"]))
    assert page.status_code == 403
    assert "team.create" not in page.content.decode()
