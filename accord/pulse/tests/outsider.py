"""Acme's objects for the outsider test (see accord/orgs/tests/outsider.py)."""

from __future__ import annotations

from typing import Any

from accord.orgs.models import Membership, Organization


def page_objects(acme: Organization, owner: Membership) -> dict[str, dict[str, Any]]:
    return {"pulse_index": {}}


def api_objects(acme: Organization, owner: Membership) -> dict[str, Any]:
    return {}


API_BODIES: dict[tuple[str, str], dict[str, Any]] = {}
