"""/api/v1/audit: the audit log, for admins and owners."""

from __future__ import annotations

import pytest

from accord.conftest import membership
from accord.orgs import services
from accord.orgs.models import Membership, Role
from accord.tests.api import API, api_as, fields

pytestmark = pytest.mark.django_db


def test_it_shows_the_log_newest_first(acme, alice):
    client = api_as(alice, acme)
    client.post(f"{API}/teams", {"name": "Partners"})
    client.patch(f"{API}/organization", {"name": "Acme Corp"})

    response = client.get(f"{API}/audit")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["action"] for i in items[:3]] == [
        "organization.update",
        "team.create",
        "token.create",
    ]
    assert items[0]["actor"] == "alice@acme.example"
    assert items[0]["changes"] == {"name": ["Acme", "Acme Corp"]}
    assert response.json()["next"] is None


def test_it_filters_by_the_start_of_the_action(acme, alice, bob):
    services.invitation_create(
        membership=membership(alice, acme), email="dana@acme.example", role="member"
    )

    response = api_as(alice, acme).get(f"{API}/audit", {"action": "member."})

    actions = {i["action"] for i in response.json()["items"]}
    assert actions == {"member.add"}


def test_it_shows_only_the_tokens_organisation(acme, alice, charlie, globex):
    services.team_create(membership=membership(alice, acme), name="Acme secret team")

    items = api_as(charlie, globex).get(f"{API}/audit").json()["items"]

    assert items
    assert all("Acme" not in i["object_repr"] for i in items)
    assert all(i["actor"] in {"charlie@globex.example"} for i in items)


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SALES_LEAD, Role.VIEWER])
def test_it_refuses_anyone_but_admins_and_owners(acme, bob, role):
    Membership.objects.filter(user=bob).update(role=role)

    response = api_as(bob, acme).get(f"{API}/audit")

    assert response.status_code == 403
    assert "may not do this: read the audit log" in response.json()["detail"]


def test_it_names_a_bad_filter(acme, alice):
    client = api_as(alice, acme)

    assert "query.action" in fields(client.get(f"{API}/audit", {"action": "x" * 65}))
    # A NUL anywhere in the query string is refused before the API reads it.
    refused = client.get(f"{API}/audit", {"action": "team\x00"})
    assert refused.status_code == 400
    assert refused.json() == {"detail": "action: Null characters are not allowed."}
