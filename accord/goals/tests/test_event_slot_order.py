"""An event's slots are listed in the order they happen."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from accord.goals import selectors, services

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_it_lists_a_days_slots_as_they_happen_not_alphabetically(owner):
    day = services.today() + dt.timedelta(days=10)
    event = services.event_create(
        membership=owner,
        name="Expo",
        starts_on=day,
        slots=[("teardown", day, 2), ("booth", day, 2), ("setup", day, 2)],
    )
    services.event_slot_add(
        membership=owner, event=event, role="setup", date=day - dt.timedelta(days=1)
    )

    slots = selectors.event_slots(event)
    assert [(s.date, s.role) for s in slots] == [
        (day - dt.timedelta(days=1), "setup"),
        (day, "setup"),
        (day, "booth"),
        (day, "teardown"),
    ]
    client = Client()
    client.force_login(owner.user)
    page = client.get(f"/o/acme/goals/events/{event.pk}/").content.decode()
    table = page.split("<tbody>", 1)[1]
    rows = re.findall(r'<th scope="row">([^<]+)</th>', table)
    assert rows == ["Set-up", "Set-up", "Booth", "Tear-down"]
