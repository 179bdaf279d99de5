"""GET and PATCH /api/v1/organization, and how bad input is answered."""

from __future__ import annotations

from datetime import date

import pytest

from accord.orgs.models import AuditEvent, Membership, Organization, Role
from accord.orgs.selectors import business_calendar
from accord.tests.api import API, api_as, fields

pytestmark = pytest.mark.django_db


def test_it_shows_the_organisation(acme, alice):
    response = api_as(alice, acme).get(f"{API}/organization")

    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "acme"
    assert body["name"] == "Acme"
    assert body["time_zone"] == "UTC"
    assert "created_at" in body


def test_it_shows_the_organisation_to_every_role(acme, bob):
    Membership.objects.filter(user=bob).update(role=Role.VIEWER)

    response = api_as(bob, acme).get(f"{API}/organization")
    assert response.status_code == 200
    assert response.json()["slug"] == "acme"


def test_it_lets_an_owner_rename_the_organisation(acme, alice):
    response = api_as(alice, acme).patch(
        f"{API}/organization", {"name": "Acme Corp", "time_zone": "Europe/Berlin"}
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Acme Corp"
    assert response.json()["time_zone"] == "Europe/Berlin"
    acme.refresh_from_db()
    assert (acme.name, acme.time_zone) == ("Acme Corp", "Europe/Berlin")
    event = AuditEvent.objects.get(organization=acme, action="organization.update")
    assert event.actor == alice
    assert event.changes["name"] == ["Acme", "Acme Corp"]


def test_it_changes_only_what_is_sent(acme, alice):
    response = api_as(alice, acme).patch(f"{API}/organization", {"time_zone": "Europe/Paris"})

    assert response.status_code == 200
    acme.refresh_from_db()
    assert (acme.name, acme.time_zone) == ("Acme", "Europe/Paris")


def test_it_lets_an_admin_patch_the_organisation(acme, bob):
    Membership.objects.filter(user=bob).update(role=Role.ADMIN)

    response = api_as(bob, acme).patch(f"{API}/organization", {"name": "Acme by Bob"})

    assert response.status_code == 200
    assert response.json()["name"] == "Acme by Bob"
    acme.refresh_from_db()
    assert acme.name == "Acme by Bob"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER, Role.SALES_LEAD])
def test_it_refuses_a_non_admin_patching_the_organisation(acme, bob, role):
    Membership.objects.filter(user=bob).update(role=role)

    response = api_as(bob, acme).patch(f"{API}/organization", {"name": "Hijacked"})

    assert response.status_code == 403
    assert response.json()["detail"]
    acme.refresh_from_db()
    assert acme.name == "Acme"
    assert "may not do this: rename the organisation" in response.json()["detail"]
    assert Organization.objects.get(pk=acme.pk).name == "Acme"


def test_it_names_an_unknown_time_zone(acme, alice):
    response = api_as(alice, acme).patch(f"{API}/organization", {"time_zone": "Mars/Olympus"})

    assert fields(response) == {"body.time_zone": "Unknown time zone 'Mars/Olympus'."}


def test_it_names_a_blank_name(acme, alice):
    response = api_as(alice, acme).patch(f"{API}/organization", {"name": "   "})

    assert fields(response) == {"body.name": "The name cannot be empty."}


def test_it_names_a_field_of_the_wrong_type(acme, alice):
    response = api_as(alice, acme).patch(f"{API}/organization", {"name": 42, "time_zone": []})

    assert set(fields(response)) == {"body.name", "body.time_zone"}
    assert fields(response)["body.name"] == "Input should be a valid string"


def test_it_names_a_field_that_is_too_long(acme, alice):
    response = api_as(alice, acme).patch(f"{API}/organization", {"name": "x" * 121})

    assert "at most 120 characters" in fields(response)["body.name"]


def test_it_refuses_null_characters_that_a_database_cannot_store(acme, alice):
    # PostgreSQL refuses NUL in text: without this check the request would end in a 500.
    response = api_as(alice, acme).patch(f"{API}/organization", {"name": "Ac\x00me"})

    assert fields(response) == {"body.name": "Null characters are not allowed."}


def test_it_answers_400_to_a_malformed_json_body(acme, alice):
    response = api_as(alice, acme).patch(
        f"{API}/organization", '{"name": "Acme', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON."}


def test_it_answers_400_to_a_body_that_is_not_json(acme, alice):
    response = api_as(alice, acme).patch(
        f"{API}/organization", "name=Hijacked", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response.json()["detail"]
    acme.refresh_from_db()
    assert acme.name == "Acme"


def test_it_names_the_body_when_it_is_not_an_object(acme, alice):
    # An all-optional PATCH must not take a list or a string for "no change".
    client = api_as(alice, acme)

    for body in ['["Acme"]', '"Acme"', "7", "null"]:
        response = client.patch(f"{API}/organization", body)
        assert fields(response) == {"body": "A JSON object is required."}, body


def test_it_sets_the_business_calendar_from_a_country_and_own_holidays(acme, alice):
    response = api_as(alice, acme).patch(
        f"{API}/organization",
        {"country": "fr", "holidays": ["2026-12-24", "2026-12-24", "2026-08-14"]},
    )

    assert response.status_code == 200, response.content
    assert response.json()["country"] == "FR"
    assert response.json()["holidays"] == ["2026-08-14", "2026-12-24"]
    acme.refresh_from_db()
    assert (acme.country, acme.holidays) == ("FR", ["2026-08-14", "2026-12-24"])
    calendar = business_calendar(acme)
    assert not calendar.is_business_day(date(2026, 7, 14))  # Bastille Day, from the package
    assert not calendar.is_business_day(date(2026, 8, 14))  # Acme's own
    assert calendar.is_business_day(date(2026, 7, 15))


def test_it_names_a_country_without_known_holidays(acme, alice):
    response = api_as(alice, acme).patch(f"{API}/organization", {"country": "QQ"})

    assert fields(response) == {"body.country": "No public holidays are known for 'QQ'."}
    acme.refresh_from_db()
    assert acme.country == ""


def test_it_offers_countries_on_the_settings_page(acme, alice, client):
    client.force_login(alice)
    url = f"/o/{acme.slug}/settings/"
    assert '<option value="DE">Germany</option>' in client.get(url).content.decode()
    response = client.post(
        url, {"name": "Acme", "time_zone": "UTC", "country": "DE", "holidays": "2026-12-31"}
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert (acme.country, acme.holidays) == ("DE", ["2026-12-31"])
    response = client.post(url, {"name": "Acme", "time_zone": "UTC", "holidays": "someday"})
    assert response.status_code == 400
    assert "is not a date like 2026-12-25" in response.content.decode()
