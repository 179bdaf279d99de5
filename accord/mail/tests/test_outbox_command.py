from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from accord.jobs.testing import run_queued_jobs

pytestmark = pytest.mark.django_db


def outbox(*args: str) -> str:
    out = StringIO()
    call_command("outbox", *args, stdout=out)
    return out.getvalue()


def test_it_prints_a_captured_password_reset_for_the_operator(client, alice):
    client.post("/accounts/password/reset/", {"email": "alice@acme.example"})
    run_queued_jobs()

    text = outbox("--to", "Alice@Acme.example")

    assert "to alice@acme.example" in text
    assert "/accounts/password/reset/key/" in text


def test_it_says_when_there_is_nothing(db):
    assert outbox("--to", "nobody@example.com") == "No captured email to nobody@example.com.\n"


def test_it_prints_json_for_scripts(client, alice):
    client.post("/accounts/password/reset/", {"email": "alice@acme.example"})
    run_queued_jobs()

    messages = json.loads(outbox("--json"))

    assert messages[0]["to"] == ["alice@acme.example"]
    assert "Password Reset" in messages[0]["subject"]
