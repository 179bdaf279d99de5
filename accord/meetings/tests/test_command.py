"""``accord meetings agenda --org SLUG [--json]``."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command

from accord.meetings.models import Occurrence
from accord.meetings.tests.factories import series_for

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("meetings", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_next_agenda_building_it_when_due(acme, sales_lead, seller, marketer):
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False):
        series_for(sales_lead, [sales_lead, seller, marketer])
        early = json.loads(_run("agenda", "--org", "acme", "--json"))
        assert early["items"] == [] and early["occurrence"]["agenda_built_at"] is None
    with time_machine.travel(dt.datetime(2026, 3, 4, 12, tzinfo=UTC), tick=False):
        data = json.loads(_run("agenda", "--org", "acme", "--json"))
        text = _run("agenda", "--org", "acme")

    assert data["occurrence"]["starts_at"] == "2026-03-05T09:00:00+00:00"
    assert [i["title"] for i in data["items"]] == ["Check-in", "Conclude"]
    assert Occurrence.objects.filter(agenda_built_at__isnull=False).count() == 1
    assert text.startswith("Acme joint meeting — 2026-03-05T10:00:00+01:00 (Europe/Berlin)")
    assert "  - Check-in (5 min)" in text


def test_it_names_an_unknown_organisation(db):
    with pytest.raises(CommandError, match="org: no organisation 'nope'"):
        _run("agenda", "--org", "nope")
