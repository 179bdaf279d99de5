"""Acme's people on the pulse's pinned clock (a Monday, 2 November 2026)."""

from accord.pulse.tests.conftest import (  # noqa: F401
    NOW,
    clock,
    goals,
    marketer,
    marketing_lead,
    owner,
    sales_lead,
    seller,
    viewer,
)
