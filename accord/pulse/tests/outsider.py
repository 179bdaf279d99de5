"""Acme's objects for the outsider test (see accord/orgs/tests/outsider.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accord.orgs.models import Membership, Organization
from accord.pulse import scorecard, services
from accord.pulse.models import Measurable, PulseCycle


def _cycle(acme: Organization) -> PulseCycle:
    now = timezone.now()
    return services.cycle_open(
        organization=acme,
        kind="monthly",
        period="2026-01",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=6),
    )


def _measurable(acme: Organization, owner: Membership) -> Measurable:
    found = Measurable.objects.filter(organization=acme).first()
    if found is not None:
        return found
    return scorecard.measurable_create(
        membership=owner,
        name="Acme secret measurable",
        moves="Pipeline creation",
        owner=owner,
        goal_value=Decimal("5"),
        direction="up",
    )


def page_objects(acme: Organization, owner: Membership) -> dict[str, dict[str, Any]]:
    cycle = _cycle(acme)
    measurable = _measurable(acme, owner)
    return {
        "pulse_index": {},
        "pulse_settings": {},
        "pulse_cycle_open": {},
        "pulse_results": {"pk": cycle.pk},
        "pulse_answer": {"pk": cycle.pk},
        "pulse_cycle_close": {"pk": cycle.pk},
        "pulse_scorecard": {},
        "pulse_scorecard_create": {},
        "pulse_scorecard_edit": {"pk": measurable.pk},
        "pulse_scorecard_value": {"pk": measurable.pk},
    }


def api_objects(acme: Organization, owner: Membership) -> dict[str, Any]:
    return {"cycle_id": _cycle(acme).pk, "measurable_id": _measurable(acme, owner).pk}


API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("put", "/pulse/cycles/{cycle_id}/answer"): {"votes": [], "one_thing": "Acme thing"},
    ("patch", "/pulse/measurables/{measurable_id}"): {"name": "Acme renamed"},
    ("put", "/pulse/measurables/{measurable_id}/values"): {"week": "2026-01-05", "value": 1},
}
