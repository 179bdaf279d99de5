"""Acme's objects for the outsider test (see accord/orgs/tests/outsider.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accord.orgs.models import Membership, Organization
from accord.pulse import services
from accord.pulse.models import PulseCycle


def _cycle(acme: Organization) -> PulseCycle:
    now = timezone.now()
    return services.cycle_open(
        organization=acme,
        kind="monthly",
        period="2026-01",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=6),
    )


def page_objects(acme: Organization, owner: Membership) -> dict[str, dict[str, Any]]:
    cycle = _cycle(acme)
    return {
        "pulse_index": {},
        "pulse_cycle_open": {},
        "pulse_answer": {"pk": cycle.pk},
        "pulse_cycle_close": {"pk": cycle.pk},
    }


def api_objects(acme: Organization, owner: Membership) -> dict[str, Any]:
    return {}


API_BODIES: dict[tuple[str, str], dict[str, Any]] = {}
