"""Northwind's generated quarterly report: the last complete quarter's, recorded
as the quarter-end job records it (without emailing anyone), and the job of
the current quarter queued. Running it again changes nothing."""

from __future__ import annotations

from accord.insights.delivery import report_generate, report_schedule_ensure
from accord.insights.health import local_today
from accord.insights.quarters import quarter_of
from accord.orgs.models import Membership, Organization


def seed(organization: Organization, people: dict[str, Membership]) -> None:
    last = quarter_of(local_today(organization)).previous
    report_generate(organization, last, email=False)
    report_schedule_ensure(organization)
