"""Northwind's pipeline demo: a realistic funnel, breaches, reasons, every
pipeline page filled, the SLA watched. Seeded once, read by each check in
turn. (A second run changing nothing is accord/tests/test_demo.py's, for
every app.)"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accord.accounts.models import User
from accord.cli.demo import seed_demo
from accord.orgs.models import Organization
from accord.pipeline.models import SlaBreach
from accord.pipeline.selectors import compliance, funnel, rejection_reasons

pytestmark = pytest.mark.dates


def test_it_seeds_18_months_of_pipeline_shown_on_every_page(db, client, subtests):
    northwind = seed_demo()
    for check in (eighteen_months_of_funnel_breaches_and_reasons, every_page_shows_the_demo_data):
        with subtests.test(check.__name__.replace("_", " ")), transaction.atomic():
            check(northwind, client)
            transaction.set_rollback(True)
    # The worker watches the demo agreement: one SLA check queued.
    assert DBTaskResult.objects.filter(args_kwargs__icontains="sla_check").count() == 1


def eighteen_months_of_funnel_breaches_and_reasons(northwind: Organization, client: Client) -> None:
    result = funnel(northwind, by="month")
    stages = {s["stage"]: s["count"] for s in result["stages"]}
    assert stages["mql"] > 700
    order = [stages[s] for s in ("mql", "accepted", "sql", "opportunity", "won")]
    assert order == sorted(order, reverse=True) and order[-1] > 0
    assert len(result["groups"]) >= 17
    assert SlaBreach.objects.filter(organization=northwind).count() > 50
    assert len(rejection_reasons(northwind)["totals"]) == 7
    months = compliance(northwind)
    assert any(m.touch_compliance and m.touch_compliance < 100 for m in months)


def every_page_shows_the_demo_data(northwind: Organization, client: Client) -> None:
    client.force_login(User.objects.get(email="nadia@northwind.example"))
    for name, needle in [
        ("pipeline_index", "Marketing-sourced"),
        ("pipeline_triage", "Reject"),
        ("pipeline_compliance", "Not our customer profile"),
        ("pipeline_agreement", "In effect: v1"),
        ("pipeline_imports", "Import a CSV export"),
        ("pipeline_crm", "No CRM connected"),
    ]:
        response = client.get(reverse(name, kwargs={"org_slug": northwind.slug}))
        assert response.status_code == 200, name
        assert needle in response.content.decode(), name
    by_month = client.get(reverse("pipeline_index", kwargs={"org_slug": "northwind"}) + "?by=month")
    assert by_month.status_code == 200 and "<svg" in by_month.content.decode()
