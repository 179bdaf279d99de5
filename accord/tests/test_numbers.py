"""Numbers as people read them: the one helper, and every page of the demo
(and every email and CSV export it leads to) without a raw float."""

from __future__ import annotations

import html
import re
from collections import deque
from decimal import Decimal

import pytest
from django.template import engines
from django.test import Client

from accord.cli.demo import seed_demo
from accord.jobs.testing import run_queued_jobs
from accord.lib import numbers
from accord.mail.models import CapturedMessage
from accord.orgs.models import Membership


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2.8499999999999996, "2.8"),
        (2.9000000000000004, "2.9"),
        (2.85, "2.9"),  # half up, as people round
        (Decimal("4.0000"), "4"),
        (0, "0"),
        (-0.01, "0"),
        (None, "—"),
        ("", "—"),
        (float("nan"), "—"),
        (12345.678, "12,345.7"),
    ],
)
def test_it_writes_hours_to_a_tenth(value, expected):
    assert numbers.hours(value) == expected


def test_it_writes_percentages_money_counts_and_points():
    assert numbers.percent(85.71428571428571) == "85.7%"
    assert numbers.percent(100.0) == "100%"
    assert numbers.percent(None) == "—"
    assert numbers.percent(33.333, 0) == "33%"
    assert numbers.money(Decimal("650000.4"), "eur") == "EUR 650,000"
    assert numbers.money(None, "EUR") == "—"
    assert numbers.count(1234567) == "1,234,567"
    assert numbers.points(12.0) == "+12"
    assert numbers.points(-3.45) == "-3.5"
    assert numbers.points(0.0) == "0"


def test_it_never_writes_a_decimal_in_exponent_form():
    assert numbers.number(Decimal("400000.0000").normalize(), 4) == "400,000"
    assert numbers.number(Decimal("12.3456"), 4) == "12.3456"
    assert _raw_floats("From 4E+5 to 6.5E+5 EUR") == ["4E+5", "6.5E+5"]
    assert _raw_floats("2.8499999999999996 h, 33.333%") == ["2.8499999999999996", "33.333"]
    assert _raw_floats("Accord 1.2, 127.0.0.1, 12.5%, 1,234.56") == []


def test_its_filters_are_in_every_template_without_a_load():
    for name in ("django", "text"):
        rendered = engines[name].from_string(
            "{{ h|hours }} {{ p|percent }} {{ m|money:'USD' }} {{ n|count }} {{ x|number:2 }}"
        )
        assert rendered.render(
            {"h": 2.9000000000000004, "p": 50, "m": 1e6, "n": 4321, "x": 1 / 3}
        ) == ("2.9 50% USD 1,000,000 4,321 0.33")


# A number with more than two decimals, as a reader would see it (text
# outside tags, charts and scripts): "2.8499999999999996", "33.333".
# Also a Decimal's exponent form ("4E+5" for 400000).
RAW_FLOAT = re.compile(r"(?<![\w.])-?\d[\d,]*\.\d{3,}(?![\d.])|\b\d+(?:\.\d+)?E[+-]\d+\b")
HIDDEN = re.compile(r"<(svg|script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
LINK = re.compile(r'href="(/o/northwind/[^"#]*)"')
# Pages that change things on GET never exist; these only sign out or leave.
SKIP = ("/logout", "/leave", "/delete", "/remove", ".pdf", "/report/")


def _visible(page: str) -> str:
    return html.unescape(TAG.sub(" ", HIDDEN.sub(" ", page)))


def _raw_floats(text: str) -> list[str]:
    return RAW_FLOAT.findall(text)


@pytest.mark.django_db
def test_no_page_of_the_demo_shows_a_raw_float():
    """Every page an owner reaches from the overview, following links, and
    every CSV export linked from them and every email the demo sent."""
    organization = seed_demo()
    run_queued_jobs()
    owner = Membership.objects.get(organization=organization, user__email="nadia@northwind.example")
    client = Client()
    client.force_login(owner.user)

    seen: set[str] = set()
    queue = deque(["/o/northwind/"])
    found: dict[str, list[str]] = {}
    while queue and len(seen) < 400:
        path = queue.popleft()
        if path in seen or any(part in path for part in SKIP):
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or getattr(response, "streaming", False):
            if getattr(response, "streaming", False):
                body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
                if bad := _raw_floats(body):
                    found[path] = bad[:5]
            continue
        body = response.content.decode()
        if response["Content-Type"].startswith("text/html"):
            if bad := _raw_floats(_visible(body)):
                found[path] = bad[:5]
            for link in LINK.findall(body):
                link = html.unescape(link)
                if link not in seen:
                    queue.append(link)
        elif bad := _raw_floats(body):
            found[path] = bad[:5]
    assert len(seen) > 40, sorted(seen)
    # Amounts carry the organisation's currency.
    assert "EUR " in _visible(client.get("/o/northwind/pipeline/").content.decode())
    for message in CapturedMessage.objects.all():
        text = f"{message.subject}\n{message.text_body}\n{_visible(message.html_body)}"
        if bad := _raw_floats(text):
            found[f"email: {message.subject}"] = bad[:5]
    assert not found, found


@pytest.mark.django_db
def test_it_keeps_the_organisations_currency_and_refuses_a_bad_code(alice_client, acme):
    from django.core.exceptions import ValidationError

    from accord.orgs.services import organization_update

    owner = Membership.objects.get(organization=acme, role="owner")
    assert acme.currency == "USD"
    response = alice_client.post(
        "/o/acme/settings/", {"name": "Acme", "time_zone": "UTC", "currency": "eur"}
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.currency == "EUR"
    with pytest.raises(ValidationError) as error:
        organization_update(membership=owner, currency="euro")
    assert "'euro' is not a currency code like EUR." in error.value.message_dict["currency"]
    acme.refresh_from_db()
    assert acme.currency == "EUR"
