"""What every page promises: security headers, no inline script, sections, errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

ACCORD = Path(__file__).parents[1]

pytestmark = pytest.mark.django_db


def test_it_sends_a_strict_content_security_policy(alice_client):
    response = alice_client.get(reverse("org_overview", args=["acme"]))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_it_keeps_script_out_of_page_templates():
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    for template in ACCORD.rglob("templates/**/*.html"):
        if "/email/" in str(template):
            continue  # email bodies are not pages
        text = template.read_text()
        assert not inline.search(text), f"inline <script> in {template}"
        assert not handler.search(text), f"inline event handler in {template}"
        assert "http://" not in text.replace("http://127.0.0.1", ""), f"remote URL in {template}"


def test_it_loads_htmx_from_this_server(alice_client):
    page = alice_client.get(reverse("org_overview", args=["acme"])).content.decode()
    assert '<script src="/static/django_htmx/htmx.min.js" defer></script>' in page
    assert alice_client.get("/static/django_htmx/htmx.min.js").status_code == 200


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("goals_index", "Goals"),
        ("feedback_index", "Customers"),
        ("meetings_index", "Meetings"),
        ("pulse_index", "Pulse"),
        ("pipeline_index", "Pipeline"),
        ("insights_index", "Insights"),
    ],
)
def test_it_opens_each_section_for_a_member(bob_client, name, heading):
    response = bob_client.get(reverse(name, args=["acme"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert heading in page
    assert 'aria-current="page"' in page


@pytest.mark.parametrize(
    ("name", "promise"),
    [("meetings_index", "agendas that build themselves"), ("pulse_index", "One Thing")],
)
def test_it_explains_what_an_empty_section_will_hold(bob_client, name, promise):
    page = bob_client.get(reverse(name, args=["acme"])).content.decode()
    assert "Nothing here yet" in page
    assert promise in page


def test_it_shows_field_errors_next_to_the_field(alice_client):
    page = alice_client.post(reverse("org_create"), {"name": "", "slug": "Not A Slug"})
    text = page.content.decode()
    assert page.status_code == 400
    assert 'aria-invalid="true"' in text
    assert "This field is required." in text


def test_it_explains_a_forbidden_action(bob_client):
    page = bob_client.get(reverse("org_settings", args=["acme"]))
    assert page.status_code == 403
    assert "may not do this" in page.content.decode()


def test_it_shows_a_friendly_not_found_page(alice_client):
    page = alice_client.get("/o/nowhere/")
    assert page.status_code == 404
    assert "belongs to an organisation you are not a member of" in page.content.decode()
