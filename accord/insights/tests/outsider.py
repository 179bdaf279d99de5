"""Acme's objects for the outsider test (see accord/orgs/tests/outsider.py)."""

from __future__ import annotations

from typing import Any

from accord.orgs.models import Membership, Organization

# A quarter names no object: charlie may read his own organisation's report.
PLAIN_PARAMETERS = ("quarter",)


def page_objects(acme: Organization, owner: Membership) -> dict[str, dict[str, Any]]:
    return {
        "insights_index": {},
        "insights_report_index": {},
        "insights_report": {"quarter": "2026Q1"},
        "insights_report_pdf": {"quarter": "2026Q1"},
    }


def api_objects(acme: Organization, owner: Membership) -> dict[str, Any]:
    return {}


API_BODIES: dict[tuple[str, str], dict[str, Any]] = {}
