from __future__ import annotations

import pytest
from django.urls import reverse

from accord.orgs.models import Membership, Organization, Role, TeamKind


@pytest.mark.django_db
def test_it_makes_the_creator_owner_with_sales_and_marketing_teams(alice_client, alice):
    response = alice_client.post(reverse("org_create"), {"name": "Initech", "slug": "initech"})

    assert response.status_code == 302
    organization = Organization.objects.get(slug="initech")
    assert Membership.objects.get(organization=organization, user=alice).role == Role.OWNER
    assert set(organization.teams.values_list("kind", flat=True)) == {
        TeamKind.SALES,
        TeamKind.MARKETING,
    }


@pytest.mark.django_db
def test_it_names_the_field_when_the_address_is_taken(alice_client, acme):
    response = alice_client.post(reverse("org_create"), {"name": "Acme again", "slug": "acme"})

    assert response.status_code == 400
    assert "The address &#x27;acme&#x27; is taken" in response.content.decode()
    assert Organization.objects.filter(slug="acme").count() == 1
